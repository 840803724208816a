"""YAML documents that remember where each value came from.

Operators edit the catalogue and ``routing.yaml`` by hand. When a value is wrong, the error
must point at the file, the line and the key, not at a Python traceback. PyYAML's node graph
carries line numbers; this module keeps them beside the plain data so that validation errors
(pydantic's ``loc`` tuples) can be turned back into ``file:line key``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class ConfigFileError(ValueError):
    """A configuration or catalogue file that cannot be used, with where and why."""

    def __init__(self, path: Path, problems: Sequence[ConfigProblem]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(p.render(path) for p in self.problems))


@dataclass(frozen=True)
class ConfigProblem:
    key: str
    message: str
    line: int | None = None

    def render(self, path: Path) -> str:
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.key or '<document>'}: {self.message}"


@dataclass
class LocatedDocument:
    """Plain YAML data plus the line of every mapping key and sequence item."""

    path: Path
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Iterable[str | int]) -> int | None:
        """The line of the deepest part of ``location`` that the document knows."""
        loc = tuple(location)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def problem(self, location: Iterable[str | int], message: str) -> ConfigProblem:
        loc = self.data_location(location)
        return ConfigProblem(key=dotted(loc), message=message, line=self.line_of(loc))

    def data_location(self, location: Iterable[str | int]) -> Location:
        """Keep the parts of a validator's location that are real keys or indexes of the data.

        pydantic puts the name of a union member into ``loc`` (``tuple[...]``, ``literal[...]``);
        an operator wants the path in the file.
        """
        kept: list[str | int] = []
        node: Any = self.data
        for part in location:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(part, str) and not _PLAIN_KEY.match(part):
                continue  # a union member's name, not a place in the file
            else:
                node = None  # a missing key: keep its name, it is what was expected
            kept.append(part)
        return tuple(kept)

    def error(self, location: Iterable[str | int], message: str) -> ConfigFileError:
        return ConfigFileError(self.path, [self.problem(location, message)])


def dotted(location: Iterable[str | int]) -> str:
    """``("services", 3, "name", "sr")`` -> ``services[3].name.sr``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def load_located_yaml(path: Path) -> LocatedDocument:
    """Parse ``path`` with the safe loader, recording line numbers (1-based)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(
            path, [ConfigProblem("", f"cannot read file: {exc.strerror}")]
        ) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigFileError(path, [ConfigProblem("", f"not valid YAML: {reason}", line)]) from exc
    document = LocatedDocument(path=path, data=None)
    if node is None:
        return document
    document.lines[()] = node.start_mark.line + 1
    _record_lines(node, (), document.lines)
    document.data = yaml.safe_load(text)
    return document


def _record_lines(node: yaml.Node, location: Location, lines: dict[Location, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*location, key)
            lines[child] = key_node.start_mark.line + 1
            _record_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*location, index)
            lines[child] = item.start_mark.line + 1
            _record_lines(item, child, lines)
