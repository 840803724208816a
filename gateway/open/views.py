"""Feed rows: the sources' canonical records turned into the rows the public reads.

Each view takes the snapshots a query needs and returns its rows in a stable order, each with
a sort key (for cursor pagination), plus which snapshots it read (for ETag, Last-Modified and
Age) and which municipalities had no data at all. Amounts are summed in cents and given back
in euros, so totals add up to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from contracts.catalogue import Catalogue, DisplayLanguage
from contracts.open_records import (
    CentralPermits,
    FiscalYears,
    MunicipalBudget,
    MunicipalRevenues,
    ProcurementReleases,
    UrbanPlans,
)
from gateway.kosovo_days import kosovo_date
from gateway.open import labels
from gateway.open.feeds import FeedKey, FeedStore
from gateway.open.query import FeedQuery
from gateway.refusals import Refusal

Row = dict[str, Any]
Item = TypeVar("Item")


@dataclass
class FeedRows:
    rows: list[Row] = field(default_factory=list)
    keys: list[tuple[Any, ...]] = field(default_factory=list)
    involved: list[FeedKey] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    source_times: list[datetime] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    """The source records the rows came from (the OCDS packages of the contracting feed)."""
    year: int | None = None

    def add(self, key: tuple[Any, ...], row: Row) -> None:
        self.keys.append(key)
        self.rows.append(row)

    def sort(self) -> None:
        order = sorted(range(len(self.keys)), key=lambda i: self.keys[i])
        self.keys = [self.keys[i] for i in order]
        self.rows = [self.rows[i] for i in order]


def euros(cents: int) -> float:
    return round(cents / 100, 2)


def cents(value: float) -> int:
    return round(value * 100)


def source_unavailable(source: str) -> Refusal:
    return Refusal(
        "open.source.unavailable",
        headers={"Retry-After": "30"},
        extra={"source": source},
    )


def published_year(store: FeedStore, source: str, asked: int | None) -> int:
    """The year to show: the one asked (404 when the source does not publish it) or the latest."""
    snapshot = store.get(("years", source, None))
    if snapshot is None or not isinstance(snapshot.record, FiscalYears):
        raise source_unavailable(source)
    years = snapshot.record.years
    if asked is None:
        return max(years)
    if asked not in years:
        raise Refusal(
            "open.year.unknown",
            extra={"year": asked, "published_years": list(years)},
        )
    return asked


def _municipalities(catalogue: Catalogue, query: FeedQuery) -> list[str]:
    return [query.municipality] if query.municipality else list(catalogue.municipality_codes)


def municipality_fields(catalogue: Catalogue, code: str, language: DisplayLanguage) -> Row:
    municipality = catalogue.municipality(code)
    name = municipality.name.in_language(language) if municipality else code
    return {"municipality": code, "municipality_name": name}


def _collect(
    store: FeedStore,
    catalogue: Catalogue,
    query: FeedQuery,
    source: str,
    kind: str,
    year: int | None,
) -> tuple[FeedRows, list[tuple[str, Any]]]:
    result = FeedRows()
    found: list[tuple[str, Any]] = []
    for code in _municipalities(catalogue, query):
        key: FeedKey = (kind, code, year)
        snapshot = store.get(key)
        if snapshot is None:
            result.missing.append(code)
            if store.failure(key) is not None or query.municipality:
                result.involved.append(key)
            continue
        result.involved.append(key)
        found.append((code, snapshot.record))
    if not found:
        raise source_unavailable(source)
    return result, found


# ---- budget and revenues -----------------------------------------------------------------------


def _through(query: FeedQuery, reported: int) -> int:
    month = query.filter("month")
    return min(int(month), reported) if month else reported


def budget_rows(store: FeedStore, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    year = published_year(store, "treasury", query.year)
    result, found = _collect(store, catalogue, query, "treasury", "budget", year)
    result.year = year
    language = query.language
    category, programme = query.filter("economic_category"), query.filter("programme")
    group = query.filter("group_by") or "line"
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for code, budget in found:
        assert isinstance(budget, MunicipalBudget)
        result.source_times.append(budget.updated_at)
        through = _through(query, budget.reported_through_month)
        for line in budget.lines:
            if category and line.economic_category != category:
                continue
            if programme and line.programme.code != programme:
                continue
            monthly = [cents(v) for v in line.executed[:through]]
            if group == "line":
                key: tuple[Any, ...] = (code, line.programme.code, line.economic_category)
            elif group == "economic_category":
                key = (code, line.economic_category)
            elif group == "programme":
                key = (code, line.programme.code)
            else:
                key = (code,)
            total = totals.setdefault(
                key, {"approved": 0, "monthly": [0] * through, "line": line, "code": code}
            )
            total["approved"] += cents(line.approved)
            total["monthly"] = [a + b for a, b in zip(total["monthly"], monthly, strict=False)]
            total["through"] = through
    for key, total in totals.items():
        code, line = total["code"], total["line"]
        executed = sum(total["monthly"])
        row: Row = {**municipality_fields(catalogue, code, language), "year": year}
        if group in ("line", "programme"):
            row["programme"] = line.programme.code
            row["programme_name"] = line.programme.name.in_language(language)
        if group in ("line", "economic_category"):
            row["economic_category"] = line.economic_category
            row["economic_category_name"] = labels.label(
                labels.ECONOMIC_CATEGORIES, line.economic_category, language
            )
        if group == "line":
            row["line_id"] = line.line_id
        row.update(
            approved=euros(total["approved"]),
            executed=euros(executed),
            execution_rate=round(executed / total["approved"] * 100, 1)
            if total["approved"]
            else None,
            through_month=total["through"],
            executed_by_month=[euros(v) for v in total["monthly"]],
        )
        result.add(key, row)
    result.sort()
    return result


def revenue_rows(store: FeedStore, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    year = published_year(store, "treasury", query.year)
    result, found = _collect(store, catalogue, query, "treasury", "revenues", year)
    result.year = year
    wanted = query.filter("source")
    for code, revenues in found:
        assert isinstance(revenues, MunicipalRevenues)
        result.source_times.append(revenues.updated_at)
        through = _through(query, revenues.reported_through_month)
        for line in revenues.lines:
            if wanted and line.source != wanted:
                continue
            monthly = [cents(v) for v in line.collected[:through]]
            planned = cents(line.planned)
            collected = sum(monthly)
            result.add(
                (code, line.source),
                {
                    **municipality_fields(catalogue, code, query.language),
                    "year": year,
                    "line_id": line.line_id,
                    "source": line.source,
                    "source_name": labels.label(
                        labels.REVENUE_SOURCES, line.source, query.language
                    ),
                    "planned": euros(planned),
                    "collected": euros(collected),
                    "collection_rate": round(collected / planned * 100, 1) if planned else None,
                    "through_month": through,
                    "collected_by_month": [euros(v) for v in monthly],
                },
            )
    result.sort()
    return result


# ---- contracting -------------------------------------------------------------------------------


def _money(value: Any) -> int:
    if isinstance(value, dict) and isinstance(value.get("amount"), int | float):
        return cents(float(value["amount"]))
    return 0


def summarise_process(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What one contracting process amounts to, from its releases in date order."""
    summary: dict[str, Any] = {
        "title": None,
        "category": None,
        "method": None,
        "tender_value": 0,
        "award_value": 0,
        "contract_value": 0,
        "paid": 0,
        "suppliers": [],
        "budget_line_id": None,
        "tender_date": None,
        "date_signed": None,
        "stage": "tender",
        "last_update": None,
        "buyer": None,
    }
    payments: dict[str, int] = {}
    for release in sorted(releases, key=lambda r: str(r.get("date", ""))):
        summary["last_update"] = release.get("date")
        summary["buyer"] = (release.get("buyer") or {}).get("name") or summary["buyer"]
        tender = release.get("tender") or {}
        summary["title"] = tender.get("title") or summary["title"]
        summary["category"] = tender.get("mainProcurementCategory") or summary["category"]
        summary["method"] = tender.get("procurementMethod") or summary["method"]
        summary["tender_value"] = _money(tender.get("value")) or summary["tender_value"]
        if "tender" in release.get("tag", ()):
            summary["tender_date"] = release.get("date")
        budget = (release.get("planning") or {}).get("budget") or {}
        summary["budget_line_id"] = budget.get("id") or summary["budget_line_id"]
        for award in release.get("awards") or ():
            summary["award_value"] = _money(award.get("value")) or summary["award_value"]
            summary["suppliers"] = [s.get("name") for s in award.get("suppliers") or ()]
            summary["stage"] = "award"
        for contract in release.get("contracts") or ():
            summary["contract_value"] = _money(contract.get("value")) or summary["contract_value"]
            summary["date_signed"] = contract.get("dateSigned") or summary["date_signed"]
            summary["stage"] = "contract"
            transactions = (contract.get("implementation") or {}).get("transactions") or ()
            for transaction in transactions:
                payments[str(transaction.get("id"))] = _money(transaction.get("value"))
            if transactions:
                summary["stage"] = "implementation"
            if contract.get("status") == "terminated":
                summary["stage"] = "completed"
    summary["paid"] = sum(payments.values())
    return summary


def processes_of(found: Iterable[tuple[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for _, package in found:
        assert isinstance(package, ProcurementReleases)
        for release in package.package.get("releases", ()):
            by_ocid.setdefault(release["ocid"], []).append(release)
    return by_ocid


def contracting_rows(
    store: FeedStore,
    catalogue: Catalogue,
    query: FeedQuery,
    budget_line_url: Callable[[str], str],
) -> FeedRows:
    year = published_year(store, "procurement", query.year)
    result, found = _collect(store, catalogue, query, "procurement", "releases", year)
    stage, category = query.filter("stage"), query.filter("category")
    wanted_ocid = query.extra.get("ocid")
    language = query.language
    result.year = year
    municipality_of = {}
    for code, package in found:
        assert isinstance(package, ProcurementReleases)
        result.records.append(package)
        result.source_times.append(package.published_at)
        for release in package.package.get("releases", ()):
            municipality_of[release["ocid"]] = code
    for ocid, releases in processes_of(found).items():
        summary = summarise_process(releases)
        if stage and summary["stage"] != stage:
            continue
        if category and summary["category"] != category:
            continue
        if wanted_ocid and ocid != wanted_ocid:
            continue
        code = municipality_of[ocid]
        line = summary["budget_line_id"]
        result.add(
            (code, ocid),
            {
                **municipality_fields(catalogue, code, language),
                "year": year,
                "ocid": ocid,
                "title": summary["title"],
                "buyer": summary["buyer"],
                "category": summary["category"],
                "category_name": labels.label(
                    labels.PROCUREMENT_CATEGORIES, summary["category"] or "", language
                ),
                "procurement_method": summary["method"],
                "stage": summary["stage"],
                "stage_name": labels.label(labels.CONTRACTING_STAGES, summary["stage"], language),
                "tender_date": summary["tender_date"],
                "tender_value": euros(summary["tender_value"]),
                "award_value": euros(summary["award_value"]) if summary["award_value"] else None,
                "suppliers": summary["suppliers"],
                "date_signed": summary["date_signed"],
                "contract_value": euros(summary["contract_value"])
                if summary["contract_value"]
                else None,
                "paid": euros(summary["paid"]),
                "budget_line_id": line,
                "budget_line_url": budget_line_url(line) if line else None,
                "last_update": summary["last_update"],
                "_releases": releases,
            },
        )
    result.sort()
    return result


# ---- urban plans ---------------------------------------------------------------------------------


def plan_rows(store: FeedStore, catalogue: Catalogue, query: FeedQuery, today: date) -> FeedRows:
    result, found = _collect(store, catalogue, query, "urban_planning", "plans", None)
    status, kind = query.filter("status"), query.filter("kind")
    language = query.language
    for code, register in found:
        assert isinstance(register, UrbanPlans)
        result.source_times.append(register.updated_at)
        for plan in register.plans:
            if status and plan.status != status:
                continue
            if kind and plan.kind != kind:
                continue
            in_force = (
                plan.status == "approved"
                and plan.valid_until is not None
                and plan.valid_until >= today
            )
            result.add(
                (code, plan.plan_id),
                {
                    **municipality_fields(catalogue, code, language),
                    "plan_id": plan.plan_id,
                    "name": plan.name.in_language(language),
                    "kind": plan.kind,
                    "kind_name": labels.label(labels.PLAN_KINDS, plan.kind, language),
                    "status": plan.status,
                    "status_name": labels.label(labels.PLAN_STATUSES, plan.status, language),
                    "in_force": in_force,
                    "public_review_from": _day(plan.public_review_from),
                    "public_review_until": _day(plan.public_review_until),
                    "approved_on": _day(plan.approved_on),
                    "valid_until": _day(plan.valid_until),
                    "documents": [
                        {
                            "title": d.title,
                            "url": d.url,
                            "media_type": d.media_type,
                            "published_on": d.published_on.isoformat(),
                        }
                        for d in plan.documents
                    ],
                    "boundary": plan.boundary,
                },
            )
    result.sort()
    return result


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---- permits -----------------------------------------------------------------------------------


def permit_rows(
    store: FeedStore, catalogue: Catalogue, query: FeedQuery, municipal: Sequence[Any]
) -> FeedRows:
    """Municipal permits (from the register) and category III permits (ministry source)."""
    result = FeedRows()
    language = query.language
    category, kind = query.filter("category"), query.filter("kind")
    central_keys = store.keys("central_permits")
    result.involved.extend(central_keys)
    entries: list[dict[str, Any]] = []
    for permit in municipal:
        entries.append(
            {
                "permit_number": permit.permit_number,
                "kind": permit.kind,
                "category": permit.category,
                "municipality": permit.municipality,
                "cadastral_zone": permit.cadastral_zone,
                "parcel_number": permit.parcel_number,
                "investor_type": permit.investor_type,
                "investor_name": None,
                "description": permit.description,
                "conditions": [],
                "applied_on": kosovo_date(permit.applied_at).isoformat(),
                "issued_on": kosovo_date(permit.issued_at).isoformat(),
                "valid_until": None,
                "issued_by": "municipality",
            }
        )
    for key in central_keys:
        snapshot = store.get(key)
        if snapshot is None or not isinstance(snapshot.record, CentralPermits):
            continue
        result.source_times.append(snapshot.record.updated_at)
        for central in snapshot.record.permits:
            entries.append(
                {
                    "permit_number": central.permit_number,
                    "kind": central.kind,
                    "category": central.category,
                    "municipality": central.municipality_code,
                    "cadastral_zone": central.cadastral_zone,
                    "parcel_number": central.parcel_number,
                    "investor_type": central.investor_type,
                    "investor_name": central.investor_name,
                    "description": central.description,
                    "conditions": list(central.conditions),
                    "applied_on": central.applied_on.isoformat(),
                    "issued_on": central.issued_on.isoformat(),
                    "valid_until": _day(central.valid_until),
                    "issued_by": "ministry",
                }
            )
    selected = register_selection(
        entries,
        query,
        municipality_of=lambda entry: entry["municipality"],
        year_of=lambda entry: int(entry["issued_on"][:4]),
    )
    result.year = query.year
    for entry in selected:
        if category and entry["category"] != category:
            continue
        if kind and entry["kind"] != kind:
            continue
        row = {
            **municipality_fields(catalogue, entry["municipality"], language),
            **entry,
            "kind_name": labels.label(labels.PERMIT_KINDS, entry["kind"], language),
            "investor_type_name": labels.label(
                labels.INVESTOR_TYPES, entry["investor_type"], language
            ),
        }
        result.add((entry["issued_on"], entry["permit_number"]), row)
    result.sort()
    return result


# ---- the gateway's own registers (acts, hearings) ------------------------------------------------


def register_selection(
    items: Sequence[Item],
    query: FeedQuery,
    *,
    municipality_of: Callable[[Item], str],
    year_of: Callable[[Item], int],
) -> list[Item]:
    """The entries of a register the query's municipality and year select; a year with no
    entry at all is a 404 that names the years there are."""
    years = sorted({year_of(item) for item in items})
    if query.year is not None and query.year not in years:
        raise Refusal("open.year.unknown", extra={"year": query.year, "published_years": years})
    return [
        item
        for item in items
        if (not query.municipality or municipality_of(item) == query.municipality)
        and (query.year is None or year_of(item) == query.year)
    ]


def register_moment(moment: datetime | None) -> str | None:
    """A register's date and time as published: ISO 8601 to the second."""
    return moment.isoformat(timespec="seconds") if moment else None


def in_language(text: Mapping[str, str] | None, language: DisplayLanguage) -> str | None:
    """A register's text in the language asked for, else in Albanian, which every text has."""
    return (text.get(language) or text.get("sq")) if text else None


def register_rows(result: FeedRows, changed: Iterable[datetime]) -> FeedRows:
    """Rows in their order, with the newest change as ``Last-Modified``."""
    times = list(changed)
    result.source_times = [max(times)] if times else []
    result.sort()
    return result
