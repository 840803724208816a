"""The audit feature's problem codes, with their titles in sq, sr and en."""

from __future__ import annotations

from gateway.refusals import register

register(
    "person.personal_number.invalid",
    422,
    sq="Numri personal nuk është i vlefshëm: duhet të ketë dhjetë shifra.",
    sr="Lični broj nije ispravan: mora imati deset cifara.",
    en="The personal number is not valid: it must have ten digits.",
)
register(
    "data_usage.cursor.invalid",
    400,
    sq="Kursori i faqes nuk është i vlefshëm për këtë person.",
    sr="Kursor stranice nije važeći za ovo lice.",
    en="The page cursor is not valid for this person.",
)
