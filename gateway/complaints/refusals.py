"""Why the complaints channel says no: its problem codes, HTTP statuses, texts in sq, sr, en.

Registered into the gateway's one registry (``gateway/refusals.py``); the channel raises a
plain ``Refusal`` with one ``Reason`` per thing wrong. Open311 answers every refusal with a
list of ``{code, description}`` errors and an HTTP status of 404 (no such resource), 403
(missing or wrong ``api_key``) or 400 (anything else that cannot be done). The spec lets
``code`` be more specific than the status, but typed client libraries commonly read it as a
number, so the Open311 body carries the status and the stable dotted code travels in the
``X-Ekomunat-Error`` header (see ``gateway/api/open311``). A description is the code's detail
template filled in, else its title: meant for the citizen, it names the field and the rule,
never echoes the value sent (it may be a script, or someone's personal data).
"""

from __future__ import annotations

from gateway.refusals import PROBLEM_CODES, register

PREFIX = "complaint."

register(
    "complaint.api_key.missing",
    403,
    "Mungon api_key: aplikacioni duhet të identifikohet për të dërguar ankesa.",
    "Nedostaje api_key: aplikacija mora da se identifikuje da bi slala pritužbe.",
    "Missing api_key: the app must identify itself to submit complaints.",
)
register(
    "complaint.api_key.invalid",
    403,
    "api_key nuk është i vlefshëm për dërgimin e ankesave.",
    "api_key nije važeći za slanje pritužbi.",
    "Invalid api_key received: it may not submit complaints.",
)
register(
    "complaint.service_code.missing",
    400,
    "Mungon service_code: zgjidhni kategorinë e ankesës.",
    "Nedostaje service_code: izaberite kategoriju pritužbe.",
    "service_code was not provided: choose a complaint category.",
)
register(
    "complaint.service_code.unknown",
    404,
    "Kategoria e ankesës nuk ekziston.",
    "Kategorija pritužbe ne postoji.",
    "The service_code provided was not found.",
)
register(
    "complaint.jurisdiction.unknown",
    404,
    "jurisdiction_id nuk u gjet: përdorni rks-gov.net ose kodin e komunës (01-38).",
    "jurisdiction_id nije pronađen: koristite rks-gov.net ili šifru opštine (01-38).",
    "jurisdiction_id was not found: use rks-gov.net or a municipality code (01-38).",
)
register(
    "complaint.request.unknown",
    404,
    "Ankesa me këtë numër nuk u gjet.",
    "Pritužba sa ovim brojem nije pronađena.",
    "No complaint with this service_request_id was found.",
)
register(
    "complaint.token.unknown",
    404,
    "Ky token nuk u gjet.",
    "Ovaj token nije pronađen.",
    "This token was not found.",
)
register(
    "complaint.token.mismatch",
    403,
    "Ky token nuk i përket kësaj ankese.",
    "Ovaj token ne pripada ovoj pritužbi.",
    "This token does not belong to this complaint.",
)
register(
    "complaint.resource.unknown",
    404,
    "Kjo adresë nuk ekziston në Open311 GeoReport v2.",
    "Ova adresa ne postoji u Open311 GeoReport v2.",
    "No such Open311 GeoReport v2 resource.",
)
register(
    "complaint.format.unsupported",
    400,
    "Formati duhet të jetë json ose xml.",
    "Format mora biti json ili xml.",
    "The format must be json or xml.",
)
register(
    "complaint.body.invalid",
    400,
    "Kërkesa duhet të dërgohet si application/x-www-form-urlencoded në UTF-8.",
    "Zahtev mora biti poslat kao application/x-www-form-urlencoded u UTF-8.",
    "The request must be sent as application/x-www-form-urlencoded in UTF-8.",
)
register(
    "complaint.body.too_large",
    400,
    "Kërkesa është shumë e madhe",
    "Zahtev je prevelik",
    "The request is too large",
    details={
        "sq": "Kërkesa është shumë e madhe (më së shumti {limit} bajt).",
        "sr": "Zahtev je prevelik (najviše {limit} bajtova).",
        "en": "The request is too large (at most {limit} bytes).",
    },
)
register(
    "complaint.field.repeated",
    400,
    "Një fushë është dërguar më shumë se një herë",
    "Polje je poslato više puta",
    "A field was sent more than once",
    details={
        "sq": "Fusha {field} është dërguar më shumë se një herë.",
        "sr": "Polje {field} je poslato više puta.",
        "en": "The field {field} was sent more than once.",
    },
)
register(
    "complaint.field.unknown",
    400,
    "Një fushë nuk njihet",
    "Polje nije poznato",
    "A field is not known",
    details={
        "sq": "Fusha {field} nuk njihet.",
        "sr": "Polje {field} nije poznato.",
        "en": "The field {field} is not known.",
    },
)
register(
    "complaint.field.too_long",
    400,
    "Një fushë është shumë e gjatë",
    "Polje je predugačko",
    "A field is too long",
    details={
        "sq": "Fusha {field} është shumë e gjatë (më së shumti {limit} shenja).",
        "sr": "Polje {field} je predugačko (najviše {limit} znakova).",
        "en": "The field {field} is too long (at most {limit} characters).",
    },
)
register(
    "complaint.field.markup",
    400,
    "Një fushë përmban HTML ose skript",
    "Polje sadrži HTML ili skriptu",
    "A field contains HTML or script",
    details={
        "sq": "Fusha {field} përmban HTML ose skript; dërgoni vetëm tekst të thjeshtë.",
        "sr": "Polje {field} sadrži HTML ili skriptu; pošaljite samo običan tekst.",
        "en": "The field {field} contains HTML or script; send plain text only.",
    },
)
register(
    "complaint.field.control_characters",
    400,
    "Një fushë përmban shenja kontrolli të palejuara",
    "Polje sadrži nedozvoljene kontrolne znakove",
    "A field contains control characters that are not allowed",
    details={
        "sq": "Fusha {field} përmban shenja kontrolli ose ndërprerje rreshti të palejuara.",
        "sr": "Polje {field} sadrži nedozvoljene kontrolne znakove ili prelome reda.",
        "en": "The field {field} contains control characters or line breaks not allowed.",
    },
)
register(
    "complaint.field.invalid",
    400,
    "Vlera e një fushe nuk është e vlefshme",
    "Vrednost polja nije važeća",
    "The value of a field is not valid",
    details={
        "sq": "Vlera e fushës {field} nuk është e vlefshme.",
        "sr": "Vrednost polja {field} nije važeća.",
        "en": "The value of {field} is not valid.",
    },
)
register(
    "complaint.field.personal_data",
    400,
    "Një fushë përmban të dhëna personale",
    "Polje sadrži lične podatke",
    "A field contains personal data",
    details={
        "sq": "Fusha {field} përmban të dhëna personale (numër personal, telefon, e-mail "
        "ose emrin tuaj). Shkruajini ato vetëm te fushat e kontaktit, që nuk publikohen.",
        "sr": "Polje {field} sadrži lične podatke (lični broj, telefon, e-poštu ili vaše "
        "ime). Upišite ih samo u polja za kontakt, koja se ne objavljuju.",
        "en": "The field {field} contains personal data (a personal number, phone number, "
        "e-mail address or your name). Give them only in the contact fields, which are "
        "never published.",
    },
)
register(
    "complaint.attribute.missing",
    400,
    "Mungon një përgjigje e detyrueshme",
    "Nedostaje obavezan odgovor",
    "A required attribute was not provided",
    details={
        "sq": "Mungon përgjigjja e detyrueshme {field}.",
        "sr": "Nedostaje obavezan odgovor {field}.",
        "en": "The required attribute {field} was not provided.",
    },
)
register(
    "complaint.location.missing",
    400,
    "Mungon vendndodhja: dërgoni lat dhe long, ose address_string, ose address_id.",
    "Nedostaje lokacija: pošaljite lat i long, ili address_string, ili address_id.",
    "A full location parameter must be submitted: lat and long, address_string or address_id.",
)
register(
    "complaint.location.incomplete",
    400,
    "lat dhe long duhet të dërgohen së bashku.",
    "lat i long moraju biti poslati zajedno.",
    "lat and long must both be sent.",
)
register(
    "complaint.location.outside_kosovo",
    400,
    "Koordinatat janë jashtë Kosovës.",
    "Koordinate su van Kosova.",
    "The coordinates are outside Kosovo.",
)
register(
    "complaint.location.unplaced",
    400,
    "Nuk dihet në cilën komunë është problemi: dërgoni lat dhe long, ose "
    "jurisdiction_id me kodin e komunës, ose emrin e komunës në address_string.",
    "Ne zna se u kojoj je opštini problem: pošaljite lat i long, ili "
    "jurisdiction_id sa šifrom opštine, ili naziv opštine u address_string.",
    "Which municipality the problem is in cannot be told: send lat and long, "
    "a municipality code as jurisdiction_id, or the municipality's name in "
    "address_string.",
)
register(
    "complaint.query.invalid",
    400,
    "Një parametër nuk është i vlefshëm",
    "Parametar nije važeći",
    "A parameter is not valid",
    details={
        "sq": "Parametri {field} nuk është i vlefshëm.",
        "sr": "Parametar {field} nije važeći.",
        "en": "The parameter {field} is not valid.",
    },
)
register(
    "complaint.query.range_too_long",
    400,
    "Periudha start_date–end_date është shumë e gjatë",
    "Period start_date–end_date je predug",
    "The start_date to end_date range is too long",
    details={
        "sq": "Periudha start_date–end_date nuk mund të jetë më e gjatë se {limit} ditë.",
        "sr": "Period start_date–end_date ne može biti duži od {limit} dana.",
        "en": "The start_date to end_date range may not span more than {limit} days.",
    },
)
register(
    "complaint.service.error",
    400,
    "Ndodhi një gabim në shërbim; provoni përsëri më vonë.",
    "Došlo je do greške u usluzi; pokušajte ponovo kasnije.",
    "General service error; please try again later.",
)
register(
    "complaint.service.overloaded",
    503,
    "Shërbimi ka shumë kërkesa tani; provoni përsëri pas pak.",
    "Usluga trenutno ima previše zahteva; pokušajte ponovo uskoro.",
    "The service has too many requests right now; please try again shortly.",
)


def statuses() -> set[int]:
    """The HTTP statuses the channel's refusals come with, for its OpenAPI document."""
    return {kind.status for code, kind in PROBLEM_CODES.codes().items() if code.startswith(PREFIX)}
