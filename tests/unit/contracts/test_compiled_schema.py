"""The compiled schema check gives jsonschema's verdicts, on every form and answer schema.

A form the compiled code accepted although jsonschema refuses it would let bad input reach
a registry or a municipality; an answer it accepted wrongly would let a broken registry
record through. Each schema the gateway compiles is tried on documents generated from the
schema itself (valid ones, by ``valid_documents``) and on the same documents with one field
broken (mostly invalid ones); on each, the compiled check may refuse only what jsonschema
refuses too, and the public verdict is jsonschema's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

from adapters.rest import RestContract
from contracts.catalogue import load_catalogue
from contracts.compiled_schema import CompiledSchema

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = load_catalogue(ROOT / "contracts" / "catalogue")
OPENAPI_FILES = sorted((ROOT / "wsdl").glob("*.openapi.yaml"))

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _bounds(schema: Mapping[str, Any]) -> tuple[Any, Any]:
    """``minimum``/``maximum`` with draft 4's boolean and later drafts' numeric exclusives."""
    low, high = schema.get("minimum"), schema.get("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if exclusive_low is True:
        low = low + 1
    elif isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = exclusive_low + 1
    if exclusive_high is True:
        high = high - 1
    elif isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = exclusive_high - 1
    return low, high


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    shape = schema.get("format")
    if shape == "date":
        return st.dates().map(lambda day: day.isoformat())
    if shape == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
    if shape == "uri":
        return st.sampled_from(["https://e-kosova.rks-gov.net/doc/1", "urn:isbn:0451450523"])
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda text: low <= len(text) <= high
        )
    return st.text(min_size=low, max_size=high)


def valid_documents(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Documents ``schema`` accepts, for the keywords our forms and registry answers use."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = {
                **merged,
                **part,
                "properties": {**merged.get("properties", {}), **part.get("properties", {})},
                "required": [*merged.get("required", ()), *part.get("required", ())],
            }
        return valid_documents({**{k: v for k, v in schema.items() if k != "allOf"}, **merged})
    kinds = schema.get("type", "object")
    if isinstance(kinds, list):
        return st.one_of([valid_documents({**schema, "type": kind}) for kind in kinds])
    if kinds == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: valid_documents(sub) for name, sub in properties.items() if name in required},
            optional={
                name: valid_documents(sub)
                for name, sub in properties.items()
                if name not in required
            },
        )
    if kinds == "array":
        return st.lists(
            valid_documents(schema.get("items", {"type": "string"})),
            min_size=schema.get("minItems", 0),
            max_size=max(schema.get("minItems", 0), min(schema.get("maxItems", 3), 3)),
        )
    if kinds == "string":
        return _string(schema)
    low, high = _bounds(schema)
    if kinds == "integer":
        return st.integers(min_value=low, max_value=high)
    if kinds == "number":
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    if kinds == "boolean":
        return st.booleans()
    return st.none()


def _broken(document: Any, data: st.DataObject) -> Any:
    """The document with one member replaced, removed or added, or a value of its own."""
    if not isinstance(document, dict) or not document or data.draw(st.booleans()):
        return data.draw(JSON_VALUES)
    changed = dict(document)
    key = data.draw(st.sampled_from(sorted(changed)))
    action = data.draw(st.sampled_from(["replace", "remove", "lengthen", "add"]))
    if action == "replace":
        changed[key] = data.draw(JSON_VALUES)
    elif action == "remove":
        del changed[key]
    elif action == "lengthen" and isinstance(changed[key], str):
        changed[key] += "9" * 3000
    else:
        changed[data.draw(st.text(min_size=1, max_size=8))] = data.draw(JSON_VALUES)
    return changed


def _agrees(compiled: CompiledSchema, interpreted: Any, document: Any) -> None:
    verdict = interpreted.is_valid(document)
    assert compiled.is_valid(document) is verdict
    assert (next(iter(compiled.iter_errors(document)), None) is None) is verdict
    fast = compiled._compiled
    assert fast is not None
    try:
        fast(document)
    except Exception:
        return  # refusing is always safe: jsonschema then decides
    assert verdict, "the compiled check accepted a document that jsonschema refuses"


def _check(schema: Mapping[str, Any], compiled: CompiledSchema, interpreted: Any) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    @given(document=valid_documents(schema), data=st.data())
    def check(document: Any, data: st.DataObject) -> None:
        _agrees(compiled, interpreted, document)
        assert compiled._compiled is not None
        compiled._compiled(document)  # a valid document takes the fast path
        _agrees(compiled, interpreted, _broken(document, data))

    check()


@pytest.mark.parametrize("code", [service.code for service in CATALOGUE.services])
def test_every_catalogue_form_is_checked_as_jsonschema_checks_it(code: str) -> None:
    form = CATALOGUE.service(code).form
    checker = FormatChecker()
    compiled = CompiledSchema(form, draft=Draft202012Validator, format_checker=checker)
    assert compiled.compiled, f"{code}: the form uses a keyword the compiled check cannot honour"
    _check(form, compiled, Draft202012Validator(form, format_checker=checker))


@pytest.mark.parametrize(
    ("contract", "operation"),
    [(path, name) for path in OPENAPI_FILES for name in RestContract.load(path).operations],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_every_registry_answer_schema_is_checked_as_jsonschema_checks_it(
    contract: Path, operation: str
) -> None:
    compiled = RestContract.load(contract).operations[operation].answer
    assert compiled.compiled
    _check(compiled.schema, compiled, Draft4Validator(compiled.schema))


def test_a_date_is_checked_by_jsonschema_s_own_format_checker() -> None:
    schema = {"type": "object", "properties": {"on": {"type": "string", "format": "date"}}}
    compiled = CompiledSchema(schema, format_checker=FormatChecker())
    assert compiled.is_valid({"on": "2026-02-28"})
    assert not compiled.is_valid({"on": "2026-02-30"})
    errors = list(compiled.iter_errors({"on": "2026-02-30"}))
    assert [error.validator for error in errors] == ["format"]


def test_a_stricter_compiled_verdict_gives_way_to_jsonschema() -> None:
    # Draft 2020-12 counts 1.0 as an integer; the answer must not depend on which check ran.
    compiled = CompiledSchema({"type": "integer"})
    assert compiled.is_valid(1.0)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "dependentRequired": {"a": ["b"]}},  # not in draft 7
        {"prefixItems": [{"type": "string"}]},  # 2020-12 only
        {"type": "array", "items": [{"type": "string"}]},  # the list form changed meaning
        {"enum": [1, "one"]},  # True == 1 in Python's membership test
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/x"}}, "$defs": {"x": {}}},
    ],
)
def test_a_schema_the_compiled_check_could_get_wrong_is_left_to_jsonschema(
    schema: dict[str, Any],
) -> None:
    compiled = CompiledSchema(schema)
    assert not compiled.compiled
    assert compiled.is_valid({}) is Draft202012Validator(schema).is_valid({})
