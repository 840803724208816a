"""The contracting feed as OCDS 1.1: release packages and record packages with compiled releases.

The procurement publisher's releases are re-published unchanged but for one addition: where a
release names the treasury budget line that funds it (``planning.budget.id``), the gateway adds
``planning.budget.uri``, the address of that line in its own budget feed, so a reader can go
from a contract to the money behind it. Records are compiled with ``ocdsmerge`` (the OCDS
reference implementation of merging) under the merge rules of the vendored 1.1 release schema,
so they agree with what the community's tools (``ocdskit compile``) produce.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import ocdsmerge

from contracts.open_records import ProcurementReleases

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "contracts" / "schemas" / "ocds"
RELEASE_SCHEMA = SCHEMA_DIR / "release-schema.json"
OCDS_VERSION = "1.1"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


@cache
def merger() -> ocdsmerge.Merger:
    """Built once from the vendored schema (never the network)."""
    return ocdsmerge.Merger(schema=json.loads(RELEASE_SCHEMA.read_text(encoding="utf-8")))


def linked(release: dict[str, Any], budget_line_url: Callable[[str], str]) -> dict[str, Any]:
    """The release with ``planning.budget.uri`` pointing at the gateway's budget line."""
    budget = (release.get("planning") or {}).get("budget") or {}
    line = budget.get("id")
    if not isinstance(line, str) or budget.get("uri"):
        return release
    copied = copy.deepcopy(release)
    copied["planning"]["budget"]["uri"] = budget_line_url(line)
    return copied


def package_frame(packages: Sequence[ProcurementReleases], uri: str) -> dict[str, Any]:
    """What every package the gateway publishes starts with (publisher kept from the source)."""
    published = max((p.published_at for p in packages), default=None)
    publisher = next(
        (p.package.get("publisher") for p in packages if p.package.get("publisher")),
        {"name": "eKomunat Gateway"},
    )
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": published.isoformat().replace("+00:00", "Z") if published else None,
        "publisher": publisher,
        "license": next(
            (p.package.get("license") for p in packages if p.package.get("license")), LICENSE
        ),
    }


def release_package(
    frame: dict[str, Any],
    processes: Sequence[Sequence[dict[str, Any]]],
    budget_line_url: Callable[[str], str],
) -> dict[str, Any]:
    releases = [
        linked(release, budget_line_url)
        for process in processes
        for release in sorted(process, key=lambda r: r["date"])
    ]
    return {**frame, "releases": releases}


def record_package(
    frame: dict[str, Any],
    processes: Sequence[Sequence[dict[str, Any]]],
    budget_line_url: Callable[[str], str],
) -> dict[str, Any]:
    records = []
    for process in processes:
        releases = [linked(r, budget_line_url) for r in sorted(process, key=lambda r: r["date"])]
        records.append(
            {
                "ocid": releases[0]["ocid"],
                "releases": releases,
                "compiledRelease": merger().create_compiled_release(releases),
            }
        )
    return {**frame, "records": records}
