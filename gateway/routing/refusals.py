"""A refusal: the gateway's "no" in domain terms, before anyone turns it into HTTP.

The routing engine and the intake raise it with a stable code (the same codes as the problem
documents); the API layer renders it. Keeping it free of HTTP lets the relay, the CLI and
tests use the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contracts.catalogue import LocalizedText


class Refusal(Exception):
    """``errors`` are (JSON pointer, reason) pairs; ``status`` overrides the code's default."""

    def __init__(
        self,
        code: str,
        *,
        detail: LocalizedText | str | None = None,
        errors: Sequence[tuple[str, str]] = (),
        extra: Mapping[str, Any] | None = None,
        retry_after_s: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.retry_after_s = retry_after_s
        self.status = status
