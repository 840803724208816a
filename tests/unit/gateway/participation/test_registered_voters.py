"""The registered voters behind a petition's threshold: the default file agrees with the
sandbox civil registry it stands for, and the threshold is 10 % rounded up."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from contracts.participation import PetitionKind
from gateway.participation.petitions import RegisteredVoters, signing_window
from gateway.refusals import Refusal
from gateway.settings import Settings
from sandbox.seed import REFERENCE_DATE, build_seed


def _age(born: date) -> int:
    return (
        REFERENCE_DATE.year
        - born.year
        - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))
    )


def test_the_default_voters_are_the_sandbox_registrys_adult_residents() -> None:
    voters = RegisteredVoters.load(Settings().registered_voters_file)
    seed = build_seed()
    adults = Counter(
        person.municipality_code
        for person in seed.persons.values()
        if person.status == "alive" and _age(person.date_of_birth) >= 18
    )
    assert dict(voters.counts) == dict(adults)
    assert len(voters.counts) == 38
    assert "sandbox" in voters.source


def test_the_threshold_is_ten_percent_rounded_up(tmp_path: Path) -> None:
    path = tmp_path / "voters.yaml"
    path.write_text('source: test\nvoters: {"01": 19, "02": 20, "03": 1}\n', encoding="utf-8")
    voters = RegisteredVoters.load(path)
    assert [voters.threshold(code) for code in ("01", "02", "03")] == [2, 2, 1]
    with pytest.raises(Refusal) as missing:
        voters.threshold("04")
    assert missing.value.code == "petition.voters.unknown"


def test_a_petition_against_a_regulation_runs_30_days_from_its_adoption() -> None:
    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    until, due = signing_window(PetitionKind.REGULATION_REFERENDUM, date(2026, 11, 20), now)
    assert until == datetime(2026, 12, 20, 23, tzinfo=UTC)  # the end of 20 December in Kosovo
    assert due == datetime(2027, 1, 19, 23, tzinfo=UTC)  # 30 days later
    opened, _ = signing_window(PetitionKind.INITIATIVE, date(2026, 1, 1), now)
    assert opened == datetime(2027, 1, 2, 23, tzinfo=UTC)


def test_windows_end_at_kosovos_midnight_summer_or_winter() -> None:
    # Opened at half past midnight in Kosovo on 3 December, while UTC still has 2 December:
    # the initiative's 30 days count from Kosovo's day.
    late_evening_utc = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    until, _ = signing_window(PetitionKind.INITIATIVE, None, late_evening_utc)
    assert until == datetime(2027, 1, 2, 23, tzinfo=UTC)
    # Adopted in summer (CEST, UTC+2): signing ends at 22:00 UTC; the decision, due after the
    # clocks went back, at 23:00 UTC.
    until, due = signing_window(
        PetitionKind.REGULATION_REFERENDUM, date(2026, 9, 10), datetime(2026, 9, 11, tzinfo=UTC)
    )
    assert until == datetime(2026, 10, 10, 22, tzinfo=UTC)
    assert due == datetime(2026, 11, 9, 23, tzinfo=UTC)
