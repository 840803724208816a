"""``GATEWAY_OPEN_*`` settings of the open-data feeds."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_CURSOR_SECRET = "ekomunat-dev-open-cursor-secret"
"""Signs page cursors when nothing else is set: fine on a laptop, never in production."""


class OpenDataSettings(BaseSettings):
    """How often the feeds are refreshed and how large a page may be.

    ``refresh_s`` is at most 30 so that a change in a source shows within 60 seconds: at worst
    one period passes before the refresh that sees it, plus the refresh itself.
    """

    model_config = SettingsConfigDict(env_prefix="GATEWAY_OPEN_", extra="ignore")

    enabled: bool = Field(True, description="refresh the feeds in the background")
    refresh_s: float = Field(20.0, gt=0, le=30, description="seconds between two refreshes")
    concurrency: int = Field(8, ge=1, le=64, description="source calls in flight per refresh")
    follow_s: float = Field(
        1.0,
        gt=0,
        le=30,
        description="seconds between two looks at the store's snapshots by an instance that "
        "does not refresh the feeds itself (another holds the refresher's lease)",
    )
    default_page_size: int = Field(100, ge=1, le=1000)
    max_page_size: int = Field(1000, ge=1, le=10_000)
    page_cache_entries: int = Field(4096, ge=0, le=1_000_000, description="rendered pages kept")
    municipalities: str = Field(
        "", description="comma-separated KAS codes to refresh (tests, pilots); empty: all 38"
    )
    public_base_url: str = Field(
        "https://ekomunat.rks-gov.net",
        description="origin of every absolute link the feeds and Open311 give out (the Link "
        "header, OCDS URIs, discovery): never taken from the request's Host header",
    )
    cursor_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_CURSOR_SECRET),
        min_length=1,
        description="HMAC key signing page cursors; the same on every instance",
    )

    @field_validator("public_base_url")
    @classmethod
    def _an_origin(cls, value: str) -> str:
        """An absolute http(s) URL with a host, optionally a path prefix; nothing else."""
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or parts.query
            or parts.fragment
        ):
            raise ValueError("must be an absolute http(s) URL such as https://ekomunat.rks-gov.net")
        return value.rstrip("/")

    def refreshed_municipalities(self, known: tuple[str, ...]) -> tuple[str, ...]:
        chosen = [code.strip() for code in self.municipalities.split(",") if code.strip()]
        return tuple(code for code in known if code in chosen) if chosen else known
