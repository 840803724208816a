"""Personal data in public free text: found where it is, and only there."""

from __future__ import annotations

import pytest

from gateway.personal_data import EMAIL, NAME, PERSONAL_NUMBER, PHONE, kinds_in, masked


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("nr. personal 1086767640", [PERSONAL_NUMBER]),
        ("tel +38344111222", [PHONE]),
        ("tel +383 44 111 222", [PHONE]),
        ("tel 00383-44-111-222", [PHONE]),
        ("thirrni 044 111 222", [PHONE]),
        ("zyra 038.200.300", [PHONE]),
        ("shkruani p.h+ankesa@example.org", [EMAIL]),
        ("petrit.hoxha@example.org", [EMAIL, NAME]),
        ("Unë, HOXHË, ankohem", [NAME]),
    ],
)
def test_each_kind_is_found(text: str, kinds: list[str]) -> None:
    assert kinds_in(text, names=["Petrit", "Hoxhe"]) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Rruga Agim Ramadani 12, Prishtinë",
        "Dëgjimi CSV-1796194701",
        "Leja LN-2026-00417, parcela 1234-5, zona 712345",
        "më 24.11.2026 në ora 14:00, 2026-11-24",
        "parcela 00417/2026, 1.234.567 euro",
        "numri i biznesit 810123456",
    ],
)
def test_streets_references_dates_and_amounts_are_not_personal_data(text: str) -> None:
    assert kinds_in(text, names=["Petrit", "Hoxha"]) == []
    assert masked(text) == text


def test_masking_hides_numbers_phones_and_addresses_and_keeps_the_rest() -> None:
    text = "Petrit: 1086767640, +383 44 111 222, p@example.org; ref CSV-1796194701"

    assert masked(text) == "Petrit: ********40, *************22, [e-mail]; ref CSV-1796194701"
