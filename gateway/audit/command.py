"""``ekomunat-gateway audit verify``: check the audit log of ``GATEWAY_DATABASE_URL``.

Exit 0 when the log is intact, 1 naming each break (the first entry changed, deleted,
inserted or reordered, then any checkpoint that does not hold), 2 when the store cannot be
read. The public key is the deployment's (from ``GATEWAY_AUDIT_SIGNING_KEY``) unless
``--public-key`` gives the one published at ``/v1/open/audit-checkpoints``: a verifier
outside the Agency's operators holds only that.
"""

from __future__ import annotations

import argparse
import sys

from gateway.audit.checkpoints import CheckpointSigner
from gateway.audit.verify import verify
from gateway.settings import Settings
from gateway.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("verify", help="walk the log against its signed checkpoints")
    check.add_argument("--database-url", help="the store (default GATEWAY_DATABASE_URL)")
    check.add_argument("--public-key", help="the published Ed25519 key (base64url)")


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    public_key = (
        args.public_key
        or CheckpointSigner(settings.audit_signing_key.get_secret_value()).public_key
    )
    try:
        store = Store.from_url(args.database_url or settings.database_url)
    except Exception as exc:  # any failure to reach the store: say which, exit 2
        sys.stderr.write(f"audit verify: cannot open the store: {type(exc).__name__}\n")
        return 2
    try:
        verdict = verify(store, public_key)
    finally:
        store.close()
    if verdict.intact:
        sys.stdout.write(
            f"audit log intact: {verdict.entries} entries, {verdict.checkpoints} checkpoints\n"
        )
        return 0
    sys.stdout.write(f"audit log NOT intact ({verdict.entries} entries):\n")
    for finding in verdict.findings:
        sys.stdout.write(f"  {finding}\n")
    return 1
