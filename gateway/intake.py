"""Taking in a portal request: check it, route it, and commit what was promised.

The intake is the service layer between the HTTP API and the parts it drives: it checks the
envelope against the catalogue and the client's rights, validates the form against the
service's JSON Schema, asks the routing engine for the records, and then writes, in one
transaction, the request, its hand-off message (async routes) and the idempotency answer.
Only after that commit does the portal hear 200 or 202, so nothing answered is ever lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaViolation

from contracts.catalogue import Catalogue, Mode, Service
from contracts.compiled_schema import CompiledSchema
from contracts.messages import (
    Applicant,
    HandoffMessage,
    Language,
    RegistryRecord,
    RequestStatus,
)
from gateway.metrics import GatewayMetrics
from gateway.refusals import Refusal
from gateway.routing import journey
from gateway.routing.engine import Gathered, RequestFacts, RoutingEngine
from gateway.routing.table import Route, RoutingTable
from gateway.store import Store, UnitOfWork
from gateway.store.errors import DuplicateIdempotencyKey
from gateway.store.records import NewRequest

AcceptHook = Callable[[UnitOfWork, NewRequest, HandoffMessage], None]
"""A service's own check and record inside the accept transaction (a comment in a public
hearing: the hearing is open, and one more comment is counted); raising ``Refusal`` there
rolls the whole request back."""

CommitWrite = Callable[[UnitOfWork], None]


class ReadsRecorder(Protocol):
    """Who records the registry reads of a request (``gateway.audit.trail.AuditTrail``)."""

    def reads(
        self,
        route: Route,
        facts: RequestFacts,
        gathered: Gathered,
        *,
        client: str,
        request_id: str,
    ) -> CommitWrite | None:
        """The write to run in the request's own transaction (None: nothing to record)."""
        ...


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@dataclass(frozen=True)
class Submission:
    """A portal request whose envelope has been parsed (the API's pydantic model did that)."""

    service: str
    municipality: str
    language: Language
    applicant: Applicant | None
    """None: an anonymous request, for a service the catalogue opens to them."""
    form: Mapping[str, Any]
    callback_url: str | None = None

    def fingerprint(self) -> str:
        """A hash of the whole request, to tell a retry from a different request under one key."""
        canonical = json.dumps(
            {
                "service": self.service,
                "municipality": self.municipality,
                "language": self.language,
                "applicant": self.applicant.model_dump(mode="json") if self.applicant else None,
                "form": self.form,
                "callback_url": self.callback_url,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who submits, as far as the intake cares (the API authenticates)."""

    name: str
    may_use_service: bool


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False

    @property
    def replay_of(self) -> dict[str, Any]:
        """What the request line of a replay says of the first answer."""
        return {"status": self.status_code, "replayed_request_id": self.body.get("request_id")}


class FormValidators:
    """One compiled JSON Schema validator per service, built at start-up."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._validators = {
            service.code: CompiledSchema(
                service.form, draft=Draft202012Validator, format_checker=FormatChecker()
            )
            for service in catalogue.services
        }

    def problems(self, service: str, form: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(JSON pointer, reason) for every invalid field; reasons never quote the value."""
        errors = sorted(
            self._validators[service].iter_errors(form), key=lambda e: list(e.absolute_path)
        )
        return [(_pointer(error), _reason(error)) for error in errors]


def _pointer(error: SchemaViolation) -> str:
    path = ["form", *(str(part) for part in error.absolute_path)]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    elif (
        error.validator == "additionalProperties"
        and isinstance(error.instance, Mapping)
        and isinstance(error.schema, Mapping)
    ):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - allowed)
        if extra:
            path.append(extra[0])
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path if part)


def _reason(error: SchemaViolation) -> str:
    """Say what was expected, never what was sent: the value may be a personal number."""
    rule, expected = error.validator, error.validator_value
    # Every entry is built: only an enum's value is a list of choices.
    choices = expected if isinstance(expected, list) else []
    reasons: dict[str, str] = {
        "required": "is required",
        "additionalProperties": "is not a field of this service's form",
        "type": f"must be of type {expected}",
        "pattern": f"must match the pattern {expected}",
        "enum": "must be one of: " + ", ".join(str(v) for v in choices),
        "const": f"must be {expected}",
        "maxLength": f"must be at most {expected} characters long",
        "minLength": f"must be at least {expected} characters long",
        "maximum": f"must be at most {expected}",
        "minimum": f"must be at least {expected}",
        "exclusiveMinimum": f"must be greater than {expected}",
        "exclusiveMaximum": f"must be less than {expected}",
        "format": f"must be a valid {expected}",
        "maxItems": f"must have at most {expected} items",
        "minItems": f"must have at least {expected} items",
    }
    return reasons.get(str(rule), f"breaks the form's rule {rule}")


class Intake:
    def __init__(
        self,
        *,
        catalogue: Catalogue,
        table: RoutingTable,
        engine: RoutingEngine,
        store: Store,
        metrics: GatewayMetrics | None = None,
        on_accept: Mapping[str, AcceptHook] | None = None,
        reads: ReadsRecorder | None = None,
    ) -> None:
        self._metrics = metrics
        self._reads = reads
        self._on_accept = dict(on_accept or {})
        self._catalogue = catalogue
        self._table = table
        self._engine = engine
        self._store = store
        self._forms = FormValidators(catalogue)

    async def submit(self, caller: Caller, key: str, submission: Submission) -> Answer:
        """Take one request in; each hop it passes writes one routing-log line.

        From here on the log context carries the gateway's id of the request (``request_id``,
        the one the portal follows) beside the HTTP exchange's id (``http_request_id``), with
        the client, service and municipality, so every later line of the request has them.
        """
        request_id = str(uuid.uuid4())
        structlog.contextvars.bind_contextvars(
            http_request_id=structlog.contextvars.get_contextvars().get("request_id"),
            request_id=request_id,
            client=caller.name,
            service=submission.service,
            municipality=submission.municipality,
        )
        started = time.perf_counter()
        opened = journey.begin()
        journey.hop("route.received", "received", "received")
        try:
            answer = await self._submit(caller, key, submission, request_id)
        except Refusal as refusal:
            outcome = "failed" if refusal.code.startswith("registry.") else "refused"
            journey.end(opened, "route.refused", "refused", refusal.code)
            self._count(submission, outcome, started, refusal=refusal.code)
            raise
        except BaseException as exc:  # a crash or a cancelled request: counted, then passed on
            cancelled = isinstance(exc, asyncio.CancelledError)
            journey.end(
                opened,
                "route.failed",
                "failed",
                "cancelled" if cancelled else "error",
                level="warning" if cancelled else "error",
                error=type(exc).__name__,
            )
            self._count(submission, "failed", started)
            raise
        if answer.replayed:
            outcome = "replayed"
            journey.end(opened, "intake.replayed", "replayed", "replayed", **answer.replay_of)
        else:
            outcome = "accepted" if answer.status_code == 202 else "answered"
            journey.end(opened, f"intake.{outcome}", outcome, outcome, status=answer.status_code)
        self._count(submission, outcome, started)
        return answer

    def _count(
        self, submission: Submission, outcome: str, started: float, refusal: str | None = None
    ) -> None:
        if self._metrics is None:
            return
        self._metrics.request_finished(
            submission.service, submission.municipality, outcome, time.perf_counter() - started
        )
        if refusal is not None:
            self._metrics.refused(refusal)

    async def _submit(
        self, caller: Caller, key: str, submission: Submission, request_id: str
    ) -> Answer:
        fingerprint = submission.fingerprint()
        earlier = await self._store.run(
            self._earlier_answer, caller.name, key, fingerprint, writes=False
        )
        if earlier is not None:
            return earlier
        checked_at = time.perf_counter()
        service = self._check_envelope(caller, submission)
        journey.hop("route.validated", "validated", "valid", duration_ms=_ms_since(checked_at))
        route = self._table.route_for(service.code, submission.municipality)
        if route is None:  # compile_routing guarantees one; kept as a clear failure
            raise Refusal("service.unknown", status=422)
        applicant = submission.applicant
        facts = RequestFacts(
            # Anonymous only where the routes check made sure no call or rule reads it.
            applicant_personal_number=applicant.personal_number if applicant else "",
            municipality=submission.municipality,
            form=submission.form,
        )
        gathered = await self._engine.run(route, facts)
        reads = (
            self._reads.reads(route, facts, gathered, client=caller.name, request_id=request_id)
            if self._reads is not None
            else None
        )
        commit = self._commit_sync if route.mode is Mode.SYNC else self._commit_async
        return await commit(
            caller, key, fingerprint, request_id, service, submission, gathered, route, reads
        )

    async def status_of(
        self, request_id: str, *, client: str, sees_all: bool = False
    ) -> dict[str, Any] | None:
        """The request's status, history and trace; ``None`` when it is not the client's."""
        return await self._store.run(self._status_of, request_id, client, sees_all, writes=False)

    def _status_of(self, request_id: str, client: str, sees_all: bool) -> dict[str, Any] | None:
        with self._store.unit_of_work(read_only=True) as uow:
            record = uow.requests.get(request_id)
            if record is None or (record.client_id != client and not sees_all):
                return None
            history = uow.requests.history(request_id)
        return {
            "request_id": record.id,
            "service": record.service,
            "municipality": record.municipality,
            "language": record.language,
            "status": record.status.value,
            "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat(),
            "history": [
                {
                    "status": change.status.value,
                    "previous_status": change.previous_status.value
                    if change.previous_status
                    else None,
                    "source": change.source,
                    "occurred_at": change.occurred_at.isoformat(),
                    "note": dict(change.note) if change.note else None,
                    "documents": [dict(d) for d in change.documents],
                }
                for change in history
            ],
            "trace": list(record.payload.get("trace", [])),
        }

    def _check_envelope(self, caller: Caller, submission: Submission) -> Service:
        service = self._catalogue.service(submission.service)
        if service is None:
            raise Refusal("service.unknown", status=422, extra={"service": submission.service})
        if not caller.may_use_service:
            raise Refusal("auth.forbidden")
        if self._catalogue.municipality(submission.municipality) is None:
            raise Refusal("municipality.unknown", status=422)
        if not service.offered_in(submission.municipality):
            raise Refusal("service.not_offered")
        if submission.applicant is None and not service.anonymous_allowed:
            raise Refusal(
                "request.payload.invalid", errors=[("/applicant", "is required for this service")]
            )
        problems = self._forms.problems(service.code, submission.form)
        if problems:
            raise Refusal("request.payload.invalid", errors=problems)
        return service

    def _earlier_answer(self, client: str, key: str, fingerprint: str) -> Answer | None:
        with self._store.unit_of_work(read_only=True) as uow:
            stored = uow.idempotency.get(client, key)
        if stored is None:
            return None
        if stored.body_hash != fingerprint:
            raise Refusal("idempotency.conflict")
        return Answer(stored.status_code, dict(stored.response), replayed=True)

    async def _commit_sync(
        self,
        caller: Caller,
        key: str,
        fingerprint: str,
        request_id: str,
        service: Service,
        submission: Submission,
        gathered: Gathered,
        route: Route,
        reads: CommitWrite | None,
    ) -> Answer:
        now = datetime.now(UTC)
        body = {
            "request_id": request_id,
            "status": RequestStatus.COMPLETED.value,
            "service": service.code,
            "municipality": submission.municipality,
            "language": submission.language,
            "status_url": f"/v1/requests/{request_id}",
            "document": {
                "type": service.produces,
                "title": service.name.in_language(_display(submission.language)),
                "issued_at": now.isoformat(),
                "records": _records_json(gathered),
            },
            "trace": [hop.as_dict() for hop in gathered.trace],
        }
        new = NewRequest(
            id=request_id,
            client_id=caller.name,
            service=service.code,
            municipality=submission.municipality,
            language=submission.language,
            payload={"answer": body["document"], "trace": body["trace"]},
            callback_url=submission.callback_url,
            status=RequestStatus.COMPLETED,
        )
        return await self._commit(
            caller, key, fingerprint, new, 200, body, handoff=None, reads=reads
        )

    async def _commit_async(
        self,
        caller: Caller,
        key: str,
        fingerprint: str,
        request_id: str,
        service: Service,
        submission: Submission,
        gathered: Gathered,
        route: Route,
        reads: CommitWrite | None,
    ) -> Answer:
        now = datetime.now(UTC)
        message = HandoffMessage(
            message_id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            service=service.code,
            municipality=submission.municipality,
            language=submission.language,
            applicant=submission.applicant,
            form=dict(submission.form),
            records=handoff_records(gathered, route, now),
            submitted_at=now,
            accepted_at=now,
        )
        trace = [hop.as_dict() for hop in gathered.trace]
        body = {
            "request_id": request_id,
            "status": RequestStatus.ACCEPTED.value,
            "service": service.code,
            "municipality": submission.municipality,
            "language": submission.language,
            "status_url": f"/v1/requests/{request_id}",
            "handed_off": False,
            "answer_due_working_days": service.answer_days,
            "trace": trace,
        }
        new = NewRequest(
            id=request_id,
            client_id=caller.name,
            service=service.code,
            municipality=submission.municipality,
            language=submission.language,
            payload={"message_id": str(message.message_id), "trace": trace},
            callback_url=submission.callback_url,
        )
        return await self._commit(
            caller, key, fingerprint, new, 202, body, handoff=message, reads=reads
        )

    async def _commit(
        self,
        caller: Caller,
        key: str,
        fingerprint: str,
        new: NewRequest,
        status_code: int,
        body: dict[str, Any],
        *,
        handoff: HandoffMessage | None,
        reads: CommitWrite | None = None,
    ) -> Answer:
        def write(uow: UnitOfWork) -> None:
            uow.requests.add(new)
            if handoff is not None:
                uow.outbox.add_handoff(handoff)
                hook = self._on_accept.get(new.service)
                if hook is not None:
                    hook(uow, new, handoff)
            uow.idempotency.save(caller.name, key, fingerprint, status_code, body)

        try:
            # ``reads`` last before the commit: on PostgreSQL it takes the audit chain's lock,
            # which every appending transaction queues for (gateway/store/audit.py). The
            # transaction may be shared with other requests' (gateway/store/group_commit.py);
            # either way this returns only once it has committed.
            await self._store.commit(write, last=reads)
        except DuplicateIdempotencyKey:
            # A twin request with the same key committed first: its answer is the answer.
            earlier = await self._store.run(
                self._earlier_answer, caller.name, key, fingerprint, writes=False
            )
            if earlier is None:
                raise
            return earlier
        return Answer(status_code, body)


def _records_json(gathered: Gathered) -> dict[str, Any]:
    return {name: gathered.record_data(name) for name in gathered.records}


def handoff_records(
    gathered: Gathered, route: Route, retrieved_at: datetime
) -> tuple[RegistryRecord, ...]:
    """The records the municipality receives: per call, only the route's hand-off fields."""
    records: list[RegistryRecord] = []
    for name, fields in route.handoff_fields.items():
        data = gathered.record_data(name, fields) if name in gathered.records else None
        if data is None:
            continue
        registry, operation = gathered.sources[name]
        records.append(
            RegistryRecord(
                registry=registry, operation=operation, retrieved_at=retrieved_at, data=data
            )
        )
    return tuple(records)


def _display(language: str) -> Any:
    return language if language in ("sq", "sr", "en") else "sq"
