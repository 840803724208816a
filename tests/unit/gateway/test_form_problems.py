"""A form field that breaks a length or size rule is named with the rule it broke.

The reasons of every rule were built at once, and the enum's list was iterated for a
``maxLength`` of 10 too: such an error raised ``TypeError`` and the citizen got a 500
instead of the 422 that names the field (found by mypy, issue #18).
"""

from __future__ import annotations

from contracts.catalogue import load_catalogue
from gateway.intake import FormValidators

VALIDATORS = FormValidators(load_catalogue())


def test_every_reason_for_a_too_long_value_is_in_words() -> None:
    problems = VALIDATORS.problems(
        "death-certificate", {"purpose": "other", "deceased_personal_number": "12345678901"}
    )

    assert sorted(reason for _, reason in problems) == [
        "must be at most 10 characters long",
        "must match the pattern ^[0-9]{10}$",
    ]


def test_an_unknown_choice_lists_the_choices() -> None:
    (problem,) = VALIDATORS.problems(
        "death-certificate", {"purpose": "fun", "deceased_personal_number": "1234567890"}
    )

    assert problem == (
        "/form/purpose",
        "must be one of: inheritance, pension, insurance, court, other",
    )
