"""A sample municipality client: what a municipality's IT team writes against the gateway to
submit its acts for legality review and to hold its public hearings.

It submits two acts (an assembly regulation of Prishtinë, a mayor's decision of Prizren),
publishes a public hearing of Prishtinë whose comment period lasts a few seconds, lets a
citizen comment in it anonymously through the portal, follows the acts until the ministry has
decided (sending a reconsidered text when the ministry asks for one), publishes the report
once the comment period is over, and prints what the public register of acts shows. The demo
runs it; it is also a compact, runnable example of ``/v1/acts`` and ``/v1/hearings``:

    python -m sandbox.municipal_client --gateway http://127.0.0.1:8000 --wait 20
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.portal import PortalClient

DEVELOPMENT_KEYS = {
    "19": "ekomunat-dev-municipality-19-key",
    "20": "ekomunat-dev-municipality-20-key",
}
FINAL_REVIEW_STATES = frozenset({"found_lawful", "reconsidered", "referred_to_court", "withdrawn"})
COMMENT_PERIOD_S = 3.0


def _acts(stamp: str) -> list[dict[str, Any]]:
    return [
        {
            "municipality": "19",
            "kind": "assembly_regulation",
            "number": f"01-016/{stamp}",
            "title": {
                "sq": "Rregullore për parkingun publik",
                "sr": "Pravilnik o javnom parkiranju",
                "en": "Regulation on public parking",
            },
            "adopted_on": datetime.now(UTC).date().isoformat(),
            "documents": [
                {"title": "Rregullorja", "url": f"https://prishtina.example/akte/{stamp}.pdf"}
            ],
        },
        {
            "municipality": "20",
            "kind": "mayor_decision",
            "number": f"02-110/{stamp}",
            "title": {
                "sq": "Vendim për orarin e tregut",
                "sr": "Odluka o radnom vremenu pijace",
            },
            "adopted_on": datetime.now(UTC).date().isoformat(),
            "documents": [{"title": "Vendimi", "url": f"https://prizren.example/akte/{stamp}.pdf"}],
        },
    ]


def _hearing(stamp: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "municipality": "19",
        "reference": f"DP-{stamp}",
        "topic": {"sq": "Projektbuxheti 2027", "sr": "Nacrt budžeta za 2027"},
        "place": {"sq": "Salla e Kuvendit Komunal", "sr": "Sala Skupštine opštine"},
        "held_at": (now + timedelta(days=7)).isoformat(),
        "comments_until": (now + timedelta(seconds=COMMENT_PERIOD_S)).isoformat(),
        "documents": [{"title": "Projektbuxheti", "url": "https://prishtina.example/b27.pdf"}],
    }


def run(gateway: str, *, wait_s: float) -> list[str]:
    """Every step, and what came of it, as lines to print."""
    offices = {code: PortalClient(gateway, key) for code, key in DEVELOPMENT_KEYS.items()}
    portal = PortalClient(gateway)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    lines: list[str] = []
    acts: dict[str, str] = {}
    for act in _acts(stamp):
        status, answer = offices[act["municipality"]].call("POST", "/v1/acts", act)
        lines.append(f"act {act['number']} ({act['municipality']}): HTTP {status}")
        if status == 202:
            acts[answer["act_id"]] = act["municipality"]

    hearing = _hearing(stamp)
    status, published = offices["19"].call("POST", "/v1/hearings", hearing)
    lines.append(f"hearing {hearing['reference']} (19): HTTP {status}")
    status, _ = portal.call(
        "POST",
        "/v1/requests",
        {
            "service": "public-hearing-comment",
            "municipality": "19",
            "language": "sq",
            "form": {
                "hearing_reference": hearing["reference"],
                "description": "Më shumë hapësira të gjelbra.",
            },
        },
    )
    lines.append(f"an anonymous citizen's comment: HTTP {status}")

    deadline = time.monotonic() + wait_s
    states: dict[str, str] = {}
    revised: set[str] = set()
    while time.monotonic() < deadline:
        for act_id, code in acts.items():
            _, view = offices[code].call("GET", f"/v1/acts/{act_id}")
            states[act_id] = " → ".join(
                "revised" if event["previous_state"] == event["state"] else event["state"]
                for event in view.get("history", ())
            )
            if view.get("review_state") == "reconsideration_requested" and act_id not in revised:
                # The assembly reconsiders the act and sends the new text to the ministry.
                text = {key: view[key] for key in ("municipality", "kind", "number", "adopted_on")}
                text["title"] = {**view["title"], "sq": view["title"]["sq"] + " (e rishqyrtuar)"}
                text["documents"] = view["documents"]
                offices[code].call("PUT", f"/v1/acts/{act_id}", text)
                revised.add(act_id)
        if all(state.split(" → ")[-1] in FINAL_REVIEW_STATES for state in states.values()):
            break
        time.sleep(0.5)
    for act_id, history in states.items():
        lines.append(f"review of {act_id[:8]}: {history}")

    time.sleep(max(0.0, COMMENT_PERIOD_S - 0.5))
    if "hearing_id" in published:
        report = {
            "summary": {
                "sq": "U pranua një koment; hapësirat e gjelbra shtohen në buxhet.",
                "sr": "Primljen je jedan komentar; zelene površine se dodaju u budžet.",
            }
        }
        path = f"/v1/hearings/{published['hearing_id']}/report"
        status, closed = offices["19"].call("POST", path, report)
        lines.append(
            f"report on {hearing['reference']}: HTTP {status}, "
            f"{closed.get('comments_received', '?')} comment(s), {closed.get('status', '?')}"
        )
    _, register = portal.call("GET", f"/v1/open/acts?lang=en&year={datetime.now(UTC).year}")
    lines.append(f"public register of acts: {register.get('page', {}).get('total', '?')} act(s)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.municipal_client", description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to follow the reviews")
    args = parser.parse_args(argv)
    sys.stdout.write("\n".join(run(args.gateway, wait_s=args.wait)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
