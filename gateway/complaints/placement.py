"""Where a complaint is: which municipality, from what the app sent.

In order of trust:

1. ``jurisdiction_id`` naming a municipality (its KAS code or slug): the citizen chose it,
   and the shipped boundaries are too coarse to overrule a person near a border;
2. ``lat``/``long``: the municipality whose coarse cell holds the point (a point outside
   Kosovo's outline is refused);
3. ``address_string`` naming exactly one municipality (in Albanian, Serbian or English,
   with or without diacritics, in the indefinite or definite Albanian form).

Categories that a central institution answers for all of Kosovo need no municipality; the
others are refused when none of the three gives one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from contracts.catalogue import Municipality
from contracts.complaints.boundaries import Boundaries

ALL_KOSOVO = "rks-gov.net"

PlacedBy = Literal["jurisdiction", "coordinates", "address", "none"]


@dataclass(frozen=True, slots=True)
class Placement:
    municipality: str | None
    placed_by: PlacedBy


class OutsideKosovo(ValueError):
    """The coordinates are not inside Kosovo's outline."""


def fold(text: str) -> str:
    """Lower case, without diacritics (``Đakovica`` → ``djakovica``, ``Pejë`` → ``peje``)."""
    text = text.replace("Đ", "Dj").replace("đ", "dj")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


class Gazetteer:
    """Municipality names in the three languages, and the jurisdiction ids they answer to."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self._codes: dict[str, str] = {}
        names: list[tuple[str, str]] = []
        for municipality in municipalities:
            self._codes[municipality.code] = municipality.code
            self._codes[municipality.slug] = municipality.code
            for name in {municipality.name.sq, municipality.name.sr, municipality.name.en}:
                for variant in _variants(fold(name)):
                    names.append((variant, municipality.code))
        # Longest first, so "mitrovica e veriut" is tried before "mitrovica".
        names.sort(key=lambda item: -len(item[0]))
        self._names = names
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(name) for name, _ in names) + r")\b")
        self._code_of_name = dict(reversed(names))

    def jurisdiction(self, jurisdiction_id: str | None) -> str | None:
        """The municipality a jurisdiction id names; ``None`` for all of Kosovo.

        Raises ``KeyError`` for an id that is neither.
        """
        if jurisdiction_id is None or jurisdiction_id in {"", ALL_KOSOVO}:
            return None
        return self._codes[jurisdiction_id.strip().lower()]

    def named_in(self, address: str) -> str | None:
        """The one municipality an address names, or ``None`` when it names none or several."""
        found = {self._code_of_name[match] for match in self._pattern.findall(fold(address))}
        return found.pop() if len(found) == 1 else None


def _variants(name: str) -> set[str]:
    """The name, and its Albanian definite form (``prishtine`` → ``prishtina``)."""
    variants = {name}
    if name.endswith("e"):
        variants.add(name[:-1] + "a")
    if name.endswith("a"):
        variants.add(name[:-1] + "e")
    return variants


def place(
    *,
    gazetteer: Gazetteer,
    boundaries: Boundaries,
    jurisdiction: str | None,
    latitude: float | None,
    longitude: float | None,
    address: str | None,
) -> Placement:
    """Decide the municipality; raises ``OutsideKosovo`` for a point outside the outline."""
    located: str | None = None
    if latitude is not None and longitude is not None:
        located = boundaries.municipality_at(latitude, longitude)
        if located is None:
            raise OutsideKosovo(f"{latitude:.3f},{longitude:.3f}")
    if jurisdiction is not None:
        return Placement(jurisdiction, "jurisdiction")
    if located is not None:
        return Placement(located, "coordinates")
    if address:
        named = gazetteer.named_in(address)
        if named is not None:
            return Placement(named, "address")
    return Placement(None, "none")
