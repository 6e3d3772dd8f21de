"""Data checks over the warehouse (and the lake it came from): each returns its violations.

dbt-style: unique keys, not-null, accepted values, plus balloons' own invariants: every lake row
reachable from a relation, the ingest-log reconciliation, and impact sums that agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from balloons import lake
from balloons.lake.storage import Store
from balloons.schema import CLOSURE_CAUSES, CLOSURE_SCOPES, DIRECTIONS, FLIGHT_STATUSES, INCURSION_KINDS, RECORD_TABLES

UNIQUE = {
    "incursions": "event_id",
    "closures": "closure_id",
    "flights": "flight_id",
    "closure_impact": "closure_id",
    "monthly_incursions": "month",
    "rpt_months": "month",
    "rpt_trend": "month",
    "rpt_closures": "closure_id",
}
NOT_NULL = {
    "incursions": ("event_id", "detected_at", "month", "balloons", "kind"),
    "closures": (
        "closure_id",
        "airport",
        "closed_from",
        "closed_until",
        "month",
        "duration_min",
        "scope",
        "cause",
        "window_index",
    ),
    "flights": ("flight_id", "airport", "direction", "flight_number", "scheduled_at", "month", "status"),
    "quarantine": ("table_name", "source_file", "reason"),
}
ACCEPTED = {
    ("incursions", "kind"): INCURSION_KINDS,
    ("flights", "direction"): DIRECTIONS,
    ("flights", "status"): FLIGHT_STATUSES,
    ("closures", "scope"): CLOSURE_SCOPES,
    ("closures", "cause"): CLOSURE_CAUSES,
    ("quarantine", "table_name"): RECORD_TABLES,
}
INVARIANTS = {
    "ingest_log reconciles (rows_read = landed + quarantined + duplicate + superseded + skipped)": (
        "select count(*) from ingest_log where rows_read <> rows_landed + rows_quarantined"
        " + rows_duplicate + rows_superseded + rows_skipped"
    ),
    # a forgotten file (`balloons forget`) holds no quarantine, whatever its last ingest found
    "quarantine holds what the latest ingest of each file quarantined": (
        "with latest as (select * from ingest_log qualify row_number() over (partition by path"
        " order by ingested_at desc, run_id desc) = 1), held as (select source_file, count(*) as n"
        " from quarantine group by 1) select count(*) from latest left join held on"
        " held.source_file = latest.path where coalesce(held.n, 0) <> case when latest.path in"
        " (select path from forgotten_files) then 0 else latest.rows_quarantined end"
    ),
    "monthly_incursions adds up to incursions": (
        "select count(*) from (select (select sum(incursions) from monthly_incursions) as a,"
        " (select count(*) from incursions) as b) where a is distinct from b and b > 0"
    ),
    "closure_impact adds up to monthly_impact": (
        "select count(*) from (select (select sum(flights_affected) from closure_impact where in_headline) as a,"
        " (select sum(flights_affected) from monthly_impact) as b,"
        " (select sum(passengers_affected) from closure_impact where in_headline) as c,"
        " (select sum(passengers_affected) from monthly_impact) as d)"
        # no headline closure at all: the first sums are null, monthly_impact's zero
        " where coalesce(a, 0) <> coalesce(b, 0) or coalesce(c, 0) <> coalesce(d, 0)"
    ),
    "rpt_months adds up to monthly_incursions and monthly_impact": (
        "select count(*) from (select (select sum(incursions) from rpt_months) as a,"
        " (select sum(incursions) from monthly_incursions) as b,"
        " (select sum(passengers_affected) from rpt_months) as c,"
        " (select sum(passengers_affected) from monthly_impact) as d,"
        " (select sum(closed_minutes) from rpt_months) as e,"
        " (select sum(closed_minutes) from monthly_impact) as f)"
        " where coalesce(a, 0) <> coalesce(b, 0) or coalesce(c, 0) <> coalesce(d, 0)"
        " or abs(coalesce(e, 0) - coalesce(f, 0)) > 1e-6"
    ),
    "rpt_closures holds every closure_impact row": (
        "select abs((select count(*) from rpt_closures) - (select count(*) from closure_impact))"
    ),
    "closed_until after closed_from": "select count(*) from closures where closed_until <= closed_from",
    "passenger bands are ordered (low <= best <= high)": (
        "select count(*) from closure_impact where not (passengers_low <= passengers_affected"
        " and passengers_affected <= passengers_high)"
    ),
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    failures: int

    @property
    def ok(self) -> bool:
        return self.failures == 0


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def run_checks(con: duckdb.DuckDBPyConnection, store: Store) -> list[CheckResult]:
    """Every check, in a stable order. Identifiers come from the constants above only."""
    lake.refuse_newer_format(store)
    results = []
    for table, column in UNIQUE.items():
        sql = f'select count(*) from (select "{column}" from "{table}" group by 1 having count(*) > 1)'
        results.append(CheckResult(f"unique {table}.{column}", _count(con, sql)))
    for table, columns in NOT_NULL.items():
        for column in columns:
            sql = f'select count(*) from "{table}" where "{column}" is null'
            results.append(CheckResult(f"not null {table}.{column}", _count(con, sql)))
    for (table, column), allowed in ACCEPTED.items():
        sql = f'select count(*) from "{table}" where "{column}" is not null and "{column}" <> all(?)'
        results.append(CheckResult(f"accepted values {table}.{column}", _count(con, sql, [list(allowed)])))
    results.append(CheckResult("no run left uncommitted in the lake", len(lake.uncommitted(store))))
    for table in RECORD_TABLES:
        in_lake = sum(meta.num_rows for meta in lake.partition_metadata(store, table))
        in_warehouse = _count(con, f'select count(*) from "{table}"')
        results.append(CheckResult(f"every lake row of {table} reachable", abs(in_lake - in_warehouse)))
    try:
        deliveries = lake.read_deliveries(store).select(["path", "forgotten"]).to_pylist()
        unreadable = 0
    except Exception:  # noqa: BLE001 - an unreadable deliveries file fails its own check, not every check
        deliveries, unreadable = [], 1
    results.append(CheckResult("the lake's deliveries can be read", unreadable))
    forgotten = pa.table({"path": pa.array([r["path"] for r in deliveries if r["forgotten"]], pa.string())})
    con.register("forgotten_files", forgotten)
    try:
        for name, sql in INVARIANTS.items():
            results.append(CheckResult(name, _count(con, sql)))
    finally:
        con.unregister("forgotten_files")
    return results
