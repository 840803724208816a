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

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_CALLBACK_SECRET = "development-callback-secret"


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

    @field_validator("log_file", mode="before")
    @classmethod
    def _empty_log_file_is_none(cls, value: object) -> object:
        """``GATEWAY_LOG_FILE=`` (empty) turns the file off; it is not the current folder."""
        return None if value == "" else value
