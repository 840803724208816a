"""Why the complaints channel says no: stable codes, HTTP statuses, texts in sq, sr, en.

Open311 answers every refusal with a list of ``{code, description}`` errors and an HTTP
status of 404 (no such resource), 403 (missing or wrong ``api_key``) or 400 (anything else
that cannot be done). The spec lets ``code`` be more specific than the status, but typed
client libraries commonly read it as a number, so the Open311 body carries the status and
the stable dotted code travels in the ``X-Ekomunat-Error`` header (see ``gateway/api/open311``).
Descriptions are meant for the citizen: they name the field and the rule, never echo the
value sent (it may be a script, or someone's personal data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contracts.catalogue import DisplayLanguage

# code: (HTTP status, {language: text}); texts may use {field} and {limit}.
_TEXTS: dict[str, tuple[int, dict[DisplayLanguage, str]]] = {
    "complaint.api_key.missing": (
        403,
        {
            "sq": "Mungon api_key: aplikacioni duhet të identifikohet për të dërguar ankesa.",
            "sr": "Nedostaje api_key: aplikacija mora da se identifikuje da bi slala pritužbe.",
            "en": "Missing api_key: the app must identify itself to submit complaints.",
        },
    ),
    "complaint.api_key.invalid": (
        403,
        {
            "sq": "api_key nuk është i vlefshëm për dërgimin e ankesave.",
            "sr": "api_key nije važeći za slanje pritužbi.",
            "en": "Invalid api_key received: it may not submit complaints.",
        },
    ),
    "complaint.service_code.missing": (
        400,
        {
            "sq": "Mungon service_code: zgjidhni kategorinë e ankesës.",
            "sr": "Nedostaje service_code: izaberite kategoriju pritužbe.",
            "en": "service_code was not provided: choose a complaint category.",
        },
    ),
    "complaint.service_code.unknown": (
        404,
        {
            "sq": "Kategoria e ankesës nuk ekziston.",
            "sr": "Kategorija pritužbe ne postoji.",
            "en": "The service_code provided was not found.",
        },
    ),
    "complaint.jurisdiction.unknown": (
        404,
        {
            "sq": "jurisdiction_id nuk u gjet: përdorni rks-gov.net ose kodin e komunës (01-38).",
            "sr": "jurisdiction_id nije pronađen: koristite rks-gov.net ili šifru opštine (01-38).",
            "en": "jurisdiction_id was not found: use rks-gov.net or a municipality code (01-38).",
        },
    ),
    "complaint.request.unknown": (
        404,
        {
            "sq": "Ankesa me këtë numër nuk u gjet.",
            "sr": "Pritužba sa ovim brojem nije pronađena.",
            "en": "No complaint with this service_request_id was found.",
        },
    ),
    "complaint.token.unknown": (
        404,
        {
            "sq": "Ky token nuk u gjet.",
            "sr": "Ovaj token nije pronađen.",
            "en": "This token was not found.",
        },
    ),
    "complaint.token.mismatch": (
        403,
        {
            "sq": "Ky token nuk i përket kësaj ankese.",
            "sr": "Ovaj token ne pripada ovoj pritužbi.",
            "en": "This token does not belong to this complaint.",
        },
    ),
    "complaint.resource.unknown": (
        404,
        {
            "sq": "Kjo adresë nuk ekziston në Open311 GeoReport v2.",
            "sr": "Ova adresa ne postoji u Open311 GeoReport v2.",
            "en": "No such Open311 GeoReport v2 resource.",
        },
    ),
    "complaint.format.unsupported": (
        400,
        {
            "sq": "Formati duhet të jetë json ose xml.",
            "sr": "Format mora biti json ili xml.",
            "en": "The format must be json or xml.",
        },
    ),
    "complaint.body.invalid": (
        400,
        {
            "sq": "Kërkesa duhet të dërgohet si application/x-www-form-urlencoded në UTF-8.",
            "sr": "Zahtev mora biti poslat kao application/x-www-form-urlencoded u UTF-8.",
            "en": "The request must be sent as application/x-www-form-urlencoded in UTF-8.",
        },
    ),
    "complaint.body.too_large": (
        400,
        {
            "sq": "Kërkesa është shumë e madhe (më së shumti {limit} bajt).",
            "sr": "Zahtev je prevelik (najviše {limit} bajtova).",
            "en": "The request is too large (at most {limit} bytes).",
        },
    ),
    "complaint.field.repeated": (
        400,
        {
            "sq": "Fusha {field} është dërguar më shumë se një herë.",
            "sr": "Polje {field} je poslato više puta.",
            "en": "The field {field} was sent more than once.",
        },
    ),
    "complaint.field.unknown": (
        400,
        {
            "sq": "Fusha {field} nuk njihet.",
            "sr": "Polje {field} nije poznato.",
            "en": "The field {field} is not known.",
        },
    ),
    "complaint.field.too_long": (
        400,
        {
            "sq": "Fusha {field} është shumë e gjatë (më së shumti {limit} shenja).",
            "sr": "Polje {field} je predugačko (najviše {limit} znakova).",
            "en": "The field {field} is too long (at most {limit} characters).",
        },
    ),
    "complaint.field.markup": (
        400,
        {
            "sq": "Fusha {field} përmban HTML ose skript; dërgoni vetëm tekst të thjeshtë.",
            "sr": "Polje {field} sadrži HTML ili skriptu; pošaljite samo običan tekst.",
            "en": "The field {field} contains HTML or script; send plain text only.",
        },
    ),
    "complaint.field.control_characters": (
        400,
        {
            "sq": "Fusha {field} përmban shenja kontrolli ose ndërprerje rreshti të palejuara.",
            "sr": "Polje {field} sadrži nedozvoljene kontrolne znakove ili prelome reda.",
            "en": "The field {field} contains control characters or line breaks not allowed.",
        },
    ),
    "complaint.field.invalid": (
        400,
        {
            "sq": "Vlera e fushës {field} nuk është e vlefshme.",
            "sr": "Vrednost polja {field} nije važeća.",
            "en": "The value of {field} is not valid.",
        },
    ),
    "complaint.field.personal_data": (
        400,
        {
            "sq": "Fusha {field} përmban të dhëna personale (numër personal, telefon, e-mail "
            "ose emrin tuaj). Shkruajini ato vetëm te fushat e kontaktit, që nuk publikohen.",
            "sr": "Polje {field} sadrži lične podatke (lični broj, telefon, e-poštu ili vaše "
            "ime). Upišite ih samo u polja za kontakt, koja se ne objavljuju.",
            "en": "The field {field} contains personal data (a personal number, phone number, "
            "e-mail address or your name). Give them only in the contact fields, which are "
            "never published.",
        },
    ),
    "complaint.attribute.missing": (
        400,
        {
            "sq": "Mungon përgjigjja e detyrueshme {field}.",
            "sr": "Nedostaje obavezan odgovor {field}.",
            "en": "The required attribute {field} was not provided.",
        },
    ),
    "complaint.location.missing": (
        400,
        {
            "sq": "Mungon vendndodhja: dërgoni lat dhe long, ose address_string, ose address_id.",
            "sr": "Nedostaje lokacija: pošaljite lat i long, ili address_string, ili address_id.",
            "en": "A full location parameter must be submitted: lat and long, address_string "
            "or address_id.",
        },
    ),
    "complaint.location.incomplete": (
        400,
        {
            "sq": "lat dhe long duhet të dërgohen së bashku.",
            "sr": "lat i long moraju biti poslati zajedno.",
            "en": "lat and long must both be sent.",
        },
    ),
    "complaint.location.outside_kosovo": (
        400,
        {
            "sq": "Koordinatat janë jashtë Kosovës.",
            "sr": "Koordinate su van Kosova.",
            "en": "The coordinates are outside Kosovo.",
        },
    ),
    "complaint.location.unplaced": (
        400,
        {
            "sq": "Nuk dihet në cilën komunë është problemi: dërgoni lat dhe long, ose "
            "jurisdiction_id me kodin e komunës, ose emrin e komunës në address_string.",
            "sr": "Ne zna se u kojoj je opštini problem: pošaljite lat i long, ili "
            "jurisdiction_id sa šifrom opštine, ili naziv opštine u address_string.",
            "en": "Which municipality the problem is in cannot be told: send lat and long, "
            "a municipality code as jurisdiction_id, or the municipality's name in "
            "address_string.",
        },
    ),
    "complaint.query.invalid": (
        400,
        {
            "sq": "Parametri {field} nuk është i vlefshëm.",
            "sr": "Parametar {field} nije važeći.",
            "en": "The parameter {field} is not valid.",
        },
    ),
    "complaint.query.range_too_long": (
        400,
        {
            "sq": "Periudha start_date–end_date nuk mund të jetë më e gjatë se {limit} ditë.",
            "sr": "Period start_date–end_date ne može biti duži od {limit} dana.",
            "en": "The start_date to end_date range may not span more than {limit} days.",
        },
    ),
    "complaint.service.error": (
        400,
        {
            "sq": "Ndodhi një gabim në shërbim; provoni përsëri më vonë.",
            "sr": "Došlo je do greške u usluzi; pokušajte ponovo kasnije.",
            "en": "General service error; please try again later.",
        },
    ),
    "complaint.service.overloaded": (
        503,
        {
            "sq": "Shërbimi ka shumë kërkesa tani; provoni përsëri pas pak.",
            "sr": "Usluga trenutno ima previše zahteva; pokušajte ponovo uskoro.",
            "en": "The service has too many requests right now; please try again shortly.",
        },
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One thing wrong with a request."""

    code: str
    field: str | None = None
    limit: int | None = None

    def text(self, language: DisplayLanguage) -> str:
        _, texts = _TEXTS[self.code]
        return texts[language].format(field=self.field or "", limit=self.limit or "")


@dataclass
class ComplaintRefused(Exception):
    """Raised by the complaints channel; the API turns it into the Open311 error list.

    All reasons of one refusal share the HTTP status of the first (the worst is listed
    first: 403 before 404 before 400).
    """

    reasons: Sequence[Reason] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(", ".join(reason.code for reason in self.reasons))

    @classmethod
    def of(
        cls, code: str, *, field: str | None = None, limit: int | None = None
    ) -> ComplaintRefused:
        return cls([Reason(code, field, limit)])

    @property
    def status(self) -> int:
        return status_of(self.reasons[0].code) if self.reasons else 400

    @property
    def code(self) -> str:
        return self.reasons[0].code if self.reasons else "complaint.service.error"


def status_of(code: str) -> int:
    return _TEXTS[code][0]


def known_codes() -> Mapping[str, int]:
    return {code: status for code, (status, _) in _TEXTS.items()}
