"""The shipped complaint data: complete, trilingual, and refused with its line when broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from contracts.catalogue import load_catalogue
from contracts.complaints.boundaries import (
    BOUNDARIES_FILE,
    build_geojson,
    read_inputs,
    render_geojson,
)
from contracts.complaints.catalogue import COMPLAINTS_DIR, load_complaint_catalogue
from contracts.located_yaml import ConfigFileError

MUNICIPALITIES = load_catalogue().municipalities


def test_the_shipped_boundaries_are_built_from_the_shipped_inputs() -> None:
    outline, seats = read_inputs()
    on_disk = BOUNDARIES_FILE.read_text(encoding="utf-8")
    assert on_disk == render_geojson(build_geojson(outline, seats)), (
        "boundaries.geojson is stale: run python -m contracts.complaints.boundaries"
    )


def test_the_boundaries_cover_the_38_municipalities_and_say_they_are_coarse() -> None:
    document = json.loads(BOUNDARIES_FILE.read_text(encoding="utf-8"))
    codes = {
        feature["properties"]["code"]
        for feature in document["features"]
        if feature["properties"]["kind"] == "municipality"
    }
    assert codes == {m.code for m in MUNICIPALITIES}
    assert "not cadastral" in document["properties"]["source"]


def test_every_category_speaks_albanian_serbian_and_english_and_has_a_deadline() -> None:
    catalogue = load_complaint_catalogue(MUNICIPALITIES)
    assert len(catalogue.categories) >= 10
    for category in catalogue.categories:
        for text in (category.name, category.description):
            assert text.sq and text.sr and text.en
            assert len({text.sq, text.sr, text.en}) > 1, category.code
        assert 0 < category.answer_days <= 60
        for attribute in category.attributes:
            assert attribute.description.sr and attribute.description.en


def test_both_kinds_of_body_are_served() -> None:
    catalogue = load_complaint_catalogue(MUNICIPALITIES)
    kinds = {category.kind for category in catalogue.categories}
    assert kinds == {"municipal", "central"}


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "complaints"
    target.mkdir()
    for name in ("categories.yaml", "institutions.yaml"):
        shutil.copy(COMPLAINTS_DIR / name, target / name)
    return target


def test_an_unknown_department_is_refused_with_its_line(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("department: inspection", "department: nowhere", 1), "utf-8")
    line = next(
        number
        for number, content in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if "department: nowhere" in content
    )
    with pytest.raises(ConfigFileError) as refused:
        load_complaint_catalogue(MUNICIPALITIES, directory)
    assert "unknown department 'nowhere'" in str(refused.value)
    assert f":{line}" in str(refused.value)


def test_a_municipality_left_without_a_water_company_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "institutions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('serves: ["05", "20", "24", "32"]', 'serves: ["05", "24", "32"]'))
    with pytest.raises(ConfigFileError, match="municipality 20 must be served by exactly one"):
        load_complaint_catalogue(MUNICIPALITIES, directory)


def test_two_water_companies_claiming_one_municipality_are_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "institutions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('serves: ["05", "20", "24", "32"]', 'serves: ["05", "20", "24", "32", "19"]')
    )
    with pytest.raises(ConfigFileError, match="municipality 19 must be served by exactly one"):
        load_complaint_catalogue(MUNICIPALITIES, directory)
