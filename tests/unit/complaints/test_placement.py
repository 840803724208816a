"""Placing a complaint: the citizen's chosen municipality, the point, or the address."""

from __future__ import annotations

import pytest

from contracts.catalogue import load_catalogue
from contracts.complaints.boundaries import load_boundaries
from gateway.complaints.placement import Gazetteer, OutsideKosovo, place

GAZETTEER = Gazetteer(load_catalogue().municipalities)
BOUNDARIES = load_boundaries()


@pytest.mark.parametrize(
    ("address", "municipality"),
    [
        ("Rruga Nënë Tereza 12, Prishtinë", "19"),
        ("Bulevar Nene Tereze, Priština", "19"),
        ("near the old bridge, Prizren", "20"),
        ("Ulica Kralja Petra, Severna Mitrovica", "38"),
        ("Rruga Mbretëresha Teutë, Mitrovicë", "11"),
        ("centar, Đakovica", "02"),
        ("qendra e Gjakovës, Gjakova", "02"),
        ("Peja, Rruga e Dëshmorëve", "17"),
    ],
)
def test_an_address_naming_one_municipality_places_the_complaint(
    address: str, municipality: str
) -> None:
    assert GAZETTEER.named_in(address) == municipality


@pytest.mark.parametrize("address", ["between Prizren and Gjakova", "Rruga B, hyrja 3", ""])
def test_an_address_naming_none_or_several_places_nothing(address: str) -> None:
    assert GAZETTEER.named_in(address) is None


def test_jurisdiction_ids_are_codes_or_slugs_and_rks_gov_net_means_all_of_kosovo() -> None:
    assert GAZETTEER.jurisdiction("19") == "19"
    assert GAZETTEER.jurisdiction("prishtine") == "19"
    assert GAZETTEER.jurisdiction("rks-gov.net") is None
    assert GAZETTEER.jurisdiction(None) is None
    with pytest.raises(KeyError):
        GAZETTEER.jurisdiction("sfgov.org")


def _place(**given):  # type: ignore[no-untyped-def]
    arguments = {"jurisdiction": None, "latitude": None, "longitude": None, "address": None}
    arguments.update(given)
    return place(gazetteer=GAZETTEER, boundaries=BOUNDARIES, **arguments)


def test_the_citizens_chosen_municipality_beats_the_coarse_point() -> None:
    near_the_border = _place(jurisdiction="09", latitude=42.6629, longitude=21.1655)
    assert (near_the_border.municipality, near_the_border.placed_by) == ("09", "jurisdiction")


def test_a_point_places_the_complaint_before_the_address() -> None:
    placed = _place(latitude=42.2093, longitude=20.7414, address="Prishtinë")
    assert (placed.municipality, placed.placed_by) == ("20", "coordinates")


def test_a_point_outside_kosovo_is_refused_even_with_a_municipality() -> None:
    with pytest.raises(OutsideKosovo):
        _place(jurisdiction="19", latitude=41.3275, longitude=19.8187)


def test_nothing_to_go_by_places_nothing() -> None:
    assert _place(address="somewhere").placed_by == "none"
