"""The house's import rules (``../shared/ARCHITECTURE.md``, section 3), read from the source.

Every module's imports are read from its syntax tree, including imports made inside
functions, so a rule cannot be dodged by importing late:

- ``contracts/`` imports nothing of ours;
- ``adapters/`` imports only ``contracts/`` of ours;
- ``sandbox/`` imports only ``contracts/`` of ours, so a simulator cannot agree with the
  gateway by sharing its bugs;
- ``gateway/`` imports no transport library: no AMQP client (pika), no HTTP client (aiohttp,
  httpx, urllib.request, http.client and their error modules), no SOAP client (zeep). Those
  live behind ``adapters/``.

``urllib.parse`` stays allowed in ``gateway/``: it parses URLs (a callback URL's origin, an
AMQP URL's host) and opens no connection. ``http.HTTPStatus`` is allowed for the same reason:
it is a table of numbers, not a client.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = ("contracts", "adapters", "gateway", "sandbox")
TRANSPORT = (
    "pika",
    "aiohttp",
    "httpx",
    "zeep",
    "urllib.request",
    "urllib.error",
    "http.client",
)


def imported_modules(path: Path, root: Path = REPO) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for every import in ``path``; ``from a import b`` gives
    both ``a`` and ``a.b``, since ``b`` may be a module (``from urllib import request``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def modules_of(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(f"{prefix}.")


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in modules_of(package):
        for line, module in imported_modules(path):
            if any(is_under(module, name) for name in forbidden):
                found.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return sorted(set(found))


@pytest.mark.parametrize(
    ("package", "may_import"),
    [
        ("contracts", ("contracts",)),
        ("adapters", ("contracts", "adapters")),
        ("sandbox", ("contracts", "sandbox")),
    ],
)
def test_a_layer_imports_only_the_layers_below_it(
    package: str, may_import: tuple[str, ...]
) -> None:
    forbidden = tuple(name for name in OURS if name not in may_import)
    assert violations(package, forbidden) == []


def test_the_gateway_imports_no_transport_library() -> None:
    assert violations("gateway", TRANSPORT) == []


def test_the_rules_see_an_import_made_inside_a_function(tmp_path: Path) -> None:
    """The check itself can fail: a late ``import pika`` in a function is found."""
    module = tmp_path / "late.py"
    module.write_text("def f():\n    import pika\n    from urllib import request\n")
    found = [name for _, name in imported_modules(module, tmp_path)]
    assert "pika" in found and "urllib.request" in found
