"""The gateway's log: structlog, one JSON line per event, personal numbers masked.

Operators follow requests hop by hop in these lines, so every line of a request carries its
``request_id`` (bound in context variables by the HTTP middleware). A citizen's personal
number must never reach a log file in clear: the masking processor runs on every event,
after everything else has added its fields and before rendering.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
import re
import sys
import uuid
from collections.abc import Mapping, MutableMapping
from logging.handlers import RotatingFileHandler
from typing import Any

import orjson
import structlog
from structlog.tracebacks import ExceptionDictTransformer

from contracts.personal_numbers import has_valid_check_digit
from gateway.settings import LogFormat, Settings

# Request and message ids (UUIDs, with or without dashes) are matched first and kept whole:
# a run of ten digits inside one is part of an id, and masking it would break the very
# correlation the log exists for.
PERSONAL_NUMBER = re.compile(
    r"(?P<id>(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{12}|[0-9a-f]{32})(?![0-9A-Fa-f]))"
    r"|(?<![0-9])[0-9]{10}(?![0-9])"
)


def mask_personal_number(match: re.Match[str]) -> str:
    """Keep the last two digits so operators can tell records apart, hide the rest.

    Ten digits that fail the check digit (``contracts/personal_numbers.py``) are no one's
    personal number, only a reference such as ``CSV-1796194701``: masking them would hide
    what operators need and protect nobody.
    """
    digits = match.group(0)
    if match.group("id") or not has_valid_check_digit(digits):
        return digits
    return "*" * 8 + digits[-2:]


_TEN_DIGITS = re.compile(r"[0-9]{10}")
"""The cheap question asked first: most values (ids, names, outcomes) hold no run of ten
digits, and a search without a callback costs a fraction of ``PERSONAL_NUMBER.sub``."""


def mask_text(text: str) -> str:
    if len(text) < 10 or _TEN_DIGITS.search(text) is None:
        return text
    return PERSONAL_NUMBER.sub(mask_personal_number, text)


def mask_value(value: Any) -> Any:
    """``value`` with every personal number masked, at any depth (strings in mappings and
    sequences; other objects by their text)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float | None):
        return value
    if isinstance(value, Mapping):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item) for item in value]
    if isinstance(value, _DIGIT_FREE):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return mask_value(dataclasses.asdict(value))
    # Anything else (an exception, a model, an object with its own __str__) is rendered as its
    # text, so that what the renderer would have printed is what gets masked.
    return mask_text(str(value))


_DIGIT_FREE = (datetime.date, datetime.time, datetime.timedelta, uuid.UUID, enum.Enum)
"""Values orjson renders natively that never carry a personal number: kept as they are, so
that a timestamp stays ISO 8601 in the JSON log."""


_PLAIN = frozenset({int, float, bool, type(None)})


def mask_personal_numbers(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask every personal number in every string value, at any depth.

    Personal numbers travel as strings throughout the gateway, so strings are what is scanned;
    integers (durations, counts, sizes) are left alone.
    """
    # Runs on every log line: strings and numbers, nearly all values, are handled inline.
    for key, value in event_dict.items():
        kind = type(value)
        if kind is str:
            event_dict[key] = mask_text(value)
        elif kind not in _PLAIN:
            event_dict[key] = mask_value(value)
    return event_dict


def _orjson_text(value: Any, **options: Any) -> str:
    return orjson.dumps(value, **options).decode("utf-8")


class FileCopy:
    """structlog processor: the masked event, as one JSON line, into the log file too.

    It runs after the masking and before the stream's renderer, and leaves the event as it
    found it, so stderr keeps its own format (console in a terminal) while the file always
    holds the JSON lines that ``ekomunat-gateway logs`` reads. The file is a standard
    ``RotatingFileHandler``: rotated by size, its backups ``gateway.log.1`` … kept.
    """

    def __init__(self, handler: logging.Handler) -> None:
        self._handler = handler
        self._exceptions = structlog.processors.ExceptionRenderer(
            ExceptionDictTransformer(show_locals=False)
        )
        self._render = structlog.processors.JSONRenderer(serializer=_orjson_text)

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        line = self._render(logger, method, self._exceptions(logger, method, dict(event_dict)))
        self._handler.handle(logging.makeLogRecord({"msg": line, "levelname": method.upper()}))
        return event_dict


_open_file_handlers: list[logging.Handler] = []
"""The log file of the last ``configure_logging``, closed when the process configures again."""


def log_file_handler(settings: Settings) -> logging.Handler | None:
    """The rotating handler of ``GATEWAY_LOG_FILE``, its folder made; None when it is off."""
    while _open_file_handlers:
        _open_file_handlers.pop().close()
    if settings.log_file is None:
        return None
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        settings.log_file,
        maxBytes=settings.log_file_max_bytes,
        backupCount=settings.log_file_backups,
        encoding="utf-8",
    )
    _open_file_handlers.append(handler)
    return handler


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the standard library once, for the whole process."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    use_console = settings.log_format is LogFormat.CONSOLE or (
        settings.log_format is LogFormat.AUTO and sys.stderr.isatty()
    )
    # JSON lines are rendered by orjson and written as bytes: 2.5x cheaper per line than the
    # json module and print() (bench/results/optimisation.md), on every hop of every request.
    stream = getattr(sys.stderr, "buffer", None)
    renderer: Any
    if use_console:
        renderer = structlog.dev.ConsoleRenderer()
        factory: Any = structlog.PrintLoggerFactory(file=sys.stderr)
    elif stream is not None:
        renderer = structlog.processors.JSONRenderer(serializer=orjson.dumps)
        factory = structlog.BytesLoggerFactory(file=stream)
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_orjson_text)
        factory = structlog.PrintLoggerFactory(file=sys.stderr)
    # A traceback becomes text or data before masking runs: an exception's message may hold a
    # personal number, and a renderer that formats it afterwards would print it in clear.
    # Frame locals hold request data, and request data holds personal numbers.
    exceptions: Any = (
        structlog.processors.format_exc_info
        if use_console
        else structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    )
    file_handler = log_file_handler(settings)
    # Both structlog's events and the libraries' lines reach the file, masked, as JSON.
    file_copy = [] if file_handler is None else [FileCopy(file_handler)]
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        exceptions,
        mask_personal_numbers,
        *file_copy,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=factory,
        # Not cached: structlog.testing.capture_logs must see every logger, including
        # module-level ones used before a test starts capturing.
        cache_logger_on_first_use=False,
    )
    # Library loggers (uvicorn, pika, zeep) go to the same stream, masked the same way.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                exceptions,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                mask_personal_numbers,
                *file_copy,
                # A logging.Formatter must return text.
                structlog.dev.ConsoleRenderer()
                if use_console
                else structlog.processors.JSONRenderer(serializer=_orjson_text),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pika", "zeep", "urllib3", "aiohttp.access", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
