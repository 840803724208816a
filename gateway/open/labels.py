"""Labels of the feeds' coded values in the portal's display languages (sq, sr, en).

Codes (``capital_investments``, ``public_review``) are what clients filter and branch on; the
labels are what people read. Every feed row carries both, the label in the language the
request chose.
"""

from __future__ import annotations

from contracts.catalogue import DisplayLanguage

Labels = dict[str, tuple[str, str, str]]

ECONOMIC_CATEGORIES: Labels = {
    "wages": ("Pagat dhe mëditjet", "Plate i dnevnice", "Wages and salaries"),
    "goods_services": ("Mallrat dhe shërbimet", "Roba i usluge", "Goods and services"),
    "subsidies": (
        "Subvencionet dhe transferet",
        "Subvencije i transferi",
        "Subsidies and transfers",
    ),
    "capital_investments": ("Investimet kapitale", "Kapitalne investicije", "Capital investments"),
}
REVENUE_SOURCES: Labels = {
    "property_tax": ("Tatimi në pronë", "Porez na imovinu", "Property tax"),
    "permits": ("Lejet dhe licencat", "Dozvole i licence", "Permits and licences"),
    "fees": (
        "Taksat dhe tarifat komunale",
        "Opštinske takse i naknade",
        "Municipal fees and charges",
    ),
    "other": ("Të hyra tjera", "Ostali prihodi", "Other revenues"),
}
PLAN_STATUSES: Labels = {
    "draft": ("Projekt", "Nacrt", "Draft"),
    "public_review": ("Në shqyrtim publik", "Na javnom uvidu", "In public review"),
    "approved": ("I miratuar", "Usvojen", "Approved"),
}
PLAN_KINDS: Labels = {
    "detailed": (
        "Plan rregullues i hollësishëm",
        "Detaljni regulacioni plan",
        "Detailed regulatory plan",
    ),
    "neighbourhood": ("Plan rregullues i lagjes", "Regulacioni plan naselja", "Neighbourhood plan"),
}
PROCUREMENT_CATEGORIES: Labels = {
    "works": ("Punë", "Radovi", "Works"),
    "goods": ("Furnizim", "Roba", "Goods"),
    "services": ("Shërbime", "Usluge", "Services"),
}
CONTRACTING_STAGES: Labels = {
    "tender": ("Tender i hapur", "Otvoren tender", "Open tender"),
    "award": ("Kontratë e dhënë", "Ugovor dodeljen", "Awarded"),
    "contract": ("Kontratë e nënshkruar", "Ugovor potpisan", "Contract signed"),
    "implementation": ("Në zbatim", "U realizaciji", "Being carried out"),
    "completed": ("E përfunduar", "Završeno", "Completed"),
}
PERMIT_KINDS: Labels = {
    "construction": ("Leje ndërtimore", "Građevinska dozvola", "Construction permit"),
    "occupancy": ("Certifikatë e përdorimit", "Sertifikat o upotrebi", "Occupancy certificate"),
}
INVESTOR_TYPES: Labels = {
    "natural_person": ("Person fizik", "Fizičko lice", "Private person"),
    "legal_person": ("Person juridik", "Pravno lice", "Business"),
    "public_body": ("Institucion publik", "Javna institucija", "Public body"),
}
ACT_STATES: Labels = {
    "submitted": ("I dorëzuar", "Podnet", "Submitted"),
    "received": ("I pranuar", "Primljen", "Received"),
    "under_review": ("Në shqyrtim", "U razmatranju", "Under review"),
    "found_lawful": ("I ligjshëm", "Zakonit", "Found lawful"),
    "reconsideration_requested": (
        "Kërkohet rishqyrtimi",
        "Zatraženo preispitivanje",
        "Reconsideration requested",
    ),
    "referred_to_court": ("I dërguar në gjykatë", "Upućen sudu", "Referred to court"),
    "reconsidered": ("I rishqyrtuar", "Preispitan", "Reconsidered"),
    "withdrawn": ("I tërhequr", "Povučen", "Withdrawn"),
}
ACT_KINDS: Labels = {
    "assembly_statute": ("Statuti i komunës", "Statut opštine", "Municipal statute"),
    "assembly_regulation": (
        "Rregullore e Kuvendit",
        "Pravilnik skupštine",
        "Assembly regulation",
    ),
    "assembly_decision": ("Vendim i Kuvendit", "Odluka skupštine", "Assembly decision"),
    "mayor_decision": ("Vendim i Kryetarit", "Odluka predsednika opštine", "Mayor's decision"),
}
ACT_ISSUERS: Labels = {
    "assembly": ("Kuvendi Komunal", "Skupština opštine", "Municipal Assembly"),
    "mayor": ("Kryetari i Komunës", "Predsednik opštine", "Mayor"),
}
HEARING_STATES: Labels = {
    "open": ("I hapur", "Otvorena", "Open"),
    "closed": ("I mbyllur me raport", "Zatvorena izveštajem", "Closed with its report"),
}
COMMENT_PERIODS: Labels = {
    "upcoming": ("Ende pa filluar", "Još nije počeo", "Not begun yet"),
    "open": ("I hapur për komente", "Otvoren za komentare", "Open for comments"),
    "ended": ("I përfunduar", "Završen", "Ended"),
}
_INDEX: dict[DisplayLanguage, int] = {"sq": 0, "sr": 1, "en": 2}


def label(labels: Labels, code: str, language: DisplayLanguage) -> str:
    """The label of ``code`` in ``language``; the code itself when it has none."""
    entry = labels.get(code)
    return entry[_INDEX[language]] if entry else code
