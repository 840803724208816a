"""The treasury simulator: answers wsdl/treasury.openapi.yaml from the open seed.

Per municipality and year: the approved budget by programme and economic category with its
monthly execution, and the own-source revenues by source with their monthly collections. A
test changes a ledger through ``set_execution`` (the admin API's ``PUT
/_sandbox/treasury/execution``) to see the gateway's feeds follow.
"""

from datetime import UTC, datetime
from typing import Any

from sandbox.answers import Answer
from sandbox.open_answers import check_municipality_year, json_answer, not_found, problem
from sandbox.open_seed import OPEN_YEARS, OpenSeed

SOURCE = "treasury"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Treasury:
    """The three operations of the treasury's contract over one open seed."""

    def __init__(self, data: OpenSeed) -> None:
        self._budgets = data.budgets
        self._revenues = data.revenues
        self._cache: dict[tuple[str, str, str], Answer] = {}

    def fiscal_years(self) -> Answer:
        return json_answer({"years": list(OPEN_YEARS)})

    def _ledger(
        self, kind: str, ledgers: dict[tuple[str, int], dict[str, Any]], code: str, year: str
    ) -> Answer:
        key = (kind, code, year)
        answer = self._cache.get(key)
        if answer is None:
            answer = check_municipality_year(SOURCE, code, year)
            if answer is None:
                document = ledgers.get((code, int(year)))
                answer = json_answer(document) if document else not_found(SOURCE, "ledger")
            self._cache[key] = answer
        return answer

    def budget(self, municipality: str, year: str) -> Answer:
        return self._ledger("budget", self._budgets, municipality, year)

    def own_revenues(self, municipality: str, year: str) -> Answer:
        return self._ledger("revenues", self._revenues, municipality, year)

    def set_execution(self, change: dict[str, Any]) -> Answer:
        """Admin: set one month's execution of one budget line (``lineId``, ``month``,
        ``executed``); the ledger's ``updatedAt`` becomes now."""
        try:
            line_id = str(change["lineId"])
            month = int(change["month"])
            executed = round(float(change["executed"]), 2)
            municipality, year = line_id.split("-")[0], int(line_id.split("-")[1])
        except (KeyError, ValueError, TypeError, IndexError):
            return problem(SOURCE, 422, "bad-change", "Bad change", "lineId, month, executed")
        ledger = self._budgets.get((municipality, year))
        line = (
            next((x for x in ledger["lines"] if x["lineId"] == line_id), None) if ledger else None
        )
        if ledger is None or line is None or not 1 <= month <= ledger["reportedThroughMonth"]:
            return not_found(SOURCE, "budget line or month")
        line["executed"][month - 1] = executed
        ledger["updatedAt"] = _stamp(datetime.now(UTC))
        self._cache.clear()
        return json_answer(line)
