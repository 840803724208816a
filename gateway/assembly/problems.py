"""The assembly's problem codes, with their HTTP status and titles in sq, sr and en.

Registered into the gateway's one registry (``gateway/refusals.py``) and raised as a plain
``Refusal``. The codes are stable; a municipality's client may branch on them.
"""

from __future__ import annotations

from gateway.refusals import register

register(
    "assembly.not_owner",
    403,
    "Kjo i takon një komune tjetër",
    "Ovo pripada drugoj opštini",
    "This belongs to another municipality",
)
register(
    "assembly.session.unknown",
    404,
    "Seanca e kuvendit nuk u gjet",
    "Sednica skupštine nije pronađena",
    "The assembly session was not found",
)
register(
    "assembly.item.unknown",
    404,
    "Pika e rendit të ditës nuk u gjet",
    "Tačka dnevnog reda nije pronađena",
    "The agenda item was not found",
)
register(
    "assembly.meeting.unknown",
    404,
    "Takimi publik i kryetarit nuk u gjet",
    "Javni sastanak predsednika nije pronađen",
    "The mayor's public meeting was not found",
)
register(
    "assembly.reference.taken",
    409,
    "Komuna ka publikuar tashmë diçka tjetër me këtë shenjë",
    "Opština je već objavila nešto drugo pod ovom oznakom",
    "The municipality has already published something different under this reference",
)
register(
    "assembly.agenda.too_late",
    422,
    "Rendi i ditës i seancës së rregullt publikohet së paku 7 ditë para saj",
    "Dnevni red redovne sednice objavljuje se najmanje 7 dana pre nje",
    "The agenda of a regular session is published at least 7 days before it",
)
register(
    "assembly.change.reason_required",
    409,
    "Ndryshimi i asaj që është publikuar kërkon arsyen",
    "Izmena objavljenog zahteva obrazloženje",
    "Changing what was published needs a reason",
)
register(
    "assembly.member.unknown",
    422,
    "Votuesi nuk është anëtar i kuvendit në ditën e seancës",
    "Glasač nije član skupštine na dan sednice",
    "The voter is not a member of the assembly on the session's day",
)
register(
    "assembly.vote.incomplete",
    422,
    "Votimi duhet ta emërojë çdo anëtar të kuvendit një herë",
    "Glasanje mora navesti svakog člana skupštine jednom",
    "The vote must name every member of the assembly once",
)
register(
    "assembly.vote.too_early",
    409,
    "Votimi regjistrohet pasi të jetë mbajtur seanca",
    "Glasanje se beleži kada je sednica održana",
    "A vote is recorded once the session has been held",
)
register(
    "assembly.vote.no_quorum",
    422,
    "Pa kuorum (më shumë se gjysma e anëtarëve të pranishëm) nuk ka votim të vlefshëm",
    "Bez kvoruma (više od polovine prisutnih članova) nema valjanog glasanja",
    "Without a quorum (more than half of the members present) there is no valid vote",
)
register(
    "assembly.vote.outcome_mismatch",
    422,
    "Rezultati i deklaruar nuk përputhet me votat dhe shumicën e kërkuar",
    "Objavljeni ishod se ne slaže sa glasovima i potrebnom većinom",
    "The declared outcome does not follow from the votes and the majority required",
)
register(
    "assembly.act.unknown",
    422,
    "Akti i lidhur nuk është akt i kësaj komune dhe i këtij organi në shqyrtim ligjshmërie",
    "Povezani akt nije akt ove opštine i ovog organa na proveri zakonitosti",
    "The linked act is not an act of this municipality and body under legality review",
)
register(
    "assembly.minutes.too_early",
    409,
    "Procesverbali publikohet pasi të jetë mbajtur seanca",
    "Zapisnik se objavljuje kada je sednica održana",
    "The minutes are published once the session has been held",
)
register(
    "assembly.already_published",
    409,
    "Kjo është publikuar tashmë",
    "Ovo je već objavljeno",
    "This has already been published",
)
register(
    "assembly.report.too_early",
    409,
    "Raporti publikohet pasi të jetë mbajtur takimi",
    "Izveštaj se objavljuje kada je sastanak održan",
    "The report is published once the meeting has been held",
)
