from __future__ import annotations

from gateway.logging import mask_personal_numbers, mask_text


def test_a_personal_number_is_masked_anywhere_in_an_event():
    event = {
        "event": "registry.call.finished",
        "note": "applicant 1234567892 asked",
        "nested": {"numbers": ["1234567892", "x"], "deep": ({"pn": "9876543210"},)},
        "size_bytes": 1234567892,
    }

    masked = mask_personal_numbers(None, "info", event)

    strings = repr({k: v for k, v in masked.items() if k != "size_bytes"})
    assert "1234567892" not in strings
    assert "9876543210" not in strings
    assert masked["note"] == "applicant ********92 asked"
    assert masked["nested"]["numbers"] == ["********92", "x"]
    # Numbers that are not strings are counts and sizes, never personal numbers.
    assert masked["size_bytes"] == 1234567892


def test_longer_digit_runs_are_not_mistaken_for_personal_numbers():
    assert mask_text("order 123456789012") == "order 123456789012"
    assert mask_text("nui 810123456") == "nui 810123456"


def test_ids_that_happen_to_hold_ten_digits_stay_whole():
    dashed = "bcf0e27c-b932-447b-8c51-af1234567899"
    plain = "08f02a4d26fe4f3a8a8c8621234567892"[:32]

    assert mask_text(f"request {dashed} done") == f"request {dashed} done"
    assert mask_text(plain) == plain


def test_a_personal_number_next_to_an_id_is_still_masked():
    dashed = "bcf0e27c-b932-447b-8c51-af1234567899"

    assert mask_text(f"{dashed} 1234567892") == f"{dashed} ********92"
    assert mask_text(f"{dashed}:1234567892") == f"{dashed}:********92"


def test_ten_digits_without_a_valid_check_digit_are_a_reference_and_stay_readable():
    assert mask_text("hearing CSV-1796194701 published") == "hearing CSV-1796194701 published"
    assert mask_text("hearing CSV-1086767640 published") == "hearing CSV-********40 published"
    # Numbers starting with 9 carry no check digit: any such ten digits may be someone's.
    assert mask_text("9000000001") == "********01"
