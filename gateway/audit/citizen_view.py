"""What a citizen sees of their data-usage records: the pages the portal shows them.

Newest first, a page at a time, in the citizen's language (the service's and the registry's
names; the law as the catalogue writes it, the purpose as the route declares it). A
restricted record (a client whose reads the law keeps from the citizen for a time) is left
out until its disclosure date, by the feature's clock. The lookup key of the person is never
shown; the page cursor is signed with a key derived from the lookup key and bound to that
person, so a cursor cannot be forged or moved to another person's records.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from contracts.catalogue import Catalogue, DisplayLanguage
from gateway.audit import problems as problems  # registers the feature's codes
from gateway.audit.lookup import PersonKeys
from gateway.refusals import Refusal, Texts
from gateway.store import Store
from gateway.store.audit import AuditRepository, StoredUsage

_TAG_BYTES = 16
REGISTRY_NAME = {"sq": "Regjistri {}", "sr": "Registar {}", "en": "The {} registry"}
"""How a registry's localised name (``REGISTRY_NAMES``) reads on its own."""


class UsageCursors:
    """Signed cursors: ``<seq>-<index>.<tag>``, the place of the first record of the next
    page (its entry and its read in the entry), the tag an HMAC over the person's key and
    the place."""

    def __init__(self, secret: bytes) -> None:
        self._secret = hashlib.sha256(b"ekomunat.data-usage.cursor\n" + secret).digest()

    def _tag(self, person_key: str, seq: int, index: int) -> str:
        signed = f"{person_key}\n{seq}\n{index}".encode()
        raw = hmac.new(self._secret, signed, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw[:_TAG_BYTES]).decode("ascii").rstrip("=")

    def issue(self, person_key: str, place: tuple[int, int]) -> str:
        seq, index = place
        return f"{seq}-{index}.{self._tag(person_key, seq, index)}"

    def open(self, person_key: str, cursor: str) -> tuple[int, int]:
        place, _, tag = cursor.partition(".")
        seq_text, _, index_text = place.partition("-")
        try:
            valid = (
                seq_text.isdigit()
                and index_text.isdigit()
                and hmac.compare_digest(tag, self._tag(person_key, int(seq_text), int(index_text)))
            )
        except (ValueError, binascii.Error, TypeError):
            valid = False
        if not valid:
            raise Refusal("data_usage.cursor.invalid")
        return int(seq_text), int(index_text)


class DataUsageView:
    """The citizen's pages and the Agency's export, read from the store."""

    def __init__(
        self,
        store: Store,
        keys: PersonKeys,
        cursors: UsageCursors,
        catalogue: Catalogue,
        *,
        registry_names: Mapping[str, Texts],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._keys = keys
        self._cursors = cursors
        self._catalogue = catalogue
        self._registry_names = registry_names
        self._clock = clock

    def page(
        self, personal_number: str, language: DisplayLanguage, *, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        person_key = self._keys.of(personal_number)
        start = self._cursors.open(person_key, cursor) if cursor else None
        with self._store.unit_of_work(read_only=True) as uow:
            found = uow.bind(AuditRepository).usage_of(
                person_key, now=self._clock(), start=start, limit=limit + 1
            )
        following = found[limit] if len(found) > limit else None
        return {
            "language": language,
            "records": [self._record(stored, language) for stored in found[:limit]],
            "next_cursor": (
                self._cursors.issue(person_key, (following.seq, following.index))
                if following is not None
                else None
            ),
        }

    def _record(self, stored: StoredUsage, language: DisplayLanguage) -> dict[str, Any]:
        row = stored.row
        service = self._catalogue.service(row.service)
        municipality = self._catalogue.municipality(row.municipality)
        names = self._registry_names.get(row.registry)
        return {
            "recorded_at": stored.recorded_at.isoformat(),
            "institution": row.client_id,
            "municipality": row.municipality,
            "municipality_name": municipality.name.in_language(language) if municipality else None,
            "registry": row.registry,
            "registry_name": REGISTRY_NAME[language].format(
                names[language] if names else row.registry
            ),
            "operation": row.operation,
            "fields": list(row.fields),
            "service": row.service,
            "service_name": service.name.in_language(language) if service else row.service,
            "legal_basis": row.legal_basis,
            "purpose": row.purpose,
            "request_id": row.request_id,
        }
