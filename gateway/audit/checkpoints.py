"""Signed checkpoints of the audit log's head, and the worker that writes them.

A checkpoint says "after ``count`` entries the chain's head hash was ``head_hash``", at
``signed_at``, signed with Ed25519 under ``GATEWAY_AUDIT_SIGNING_KEY``. Published at
``/v1/open/audit-checkpoints`` with the public key, a copy kept by anyone (the Agency, a
journalist) proves later that the log up to that count was not rewritten: Certificate
Transparency's signed tree head, kept to a hash chain. The signed bytes are the canonical
JSON ``{"count": …, "head_hash": …, "signed_at": …}`` (keys sorted, no spaces, the time as
``gateway.audit.chain.timestamp`` writes it).

One worker for the deployment (``Scope.PER_DEPLOYMENT``): two would only sign the same head
twice (the second insert of one count is refused and ignored).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from datetime import datetime

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import IntegrityError

from gateway.audit.chain import timestamp
from gateway.store import Store
from gateway.store.audit import AuditRepository, Checkpoint

log = structlog.get_logger()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def signed_bytes(count: int, head_hash: str, signed_at: datetime) -> bytes:
    document = {"count": count, "head_hash": head_hash, "signed_at": timestamp(signed_at)}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")


class CheckpointSigner:
    """Signs checkpoints with the deployment's Ed25519 key (a 32-byte seed, base64url)."""

    def __init__(self, seed: str) -> None:
        try:
            raw = _unb64(seed.strip())
        except (ValueError, binascii.Error) as exc:
            raise ValueError("GATEWAY_AUDIT_SIGNING_KEY is not base64url") from exc
        if len(raw) != 32:
            raise ValueError("GATEWAY_AUDIT_SIGNING_KEY must hold a 32-byte Ed25519 seed")
        self._key = Ed25519PrivateKey.from_private_bytes(raw)
        self.public_key = _b64(self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, count: int, head_hash: str, signed_at: datetime) -> Checkpoint:
        signature = self._key.sign(signed_bytes(count, head_hash, signed_at))
        return Checkpoint(count, head_hash, signed_at, _b64(signature))


def signature_holds(public_key: str, checkpoint: Checkpoint) -> bool:
    """Whether ``checkpoint`` was signed by the key published as ``public_key``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_unb64(public_key))
        key.verify(
            _unb64(checkpoint.signature),
            signed_bytes(checkpoint.count, checkpoint.head_hash, checkpoint.signed_at),
        )
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def write_checkpoint(
    store: Store, signer: CheckpointSigner, clock: Callable[[], datetime]
) -> Checkpoint | None:
    """Sign the committed head if entries came since the last checkpoint; the new one."""
    with store.unit_of_work() as uow:
        audit = uow.bind(AuditRepository)
        count, head_hash = audit.head()
        latest = audit.latest_checkpoint()
        if count == 0 or (latest is not None and latest.count >= count):
            return None
        checkpoint = signer.sign(count, head_hash, clock())
        try:
            audit.add_checkpoint(checkpoint)
            uow.commit()
        except IntegrityError:  # another instance signed this very head a moment ago
            return None
    log.info("audit.checkpoint.signed", count=count)
    return checkpoint


class CheckpointWorker:
    """Writes a checkpoint every ``interval_s`` in its own thread (and one when stopped)."""

    def __init__(
        self,
        store: Store,
        signer: CheckpointSigner,
        *,
        interval_s: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._signer = signer
        self._interval_s = interval_s
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            self._once()
        self._once()

    def _once(self) -> None:
        try:
            write_checkpoint(self._store, self._signer, self._clock)
        except Exception as exc:  # the store is down: try again next interval
            log.warning("audit.checkpoint.failed", error=type(exc).__name__)
