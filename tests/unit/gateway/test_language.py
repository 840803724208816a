from __future__ import annotations

import pytest

from gateway.api.language import negotiate


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        (None, None, "sq"),
        ("sr", "en", "sr"),
        ("xx", "en-GB,en;q=0.9", "en"),
        (None, "de-DE, sr-Latn-RS;q=0.8, en;q=0.5", "sr"),
        (None, "en;q=0.2, sq;q=0.9", "sq"),
        (None, "bs-BA", "sr"),
        (None, "fr, de", "sq"),
        (None, "en;q=0", "sq"),
        (None, "en;q=banana, sr", "sr"),
    ],
)
def test_language_is_negotiated(explicit, header, expected):
    assert negotiate(explicit, header) == expected
