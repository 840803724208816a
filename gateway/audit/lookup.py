"""The keyed hash under which a person's data-usage records are filed.

The records must be found by the citizen's own query and by nobody browsing the table: a
plain SHA-256 of a ten-digit personal number is reversed by trying all 10^10 numbers in
minutes, so the lookup key is an HMAC-SHA256 under ``GATEWAY_AUDIT_LOOKUP_KEY``, a secret
the database does not hold. The same key on every instance; changing it orphans the records
filed under the old one.
"""

from __future__ import annotations

import hashlib
import hmac


class PersonKeys:
    """Personal number → lookup key (hex), with the HMAC's key schedule done once."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the audit lookup key must not be empty")
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def of(self, personal_number: str) -> str:
        keyed = self._keyed.copy()
        keyed.update(personal_number.encode("ascii"))
        return keyed.hexdigest()
