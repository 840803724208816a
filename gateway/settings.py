"""Settings of one gateway instance, read from ``GATEWAY_*`` environment variables.

Everything has a default that runs on a developer's machine with no set-up (SQLite in
``var/``, RabbitMQ on localhost, the files of this repository). Production overrides them
through the environment; ``routing.yaml`` holds what operators change per registry and route.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    status_consumer_enabled: bool = Field(
        True, description="consume municipal status updates inside the server"
    )
    complaints_consumer_enabled: bool = Field(
        True,
        description="consume institutions' answers to complaints inside the server "
        "(runs only when status_consumer_enabled is on too)",
    )
    callback_secret: SecretStr = Field(
        SecretStr("development-callback-secret"),
        description="HMAC key that signs status callbacks to the portal",
    )

    @field_validator("log_file", mode="before")
    @classmethod
    def _empty_log_file_is_none(cls, value: object) -> object:
        """``GATEWAY_LOG_FILE=`` (empty) turns the file off; it is not the current folder."""
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Settings:
        if (
            self.environment is Environment.PRODUCTION
            and self.callback_secret.get_secret_value() == "development-callback-secret"
        ):
            raise ValueError("GATEWAY_CALLBACK_SECRET must be set in production")
        return self
