"""Who must answer a complaint: decided from the category and the place.

Places are real spots (a town centre, a village) in several municipalities; the coarse
boundaries must put each in its municipality, and the catalogue must send each category
to the department of that municipality or to the central institution that serves it.
"""

from __future__ import annotations

import pytest

from contracts.catalogue import load_catalogue
from contracts.complaints.boundaries import load_boundaries
from contracts.complaints.catalogue import ComplaintCatalogue, load_complaint_catalogue

CATALOGUE = load_catalogue()
COMPLAINTS = load_complaint_catalogue(CATALOGUE.municipalities)
BOUNDARIES = load_boundaries()


def _category(code: str):  # type: ignore[no-untyped-def]
    category = COMPLAINTS.category(code)
    assert category is not None
    return category


@pytest.mark.parametrize(
    ("place", "latitude", "longitude", "municipality"),
    [
        ("Prishtinë, Mother Teresa boulevard", 42.6605, 21.1600, "19"),
        ("Prizren, Shadërvan square", 42.2093, 20.7414, "20"),
        ("Pejë, town centre", 42.6590, 20.2890, "17"),
        ("Gjilan, town centre", 42.4630, 21.4690, "04"),
        ("Ferizaj, town centre", 42.3700, 21.1550, "25"),
        ("Gjakovë, old bazaar", 42.3830, 20.4280, "02"),
        ("Mitrovicë, south of the Ibar", 42.8790, 20.8690, "11"),
        ("Mitrovica e Veriut, north of the Ibar", 42.8960, 20.8650, "38"),
        ("Mamushë", 42.3250, 20.7280, "32"),
        ("Brezovicë ski centre, Shtërpcë", 42.2100, 21.0300, "23"),
        ("Batllava lake, Podujevë", 42.8350, 21.3150, "18"),
    ],
)
def test_a_point_is_placed_in_its_municipality(
    place: str, latitude: float, longitude: float, municipality: str
) -> None:
    assert BOUNDARIES.municipality_at(latitude, longitude) == municipality, place


@pytest.mark.parametrize(
    ("place", "latitude", "longitude"),
    [
        ("Tirana", 41.3275, 19.8187),
        ("Skopje", 41.9981, 21.4254),
        ("Niš", 43.3209, 21.8958),
        ("Podgorica", 42.4304, 19.2594),
        ("Kukës, Albania", 42.0770, 20.4217),
        ("Preševo, Serbia", 42.3092, 21.6492),
        ("Null Island", 0.0, 0.0),
    ],
)
def test_a_point_outside_kosovo_is_in_no_municipality(
    place: str, latitude: float, longitude: float
) -> None:
    assert BOUNDARIES.municipality_at(latitude, longitude) is None, place
    assert not BOUNDARIES.inside_kosovo(latitude, longitude), place


def test_every_municipal_seat_lies_in_its_own_cell() -> None:
    for code, (longitude, latitude) in BOUNDARIES.seats.items():
        assert BOUNDARIES.municipality_at(latitude, longitude) == code


@pytest.mark.parametrize(
    ("category", "municipality", "institution", "routing_key"),
    [
        ("road-damage", "20", "20.public-services", "20.complaint.road-damage"),
        ("street-lighting", "38", "38.public-services", "38.complaint.street-lighting"),
        ("illegal-construction", "19", "19.inspection", "19.complaint.illegal-construction"),
        ("school-conditions", "32", "32.education", "32.complaint.school-conditions"),
        ("family-health-centre", "04", "04.health", "04.complaint.family-health-centre"),
    ],
)
def test_municipal_categories_go_to_the_department_of_the_place(
    category: str, municipality: str, institution: str, routing_key: str
) -> None:
    responsible = COMPLAINTS.responsible_for(_category(category), municipality)
    assert responsible is not None
    assert responsible.kind == "municipal"
    assert responsible.institution == institution
    assert responsible.municipality == municipality
    assert responsible.handoff_routing_key(category) == routing_key


@pytest.mark.parametrize(
    ("municipality", "company"),
    [
        ("19", "kru-prishtina"),
        ("20", "kru-hidroregjioni-jugor"),
        ("17", "kru-hidrodrini"),
        ("02", "kru-radoniqi"),
        ("04", "kru-hidromorava"),
        ("25", "kru-bifurkacioni"),
        ("11", "kru-mitrovica"),
    ],
)
def test_water_complaints_go_to_the_regional_company_serving_the_place(
    municipality: str, company: str
) -> None:
    responsible = COMPLAINTS.responsible_for(_category("water-supply"), municipality)
    assert responsible is not None
    assert responsible.kind == "central"
    assert responsible.institution == company
    assert responsible.handoff_routing_key("water-supply") == (
        f"central.{company}.complaint.water-supply"
    )


@pytest.mark.parametrize(
    ("category", "institution"),
    [
        ("electricity-supply", "keds"),
        ("police-conduct", "police-inspectorate"),
        ("identity-documents", "civil-registration-agency"),
        ("maladministration", "ombudsperson"),
    ],
)
def test_nationwide_central_institutions_need_no_municipality(
    category: str, institution: str
) -> None:
    chosen = _category(category)
    assert not COMPLAINTS.needs_place(chosen)
    responsible = COMPLAINTS.responsible_for(chosen, None)
    assert responsible is not None
    assert responsible.institution == institution
    assert responsible.routing_prefix == f"central.{institution}"
    assert responsible.municipality is None


def test_a_municipal_category_without_a_place_has_nobody_responsible() -> None:
    assert COMPLAINTS.needs_place(_category("road-damage"))
    assert COMPLAINTS.responsible_for(_category("road-damage"), None) is None
    assert COMPLAINTS.responsible_for(_category("water-supply"), None) is None


def test_every_category_has_a_body_responsible_in_every_municipality() -> None:
    catalogue: ComplaintCatalogue = COMPLAINTS
    for category in catalogue.categories:
        for code in CATALOGUE.municipality_codes:
            responsible = catalogue.responsible_for(category, code)
            assert responsible is not None, (category.code, code)
            assert catalogue.institution_name(responsible.institution) is not None
