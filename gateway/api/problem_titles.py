"""The gateway's own problem codes (requests, access, routing, registries, acts, hearings).

Registered into the one registry (``gateway/refusals.py``) beside the codes each feature adds
from its own module. ``registry.*`` codes name the registry in their middle part
(``registry.civil.unavailable``); they share one entry here, and the registry's name, from
``REGISTRY_NAMES``, is put into the title.
"""

from __future__ import annotations

from gateway.refusals import Texts, register

REGISTRY_NAMES: dict[str, Texts] = {
    "civil": {"sq": "i gjendjes civile", "sr": "civilnog stanja", "en": "civil"},
    "business": {"sq": "i bizneseve", "sr": "privrednih subjekata", "en": "business"},
    "cadastre": {"sq": "i kadastrës", "sr": "katastra", "en": "cadastre"},
    "tax": {
        "sq": "i Administratës Tatimore",
        "sr": "Poreske administracije",
        "en": "tax administration",
    },
}

register(
    "request.payload.invalid",
    422,
    "Të dhënat e kërkesës nuk janë të vlefshme",
    "Podaci zahteva nisu ispravni",
    "The request data is not valid",
)
register(
    "request.query.invalid",
    400,
    "Parametrat e kërkesës nuk janë të vlefshëm",
    "Parametri zahteva nisu ispravni",
    "The request parameters are not valid",
)
register(
    "request.header.invalid",
    400,
    "Një kokë e kërkesës nuk është e vlefshme",
    "Zaglavlje zahteva nije ispravno",
    "A request header is not valid",
)
register(
    "request.body.malformed",
    400,
    "Trupi i kërkesës nuk është JSON i vlefshëm",
    "Telo zahteva nije ispravan JSON",
    "The request body is not valid JSON",
)
register(
    "request.callback.refused",
    422,
    "Adresa e njoftimeve (callback_url) nuk pranohet",
    "Adresa za obaveštenja (callback_url) nije prihvaćena",
    "The callback address (callback_url) is not accepted",
)
register(
    "request.unknown",
    404,
    "Kërkesa nuk u gjet",
    "Zahtev nije pronađen",
    "The request was not found",
)
register(
    "resource.not_found",
    404,
    "Adresa e kërkuar nuk ekziston",
    "Tražena adresa ne postoji",
    "The requested address does not exist",
)
register(
    "method.not_allowed",
    405,
    "Metoda nuk lejohet për këtë adresë",
    "Metoda nije dozvoljena za ovu adresu",
    "The method is not allowed for this address",
)
register(
    "media_type.unsupported",
    415,
    "Lloji i përmbajtjes nuk mbështetet",
    "Vrsta sadržaja nije podržana",
    "The content type is not supported",
)
register(
    "service.unknown",
    404,
    "Shërbimi nuk ekziston në katalog",
    "Usluga ne postoji u katalogu",
    "The service does not exist in the catalogue",
)
register(
    "municipality.unknown",
    404,
    "Komuna nuk ekziston",
    "Opština ne postoji",
    "The municipality does not exist",
)
register(
    "service.not_offered",
    422,
    "Kjo komunë nuk e ofron këtë shërbim",
    "Ova opština ne pruža ovu uslugu",
    "This municipality does not offer this service",
)
register(
    "applicant.not_found",
    422,
    "Aplikuesi nuk gjendet në regjistër",
    "Podnosilac nije pronađen u registru",
    "The applicant was not found in the registry",
)
register(
    "record.not_found",
    422,
    "Të dhënat e kërkuara nuk gjenden në regjistër",
    "Traženi podaci nisu pronađeni u registru",
    "The requested record was not found in the registry",
)
register(
    "rule.failed",
    422,
    "Kërkesa nuk i plotëson kushtet e shërbimit",
    "Zahtev ne ispunjava uslove usluge",
    "The request does not meet the conditions of the service",
)
register(
    "idempotency.conflict",
    409,
    "Çelësi i idempotencës është përdorur për një kërkesë tjetër",
    "Ključ idempotentnosti je već korišćen za drugi zahtev",
    "The idempotency key was already used for a different request",
)
register(
    "idempotency.key_missing",
    400,
    "Mungon koka Idempotency-Key",
    "Nedostaje zaglavlje Idempotency-Key",
    "The Idempotency-Key header is missing",
)
register(
    "auth.unauthenticated",
    401,
    "Kërkohet identifikimi i klientit",
    "Potrebna je identifikacija klijenta",
    "Client authentication is required",
)
register(
    "auth.forbidden",
    403,
    "Klienti nuk ka të drejtë për këtë shërbim",
    "Klijent nema pravo na ovu uslugu",
    "The client is not allowed to use this service",
)
register(
    "registry.*.unavailable",
    503,
    "Regjistri {registry} nuk është i qasshëm tani; provoni përsëri më vonë",
    "Registar {registry} trenutno nije dostupan; pokušajte ponovo kasnije",
    "The {registry} registry is not available now; please try again later",
    names=REGISTRY_NAMES,
)
register(
    "registry.*.bad_response",
    502,
    "Regjistri {registry} ktheu një përgjigje të pavlefshme",
    "Registar {registry} je vratio neispravan odgovor",
    "The {registry} registry returned an invalid answer",
    names=REGISTRY_NAMES,
)
register(
    "registry.*.rejected",
    502,
    "Regjistri {registry} e refuzoi pyetjen e portës",
    "Registar {registry} je odbio upit mrežnog prolaza",
    "The {registry} registry refused the gateway's query",
    names=REGISTRY_NAMES,
)
# Legality review of municipal acts (a municipality's client, /v1/acts).
register(
    "act.unknown",
    404,
    "Akti nuk u gjet",
    "Akt nije pronađen",
    "The act was not found",
)
register(
    "act.not_owner",
    403,
    "Akti i takon një komune tjetër",
    "Akt pripada drugoj opštini",
    "The act belongs to another municipality",
)
register(
    "act.number.taken",
    409,
    "Komuna ka dorëzuar tashmë një akt tjetër me këtë numër",
    "Opština je već podnela drugi akt sa ovim brojem",
    "The municipality has already submitted a different act with this number",
)
register(
    "act.transition.illegal",
    409,
    "Akti nuk mund të ndryshohet apo tërhiqet në gjendjen e tanishme të shqyrtimit",
    "Akt se ne može izmeniti ni povući u sadašnjem stanju razmatranja",
    "The act cannot be changed or withdrawn in its present review state",
)
# Public hearings (a municipality's client, /v1/hearings; citizens' comments, /v1/requests).
register(
    "hearing.unknown",
    404,
    "Dëgjimi publik nuk u gjet",
    "Javna rasprava nije pronađena",
    "The public hearing was not found",
)
register(
    "hearing.not_owner",
    403,
    "Dëgjimi publik i takon një komune tjetër",
    "Javna rasprava pripada drugoj opštini",
    "The public hearing belongs to another municipality",
)
register(
    "hearing.reference.taken",
    409,
    "Komuna ka publikuar tashmë një dëgjim tjetër me këtë shenjë",
    "Opština je već objavila drugu raspravu sa ovom oznakom",
    "The municipality has already published a different hearing under this reference",
)
register(
    "hearing.not_open_yet",
    409,
    "Afati për komente në këtë dëgjim publik ende nuk ka filluar",
    "Rok za komentare u ovoj javnoj raspravi još nije počeo",
    "The comment period of this public hearing has not begun yet",
)
register(
    "hearing.closed",
    409,
    "Afati për komente në këtë dëgjim publik ka përfunduar",
    "Rok za komentare u ovoj javnoj raspravi je istekao",
    "The comment period of this public hearing has closed",
)
register(
    "hearing.report.too_early",
    409,
    "Raporti mund të publikohet vetëm pasi të përfundojë afati për komente",
    "Izveštaj se može objaviti tek kada istekne rok za komentare",
    "The report can be published only after the comment period has ended",
)
register(
    "hearing.comment.personal_data",
    422,
    "Një koment anonim nuk mund të përmbajë numër personal, telefon ose e-mail",
    "Anonimni komentar ne može sadržati lični broj, telefon ili e-poštu",
    "An anonymous comment may not contain a personal number, phone number or e-mail",
)
register(
    "hearing.already_reported",
    409,
    "Për këtë dëgjim publik raporti është publikuar tashmë",
    "Izveštaj o ovoj javnoj raspravi je već objavljen",
    "The report of this public hearing has already been published",
)
register(
    "request.headers.too_large",
    431,
    "Kokat e kërkesës janë shumë të mëdha ose shumë të shumta",
    "Zaglavlja zahteva su prevelika ili ih je previše",
    "The request headers are too large or too many",
)
register(
    "auth.throttled",
    429,
    "Shumë përpjekje të dështuara për hyrje; provoni përsëri më vonë",
    "Previše neuspelih pokušaja prijave; pokušajte ponovo kasnije",
    "Too many failed sign-in attempts; please try again later",
)
register(
    "gateway.overloaded",
    503,
    "Porta ka shumë kërkesa tani; provoni përsëri pas pak",
    "Mrežni prolaz trenutno ima previše zahteva; pokušajte ponovo uskoro",
    "The gateway has too many requests right now; please try again shortly",
)
register(
    "store.unavailable",
    503,
    "Baza e të dhënave e portës nuk është e qasshme tani; provoni përsëri pas pak",
    "Baza podataka mrežnog prolaza trenutno nije dostupna; pokušajte ponovo uskoro",
    "The gateway's database is not available right now; please try again shortly",
)
register(
    "internal.error",
    500,
    "Ndodhi një gabim i brendshëm",
    "Došlo je do interne greške",
    "An internal error occurred",
)
