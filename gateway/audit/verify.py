"""``audit verify``: walk the log, check each link and each checkpoint, name the first break.

The walk goes through the entries in table order and keeps the hash the chain has reached.
At each entry, in this order:

- its own hash no longer matches its content and stated predecessor: it was **changed**;
- its place number skips one and its predecessor is not the one before: an entry was
  **deleted**;
- its predecessor is an entry further down the table: entries were **reordered**;
- its predecessor is an entry further up, not the one just before: the entries between were
  **inserted**;
- its predecessor is unknown, and the entry after it links to the one before it: it was
  **inserted**; otherwise the entry before it was deleted (or changed and re-hashed).

Then every checkpoint: its signature under the published key, and the chain's hash at its
count (a log shorter than a checkpoint lost entries at its end; a different hash at the
count means the log was rewritten before it). Last, the citizens' index against the log: a
data-usage entry's ``person_key`` and ``disclosed_from`` columns, which the citizen's query
reads, must say what its hashed body says, so a read hidden from the citizen by clearing or
editing them (or another entry made to show in a citizen's view) is named too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gateway.audit.chain import GENESIS, Entry, timestamp
from gateway.audit.checkpoints import signature_holds
from gateway.store import Store
from gateway.store.audit import DATA_USAGE, AuditRepository, Checkpoint, IndexRow


@dataclass
class Verdict:
    entries: int = 0
    checkpoints: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def walk(entries: list[Entry]) -> tuple[list[str], list[str]]:
    """(the first break found, if any; the chain's hash after each intact entry)."""
    position_of = {entry.hash: index for index, entry in enumerate(entries)}
    reached: list[str] = []
    prev = GENESIS
    for index, entry in enumerate(entries):
        expected_seq = index + 1
        if entry.recomputed() != entry.hash:
            return [f"entry {entry.seq} was changed: its content no longer gives its hash"], reached
        if entry.prev_hash != prev:
            return [_broken_link(entries, index, prev, position_of, expected_seq)], reached
        if entry.seq != expected_seq:
            return [f"entry {entry.seq} sits at place {expected_seq}: entries renumbered"], reached
        prev = entry.hash
        reached.append(prev)
    return [], reached


def _broken_link(
    entries: list[Entry], index: int, prev: str, position_of: dict[str, int], expected_seq: int
) -> str:
    entry = entries[index]
    linked = position_of.get(entry.prev_hash)
    if entry.seq > expected_seq and linked is None:
        missing = (
            expected_seq if expected_seq == entry.seq - 1 else f"{expected_seq}-{entry.seq - 1}"
        )
        return f"entry {missing} was deleted: entry {entry.seq} follows an entry not in the log"
    if linked is not None and linked > index:
        return (
            f"entry {entry.seq} was reordered: it follows entry {entries[linked].seq}, "
            "further down the log"
        )
    if linked is not None and linked < index - 1:
        return (
            f"entry {entries[linked + 1].seq} was inserted: entry {entry.seq} follows entry "
            f"{entries[linked].seq}, not the one before it"
        )
    following = entries[index + 1] if index + 1 < len(entries) else None
    if following is not None and following.prev_hash == prev:
        return f"entry {entry.seq} was inserted: it follows no entry of the log"
    return (
        f"entry {entry.seq} follows an entry not in the log: the entry before it was deleted, "
        "or changed and re-hashed"
    )


def check_checkpoints(
    checkpoints: list[Checkpoint], reached: list[str], total: int, public_key: str
) -> list[str]:
    findings = []
    for checkpoint in sorted(checkpoints, key=lambda c: c.count):
        if not signature_holds(public_key, checkpoint):
            findings.append(
                f"checkpoint at count {checkpoint.count} is not signed by the published key"
            )
        elif checkpoint.count > total:
            findings.append(
                f"entries {total + 1}-{checkpoint.count} were deleted: the checkpoint of "
                f"{checkpoint.signed_at.isoformat()} counted {checkpoint.count}"
            )
        elif (
            checkpoint.count <= len(reached)
            and reached[checkpoint.count - 1] != checkpoint.head_hash
        ):
            findings.append(
                f"the log was rewritten before entry {checkpoint.count}: its hash there differs "
                "from the signed checkpoint's"
            )
    return findings


def check_usage_index(entries: list[Entry], index: list[IndexRow]) -> list[str]:
    by_seq = {entry.seq: entry for entry in entries}
    findings = []
    for row in index:
        entry = by_seq[row.seq]  # the index columns sit on the entry's own row
        if entry.kind != DATA_USAGE:
            findings.append(f"entry {row.seq} is not a data-usage record but is indexed as one")
        elif row.person_key is None:
            findings.append(f"the data-usage record of entry {row.seq} is missing")
        elif (row.person_key, _moment(row.disclosed_from)) != (
            entry.body.get("person_key"),
            entry.body.get("disclosed_from"),
        ):
            findings.append(f"the data-usage record of entry {row.seq} differs from the log")
    return findings


def _moment(value: datetime | None) -> str | None:
    return timestamp(value) if value is not None else None


def verify(store: Store, public_key: str) -> Verdict:
    """Check the whole log held by ``store`` against checkpoints signed by ``public_key``."""
    with store.unit_of_work(read_only=True) as uow:
        audit = uow.bind(AuditRepository)
        entries = list(audit.entries())
        checkpoints = audit.checkpoints()
        index = list(audit.usage_index())
    findings, reached = walk(entries)
    findings += check_checkpoints(checkpoints, reached, len(entries), public_key)
    findings += check_usage_index(entries, index)
    return Verdict(entries=len(entries), checkpoints=len(checkpoints), findings=findings)
