"""Page cursors: opaque to clients, signed by the gateway, valid only where they were issued.

A cursor carries the sort key of the last row of a page, so the next page starts after it.
Clients must not be able to choose that key: a key of the wrong shape made the page lookup
compare an integer with strings and fail with a 500 (issue 16, item 8), and a key of the
right shape would let anyone probe the ordering. So the key travels with an HMAC-SHA256 tag
over the key and the listing it belongs to (the feed with its filters, not the page size or
format): a cursor that was not issued by a gateway holding the same secret, or that was
issued for another feed or other filters, is refused as ``open.cursor.invalid``.

Every instance behind the load balancer must hold the same ``GATEWAY_OPEN_CURSOR_SECRET``,
or a cursor issued by one is refused by the next.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from gateway.refusals import Refusal

_TAG_BYTES = 16
"""128 bits of tag: a forgery is a 2^-128 guess, and the cursor stays short in a URL."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


class CursorSigner:
    """Issues and opens the cursors of one deployment (one secret)."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the cursor secret must not be empty")
        self._secret = secret

    def _tag(self, listing: str, payload: str) -> bytes:
        message = f"{listing}\n{payload}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def issue(self, listing: str, key: Sequence[Any]) -> str:
        """The cursor of the page after ``key`` in ``listing``."""
        raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
        payload = _b64(raw)
        return f"{payload}.{_b64(self._tag(listing, payload))}"

    def open(self, listing: str, cursor: str) -> tuple[Any, ...]:
        """The key a cursor carries, if this deployment issued it for ``listing``."""
        payload, dot, tag_text = cursor.partition(".")
        try:
            tag = _unb64(tag_text) if dot else b""
            valid = hmac.compare_digest(tag, self._tag(listing, payload))
            value = json.loads(_unb64(payload)) if valid else None
        except (ValueError, binascii.Error, UnicodeError):
            raise Refusal("open.cursor.invalid") from None
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise Refusal("open.cursor.invalid")
        return tuple(value)
