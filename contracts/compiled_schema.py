"""A JSON Schema checked by generated code on the hot path, and explained by jsonschema.

Every sync request checks its form against the service's schema and every REST answer
against the registry's schema. ``jsonschema`` interprets a schema anew on each call: 56 µs for
a possession-list form, 381 µs for a cadastre answer on this project's machine. ``fastjsonschema``
compiles the same schema to Python code once, at start-up: 4 µs and 19 µs
(``bench/results/optimisation.md``). It says only *that* a document is invalid, so when it
says so, jsonschema is asked *why*: the errors a caller sees are jsonschema's, as before.

The two must agree on what is valid. Where the generated code could be stricter (a format
jsonschema does not check here, ``1.0`` as an integer), the fallback decides: a document the
compiled check refuses but jsonschema accepts is valid. Where it could be laxer, this module
does not compile at all: a schema of a newer draft is compiled under draft 7's rules only
when every keyword it uses means the same in both drafts, and formats are checked by the very
``FormatChecker`` jsonschema uses. ``tests/unit/contracts/test_compiled_schema.py`` holds the
two to the same verdicts on every catalogue form and registry answer schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

DRAFT_04 = "http://json-schema.org/draft-04/schema#"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"

SAME_IN_DRAFT_7_AND_2020_12 = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "maxLength", "minLength", "pattern", "maximum", "minimum", "exclusiveMaximum",
        "exclusiveMinimum", "multipleOf", "format", "maxItems", "minItems", "uniqueItems",
        "maxProperties", "minProperties", "allOf", "anyOf", "oneOf", "not",
        "title", "description", "default", "examples", "$schema",
    }
)  # fmt: skip
"""Keywords whose meaning draft 2020-12 kept from draft 7. ``items`` is checked apart: only
its single-schema form means the same (the list form became ``prefixItems``)."""

_SCHEMA_VALUED = frozenset({"additionalProperties", "not"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})


def _refuse_remote(uri: str) -> Any:
    raise ValueError(f"remote $ref {uri} is not fetched: contracts are self-contained")


def _equality_is_plain(node: Any) -> bool:
    """Every ``enum``/``const`` anywhere in ``node`` holds strings or nulls only.

    The generated code tests membership with ``in``, where ``True == 1``; jsonschema tells a
    boolean from a number. With strings and nulls only, the two cannot disagree.
    """
    if isinstance(node, list):
        return all(_equality_is_plain(item) for item in node)
    if not isinstance(node, Mapping):
        return True
    for keyword, value in node.items():
        if keyword in ("enum", "const"):
            values = value if keyword == "enum" and isinstance(value, list) else [value]
            if not all(item is None or isinstance(item, str) for item in values):
                return False
        elif not _equality_is_plain(value):
            return False
    return True


def _portable_to_draft_7(schema: Any) -> bool:
    """True when every keyword of ``schema`` means in draft 7 what it means in 2020-12."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping):
        return False
    for keyword, value in schema.items():
        if keyword.startswith("x-"):
            continue  # an extension: annotation only, in every draft
        if keyword == "items":
            if not _portable_to_draft_7(value):  # the list form became prefixItems
                return False
        elif keyword not in SAME_IN_DRAFT_7_AND_2020_12:
            return False
        elif keyword == "properties":
            if not all(_portable_to_draft_7(sub) for sub in value.values()):
                return False
        elif keyword in _SCHEMA_VALUED and not _portable_to_draft_7(value):
            return False
        elif keyword in _SCHEMA_LISTS and not all(_portable_to_draft_7(sub) for sub in value):
            return False
    return True


def _formats_of(checker: FormatChecker | None) -> dict[str, Callable[[Any], bool]]:
    """Formats as jsonschema checks them: its checker's, and every other format accepted.

    fastjsonschema knows formats of its own (``uri`` among them) that jsonschema checks only
    when an optional package is installed; accepting those keeps the two in step.
    """
    known = {
        *fastjsonschema.draft04.CodeGeneratorDraft04.FORMAT_REGEXS,
        *fastjsonschema.draft07.CodeGeneratorDraft07.FORMAT_REGEXS,
        *(checker.checkers if checker else ()),
    }
    formats: dict[str, Callable[[Any], bool]] = {}
    for name in known:
        if checker is not None and name in checker.checkers:
            formats[name] = partial(checker.conforms, format=name)
        else:
            formats[name] = lambda _value: True
    return formats


class CompiledSchema:
    """One schema, compiled once; ``is_valid`` is fast, ``iter_errors`` is jsonschema's."""

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        draft: type[Validator] = Draft202012Validator,
        format_checker: FormatChecker | None = None,
    ) -> None:
        self.schema = schema
        self._explainer: Validator = draft(schema, format_checker=format_checker)
        self._compiled = self._compile(dict(schema), draft, format_checker)

    @staticmethod
    def _compile(
        schema: dict[str, Any], draft: type[Validator], checker: FormatChecker | None
    ) -> Callable[[Any], Any] | None:
        if not _equality_is_plain(schema):
            return None
        if draft is Draft4Validator:
            schema["$schema"] = DRAFT_04
        elif draft is Draft202012Validator and _portable_to_draft_7(schema):
            schema["$schema"] = DRAFT_07
        else:
            return None  # jsonschema alone: slower, never wrong
        return fastjsonschema.compile(
            schema,
            handlers={"http": _refuse_remote, "https": _refuse_remote},
            formats=_formats_of(checker),
            use_default=False,
            detailed_exceptions=False,
        )

    @property
    def compiled(self) -> bool:
        """Whether the fast path is in use (False: the schema uses keywords it cannot honour)."""
        return self._compiled is not None

    def _passes_compiled(self, instance: Any) -> bool:
        """False also when it fails: perhaps stricter than jsonschema, which then decides."""
        if self._compiled is None:
            return False
        try:
            self._compiled(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def is_valid(self, instance: Any) -> bool:
        return self._passes_compiled(instance) or bool(self._explainer.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """jsonschema's errors, at no cost beyond the compiled check when there are none.

        A document the compiled check refuses is read by jsonschema once, here, not once to
        decide and again to explain.
        """
        if self._passes_compiled(instance):
            return iter(())
        return self._explainer.iter_errors(instance)
