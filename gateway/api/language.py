"""Which of the portal's display languages (sq, sr, en) an answer is written in.

An explicit choice (the ``lang`` query parameter, or the request's ``language`` field) wins;
otherwise ``Accept-Language`` is read with its quality values; otherwise Albanian.
"""

from __future__ import annotations

from contracts.catalogue import DEFAULT_LANGUAGE, DISPLAY_LANGUAGES, DisplayLanguage

# Bosnian and Croatian readers understand the Serbian (Latin) texts best; Turkish and Romani
# readers are served in Albanian, the majority language of their municipalities.
_FALLBACKS: dict[str, DisplayLanguage] = {"bs": "sr", "hr": "sr", "sh": "sr", "cnr": "sr"}


def as_display_language(tag: str | None) -> DisplayLanguage | None:
    """Map a BCP 47 tag (``sr-Latn-RS``, ``sq``, ``en-GB``) to a display language, if any."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    for language in DISPLAY_LANGUAGES:
        if primary == language:
            return language
    return _FALLBACKS.get(primary)


def negotiate(explicit: str | None, accept_language: str | None) -> DisplayLanguage:
    chosen = as_display_language(explicit)
    if chosen:
        return chosen
    for tag in _ranked_tags(accept_language or ""):
        chosen = as_display_language(tag)
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE


def _ranked_tags(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
