"""The gateway's one way to say no: ``Refusal``, and the one registry of its problem codes.

Every feature raises ``Refusal(code, ...)``; the API turns it into an RFC 9457 problem
document (``gateway/api/problems.py``), Open311 routes into the spec's error list
(``gateway/api/open311.py``). A code is a promise to the clients: it never changes meaning,
so they may branch on it. Each code is registered once, with its HTTP status and its titles in
sq, sr and en, by the module of the feature that owns it (``gateway/api/problem_titles.py``
for the core, ``gateway/complaints/refusals.py``, ``gateway/open/problems.py``)::

    ProblemCodes
     ├── add()     a second registration of a code raises DuplicateProblemCode (at import)
     ├── kind()    an unregistered code raises UnknownProblemCode
     └── unregistered_raise_sites()   start-up check: every literal code raised is registered

A family of codes may share one entry with ``*`` in its middle part (``registry.*.unavailable``
covers ``registry.civil.unavailable``); the part's localised name is put into the title.
Keeping this free of HTTP lets the routing engine, the relay, the CLI and tests share it.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.catalogue import DisplayLanguage, LocalizedText

Texts = Mapping[DisplayLanguage, str]


class DuplicateProblemCode(ValueError):
    """A code was registered twice: two features would promise different things under it."""


class UnknownProblemCode(LookupError):
    """A code was raised (or is about to be) that no feature registered."""


@dataclass(frozen=True)
class ProblemKind:
    """What a code means: its HTTP status, its title and, optionally, a detail template.

    ``details`` may use ``{field}`` and ``{limit}``; a family's title uses ``{<first part>}``
    (``{registry}``) for the name of the member.
    """

    status: int
    titles: Texts
    details: Texts | None = None
    names: Mapping[str, Texts] | None = None


class ProblemCodes:
    """Code → kind; features add their codes to the one instance, ``PROBLEM_CODES``."""

    def __init__(self) -> None:
        self._kinds: dict[str, ProblemKind] = {}

    def add(
        self,
        code: str,
        status: int,
        titles: Texts,
        *,
        details: Texts | None = None,
        names: Mapping[str, Texts] | None = None,
    ) -> None:
        if code in self._kinds:
            raise DuplicateProblemCode(f"problem code {code!r} is registered twice")
        self._kinds[code] = ProblemKind(status, dict(titles), details, names)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self._member(code) is not None

    def codes(self) -> Mapping[str, ProblemKind]:
        """Every registered code (families with their ``*``), for checks and documentation."""
        return dict(self._kinds)

    def kind(self, code: str) -> ProblemKind:
        found = self._member(code)
        if found is None:
            raise UnknownProblemCode(f"problem code {code!r} is not registered")
        return found[0]

    def status(self, code: str) -> int:
        return self.kind(code).status

    def title(self, code: str, language: DisplayLanguage) -> str:
        found = self._member(code)
        if found is None:
            raise UnknownProblemCode(f"problem code {code!r} is not registered")
        kind, member = found
        title = kind.titles[language]
        if member is None:
            return title
        names = (kind.names or {}).get(member)
        name = names[language] if names else member
        return title.format_map({code.split(".", 1)[0]: name})

    def _member(self, code: str) -> tuple[ProblemKind, str | None] | None:
        if code in self._kinds:
            return self._kinds[code], None
        parts = code.split(".")
        if len(parts) == 3:
            family = self._kinds.get(f"{parts[0]}.*.{parts[2]}")
            if family is not None:
                return family, parts[1]
        return None


PROBLEM_CODES = ProblemCodes()


def register(
    code: str,
    status: int,
    sq: str,
    sr: str,
    en: str,
    *,
    details: Texts | None = None,
    names: Mapping[str, Texts] | None = None,
) -> None:
    """Add a code with its titles to the one registry; a feature's module calls it at import."""
    PROBLEM_CODES.add(code, status, {"sq": sq, "sr": sr, "en": en}, details=details, names=names)


@dataclass(frozen=True, slots=True)
class Reason:
    """One thing wrong with a request: a code and the field or limit its text names."""

    code: str
    field: str | None = None
    limit: int | None = None

    def text(self, language: DisplayLanguage) -> str:
        """The citizen's sentence: the code's detail template filled in, else its title."""
        kind = PROBLEM_CODES.kind(self.code)
        if kind.details is None:
            return PROBLEM_CODES.title(self.code, language)
        return kind.details[language].format(field=self.field or "", limit=self.limit or "")


class Refusal(Exception):
    """Raised anywhere in the gateway to refuse a request with a registered code.

    ``errors`` are (JSON pointer, reason) pairs; ``status`` overrides the code's default;
    ``reasons`` lists every thing wrong (the worst first), when there are several: the first
    one's code is the refusal's code. ``field`` and ``limit`` fill the code's detail template.
    """

    def __init__(
        self,
        code: str | None = None,
        *,
        detail: LocalizedText | Mapping[str, str] | str | None = None,
        errors: Sequence[tuple[str, str]] = (),
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after_s: int | None = None,
        status: int | None = None,
        field: str | None = None,
        limit: int | None = None,
        reasons: Sequence[Reason] = (),
    ) -> None:
        if code is None and not reasons:
            raise TypeError("a refusal needs a code or its reasons")
        self.reasons = list(reasons) or [Reason(code or "", field, limit)]
        self.code = code or self.reasons[0].code
        super().__init__(", ".join(reason.code for reason in self.reasons))
        self.detail = detail
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        if retry_after_s:
            self.headers["Retry-After"] = str(retry_after_s)
        self._status = status

    @property
    def status(self) -> int:
        return self._status or PROBLEM_CODES.status(self.code)

    def detail_in(self, language: DisplayLanguage) -> str | None:
        """This occurrence's explanation: the one given, else the reasons' filled templates."""
        detail = self.detail
        if isinstance(detail, LocalizedText):
            return detail.in_language(language)
        if isinstance(detail, Mapping):
            return detail.get(language) or detail.get("en")
        if detail:
            return detail
        texts = [
            reason.text(language)
            for reason in self.reasons
            if PROBLEM_CODES.kind(reason.code).details is not None
        ]
        return " ".join(texts) or None

    def errors_in(self, language: DisplayLanguage) -> list[tuple[str, str]]:
        """The invalid fields: the ones given, else each reason that names a field."""
        if self.errors:
            return list(self.errors)
        return [(f"/{r.field}", r.text(language)) for r in self.reasons if r.field is not None]


# The calls whose first argument is a problem code: the refusal itself, one of its reasons,
# and the complaint screening's ``findings.add(code, ...)``.
_CODE_TAKERS = frozenset({"Refusal", "Reason"})


def literal_codes(source: str) -> Iterable[tuple[int, str]]:
    """(line, code) of every string literal passed as a code in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id in _CODE_TAKERS) or (
            isinstance(func, ast.Attribute)
            and func.attr == "add"
            and isinstance(func.value, ast.Name)
            and func.value.id == "findings"
        ):
            yield node.lineno, first.value


def unregistered_raise_sites(
    root: Path, codes: ProblemCodes = PROBLEM_CODES
) -> list[tuple[str, int, str]]:
    """(file, line, code) of every literal code under ``root`` that no feature registered."""
    return [
        (str(path), line, code)
        for path in sorted(root.rglob("*.py"))
        for line, code in literal_codes(path.read_text(encoding="utf-8"))
        if code not in codes
    ]


@functools.cache
def check_raise_sites(root: Path = Path(__file__).parent) -> None:
    """Refuse to start when the gateway's code raises a code nobody registered (once a process)."""
    missing = unregistered_raise_sites(root)
    if missing:
        sites = ", ".join(f"{path}:{line} {code}" for path, line, code in missing)
        raise UnknownProblemCode(f"unregistered problem codes raised at {sites}")
