"""The public procurement simulator: OCDS 1.1 release packages per municipality and year.

Answers wsdl/procurement.openapi.yaml: each package holds every release published about the
municipality's contracting processes of that year (tender, award, contract, implementation),
under the Kosovo publisher's ocid prefix. ``record_payment`` (admin API ``POST
/_sandbox/procurement/payments``) publishes a further implementation release, so a test can
watch a new payment reach the gateway's feed.
"""

from datetime import UTC, datetime
from typing import Any

from sandbox.answers import Answer
from sandbox.open_answers import check_municipality_year, json_answer, not_found, problem
from sandbox.open_seed import DOCUMENT_HOST, OPEN_YEARS, PUBLISHER_NAME, OpenSeed, record_payment

SOURCE = "procurement"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


class Procurement:
    """The two operations of the procurement contract over one open seed."""

    def __init__(self, data: OpenSeed) -> None:
        self._data = data
        self._published: dict[tuple[str, int], str] = {}
        self._cache: dict[tuple[str, str], Answer] = {}

    def years(self) -> Answer:
        return json_answer({"years": list(OPEN_YEARS)})

    def release_package(self, municipality: str, year: str) -> Answer:
        key = (municipality, year)
        answer = self._cache.get(key)
        if answer is None:
            answer = check_municipality_year(SOURCE, municipality, year) or self._package(
                municipality, int(year)
            )
            self._cache[key] = answer
        return answer

    def _package(self, municipality: str, year: int) -> Answer:
        processes = self._data.processes.get((municipality, year))
        if processes is None:
            return not_found(SOURCE, "release package")
        releases = [release for process in processes for release in process.releases]
        published = self._published.get((municipality, year)) or max(
            (release["date"] for release in releases), default=f"{year}-01-01T00:00:00Z"
        )
        return json_answer(
            {
                "uri": f"{DOCUMENT_HOST}/procurement/{municipality}/{year}/releases.json",
                "version": "1.1",
                "publishedDate": published,
                "publisher": {"name": PUBLISHER_NAME, "scheme": None, "uid": None, "uri": None},
                "license": LICENSE,
                "releases": releases,
            }
        )

    def record_payment(self, change: dict[str, Any]) -> Answer:
        """Admin: pay ``amount`` on the first signed contract of ``municipalityCode``/``year``."""
        try:
            municipality = str(change["municipalityCode"])
            year = int(change["year"])
            amount = float(change["amount"])
        except (KeyError, ValueError, TypeError):
            return problem(
                SOURCE, 422, "bad-change", "Bad change", "municipalityCode, year, amount"
            )
        try:
            process = self._data.process_with_contract(municipality, year)
        except (LookupError, KeyError):
            return not_found(SOURCE, "signed contract")
        now = datetime.now(UTC)
        release = record_payment(process, amount, now)
        self._published[(municipality, year)] = release["date"]
        self._cache.clear()
        return json_answer(release)
