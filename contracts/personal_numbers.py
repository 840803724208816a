"""The Kosovo personal number: ten digits, the tenth a check digit over the first nine.

Everyone who must tell a personal number from any other ten digits agrees on this rule: the
sandbox's civil registry issues numbers by it, and the gateway's one masker
(``gateway/logging.py``, also behind the screening of public text) hides only the ten-digit
runs that pass it, so that a reference such as ``CSV-1796194701`` stays readable while
``1086767640`` is masked wherever it appears. The check digit is mod 11 with the weights
4, 3, 2, 7, 6, 5, 4, 3, 2, a remainder giving 10 or 11 being written as 0; numbers starting
with 9 (issued outside this scheme) carry no check digit and always count.
"""

from __future__ import annotations

CHECK_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2)


def personal_number_check_digit(first_nine: str) -> int:
    """The tenth digit a personal number starting with ``first_nine`` must have."""
    total = sum(int(d) * w for d, w in zip(first_nine, CHECK_WEIGHTS, strict=True))
    check = 11 - total % 11
    return 0 if check >= 10 else check


def has_valid_check_digit(personal_number: str) -> bool:
    """True when the tenth digit matches the mod-11 rule (numbers starting with 9 are exempt)."""
    if personal_number.startswith("9"):
        return True
    return personal_number_check_digit(personal_number[:9]) == int(personal_number[9])


def is_personal_number(text: str) -> bool:
    """True for exactly ten ASCII digits that pass the check-digit rule."""
    return len(text) == 10 and text.isascii() and text.isdigit() and has_valid_check_digit(text)
