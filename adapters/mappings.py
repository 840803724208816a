"""The one table that joins a registry's name to its mapping module.

A registry is data in ``routing.yaml`` (its kind, contract file, endpoint and policy); what
code it needs is how its answers become canonical records, and that lives in one mapping
module per registry (``adapters/civil_registry.py`` and its siblings). Adding a registry is
its ``routing.yaml`` entry, its mapping module and one line here. Start-up refuses a
``routing.yaml`` registry that has no line here, naming the file, line and key.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters import (
    business_registry,
    cadastre,
    civil_registry,
    ministry_permits,
    procurement,
    tax_administration,
    treasury,
    urban_planning,
)
from adapters.rest import RestMapping
from adapters.soap import SoapMapping

MAPPINGS: Mapping[str, SoapMapping | RestMapping] = {
    "civil": civil_registry.MAPPING,
    "business": business_registry.MAPPING,
    "cadastre": cadastre.MAPPING,
    "tax": tax_administration.MAPPING,
    "treasury": treasury.MAPPING,
    "procurement": procurement.MAPPING,
    "urban_planning": urban_planning.MAPPING,
    "ministry_permits": ministry_permits.MAPPING,
}
"""The mapping module of each registry, by the name ``routing.yaml`` gives it."""
