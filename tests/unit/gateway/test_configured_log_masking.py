"""No personal number leaves the log chain that ``serve`` configures, wherever it travels.

The chain is built exactly as a serving process builds it: ``configure_logging`` (what
``ekomunat-gateway serve`` and ``create_app`` call) and the dashboard's live log attached in
front of the renderer (what the app's lifespan does). Events then carry valid personal numbers
(mod-11 check digit, as the sandbox's seed makes them) in every place a number can hide: a
field, the event text, nested dicts, lists and tuples, a hop in a request's routing-log line,
context variables, an exception's message and its cause, a registry error's detail, and a
library's log record with a traceback.
Both the log stream and the live log are scanned for any run of ten digits.

The scan is shown to see what it looks for: the very same events through the very same chain
with only ``mask_personal_numbers`` taken out must show every number in clear. A scan that
passes with masking off proves nothing; this one fails.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog

from adapters.errors import RegistryRejected
from gateway.logging import configure_logging, mask_personal_numbers
from gateway.ops.live_log import LiveLog, attach
from gateway.routing import journey
from gateway.settings import Settings
from sandbox.seed import personal_number_check_digit


def _valid(first_nine: str) -> str:
    return f"{first_nine}{personal_number_check_digit(first_nine)}"


NUMBERS = {
    place: _valid(f"{120 + index}345678")
    for index, place in enumerate(
        (
            "field",
            "event text",
            "nested dict",
            "list",
            "tuple in a list",
            "context variable",
            "exception message",
            "exception cause",
            "registry fault detail",
            "library record",
            "library traceback",
            "hop of a request line",
        )
    )
}
TEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{10}(?![0-9])")


@contextmanager
def serving_log(path: Path, log_format: str) -> Iterator[LiveLog]:
    """This process's logging as a serving gateway has it, written to ``path``."""
    original = sys.stderr
    with path.open("w", encoding="utf-8") as stream:
        sys.stderr = stream
        detach = None
        try:
            configure_logging(Settings(log_format=log_format))
            live = LiveLog()
            detach = attach(live)
            yield live
        finally:
            if detach is not None:
                detach()
            structlog.contextvars.clear_contextvars()
            sys.stderr = original
            configure_logging(Settings(log_format="json"))


def _take_masking_out() -> None:
    """The configured chain, from both entry points, less ``mask_personal_numbers`` only."""
    processors = structlog.get_config()["processors"]
    structlog.configure(processors=[p for p in processors if p is not mask_personal_numbers])
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if isinstance(formatter, structlog.stdlib.ProcessorFormatter):
            formatter.processors = [
                p for p in formatter.processors if p is not mask_personal_numbers
            ]


def _log_everywhere() -> None:
    log = structlog.get_logger()
    log.info("route.received", hop="received", applicant=NUMBERS["field"])
    log.info("registry.lookup for %s", NUMBERS["event text"])
    log.info("route.validated", form={"applicant": {"personal_number": NUMBERS["nested dict"]}})
    log.info("route.gathered", numbers=[NUMBERS["list"], (NUMBERS["tuple in a list"], 1)])
    structlog.contextvars.bind_contextvars(applicant=NUMBERS["context variable"])
    log.info("route.rule")
    structlog.contextvars.clear_contextvars()
    # A request's one routing-log line lists its hops: a number in one of them is nested in
    # a list of dicts, in the line the intake writes at the request's end.
    opened = journey.begin()
    journey.hop("route.rule", "rule", "failed", detail=f"for {NUMBERS['hop of a request line']}")
    journey.end(opened, "route.refused", "refused", "rule.failed")
    try:
        try:
            raise KeyError(NUMBERS["exception cause"])
        except KeyError as cause:
            raise ValueError(f"no person {NUMBERS['exception message']}") from cause
    except ValueError:
        log.exception("route.failed")
    # No engine of ours writes the registry's words into a detail; the chain must still mask
    # one that did, both as the registry client logs a failed call and as a raised error.
    fault = RegistryRejected("civil", f"InvalidRequestFault for {NUMBERS['registry fault detail']}")
    log.info("registry.call.finished", registry="civil", outcome=fault.kind, detail=fault.detail)
    try:
        raise fault
    except RegistryRejected:
        log.exception("registry.call.failed", code=fault.code)
    # Libraries (uvicorn, pika, zeep) log through the standard library into the same stream.
    logging.getLogger("pika").warning("channel closed for %s", NUMBERS["library record"])
    try:
        raise RuntimeError(f"handler failed on {NUMBERS['library traceback']}")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")


def _written(path: Path, live: LiveLog) -> str:
    return path.read_text(encoding="utf-8") + json.dumps(list(live), default=repr)


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_no_personal_number_leaves_the_configured_chain(tmp_path: Path, log_format: str) -> None:
    path = tmp_path / "gateway.log"
    with serving_log(path, log_format) as live:
        _log_everywhere()
    written = _written(path, live)

    assert "********" in written, "the events were logged"
    leaked = {place for place, number in NUMBERS.items() if number in written}
    assert not leaked, f"personal numbers in clear from: {sorted(leaked)}"
    assert TEN_DIGITS.findall(written) == []


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_the_scan_sees_every_number_once_masking_is_taken_out(
    tmp_path: Path, log_format: str
) -> None:
    path = tmp_path / "gateway.log"
    with serving_log(path, log_format) as live:
        _take_masking_out()
        _log_everywhere()
    written = _written(path, live)

    unseen = {place for place, number in NUMBERS.items() if number not in written}
    assert not unseen, f"the scan would not see a number from: {sorted(unseen)}"
    assert set(NUMBERS.values()) <= set(TEN_DIGITS.findall(written))


def test_an_object_logged_as_a_value_is_masked_too(tmp_path: Path) -> None:
    @dataclass
    class Holder:
        personal_number: str

    path = tmp_path / "gateway.log"
    with serving_log(path, "json") as live:
        structlog.get_logger().info(
            "route.checked", applicant=Holder(NUMBERS["field"]), error=ValueError(NUMBERS["list"])
        )
    assert TEN_DIGITS.findall(_written(path, live)) == []
