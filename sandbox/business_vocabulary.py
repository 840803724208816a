"""Words the sandbox builds businesses and encumbrances from.

Activity descriptions are in Albanian because that is how the business registry records them;
the NACE Rev. 2 class codes are real. Legal-form suffixes follow the Kosovo forms (SH.P.K., SH.A.,
O.P., SH.K.), not the Republic of Albania's.
"""

NACE_ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("47.11", "Tregtia me pakicë në dyqane jo të specializuara, kryesisht me ushqime dhe pije"),
    ("47.30", "Tregtia me pakicë e karburanteve për automjete"),
    ("47.71", "Tregtia me pakicë e veshjeve në dyqane të specializuara"),
    ("47.73", "Tregtia me pakicë e barnave në farmaci"),
    ("46.90", "Tregtia me shumicë jo e specializuar"),
    ("45.20", "Mirëmbajtja dhe riparimi i automjeteve"),
    ("41.20", "Ndërtimi i ndërtesave banesore dhe jobanesore"),
    ("43.21", "Instalimet elektrike"),
    ("43.22", "Instalimet e ujësjellësit, ngrohjes dhe ajrit të kondicionuar"),
    ("49.41", "Transporti rrugor i mallrave"),
    ("49.32", "Shërbimet e taksisë"),
    ("55.10", "Hotelet dhe akomodimi i ngjashëm"),
    ("56.10", "Restorantet dhe shërbimet e lëvizshme të ushqimit"),
    ("56.30", "Shërbimi i pijeve"),
    ("62.01", "Programimi kompjuterik"),
    ("68.20", "Dhënia me qira dhe menaxhimi i pronave të paluajtshme"),
    ("69.20", "Aktivitetet e kontabilitetit, auditimit dhe konsulencës tatimore"),
    ("71.11", "Aktivitetet arkitekturore"),
    ("86.23", "Praktika stomatologjike"),
    ("96.02", "Parukeria dhe trajtimet e tjera të bukurisë"),
    ("10.71", "Prodhimi i bukës dhe i ëmbëlsirave të freskëta"),
    ("16.10", "Sharrimi dhe zdrukthimi i drurit"),
    ("25.11", "Prodhimi i strukturave metalike dhe i pjesëve të tyre"),
    ("31.09", "Prodhimi i mobiljeve të tjera"),
)

AGRICULTURAL_ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("01.11", "Kultivimi i drithërave, bishtajoreve dhe farërave vajore"),
    ("01.13", "Kultivimi i perimeve, pjeprave, rrënjëve dhe zhardhokëve"),
    ("01.24", "Kultivimi i frutave me bërthamë dhe me fara"),
    ("01.41", "Rritja e lopëve të qumështit"),
    ("01.47", "Rritja e shpezëve"),
    ("10.51", "Përpunimi i qumështit dhe prodhimi i djathit"),
)

TRADE_WORDS_SQ: tuple[str, ...] = (
    "Arbëri",
    "Dardania",
    "Iliria",
    "Besa",
    "Drini",
    "Rugova",
    "Sharri",
    "Liria",
    "Ylli",
    "Agimi",
    "Bora",
    "Jehona",
    "Kristal",
    "Vizioni",
    "Alfa",
    "Fortuna",
    "Eko",
    "Diamant",
    "Lumi",
    "Shqiponja",
    "Kalaja",
    "Ura",
    "Bletë",
    "Vllaznimi",
    "Kompleti",
    "Elektro",
)
TRADE_WORDS_SR: tuple[str, ...] = (
    "Sloga",
    "Morava",
    "Ibar",
    "Sloboda",
    "Jedinstvo",
    "Zora",
    "Sunce",
    "Lipa",
    "Kopaonik",
    "Bistrica",
    "Zvezda",
    "Izvor",
    "Dunav",
)
TRADE_WORDS_TR: tuple[str, ...] = ("Yıldız", "Güneş", "Bereket", "Doğan", "Çınar", "Anadolu")
FOREIGN_PARENTS: tuple[str, ...] = (
    "Alpina GmbH",
    "Anadolu Yapı A.Ş.",
    "Balkan Trade d.o.o.",
    "Adria Logistics S.p.A.",
    "Nordwind AG",
    "Illyria Holding Sh.a.",
)

LEGAL_FORM_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("individual", 0.58),
    ("llc", 0.30),
    ("general_partnership", 0.04),
    ("limited_partnership", 0.01),
    ("jsc", 0.02),
    ("foreign_branch", 0.03),
    ("agricultural_cooperative", 0.02),
)

BANKS: tuple[str, ...] = (
    "Banka Ekonomike",
    "ProCredit Bank",
    "Raiffeisen Bank Kosovo",
    "TEB Banka",
    "NLB Banka",
    "Banka Kombëtare Tregtare",
    "Banka për Biznes",
    "Ziraat Bankası",
)


def business_name(legal_form: str, word: str, owner_name: str) -> str:
    """The registered name a business of that legal form would carry."""
    if legal_form == "individual":
        return f'N.T.SH. "{word}" - {owner_name}'
    if legal_form == "llc":
        return f"{word} SH.P.K."
    if legal_form == "jsc":
        return f"{word} SH.A."
    if legal_form == "general_partnership":
        return f"{word} O.P."
    if legal_form == "limited_partnership":
        return f"{word} SH.K."
    if legal_form == "agricultural_cooperative":
        return f'Kooperativa Bujqësore "{word}"'
    return f"{word} - Dega në Kosovë"
