"""What a production gateway refuses to start with: development credentials and weak secrets.

The repository ships working defaults so that a developer's machine runs with no set-up: the
README's API keys (their hashes are routing.yaml's defaults), a callback secret, RabbitMQ's
``guest`` user. Each of them is public, so a production gateway that starts with one of them
left in place is open to anyone who read the README. ``refusals`` lists every such setting at
once (an operator fixes them in one go, not one restart per setting), and bootstrap stops the
start when the list is not empty.

What can be checked: a secret setting (every ``SecretStr`` of ``Settings``, and the broker
password in ``GATEWAY_AMQP_URL``) is read in clear, so its strength is estimated from the
value itself (``weakness``). A client's key is only configured as its SHA-256, so its strength
cannot be measured; the gateway refuses the hashes of the known development keys, and the
README asks for keys of 32 random bytes or more.
"""

from __future__ import annotations

import math
import re
import string
import zlib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from gateway.access import hash_key
from gateway.open.settings import OpenDataSettings
from gateway.routing.config import ClientConfig, load_routing_file
from gateway.settings import Settings

MIN_ENTROPY_BITS = 256
"""32 random bytes: what a secret must carry at least."""

DEVELOPMENT_KEYS = (
    "ekomunat-dev-portal-key",
    "ekomunat-dev-operator-key",
    "ekomunat-dev-complaints-app-key",
    "ekomunat-dev-municipality-19-key",
    "ekomunat-dev-municipality-20-key",
    "ekomunat-dev-municipality-13-key",
)
"""The README's development keys, whose hashes are routing.yaml's defaults."""

DEVELOPMENT_KEY_HASHES = frozenset(hash_key(key) for key in DEVELOPMENT_KEYS)
DEVELOPMENT_BROKER_USER = "guest"

# The smallest common alphabet a secret's characters all belong to, and its size.
ALPHABETS = (
    (frozenset(string.hexdigits.lower()), 16),
    (frozenset(string.hexdigits.upper()), 16),
    (frozenset(string.ascii_letters + string.digits + "-_+/="), 64),
    (frozenset(string.printable) - frozenset(string.whitespace[1:]), 95),
)
ZLIB_FRAME_BYTES = 6
"""zlib's header and checksum around the compressed data."""
ENVIRONMENT_NAME = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


class ProductionRefused(ValueError):
    """Production settings that hold a development credential or a weak secret."""

    def __init__(self, refusals: list[str]) -> None:
        self.refusals = refusals
        super().__init__(
            "production refuses these settings:\n" + "\n".join(f"  {r}" for r in refusals)
        )


def estimated_entropy_bits(secret: str) -> float:
    """An upper estimate of the randomness in ``secret``, in bits.

    The smaller of two bounds: length times the bits of the smallest alphabet holding every
    character (hex, base64, printable ASCII, or any Unicode), and the size of the value
    compressed (a value with repeated runs, ``aaaa…`` or ``0123…0123…``, compresses to
    little; 32 random bytes written in hex or base64 compress to no less than 43). It cannot
    tell a random string from a well-formed guessable one, so it screens out the obviously
    weak and proves nothing about the rest.
    """
    if not secret:
        return 0.0
    characters = frozenset(secret)
    size = next((size for alphabet, size in ALPHABETS if characters <= alphabet), 2**16)
    by_alphabet = len(secret) * math.log2(size)
    compressed = len(zlib.compress(secret.encode("utf-8"), 9)) - ZLIB_FRAME_BYTES
    return min(by_alphabet, 8.0 * compressed)


def weakness(secret: str) -> str | None:
    """Why ``secret`` is too weak for production, or None."""
    bits = estimated_entropy_bits(secret)
    if bits < MIN_ENTROPY_BITS:
        return (
            f"carries about {int(bits)} bits, needs {MIN_ENTROPY_BITS} "
            "(32 random bytes, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return None


def _secret_settings(settings: BaseSettings) -> list[str]:
    refusals = []
    prefix = settings.model_config.get("env_prefix", "")
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if not isinstance(value, SecretStr):
            continue
        variable = f"{prefix}{name.upper()}"
        default = field.default
        if isinstance(default, SecretStr) and value == default:
            refusals.append(f"{variable}: the development value")
        elif (reason := weakness(value.get_secret_value())) is not None:
            refusals.append(f"{variable}: {reason}")
    return refusals


def _broker_credentials(amqp_url: str) -> list[str]:
    parts = urlsplit(amqp_url)
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if not user or user == DEVELOPMENT_BROKER_USER:
        return [f"GATEWAY_AMQP_URL: the broker user is {user or 'missing'!r} (RabbitMQ's default)"]
    if password == DEVELOPMENT_BROKER_USER:
        return ["GATEWAY_AMQP_URL: the development broker password"]
    if (reason := weakness(password)) is not None:
        return [f"GATEWAY_AMQP_URL: the broker password {reason}"]
    return []


def _client_keys(clients: Mapping[str, ClientConfig], routing_file: Path) -> list[str]:
    offending = [
        name for name, config in clients.items() if config.key_sha256 in DEVELOPMENT_KEY_HASHES
    ]
    if not offending:
        return []
    _routing, document = load_routing_file(routing_file)
    lines = routing_file.read_text(encoding="utf-8").splitlines()
    refusals = []
    for name in offending:
        line = document.line_of(("clients", name, "key_sha256"))
        where = f"{routing_file}:{line}" if line else str(routing_file)
        found = ENVIRONMENT_NAME.search(lines[line - 1]) if line else None
        variable = f" ({found.group(1)})" if found else ""
        refusals.append(
            f"{where}: clients.{name}.key_sha256{variable}: the hash of a development key"
        )
    return refusals


def refusals(settings: Settings, clients: Mapping[str, ClientConfig]) -> list[str]:
    """Every setting a production gateway must not start with, each named with its reason."""
    return [
        *_secret_settings(settings),
        # The open-data feeds read their own GATEWAY_OPEN_* settings from the same environment.
        *_secret_settings(OpenDataSettings()),
        *_broker_credentials(settings.amqp_url),
        *_client_keys(clients, settings.routing_file),
    ]


def refuse_development_credentials(settings: Settings, clients: Mapping[str, ClientConfig]) -> None:
    """Raise ``ProductionRefused`` naming every offending setting, or return."""
    found = refusals(settings, clients)
    if found:
        raise ProductionRefused(found)
