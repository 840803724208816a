"""The one registry of problem codes: each code once, every code raised registered, all titled.

A code is a promise to the portal and to Open311 clients; two features registering the same
code, or a raise site naming a code nobody registered, must stop the gateway before it
answers anyone, not surface as a 500 in front of a citizen.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

import gateway
import gateway.app  # every feature's module, so every code is registered
from contracts.catalogue import DISPLAY_LANGUAGES
from gateway.api.problems import install_problem_handlers
from gateway.refusals import (
    PROBLEM_CODES,
    DuplicateProblemCode,
    ProblemCodes,
    Refusal,
    UnknownProblemCode,
    check_raise_sites,
    unregistered_raise_sites,
)

GATEWAY_SOURCE = Path(gateway.__file__).parent


def test_registering_a_code_twice_fails_when_the_second_module_is_imported(tmp_path):
    module = tmp_path / "second_owner.py"
    module.write_text(
        "from gateway.refusals import register\n"
        'register("open.forbidden", 403, "Jo", "Ne", "No")\n',
        encoding="utf-8",
    )
    spec = importlib.util.spec_from_file_location("second_owner", module)
    assert spec is not None and spec.loader is not None
    imported = importlib.util.module_from_spec(spec)
    with pytest.raises(DuplicateProblemCode, match=r"open\.forbidden"):
        spec.loader.exec_module(imported)
    sys.modules.pop("second_owner", None)
    assert PROBLEM_CODES.title("open.forbidden", "en") == "You may not do this"


def test_a_fresh_registry_refuses_the_second_registration_and_keeps_the_first():
    codes = ProblemCodes()
    codes.add("demo.refused", 400, {"sq": "a", "sr": "b", "en": "c"})
    with pytest.raises(DuplicateProblemCode):
        codes.add("demo.refused", 409, {"sq": "x", "sr": "y", "en": "z"})
    assert codes.status("demo.refused") == 400


def test_a_raise_site_with_an_unregistered_code_stops_start_up(tmp_path):
    feature = tmp_path / "feature"
    feature.mkdir()
    (feature / "desk.py").write_text(
        "from gateway.refusals import Reason, Refusal\n\n\n"
        "def take(findings):\n"
        '    findings.add("complaint.field.invalid", "x")\n'
        '    findings.add("complaint.field.mistyped", "x")\n'
        '    raise Refusal("open.forbiden")\n\n\n'
        "def why():\n"
        '    return Reason("complaint.nonsense")\n',
        encoding="utf-8",
    )
    missing = unregistered_raise_sites(feature)
    assert [(line, code) for _, line, code in missing] == [
        (6, "complaint.field.mistyped"),
        (7, "open.forbiden"),
        (11, "complaint.nonsense"),
    ]
    with pytest.raises(UnknownProblemCode, match=r"desk\.py:7 open\.forbiden"):
        check_raise_sites(feature)


def test_the_gateway_raises_only_registered_codes_so_the_app_starts():
    assert unregistered_raise_sites(GATEWAY_SOURCE) == []
    check_raise_sites()
    install_problem_handlers(FastAPI())


def test_an_unregistered_code_cannot_be_rendered():
    with pytest.raises(UnknownProblemCode):
        _ = Refusal("open.no_such_code").status
    with pytest.raises(UnknownProblemCode):
        PROBLEM_CODES.title("open.no_such_code", "en")


def test_every_registered_code_has_a_title_and_any_detail_in_sq_sr_and_en():
    codes = PROBLEM_CODES.codes()
    families = {code.split(".", 1)[0] for code in codes}
    assert {"request", "registry", "act", "hearing", "complaint", "open"} <= families
    for code, kind in codes.items():
        assert 400 <= kind.status < 600, code
        for language in DISPLAY_LANGUAGES:
            assert kind.titles.get(language, "").strip(), (code, language)
            if kind.details is not None:
                assert kind.details.get(language, "").strip(), (code, language)


def test_a_registry_family_names_its_member_in_each_language():
    assert PROBLEM_CODES.title("registry.civil.unavailable", "sq").startswith(
        "Regjistri i gjendjes civile"
    )
    assert PROBLEM_CODES.title("registry.cadastre.bad_response", "sr").startswith(
        "Registar katastra"
    )
    assert PROBLEM_CODES.status("registry.tax.unavailable") == 503
    assert "tax" in PROBLEM_CODES.title("registry.tax.unavailable", "en")
