"""The gateway's stable problem codes, their HTTP status and their titles in sq, sr and en.

A code is a promise to the portal: it never changes meaning, so clients may branch on it.
``registry.*`` codes name the registry in their middle part (``registry.civil.unavailable``);
they share one entry here, and the registry's name is put into the title.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemKind:
    status: int
    sq: str
    sr: str
    en: str


PROBLEMS: dict[str, ProblemKind] = {
    "request.payload.invalid": ProblemKind(
        422,
        "Të dhënat e kërkesës nuk janë të vlefshme",
        "Podaci zahteva nisu ispravni",
        "The request data is not valid",
    ),
    "request.query.invalid": ProblemKind(
        400,
        "Parametrat e kërkesës nuk janë të vlefshëm",
        "Parametri zahteva nisu ispravni",
        "The request parameters are not valid",
    ),
    "request.header.invalid": ProblemKind(
        400,
        "Një kokë e kërkesës nuk është e vlefshme",
        "Zaglavlje zahteva nije ispravno",
        "A request header is not valid",
    ),
    "request.body.malformed": ProblemKind(
        400,
        "Trupi i kërkesës nuk është JSON i vlefshëm",
        "Telo zahteva nije ispravan JSON",
        "The request body is not valid JSON",
    ),
    "request.callback.refused": ProblemKind(
        422,
        "Adresa e njoftimeve (callback_url) nuk pranohet",
        "Adresa za obaveštenja (callback_url) nije prihvaćena",
        "The callback address (callback_url) is not accepted",
    ),
    "request.unknown": ProblemKind(
        404,
        "Kërkesa nuk u gjet",
        "Zahtev nije pronađen",
        "The request was not found",
    ),
    "resource.not_found": ProblemKind(
        404,
        "Adresa e kërkuar nuk ekziston",
        "Tražena adresa ne postoji",
        "The requested address does not exist",
    ),
    "method.not_allowed": ProblemKind(
        405,
        "Metoda nuk lejohet për këtë adresë",
        "Metoda nije dozvoljena za ovu adresu",
        "The method is not allowed for this address",
    ),
    "media_type.unsupported": ProblemKind(
        415,
        "Lloji i përmbajtjes nuk mbështetet",
        "Vrsta sadržaja nije podržana",
        "The content type is not supported",
    ),
    "service.unknown": ProblemKind(
        404,
        "Shërbimi nuk ekziston në katalog",
        "Usluga ne postoji u katalogu",
        "The service does not exist in the catalogue",
    ),
    "municipality.unknown": ProblemKind(
        404,
        "Komuna nuk ekziston",
        "Opština ne postoji",
        "The municipality does not exist",
    ),
    "service.not_offered": ProblemKind(
        422,
        "Kjo komunë nuk e ofron këtë shërbim",
        "Ova opština ne pruža ovu uslugu",
        "This municipality does not offer this service",
    ),
    "applicant.not_found": ProblemKind(
        422,
        "Aplikuesi nuk gjendet në regjistër",
        "Podnosilac nije pronađen u registru",
        "The applicant was not found in the registry",
    ),
    "record.not_found": ProblemKind(
        422,
        "Të dhënat e kërkuara nuk gjenden në regjistër",
        "Traženi podaci nisu pronađeni u registru",
        "The requested record was not found in the registry",
    ),
    "rule.failed": ProblemKind(
        422,
        "Kërkesa nuk i plotëson kushtet e shërbimit",
        "Zahtev ne ispunjava uslove usluge",
        "The request does not meet the conditions of the service",
    ),
    "idempotency.conflict": ProblemKind(
        409,
        "Çelësi i idempotencës është përdorur për një kërkesë tjetër",
        "Ključ idempotentnosti je već korišćen za drugi zahtev",
        "The idempotency key was already used for a different request",
    ),
    "idempotency.key_missing": ProblemKind(
        400,
        "Mungon koka Idempotency-Key",
        "Nedostaje zaglavlje Idempotency-Key",
        "The Idempotency-Key header is missing",
    ),
    "auth.unauthenticated": ProblemKind(
        401,
        "Kërkohet identifikimi i klientit",
        "Potrebna je identifikacija klijenta",
        "Client authentication is required",
    ),
    "auth.forbidden": ProblemKind(
        403,
        "Klienti nuk ka të drejtë për këtë shërbim",
        "Klijent nema pravo na ovu uslugu",
        "The client is not allowed to use this service",
    ),
    "registry.*.unavailable": ProblemKind(
        503,
        "Regjistri {registry} nuk është i qasshëm tani; provoni përsëri më vonë",
        "Registar {registry} trenutno nije dostupan; pokušajte ponovo kasnije",
        "The {registry} registry is not available now; please try again later",
    ),
    "registry.*.bad_response": ProblemKind(
        502,
        "Regjistri {registry} ktheu një përgjigje të pavlefshme",
        "Registar {registry} je vratio neispravan odgovor",
        "The {registry} registry returned an invalid answer",
    ),
    "registry.*.rejected": ProblemKind(
        502,
        "Regjistri {registry} e refuzoi pyetjen e portës",
        "Registar {registry} je odbio upit mrežnog prolaza",
        "The {registry} registry refused the gateway's query",
    ),
    # Legality review of municipal acts (a municipality's client, /v1/acts).
    "act.unknown": ProblemKind(
        404,
        "Akti nuk u gjet",
        "Akt nije pronađen",
        "The act was not found",
    ),
    "act.not_owner": ProblemKind(
        403,
        "Akti i takon një komune tjetër",
        "Akt pripada drugoj opštini",
        "The act belongs to another municipality",
    ),
    "act.number.taken": ProblemKind(
        409,
        "Komuna ka dorëzuar tashmë një akt tjetër me këtë numër",
        "Opština je već podnela drugi akt sa ovim brojem",
        "The municipality has already submitted a different act with this number",
    ),
    "act.transition.illegal": ProblemKind(
        409,
        "Akti nuk mund të ndryshohet apo tërhiqet në gjendjen e tanishme të shqyrtimit",
        "Akt se ne može izmeniti ni povući u sadašnjem stanju razmatranja",
        "The act cannot be changed or withdrawn in its present review state",
    ),
    # Public hearings (a municipality's client, /v1/hearings; citizens' comments, /v1/requests).
    "hearing.unknown": ProblemKind(
        404,
        "Dëgjimi publik nuk u gjet",
        "Javna rasprava nije pronađena",
        "The public hearing was not found",
    ),
    "hearing.not_owner": ProblemKind(
        403,
        "Dëgjimi publik i takon një komune tjetër",
        "Javna rasprava pripada drugoj opštini",
        "The public hearing belongs to another municipality",
    ),
    "hearing.reference.taken": ProblemKind(
        409,
        "Komuna ka publikuar tashmë një dëgjim tjetër me këtë shenjë",
        "Opština je već objavila drugu raspravu sa ovom oznakom",
        "The municipality has already published a different hearing under this reference",
    ),
    "hearing.not_open_yet": ProblemKind(
        409,
        "Afati për komente në këtë dëgjim publik ende nuk ka filluar",
        "Rok za komentare u ovoj javnoj raspravi još nije počeo",
        "The comment period of this public hearing has not begun yet",
    ),
    "hearing.closed": ProblemKind(
        409,
        "Afati për komente në këtë dëgjim publik ka përfunduar",
        "Rok za komentare u ovoj javnoj raspravi je istekao",
        "The comment period of this public hearing has closed",
    ),
    "hearing.report.too_early": ProblemKind(
        409,
        "Raporti mund të publikohet vetëm pasi të përfundojë afati për komente",
        "Izveštaj se može objaviti tek kada istekne rok za komentare",
        "The report can be published only after the comment period has ended",
    ),
    "hearing.comment.personal_data": ProblemKind(
        422,
        "Një koment anonim nuk mund të përmbajë numër personal, telefon ose e-mail",
        "Anonimni komentar ne može sadržati lični broj, telefon ili e-poštu",
        "An anonymous comment may not contain a personal number, phone number or e-mail",
    ),
    "hearing.already_reported": ProblemKind(
        409,
        "Për këtë dëgjim publik raporti është publikuar tashmë",
        "Izveštaj o ovoj javnoj raspravi je već objavljen",
        "The report of this public hearing has already been published",
    ),
    "request.headers.too_large": ProblemKind(
        431,
        "Kokat e kërkesës janë shumë të mëdha ose shumë të shumta",
        "Zaglavlja zahteva su prevelika ili ih je previše",
        "The request headers are too large or too many",
    ),
    "auth.throttled": ProblemKind(
        429,
        "Shumë përpjekje të dështuara për hyrje; provoni përsëri më vonë",
        "Previše neuspelih pokušaja prijave; pokušajte ponovo kasnije",
        "Too many failed sign-in attempts; please try again later",
    ),
    "gateway.overloaded": ProblemKind(
        503,
        "Porta ka shumë kërkesa tani; provoni përsëri pas pak",
        "Mrežni prolaz trenutno ima previše zahteva; pokušajte ponovo uskoro",
        "The gateway has too many requests right now; please try again shortly",
    ),
    "internal.error": ProblemKind(
        500,
        "Ndodhi një gabim i brendshëm",
        "Došlo je do interne greške",
        "An internal error occurred",
    ),
}

REGISTRY_NAMES: dict[str, tuple[str, str, str]] = {
    "civil": ("i gjendjes civile", "civilnog stanja", "civil"),
    "business": ("i bizneseve", "privrednih subjekata", "business"),
    "cadastre": ("i kadastrës", "katastra", "cadastre"),
}


def lookup(code: str) -> tuple[ProblemKind, str | None]:
    """The kind of a code and, for ``registry.<name>.<what>``, the registry's name."""
    if code in PROBLEMS:
        return PROBLEMS[code], None
    parts = code.split(".")
    if len(parts) == 3 and parts[0] == "registry":
        generic = f"registry.*.{parts[2]}"
        if generic in PROBLEMS:
            return PROBLEMS[generic], parts[1]
    raise KeyError(code)
