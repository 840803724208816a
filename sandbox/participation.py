"""A sample of citizens' participation through the portal: questions and petitions.

``seed`` asks, in Prishtinë (19), Prizren (20) and Lipjan (13), the assembly's members and the
mayor a few questions (the members ``sandbox.assembly`` published), has Prishtinë and Prizren
answer some through their own clients, and opens in each a petition against a regulation that
a few adult residents sign, each a person of the sandbox civil registry, so the gateway's
registry check passes for them. ``demo`` is the short story of ``make run``: one question
answered, one petition counted against its threshold, one second signature refused.

    python -m sandbox.participation --gateway http://127.0.0.1:8000

The sandbox imports nothing of the gateway: it speaks the API the portal and the
municipalities speak.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.assembly import DEVELOPMENT_KEYS, MANDATE, member_id
from sandbox.portal import PortalClient, run_story
from sandbox.records import Person
from sandbox.seed import REFERENCE_DATE, build_seed

MUNICIPALITIES = ("19", "20", "13")
ANSWERING = ("19", "20")
"""The municipalities whose clients answer in the seed (Lipjan's questions wait)."""
QUESTIONS = (
    ("Ndriçimi publik", "Kur do të rregullohet ndriçimi në rrugën kryesore të lagjes?"),
    ("Transporti publik", "A do të ketë linjë autobusi deri te shkolla e re?"),
    ("Buxheti participativ", "Si mund të propozojnë banorët projekte për buxhetin e vitit 2027?"),
)
ANSWER = "Faleminderit për pyetjen. Komuna e ka planifikuar këtë punë për vitin 2027."


def _adults(municipality: str) -> list[Person]:
    seed = build_seed()
    found = []
    for key in sorted(seed.persons):
        person = seed.persons[key]
        born = person.date_of_birth
        age = (
            REFERENCE_DATE.year
            - born.year
            - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))
        )
        if person.status == "alive" and person.municipality_code == municipality and age >= 19:
            found.append(person)
    return found


def _applicant(person: Person) -> dict[str, str]:
    return {
        "personal_number": person.personal_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }


def _request(
    service: str, municipality: str, form: dict[str, Any], person: Person | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service": service,
        "municipality": municipality,
        "language": "sq",
        "form": form,
    }
    if person is not None:
        body["applicant"] = _applicant(person)
    return body


def ask(portal: PortalClient, municipality: str, recipient: str, number: int) -> tuple[int, Any]:
    subject, text = QUESTIONS[number % len(QUESTIONS)]
    form = {"recipient": recipient, "subject": subject, "text": text}
    return portal.call(
        "POST", "/v1/requests", _request("assembly-question", municipality, form, None)
    )


def open_petition(portal: PortalClient, municipality: str, person: Person) -> tuple[int, Any]:
    adopted = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    form = {
        "kind": "regulation_referendum",
        "title": "Kundër rregullores për taksat e parkingut",
        "summary": "Kërkojmë që Kuvendi ta rishqyrtojë rregulloren e re për parkingun.",
        "regulation_number": f"01-{municipality}/2026-11",
        "regulation_adopted_on": adopted,
    }
    return portal.call(
        "POST", "/v1/requests", _request("citizens-petition", municipality, form, person)
    )


def sign(portal: PortalClient, municipality: str, petition_id: str, person: Person) -> int:
    body = _request("petition-signature", municipality, {"petition_id": petition_id}, person)
    status, _ = portal.call("POST", "/v1/requests", body)
    return status


def seed(gateway: str) -> list[str]:
    portal, lines = PortalClient(gateway), []
    for code in MUNICIPALITIES:
        asked = []
        for number, recipient in enumerate(
            (member_id(code, 1), member_id(code, 2), f"{code}-{MANDATE[:4]}-mayor")
        ):
            status, answer = ask(portal, code, recipient, number)
            if status == 202:
                asked.append(answer["request_id"])
        answered = 0
        if code in ANSWERING:
            office = PortalClient(gateway, DEVELOPMENT_KEYS[code])
            for question_id in asked[:2]:
                status, _ = office.call(
                    "POST", f"/v1/questions/{question_id}/answer", {"text": ANSWER}
                )
                answered += status == 200
        people = _adults(code)
        status, opened = open_petition(portal, code, people[0])
        signed = 1 if status == 202 else 0
        if status == 202:
            signed += sum(
                sign(portal, code, opened["request_id"], person) == 202 for person in people[1:4]
            )
        lines.append(
            f"{code}: {len(asked)} questions asked, {answered} answered; "
            f"a petition with {signed} signatures"
        )
    return lines


def demo(gateway: str) -> list[str]:
    """A question answered, a petition counted, a second signature refused."""
    portal, office, lines = PortalClient(gateway), PortalClient(gateway, DEVELOPMENT_KEYS["19"]), []
    status, asked = ask(portal, "19", f"19-{MANDATE[:4]}-mayor", 0)
    if status == 202:
        question_id = asked["request_id"]
        status, answered = office.call(
            "POST", f"/v1/questions/{question_id}/answer", {"text": ANSWER}
        )
        lines.append(
            f"question to Prishtinë's mayor: answered, HTTP {status}, "
            f"{answered.get('days_to_answer')} days; published at /v1/open/questions"
        )
    people = _adults("19")
    status, opened = open_petition(portal, "19", people[10])
    if status == 202:
        petition_id = opened["request_id"]
        for person in people[11:13]:
            sign(portal, "19", petition_id, person)
        again = sign(portal, "19", petition_id, people[11])
        _, feed = portal.call("GET", "/v1/open/petitions?municipality=19&lang=en&page_size=200")
        rows: list[dict[str, Any]] = feed.get("data", [])
        row = next((r for r in rows if r["petition_id"] == petition_id), {})
        lines.append(
            f"petition against regulation 01-19/2026-11: {row.get('signatures')} signatures of "
            f"{row.get('threshold')} needed (10 % of {row.get('registered_voters')} voters); "
            f"a second signature by the same person: HTTP {again}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    return run_story(__doc__.splitlines()[0], seed, demo, argv)


if __name__ == "__main__":
    sys.exit(main())
