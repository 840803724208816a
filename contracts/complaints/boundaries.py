"""Coarse municipal boundaries: which of the 38 municipalities a point in Kosovo lies in.

No official boundary data can be downloaded where this project is built, so the gateway
ships polygons it builds itself (``boundaries.geojson``): Kosovo's outline traced coarsely
by hand, cut into the Voronoi cells of the 38 municipal seats (``boundary_inputs.yaml``).
A point is placed in the municipality whose seat is nearest, as long as it is inside the
outline. Near a real municipal border that can be wrong by a few kilometres: good enough
to route a complaint about a pothole to a municipality (whose staff forward it if it is
their neighbour's), never good enough for anything legal. SOURCES.md says the same.

Distances are measured in a plane where a degree of longitude is shrunk by the cosine of
Kosovo's middle latitude, so that "nearest" means nearest on the ground, not in degrees.

Regenerate the shipped file after changing the inputs::

    python -m contracts.complaints.boundaries
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent
INPUTS_FILE = DATA_DIR / "boundary_inputs.yaml"
BOUNDARIES_FILE = DATA_DIR / "boundaries.geojson"

MIDDLE_LATITUDE = 42.6
_X_SCALE = math.cos(math.radians(MIDDLE_LATITUDE))
_DECIMALS = 5

Point = tuple[float, float]
"""(longitude, latitude) in degrees, WGS84: the order GeoJSON uses."""


def _to_plane(point: Point) -> Point:
    return point[0] * _X_SCALE, point[1]


def _from_plane(point: Point) -> Point:
    return point[0] / _X_SCALE, point[1]


def contains(ring: Sequence[Point], point: Point) -> bool:
    """Ray casting: an odd number of edge crossings to the east means inside."""
    x, y = point
    inside = False
    count = len(ring)
    for index in range(count):
        x1, y1 = ring[index]
        x2, y2 = ring[(index + 1) % count]
        if (y1 > y) != (y2 > y):
            crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing_x:
                inside = not inside
    return inside


def _clip_nearer(ring: Sequence[Point], own: Point, other: Point) -> list[Point]:
    """The part of ``ring`` nearer to ``own`` than to ``other`` (Sutherland-Hodgman).

    The half-plane is convex, so clipping works even where the outline is not; a cell the
    outline splits in two comes back as one ring joined by a zero-width seam, which the
    ray-casting test still reads correctly.
    """
    normal = (other[0] - own[0], other[1] - own[1])
    limit = (other[0] ** 2 + other[1] ** 2 - own[0] ** 2 - own[1] ** 2) / 2

    def side(point: Point) -> float:
        return point[0] * normal[0] + point[1] * normal[1] - limit

    clipped: list[Point] = []
    count = len(ring)
    for index in range(count):
        current, following = ring[index], ring[(index + 1) % count]
        current_side, following_side = side(current), side(following)
        if current_side <= 0:
            clipped.append(current)
        if (current_side <= 0) != (following_side <= 0):
            share = current_side / (current_side - following_side)
            clipped.append(
                (
                    current[0] + share * (following[0] - current[0]),
                    current[1] + share * (following[1] - current[1]),
                )
            )
    return clipped


def voronoi_cells(outline: Sequence[Point], seats: Mapping[str, Point]) -> dict[str, list[Point]]:
    """Each seat's cell inside ``outline``, in longitude/latitude, rounded to ~1 m."""
    plane_outline = [_to_plane(point) for point in outline]
    plane_seats = {code: _to_plane(seat) for code, seat in seats.items()}
    cells: dict[str, list[Point]] = {}
    for code, seat in sorted(plane_seats.items()):
        ring = plane_outline
        for other_code, other in plane_seats.items():
            if other_code != code:
                ring = _clip_nearer(ring, seat, other)
        cells[code] = _deduplicate(
            [
                (round(lon, _DECIMALS), round(lat, _DECIMALS))
                for lon, lat in (_from_plane(point) for point in ring)
            ]
        )
    return cells


def _deduplicate(ring: list[Point]) -> list[Point]:
    kept = [point for index, point in enumerate(ring) if point != ring[index - 1]]
    return kept or ring


def ring_area_km2(ring: Sequence[Point]) -> float:
    """Area of a lon/lat ring in km², on the same local plane (shoelace formula)."""
    km_per_degree = 111.32
    points = [(x * km_per_degree, y * km_per_degree) for x, y in map(_to_plane, ring)]
    doubled = sum(
        points[i][0] * points[(i + 1) % len(points)][1]
        - points[(i + 1) % len(points)][0] * points[i][1]
        for i in range(len(points))
    )
    return abs(doubled) / 2


@dataclass(frozen=True)
class Boundaries:
    """Kosovo's outline and the 38 municipal cells, with their seats."""

    outline: tuple[Point, ...]
    cells: Mapping[str, tuple[Point, ...]]
    seats: Mapping[str, Point]

    def inside_kosovo(self, latitude: float, longitude: float) -> bool:
        return contains(self.outline, (longitude, latitude))

    def municipality_at(self, latitude: float, longitude: float) -> str | None:
        """The KAS code of the municipality at a point, or ``None`` outside Kosovo."""
        point = (longitude, latitude)
        if not contains(self.outline, point):
            return None
        for code, cell in self.cells.items():
            if contains(cell, point):
                return code
        # On a cell border within rounding: the nearest seat is what the cells stand for.
        return self.nearest_seat(latitude, longitude)

    def nearest_seat(self, latitude: float, longitude: float) -> str:
        x, y = _to_plane((longitude, latitude))
        return min(
            self.seats,
            key=lambda code: math.dist((x, y), _to_plane(self.seats[code])),
        )


def read_inputs(path: Path = INPUTS_FILE) -> tuple[list[Point], dict[str, Point]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    outline = [(float(lon), float(lat)) for lon, lat in data["outline"]]
    seats = {str(code): (float(lon), float(lat)) for code, (lon, lat) in data["seats"].items()}
    return outline, seats


def build_geojson(outline: Sequence[Point], seats: Mapping[str, Point]) -> dict[str, Any]:
    """The shipped FeatureCollection: the outline, then one feature per municipality."""
    cells = voronoi_cells(outline, seats)
    closed_outline = [list(point) for point in outline] + [list(outline[0])]
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"kind": "outline", "name": "Kosovo (coarse outline)"},
            "geometry": {"type": "Polygon", "coordinates": [closed_outline]},
        }
    ]
    for code, cell in cells.items():
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "municipality",
                    "code": code,
                    "seat": list(seats[code]),
                    "area_km2": round(ring_area_km2(cell), 1),
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[list(point) for point in [*cell, cell[0]]]],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "source": "Voronoi cells of approximate municipal seats inside a hand-traced "
            "outline; coarse, not cadastral (see SOURCES.md)",
        },
        "features": features,
    }


def render_geojson(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def load_boundaries(path: Path = BOUNDARIES_FILE) -> Boundaries:
    """Read the shipped GeoJSON (done once, at start-up)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    outline: tuple[Point, ...] = ()
    cells: dict[str, tuple[Point, ...]] = {}
    seats: dict[str, Point] = {}
    for feature in document["features"]:
        ring = tuple((float(x), float(y)) for x, y in feature["geometry"]["coordinates"][0][:-1])
        properties = feature["properties"]
        if properties["kind"] == "outline":
            outline = ring
        else:
            cells[properties["code"]] = ring
            lon, lat = properties["seat"]
            seats[properties["code"]] = (float(lon), float(lat))
    if not outline or not cells:
        raise ValueError(f"{path}: needs an outline and municipal cells")
    return Boundaries(outline=outline, cells=cells, seats=seats)


def write_boundaries(path: Path = BOUNDARIES_FILE) -> Path:
    outline, seats = read_inputs()
    path.write_text(render_geojson(build_geojson(outline, seats)), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.stdout.write(f"{write_boundaries()}\n")
