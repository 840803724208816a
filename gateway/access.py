"""Clients and their rights, as routing.yaml declares them (X-Road's model, simplified).

Only SHA-256 hashes of API keys are configured, so neither the file nor the environment
holds a usable secret; the index by hash is built once at start-up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.routing.config import ClientConfig


@dataclass(frozen=True)
class Client:
    """An authenticated caller."""

    name: str
    config: ClientConfig

    def has_role(self, role: str) -> bool:
        return role in self.config.roles

    def may_use(self, service: str) -> bool:
        return self.config.services == "all" or service in self.config.services


@dataclass(frozen=True)
class Speaker:
    """A municipality's client, and the one municipality it speaks for (acts, hearings)."""

    client: str
    municipality: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def index_clients(clients: Mapping[str, ClientConfig]) -> dict[str, Client]:
    """Clients by key hash."""
    return {config.key_sha256: Client(name, config) for name, config in clients.items()}
