"""Settings of one gateway instance, read from ``GATEWAY_*`` environment variables.

Everything has a default that runs on a developer's machine with no set-up (SQLite in
``var/``, RabbitMQ on localhost, the files of this repository). Production overrides them
through the environment; ``routing.yaml`` holds what operators change per registry and route.
A production gateway refuses to start on a development credential or a weak secret
(``gateway/development_credentials.py``, checked by bootstrap together with routing.yaml's
client keys, so that one message names every offending setting).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_CALLBACK_SECRET = "development-callback-secret"
DEVELOPMENT_AUDIT_LOOKUP_KEY = "ekomunat-dev-audit-lookup-key"
DEVELOPMENT_SIGNER_KEY = "ekomunat-dev-petition-signer-key"
DEVELOPMENT_AUDIT_SIGNING_KEY = "ZWtvbXVuYXQtZGV2LWF1ZGl0LXNpZ25pbmcta2V5LTA"
"""Base64url of a 32-byte Ed25519 seed that is public (it is in this file): development only."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Typed ``GATEWAY_*`` settings; the README lists each one."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    environment: Environment = Field(
        Environment.DEVELOPMENT, description="development or production"
    )
    host: str = Field("127.0.0.1", description="address the HTTP server binds")
    port: int = Field(8000, ge=0, le=65535, description="port of the HTTP server")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="worker processes ``serve`` runs on its one port (each uses a core)",
    )
    assembly_agenda_notice_days: int = Field(
        7,
        ge=0,
        le=60,
        description="days before a regular assembly session its agenda must be published "
        "(Law 03/L-040 and the model statute, docs/assembly.md)",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: LogFormat = Field(
        LogFormat.AUTO, description="json, console, or auto (console in a terminal)"
    )
    log_file: Path | None = Field(
        REPO_ROOT / "var" / "gateway.log",
        description="JSON log lines are also written here, whatever log_format says "
        "(empty: stderr only); rotated by size",
    )
    log_file_max_bytes: int = Field(
        10 * 1024 * 1024, ge=0, description="rotate the log file at this size (0: never)"
    )
    log_file_backups: int = Field(5, ge=0, description="rotated log files kept (gateway.log.1 …)")
    catalogue_dir: Path = Field(
        REPO_ROOT / "contracts" / "catalogue", description="folder of the service catalogue"
    )
    routing_file: Path = Field(REPO_ROOT / "routing.yaml", description="the routing file")
    contracts_root: Path = Field(
        REPO_ROOT, description="folder that routing.yaml's contract paths are relative to"
    )
    database_url: str = Field(
        f"sqlite:///{REPO_ROOT / 'var' / 'gateway.db'}",
        description="SQLAlchemy URL of the store; postgresql+psycopg://… in production",
    )
    group_commit: int = Field(
        64,
        ge=1,
        description="the most portal requests whose rows (request, outbox row, idempotency "
        "answer, audit records) one transaction commits together; each is answered only once "
        "it committed (1: each request commits alone)",
    )
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/%2F", description="RabbitMQ URL of the hand-off broker"
    )
    max_in_flight: int = Field(
        256,
        ge=0,
        description="requests handled at once; more are refused with 503 and Retry-After "
        "(0: no limit)",
    )
    relay_enabled: bool = Field(True, description="run the outbox relay inside the server")
    relay_lease_s: float = Field(
        60.0,
        gt=0,
        description="seconds a relay's claim on an outbox row lasts: after a crash, rows it "
        "claimed but had not confirmed wait this long before any relay sends them",
    )
    status_consumer_enabled: bool = Field(
        True, description="consume municipal status updates inside the server"
    )
    complaints_consumer_enabled: bool = Field(
        True,
        description="consume institutions' answers to complaints inside the server "
        "(runs only when status_consumer_enabled is on too)",
    )
    callback_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_CALLBACK_SECRET),
        description="HMAC key that signs status callbacks to the portal (32 random bytes or more)",
    )
    max_header_bytes: int = Field(
        65_536,
        ge=1024,
        description="most bytes of request headers: a head still incomplete past this is "
        "refused by the server with 400, a complete one with more header bytes with 431",
    )
    max_headers: int = Field(
        100, ge=10, description="most request headers; more is refused with 431"
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses of reverse proxies whose X-Forwarded-Proto and "
        "X-Forwarded-For are believed (empty: none)",
    )
    ops_session_idle_s: int = Field(
        1800, ge=1, description="an operator's dashboard session ends after this long unused"
    )
    ops_session_max_s: int = Field(
        28_800, ge=1, description="an operator's dashboard session ends this long after sign-in"
    )
    ops_sign_in_max_failures: int = Field(
        10,
        ge=1,
        description="failed operator sign-ins, per client address and per key prefix, before "
        "sign-in is refused with 429",
    )
    ops_sign_in_window_s: int = Field(
        300, ge=1, description="how far back failed operator sign-ins are counted"
    )

    instance_id: str = Field(
        "",
        description="this process's name in the live log, the routes panel and breaker-reset "
        "answers, unique in the deployment (empty: <host>:<pid>)",
    )
    ops_broadcast_enabled: bool = Field(
        True,
        description="share breaker resets, live-log lines and route counters with the other "
        "instances over the broker's ops fanout exchange",
    )
    ops_exchange: str = Field(
        "ekomunat.ops", description="the fanout exchange every instance's ops queue binds to"
    )
    audit_lookup_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_AUDIT_LOOKUP_KEY),
        description="HMAC-SHA256 key that turns a personal number into the data-usage records' "
        "lookup key (32 random bytes or more; the same on every instance, never rotated "
        "without re-keying the records)",
    )
    audit_signing_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_AUDIT_SIGNING_KEY),
        description="Ed25519 private key (its 32-byte seed, base64url) that signs the audit "
        "log's checkpoints published at /v1/open/audit-checkpoints",
    )
    audit_checkpoint_interval_s: float = Field(
        300.0, gt=0, description="seconds between two signed checkpoints of the audit log"
    )
    participation_signer_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SIGNER_KEY),
        description="HMAC-SHA256 key under which a petition's signatories are kept (a keyed "
        "hash of the personal number, never the number); the same on every instance, never "
        "rotated while a petition collects signatures",
    )
    question_answer_days: int = Field(
        30,
        ge=1,
        le=365,
        description="calendar days a member of the assembly or the mayor has to answer a "
        "citizen's question before it counts as overdue (no statute seen fixes it: inference)",
    )
    registered_voters_file: Path = Field(
        REPO_ROOT / "gateway" / "participation" / "registered_voters.yaml",
        description="registered voters per municipality, the denominator of a petition's 10 % "
        "threshold, with their source",
    )

    @field_validator("log_file", mode="before")
    @classmethod
    def _empty_log_file_is_none(cls, value: object) -> object:
        """``GATEWAY_LOG_FILE=`` (empty) turns the file off; it is not the current folder."""
        return None if value == "" else value

    lease_ttl_s: float = Field(
        5.0,
        gt=0,
        description="seconds a once-per-deployment duty's lease (the feed refresher's) lasts "
        "unrenewed: another instance takes the duty over this long (plus one renewal) after "
        "its holder dies",
    )
    lease_renew_s: float = Field(
        1.0,
        gt=0,
        description="seconds between two renewals of a held lease, and between two tries at "
        "a lease held elsewhere; well below lease_ttl_s",
    )

    @model_validator(mode="after")
    def _renewals_fit_in_the_lease(self) -> Settings:
        """A holder must get at least two tries at renewing before its lease runs out."""
        if self.lease_renew_s * 2 > self.lease_ttl_s:
            raise ValueError("lease_renew_s must be at most half of lease_ttl_s")
        return self
