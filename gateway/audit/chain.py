"""One entry of the audit log, in the one canonical form its hash is computed over.

An entry is its kind, the time it was recorded and its body (a JSON object, never a registry
payload). Its hash is ``SHA-256(prev_hash + "\\n" + canonical)`` with ``canonical`` the UTF-8
of the JSON object ``{"body": …, "kind": …, "recorded_at": …}``: keys sorted, no spaces,
non-ASCII kept, the time as ISO 8601 UTC with microseconds. ``prev_hash`` is the hash of the
entry before it (sixty-four zeros for the first), so changing, removing, adding or moving any
entry breaks every hash after it. The position number (``seq``) is not hashed: the chain's
order is the chain of hashes, and the number is only where the row sits in the table, so a
renumbering shows as the link it breaks. Anyone can recompute this from a copy of the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


def timestamp(moment: datetime) -> str:
    """The canonical text of a time: UTC, microseconds, ``+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(kind: str, recorded_at: datetime, body: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers (the module's docstring gives the rules)."""
    return canonical_of(kind, timestamp(recorded_at), body_json(body))


def body_json(body: Mapping[str, Any]) -> bytes:
    """An entry's body in canonical JSON: the store keeps these very bytes as its text."""
    # orjson writes what json.dumps(sort_keys=True, separators=(",", ":"),
    # ensure_ascii=False) writes for these values (strings, integers, lists, objects, null),
    # at a fraction of its CPU on the request path (tests/unit/gateway/test_audit_chain.py).
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def canonical_of(kind: str, recorded_at: str, body: bytes) -> bytes:
    """The canonical form from the body's canonical JSON and the time's canonical text.

    The document's three keys are written in their sorted order ("body" < "kind" <
    "recorded_at"), so this is the sorted JSON of the whole, built without encoding the
    body twice: its bytes are the ones the store writes.
    """
    return b"".join(
        (
            b'{"body":',
            body,
            b',"kind":',
            orjson.dumps(kind),
            b',"recorded_at":',
            orjson.dumps(recorded_at),
            b"}",
        )
    )


def entry_hash(prev_hash: str, kind: str, recorded_at: datetime, body: Mapping[str, Any]) -> str:
    return link_hash(prev_hash, canonical(kind, recorded_at, body))


def link_hash(prev_hash: str, canonical_bytes: bytes) -> str:
    """``SHA-256(prev_hash + "\\n" + canonical)``, hex."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_bytes)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """An entry as the store keeps it."""

    seq: int
    kind: str
    recorded_at: datetime
    body: Mapping[str, Any]
    prev_hash: str
    hash: str

    def recomputed(self) -> str:
        """The hash its own content and stated predecessor give: a mismatch means changed."""
        return entry_hash(self.prev_hash, self.kind, self.recorded_at, self.body)
