"""A sample assembly client: what a municipality's IT team writes to publish its assembly and
its mayor's work through the gateway (``/v1/assemblies``).

``seed`` publishes, for Prishtinë (19), Prizren (20) and Lipjan (13), a mandate of members and
a mayor, and a year of monthly regular sessions already held (an archive: each session's agenda
publication date is declared, eight to twelve days before it) with the vote of every member on
each agenda item, the minutes, some of the mayor's decisions and public meetings (Lipjan holds
only one, short of the two a year the law asks). Everything is published through the real
API, so the gateway's rules (notice, quorum, majority) check the seed as they check anyone; a
second run is a replay of the first. ``demo`` then publishes a regular session eight days
ahead and records a vote on an extraordinary session held yesterday: what ``make run`` shows.

    python -m sandbox.assembly --gateway http://127.0.0.1:8000

The sandbox imports nothing of the gateway: the outcome of each vote is computed here from the
rules the municipality follows (more than half present; more for than against among those
voting; two thirds of them for the statute).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.people_names import NAME_POOLS
from sandbox.portal import PortalClient, run_story

DEVELOPMENT_KEYS = {
    "19": "ekomunat-dev-municipality-19-key",
    "20": "ekomunat-dev-municipality-20-key",
    "13": "ekomunat-dev-municipality-13-key",
}
MANDATE = "2025-2029"
OFFICE_FROM = date(2025, 11, 20)
MEMBERS = 15
PARTIES = ("LVV", "LDK", "PDK", "AAK", "Lista e qytetarëve")
COMMITTEES = ("Komiteti për politikë dhe financa", "Komiteti për komunitete")
ITEMS = (
    ({"sq": "Raporti financiar tremujor", "sr": "Tromesečni finansijski izveštaj"}, "simple"),
    ({"sq": "Rregullore për parkingun publik", "sr": "Pravilnik o javnom parkiranju"}, "simple"),
    ({"sq": "Ndryshimi i statutit të komunës", "sr": "Izmena statuta opštine"}, "two_thirds"),
)


def member_id(code: str, number: int) -> str:
    return f"{code}-{MANDATE[:4]}-m{number:02d}"


def members(code: str) -> list[dict[str, Any]]:
    pool = NAME_POOLS["albanian"]
    draw = random.Random(f"members-{code}")
    listed = [
        {
            "member_id": member_id(code, number),
            "municipality": code,
            "mandate": MANDATE,
            "name": f"{draw.choice(pool.male + pool.female)} {draw.choice(pool.family)}",
            "party": PARTIES[number % len(PARTIES)],
            "committees": [COMMITTEES[number % 2]] if number % 3 == 0 else [],
            "office_from": OFFICE_FROM.isoformat(),
        }
        for number in range(1, MEMBERS + 1)
    ]
    listed.append(
        {
            "member_id": f"{code}-{MANDATE[:4]}-mayor",
            "municipality": code,
            "mandate": MANDATE,
            "name": f"{draw.choice(pool.male)} {draw.choice(pool.family)}",
            "party": PARTIES[0],
            "role": "mayor",
            "office_from": OFFICE_FROM.isoformat(),
        }
    )
    return listed


def outcome(options: Sequence[str], majority: str) -> str | None:
    """The outcome the votes give, or None without a quorum."""
    present = sum(option != "absent" for option in options)
    if present * 2 <= len(options):
        return None
    yes, no = options.count("for"), options.count("against")
    if majority == "two_thirds":
        return "adopted" if yes + no and yes * 3 >= (yes + no) * 2 else "rejected"
    return "adopted" if yes > no else "rejected"


def _vote(
    draw: random.Random, code: str, majority: str, away: frozenset[int] = frozenset()
) -> dict[str, Any]:
    """Every member's vote: those ``away`` missed the session, others vote (rarely leave)."""
    while True:
        options = [
            "absent"
            if number in away
            else draw.choices(("for", "against", "abstained", "absent"), (12, 4, 2, 1))[0]
            for number in range(1, MEMBERS + 1)
        ]
        result = outcome(options, majority)
        if result is not None:
            break
    return {
        "outcome": result,
        "votes": [
            {"member_id": member_id(code, number), "option": option}
            for number, option in enumerate(options, start=1)
        ],
    }


def _session(
    code: str,
    reference: str,
    held_at: datetime,
    *,
    declared: datetime | None,
    kind: str = "regular",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality": code,
        "reference": reference,
        "kind": kind,
        "held_at": held_at.isoformat(),
        "place": {"sq": "Salla e Kuvendit Komunal", "sr": "Sala Skupštine opštine"},
        "public_may_attend": True,
        "agenda": [
            {
                "number": number,
                "title": title,
                "majority": majority,
                "documents": [
                    {
                        "title": "Materiali",
                        "url": f"https://komuna-{code}.example/kuvendi/{reference}/{number}.pdf",
                    }
                ],
            }
            for number, (title, majority) in enumerate(ITEMS, start=1)
        ],
    }
    if declared is not None:
        body["agenda_published_at"] = declared.isoformat()
    return body


def seed(gateway: str, today: date | None = None) -> list[str]:
    """A mandate and a year of sessions for three municipalities; lines to print."""
    today = today or datetime.now(UTC).date()
    lines: list[str] = []
    for code, key in DEVELOPMENT_KEYS.items():
        office = PortalClient(gateway, key)
        base = f"/v1/assemblies/{code}"
        status, _ = office.call("PUT", f"{base}/members", {"members": members(code)})
        if status != 200:
            lines.append(f"members of {code}: HTTP {status}")
            continue
        draw = random.Random(f"sessions-{code}-{today.year}")
        votes = sessions = 0
        for months_ago in range(12, 0, -1):
            held_on = today - timedelta(days=30 * months_ago)
            held_at = datetime(held_on.year, held_on.month, held_on.day, 10, tzinfo=UTC)
            declared = held_at - timedelta(days=draw.randint(8, 12))
            reference = f"KK-{held_on:%Y-%m-%d}"
            status, session = office.call(
                "POST", f"{base}/sessions", _session(code, reference, held_at, declared=declared)
            )
            if status not in (200, 201):
                lines.append(f"session {reference} of {code}: HTTP {status}")
                continue
            sessions += 1
            away = frozenset(n for n in range(1, MEMBERS + 1) if draw.random() < 0.12)
            for number, (_, majority) in enumerate(ITEMS, start=1):
                path = f"{base}/sessions/{session['session_id']}/items/{number}/vote"
                status, _ = office.call("PUT", path, _vote(draw, code, majority, away))
                votes += status in (200, 201)
            office.call(
                "POST",
                f"{base}/sessions/{session['session_id']}/minutes",
                {
                    "approved_on": (held_on + timedelta(days=30)).isoformat()
                    if months_ago > 1
                    else held_on.isoformat(),
                    "documents": [
                        {
                            "title": "Procesverbali",
                            "url": f"https://komuna-{code}.example/pv/{reference}.pdf",
                        }
                    ],
                },
            )
        for number in range(1, 4):
            office.call(
                "POST",
                f"{base}/mayor/decisions",
                {
                    "municipality": code,
                    "number": f"02-{today.year}-{number:03d}",
                    "title": {
                        "sq": f"Vendim i kryetarit nr. {number}",
                        "sr": f"Odluka predsednika br. {number}",
                    },
                    "decided_on": (today - timedelta(days=40 * number)).isoformat(),
                },
            )
        meetings = 1 if code == "13" else 2
        for number in range(1, meetings + 1):
            held_on = today - timedelta(days=100 * number)
            status, meeting = office.call(
                "POST",
                f"{base}/mayor/meetings",
                {
                    "municipality": code,
                    "reference": f"TP-{held_on:%Y-%m-%d}",
                    "held_at": datetime(
                        held_on.year, held_on.month, held_on.day, 17, tzinfo=UTC
                    ).isoformat(),
                    "place": {"sq": "Shtëpia e Kulturës", "sr": "Dom kulture"},
                    "topics": [{"sq": "Buxheti", "sr": "Budžet"}, {"sq": "Rrugët", "sr": "Putevi"}],
                },
            )
            if status in (200, 201):
                office.call(
                    "POST",
                    f"{base}/mayor/meetings/{meeting['meeting_id']}/report",
                    {
                        "summary": {
                            "sq": "Qytetarët kërkuan riparimin e rrugëve.",
                            "sr": "Građani su tražili popravku puteva.",
                        },
                        "attendees": 40 + number,
                    },
                )
        lines.append(
            f"assembly of {code}: {MEMBERS} members and a mayor, {sessions} sessions, "
            f"{votes} votes recorded, {meetings} public meeting(s) of the mayor"
        )
    return lines


def demo(gateway: str) -> list[str]:
    """A session published (eight days ahead) and a vote recorded: the short story of make run."""
    office = PortalClient(gateway, DEVELOPMENT_KEYS["19"])
    now = datetime.now(UTC)
    # To the microsecond: two demos in one second (a test's and make run's) must not replay.
    stamp = now.strftime("%Y%m%d-%H%M%S-%f")
    lines = []
    status, upcoming = office.call(
        "POST",
        "/v1/assemblies/19/sessions",
        _session("19", f"KK-{stamp}", now + timedelta(days=8), declared=None),
    )
    lines.append(
        f"session KK-{stamp} of Prishtinë, in 8 days: HTTP {status}, agenda published "
        f"{upcoming.get('notice_days')} days ahead"
    )
    status, late = office.call(
        "POST",
        "/v1/assemblies/19/sessions",
        _session("19", f"KK-{stamp}-late", now + timedelta(days=3), declared=None),
    )
    lines.append(f"a regular session in 3 days: HTTP {status} {late.get('code')}")
    held = now - timedelta(days=1)
    status, session = office.call(
        "POST",
        "/v1/assemblies/19/sessions",
        _session(
            "19", f"KJ-{stamp}", held, declared=held - timedelta(days=2), kind="extraordinary"
        ),
    )
    if status == 201 and "session_id" in session:
        vote = _vote(random.Random(stamp), "19", "simple")
        path = f"/v1/assemblies/19/sessions/{session['session_id']}/items/1/vote"
        status, voted = office.call("PUT", path, vote)
        counts = voted.get("agenda", [{}])[0].get("votes", [{}])[-1].get("counts", {})
        lines.append(
            f"vote on item 1 of extraordinary session KJ-{stamp}: HTTP {status}, "
            f"{vote['outcome']} ({counts.get('for')} for, {counts.get('against')} against, "
            f"{counts.get('abstained')} abstained, {counts.get('absent')} absent)"
        )
    else:
        lines.append(
            f"extraordinary session KJ-{stamp} not published: HTTP {status} "
            f"{session.get('code')}; no vote recorded"
        )
    status, feed = PortalClient(gateway).call(
        "GET", "/v1/open/assembly-votes?municipality=19&page_size=1"
    )
    lines.append(
        f"/v1/open/assembly-votes (Popolo vote events): HTTP {status}, "
        f"{feed.get('page', {}).get('total')} of Prishtinë's"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    return run_story(__doc__.splitlines()[0], seed, demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
