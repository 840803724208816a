"""The ministry's register of category III permits (large works), per year.

Category III construction and occupancy permits are issued by the ministry responsible for
spatial planning, not by a municipality, so the gateway's permits register takes them from
here (wsdl/ministry-permits.openapi.yaml). Investors appear only by kind and, for businesses
and public bodies, by their public name.
"""

from sandbox.answers import Answer
from sandbox.open_answers import YEAR_PATTERN, bad_identifier, json_answer, not_found
from sandbox.open_seed import OPEN_YEARS, OpenSeed

SOURCE = "ministry-permits"
UPDATED_AT = "2026-10-31T16:00:00Z"


class MinistryPermits:
    def __init__(self, data: OpenSeed) -> None:
        self._permits = data.central_permits
        self._cache: dict[str, Answer] = {}

    def years(self) -> Answer:
        return json_answer({"years": list(OPEN_YEARS)})

    def permits(self, year: str) -> Answer:
        answer = self._cache.get(year)
        if answer is None:
            if not YEAR_PATTERN.fullmatch(year):
                answer = bad_identifier(SOURCE, "year (four digits)")
            elif int(year) not in self._permits:
                answer = not_found(SOURCE, "permit register for this year")
            else:
                answer = json_answer(
                    {
                        "year": int(year),
                        "updatedAt": UPDATED_AT,
                        "permits": self._permits[int(year)],
                    }
                )
            self._cache[year] = answer
        return answer
