"""The audit log's chain, its walk and its checkpoints, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gateway.audit.chain import GENESIS, Entry, canonical, entry_hash
from gateway.audit.checkpoints import CheckpointSigner, signature_holds
from gateway.audit.lookup import PersonKeys
from gateway.audit.verify import check_checkpoints, walk
from gateway.development_credentials import refusals
from gateway.settings import DEVELOPMENT_AUDIT_SIGNING_KEY, Environment, Settings

START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def chain(count: int) -> list[Entry]:
    entries, prev = [], GENESIS
    for seq in range(1, count + 1):
        body = {"action": "breaker.reset", "n": seq}
        at = START + timedelta(seconds=seq)
        digest = entry_hash(prev, "operator_action", at, body)
        entries.append(Entry(seq, "operator_action", at, body, prev, digest))
        prev = digest
    return entries


def test_the_canonical_form_ignores_key_order_and_keeps_non_ascii():
    one = canonical("k", START, {"b": 1, "a": "Prishtinë"})
    two = canonical("k", START, {"a": "Prishtinë", "b": 1})

    assert one == two
    assert "Prishtinë".encode() in one
    assert b" " not in one.replace("Prishtinë".encode(), b"")


def test_an_intact_chain_walks_to_its_head():
    entries = chain(5)

    findings, reached = walk(entries)

    assert findings == []
    assert reached[-1] == entries[-1].hash


def test_a_changed_body_is_named():
    entries = chain(5)
    entries[2] = replace(entries[2], body={"action": "breaker.reset", "n": 99})

    assert walk(entries)[0] == ["entry 3 was changed: its content no longer gives its hash"]


def test_a_rehashed_change_still_breaks_the_next_link():
    entries = chain(5)
    body = {"action": "nothing"}
    entries[2] = replace(
        entries[2], body=body, hash=entry_hash(entries[1].hash, "operator_action", START, body)
    )
    entries[2] = replace(entries[2], recorded_at=START)

    findings = walk(entries)[0]

    assert findings and "entry 4 follows an entry not in the log" in findings[0]


def test_a_rewritten_log_is_caught_by_its_checkpoint():
    signer = CheckpointSigner(DEVELOPMENT_AUDIT_SIGNING_KEY)
    original = chain(4)
    checkpoint = signer.sign(4, original[-1].hash, START)
    rewritten = [*chain(3), original[3]]
    rewritten[3] = replace(rewritten[3], prev_hash=rewritten[2].hash)
    body = {"forged": True}
    rewritten[3] = replace(
        rewritten[3],
        body=body,
        hash=entry_hash(rewritten[2].hash, "operator_action", rewritten[3].recorded_at, body),
    )

    _, reached = walk(rewritten)
    findings = check_checkpoints([checkpoint], reached, 4, signer.public_key)

    assert findings == [
        "the log was rewritten before entry 4: its hash there differs from the signed checkpoint's"
    ]


def test_a_checkpoint_verifies_only_under_its_key_and_for_its_own_numbers():
    signer = CheckpointSigner(DEVELOPMENT_AUDIT_SIGNING_KEY)
    other = CheckpointSigner("A" * 43)
    checkpoint = signer.sign(10, "ab" * 32, START)

    assert signature_holds(signer.public_key, checkpoint)
    assert not signature_holds(other.public_key, checkpoint)
    assert not signature_holds(signer.public_key, replace(checkpoint, count=11))


def test_the_lookup_key_depends_on_the_secret():
    number = "1234567890"

    assert PersonKeys(b"one").of(number) != PersonKeys(b"two").of(number)
    assert PersonKeys(b"one").of(number) == PersonKeys(b"one").of(number)
    assert number not in PersonKeys(b"one").of(number)


def test_production_refuses_the_development_audit_keys():
    settings = Settings(environment=Environment.PRODUCTION)

    found = "\n".join(refusals(settings, {}))

    assert "GATEWAY_AUDIT_LOOKUP_KEY: the development value" in found
    assert "GATEWAY_AUDIT_SIGNING_KEY: the development value" in found


def test_the_canonical_form_is_the_standard_librarys_sorted_compact_json():
    import json

    body = {"z": [1, None, 'ç"\\\n'], "a": {"y": "Србија", "b": 2}, "tab": "\t\u2028"}
    expected = json.dumps(
        {"body": body, "kind": "k", "recorded_at": "2026-12-02T10:00:00.000000+00:00"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")

    assert canonical("k", START, body) == expected
