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
