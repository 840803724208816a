"""The shipped catalogue is complete and coherent; a broken one is refused with file, line, key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from contracts.catalogue import CATALOGUE_DIR, Category, Mode, load_catalogue
from contracts.located_yaml import ConfigFileError


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_all_38_municipalities_with_unique_kas_codes(catalogue):
    codes = [m.code for m in catalogue.municipalities]
    assert sorted(codes) == [f"{n:02d}" for n in range(1, 39)]
    assert len({m.slug for m in catalogue.municipalities}) == 38


def test_municipality_names_are_real_in_both_languages(catalogue):
    by_code = {m.code: m for m in catalogue.municipalities}
    assert by_code["19"].name.sq == "Prishtinë"
    assert by_code["19"].name.sr == "Priština"
    assert by_code["02"].name.sr == "Đakovica"
    assert by_code["32"].name.sq == "Mamushë"
    assert "Janković" not in by_code["31"].name.sr


def test_community_languages_follow_the_language_commissioner(catalogue):
    by_code = {m.code: m for m in catalogue.municipalities}
    prizren = by_code["20"].languages
    assert {"tr", "bs"} <= set(prizren.official)
    assert "rom" in prizren.in_official_use
    assert "tr" in by_code["32"].languages.official
    assert all({"sq", "sr"} <= set(m.languages.official) for m in catalogue.municipalities)
    with_extra = [
        m
        for m in catalogue.municipalities
        if set(m.languages.official) - {"sq", "sr"} or m.languages.in_official_use
    ]
    assert 5 <= len(with_extra) < 38


def test_fifty_services_and_three_of_participation_across_all_eight_categories(catalogue):
    # The fifty of the e-Kosova list, and the question, petition and signature of issue 23.
    assert len(catalogue.services) == 53
    assert {s.category for s in catalogue.services} == set(Category)
    assert {s.mode for s in catalogue.services} == set(Mode)


def test_every_service_is_named_and_described_in_three_languages(catalogue):
    for service in catalogue.services:
        for text in (service.name, service.description):
            assert text.sq and text.sr and text.en
            assert len({text.sq, text.sr, text.en}) == 3, service.code
    descriptions = [s.description.en for s in catalogue.services]
    assert len(set(descriptions)) == len(descriptions)


def test_every_form_is_a_valid_closed_json_schema(catalogue):
    for service in catalogue.services:
        Draft202012Validator.check_schema(service.form)
        assert service.form["type"] == "object"
        assert service.form.get("additionalProperties") is False, service.code


def test_personal_number_fields_demand_ten_digits(catalogue):
    pattern_fields = [
        (service.code, name, prop)
        for service in catalogue.services
        for name, prop in service.form.get("properties", {}).items()
        if name.endswith("personal_number")
    ]
    assert pattern_fields
    for code, name, prop in pattern_fields:
        validator = Draft202012Validator(prop)
        assert validator.is_valid("1234567892"), (code, name)
        assert not validator.is_valid("12345678"), (code, name)
        assert not validator.is_valid("12345678AB"), (code, name)


def test_well_known_services_are_there(catalogue):
    english = " | ".join(s.name.en.lower() for s in catalogue.services)
    for phrase in ("birth", "marriage", "residence", "possession", "construction permit"):
        assert phrase in english


def test_construction_permits_keep_their_statutory_deadlines(catalogue):
    for service in catalogue.services:
        name = service.name.en.lower()
        if re.search(r"construction permit.*categor(y|ies) i\b", name):
            assert service.answer_days == 30
        if re.search(r"construction permit.*categor(y|ies) ii\b", name):
            assert service.answer_days == 45


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def test_a_missing_translation_is_refused_naming_file_line_and_key(tmp_path):
    directory = _copy_catalogue(tmp_path)
    path = directory / "services.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["services"][3]["name"]["sr"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(ConfigFileError) as caught:
        load_catalogue(directory)

    message = str(caught.value)
    assert "services.yaml" in message
    assert "services[3].name.sr" in message
    line = int(re.search(r"services\.yaml:(\d+)", message).group(1))
    assert "name:" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_a_duplicate_municipality_code_is_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    path = directory / "municipalities.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["municipalities"][5]["code"] = data["municipalities"][4]["code"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(ConfigFileError, match=r"municipalities\[5\]\.code: duplicate code"):
        load_catalogue(directory)


def test_an_invalid_form_schema_is_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    path = directory / "services.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["services"][0]["form"]["properties"] = {"purpose": {"type": "strnig"}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(ConfigFileError, match=r"services\[0\]\.form: .*not a valid JSON Schema"):
        load_catalogue(directory)


def test_an_unknown_municipality_in_a_service_is_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    path = directory / "services.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["services"][2]["municipalities"] = ["19", "39"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(ConfigFileError, match=r"services\[2\]\.municipalities\[1\]"):
        load_catalogue(directory)


def test_broken_yaml_names_the_line(tmp_path):
    directory = _copy_catalogue(tmp_path)
    (directory / "municipalities.yaml").write_text("municipalities:\n  - code: [\n", "utf-8")

    with pytest.raises(ConfigFileError, match=r"municipalities\.yaml:\d+: .*not valid YAML"):
        load_catalogue(directory)
