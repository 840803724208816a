"""A sample e-Kosova portal client: what the portal's developers write against the gateway.

It picks real citizens from the sandbox registries' seed (so the registries know them),
submits a handful of sync and async requests over plain HTTP with the documented headers,
follows the async ones at their status URLs, and prints what a citizen would see. The demo
(``ekomunat-gateway demo``) runs it; it is also a compact, runnable example of the API:

    python -m sandbox.portal --gateway http://127.0.0.1:8000 --municipalities 19 20
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.seed import DEFAULT_PERSONS, DEFAULT_SEED, SeedData, build_seed

DEVELOPMENT_PORTAL_KEY = "ekomunat-dev-portal-key"
FINAL_STATUSES = frozenset({"completed", "approved", "rejected", "closed"})


@dataclass
class Case:
    """One citizen's request and what came of it."""

    title: str
    service: str
    municipality: str
    body: dict[str, Any]
    http_status: int = 0
    answer: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    history: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.http_status in (200, 202):
            return self.status
        return f"{self.answer.get('code', 'error')}"


class PortalClient:
    def __init__(self, gateway: str, key: str = DEVELOPMENT_PORTAL_KEY) -> None:
        self.gateway = gateway.rstrip("/")
        self.key = key

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = str(uuid.uuid4())
        request = urllib.request.Request(
            self.gateway + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")

    def submit(self, case: Case) -> None:
        case.http_status, case.answer = self.call("POST", "/v1/requests", case.body)
        case.status = case.answer.get("status", "")

    def follow(self, case: Case) -> None:
        if case.http_status != 202:
            return
        _code, view = self.call("GET", case.answer["status_url"])
        case.status = view.get("status", case.status)
        case.history = [change["status"] for change in view.get("history", [])]


def _applicant(person: Any) -> dict[str, str]:
    return {
        "personal_number": person.personal_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }


def _case(
    title: str, service: str, person: Any, municipality: str, form: dict[str, Any], language: str
) -> Case:
    return Case(
        title=title,
        service=service,
        municipality=municipality,
        body={
            "service": service,
            "municipality": municipality,
            "language": language,
            "applicant": _applicant(person),
            "form": form,
        },
    )


def sample_cases(seed: SeedData, municipalities: Sequence[str]) -> list[Case]:
    """A morning at the portal: certificates, a refusal, and applications for the back-offices."""
    home = municipalities[0]
    citizen = seed.person_in(home)
    owner = next(
        person
        for index in range(len(seed.persons))
        for person in [seed.alive_parcel_owner(index)]
        if any(
            parcel.municipality_code in municipalities
            and all(e.kind != "dispute" for e in parcel.encumbrances)
            for parcel, _ in seed.possessions[person.personal_number]
        )
    )
    parcel = next(
        parcel
        for parcel, _ in seed.possessions[owner.personal_number]
        if parcel.municipality_code in municipalities
        and all(e.kind != "dispute" for e in parcel.encumbrances)
    )
    business_owner, business = seed.active_business_owner()
    deceased = seed.deceased_person()
    zone = seed.possessions[owner.personal_number][0][0].cadastral_zone
    cases = [
        _case(
            "birth certificate",
            "birth-certificate",
            citizen,
            home,
            {"purpose": "employment"},
            "sq",
        ),
        _case(
            "possession list",
            "possession-list",
            owner,
            parcel.municipality_code,
            {"purpose": "other", "cadastral_zone": zone},
            "sr",
        ),
        _case(
            "business extract",
            "business-status-extract",
            business_owner,
            home,
            {"purpose": "other", "business_number": business.registration_number},
            "en",
        ),
        _case(
            "birth certificate (deceased)",
            "birth-certificate",
            deceased,
            home,
            {"purpose": "other"},
            "en",
        ),
        _case(
            "construction permit I",
            "construction-permit-category-i",
            owner,
            parcel.municipality_code,
            {
                "cadastral_zone": parcel.cadastral_zone,
                "parcel_number": parcel.parcel_number,
                "construction_conditions_number": "KN-2026-0101",
                "building_use": "residential",
                "area_m2": 160,
                "attachments": [{"name": "projekti.pdf", "url": "https://e-kosova.example/d/1"}],
            },
            "sq",
        ),
    ]
    for index, municipality in enumerate(municipalities):
        resident = seed.person_in(municipality, index + 1)
        cases.append(
            _case(
                "complaint about a service",
                "municipal-service-complaint",
                resident,
                municipality,
                {"description": "Sporteli i gjendjes civile ishte i mbyllur në orarin e punës."},
                "sq",
            )
        )
        cases.append(
            _case(
                "property tax invoice",
                "property-tax-invoice",
                resident,
                municipality,
                {"tax_year": 2026},
                "sr",
            )
        )
    return cases


def run(
    gateway: str, municipalities: Sequence[str], *, wait_s: float, seed: SeedData
) -> list[Case]:
    client = PortalClient(gateway)
    cases = sample_cases(seed, municipalities)
    for case in cases:
        client.submit(case)
    deadline = time.monotonic() + wait_s
    pending = [case for case in cases if case.http_status == 202]
    while pending and time.monotonic() < deadline:
        time.sleep(0.5)
        for case in pending:
            client.follow(case)
        pending = [case for case in pending if case.status not in FINAL_STATUSES]
    for case in cases:
        client.follow(case)
    return cases


def render(cases: Sequence[Case]) -> str:
    rows = [("request", "municipality", "HTTP", "outcome", "status history")]
    for case in cases:
        rows.append(
            (
                case.title,
                case.municipality,
                str(case.http_status),
                case.outcome,
                " → ".join(case.history) if case.history else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("─" * width for width in widths))
    return "\n".join(lines)


def run_story(
    description: str,
    seed: Callable[[str], list[str]],
    demo: Callable[[str], list[str]],
    argv: Sequence[str] | None = None,
) -> int:
    """The command line of a seeded story of ``make run`` (``sandbox.assembly``,
    ``sandbox.participation``): ``seed`` fills the gateway, then ``demo`` tells the short
    story unless ``--seed-only``; each returns the lines it prints."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args(argv)
    lines = seed(args.gateway)
    if not args.seed_only:
        lines += demo(args.gateway)
    for line in lines:
        sys.stdout.write(f"  {line}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.portal", description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--municipalities", nargs="+", default=["19", "20"])
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to follow async cases")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS)
    args = parser.parse_args(argv)
    cases = run(
        args.gateway,
        args.municipalities,
        wait_s=args.wait,
        seed=build_seed(seed=args.seed, persons=args.persons),
    )
    sys.stdout.write(render(cases) + "\n")
    return 0 if all(case.http_status in (200, 202, 422) for case in cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
