"""The data contract: one Arrow schema per lake table, and the check every lake write goes through.

Units and conventions: timestamps are UTC instants (`timestamp[us, tz=UTC]`); lat/lon are WGS84
degrees; altitudes are metres; durations are minutes. `month` is 'YYYY-MM' in the configured local
timezone and lives in the hive partition path (`month=YYYY-MM`), not inside the Parquet files.
Every data row carries lineage: the raw file (relative to raw/), its line (or NOTAM number), the
ingest run id and the ingestion instant.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from balloons.errors import SchemaDriftError

UTC_TS = pa.timestamp("us", tz="UTC")

LINEAGE = [
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_line", pa.int64(), nullable=True),
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("ingested_at", UTC_TS, nullable=False),
]

INCURSIONS = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("detected_at", UTC_TS, nullable=False),
        pa.field("balloons", pa.int32(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("municipality", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("altitude_m", pa.float64()),
        pa.field("source", pa.string()),
        pa.field("source_id", pa.string()),
        pa.field("notes", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
        *LINEAGE,
    ]
)

CLOSURES = pa.schema(
    [
        pa.field("closure_id", pa.string(), nullable=False),
        pa.field("airport", pa.string(), nullable=False),
        pa.field("closed_from", UTC_TS, nullable=False),
        pa.field("closed_until", UTC_TS, nullable=False),
        pa.field("reason", pa.string()),
        pa.field("notam_id", pa.string()),
        pa.field("reported_flights", pa.int64()),
        pa.field("reported_passengers", pa.int64()),
        pa.field("source", pa.string()),
        pa.field("notes", pa.string()),
        pa.field("schedule", pa.string()),
        # Always set by validation; nullable so partitions written before they existed still read
        # (staging takes 0 / false / 'full' / 'unknown' for those).
        pa.field("window_index", pa.int32()),
        pa.field("schedule_in_text", pa.bool_()),
        pa.field("until_estimated", pa.bool_()),
        pa.field("scope", pa.string()),
        pa.field("cause", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
        *LINEAGE,
    ]
)

FLIGHTS = pa.schema(
    [
        pa.field("flight_id", pa.string(), nullable=False),
        pa.field("airport", pa.string(), nullable=False),
        pa.field("direction", pa.string(), nullable=False),
        pa.field("flight_number", pa.string(), nullable=False),
        pa.field("scheduled_at", UTC_TS, nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("aircraft_type", pa.string()),
        pa.field("seats", pa.int32()),
        pa.field("passengers", pa.int32()),
        pa.field("other_airport", pa.string()),
        pa.field("airline", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
        *LINEAGE,
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw_record", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

INGEST_LOG = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("rows_read", pa.int64(), nullable=False),
        pa.field("rows_landed", pa.int64(), nullable=False),
        pa.field("rows_quarantined", pa.int64(), nullable=False),
        pa.field("rows_duplicate", pa.int64(), nullable=False),
        pa.field("rows_superseded", pa.int64(), nullable=False),
        pa.field("rows_skipped", pa.int64()),  # null in logs written before it existed
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)


@dataclass(frozen=True)
class TableSpec:
    """How one record table is identified, partitioned and sorted in the lake."""

    name: str
    schema: pa.Schema
    id_column: str
    time_column: str
    key_fixes_month: bool
    """True when the identity key contains the partition instant, so a key lives in one month."""


TABLES: dict[str, TableSpec] = {
    "incursions": TableSpec("incursions", INCURSIONS, "event_id", "detected_at", False),
    "closures": TableSpec("closures", CLOSURES, "closure_id", "closed_from", True),
    "flights": TableSpec("flights", FLIGHTS, "flight_id", "scheduled_at", True),
}

RECORD_TABLES = tuple(TABLES)

LINEAGE_COLUMNS = tuple(field.name for field in LINEAGE)
RUN_COLUMNS = ("run_id", "ingested_at")


def staged(table: str) -> pa.Schema:
    """Rows parsed from raw files, before a run merges them: the table's contract without the run
    columns, plus the local `month`, and the NOTAM operation `_op` (N, R, C) with the NOTAM `_ref`
    it names. Every column may be null: a NOTAMC row carries only `_op`, `_ref` and lineage."""
    fields = [field.with_nullable(True) for field in TABLES[table].schema if field.name not in RUN_COLUMNS]
    return pa.schema(
        [*fields, pa.field("month", pa.string()), pa.field("_op", pa.string()), pa.field("_ref", pa.string())]
    )


def contribution(table: str) -> pa.Schema:
    """What one raw file's delivery contributes to a table (lake `contributions/<table>/`): the
    staged row without `month` (it is in the partition path), the run that delivered it, and
    `delivery`, the run's rank among ingest runs (later runs have larger ranks)."""
    fields = [field for field in staged(table) if field.name != "month"]
    return pa.schema(
        [*fields, pa.field("run_id", pa.string()), pa.field("ingested_at", UTC_TS), pa.field("delivery", pa.int64())]
    )


DELIVERIES = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("ctime_ns", pa.int64()),
        pa.field("inode", pa.int64()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("delivery", pa.int64(), nullable=False),
        pa.field("forgotten", pa.bool_(), nullable=False),
    ]
)
"""The raw files that deliver records now (lake `deliveries/data.parquet`), one row per path: the
content last read, the stat it was read with, and the delivery it came in; `forgotten` after
`balloons forget`."""

INCURSION_KINDS = ("balloon", "drone", "other")
CLOSURE_SCOPES = ("full", "arrivals", "departures", "partial")
CLOSURE_CAUSES = ("balloons", "drones", "other", "unknown")
DIRECTIONS = ("arrival", "departure")
FLIGHT_STATUSES = ("scheduled", "operated", "delayed", "cancelled", "diverted", "returned")


def conform(table: pa.Table, schema: pa.Schema, *, what: str) -> pa.Table:
    """Return `table` cast to `schema`, in the schema's column order.

    Raises SchemaDriftError naming the missing and extra columns when the names differ, or the
    column whose values cannot be cast.
    """
    have = set(table.column_names)
    want = set(schema.names)
    if have != want:
        missing = ", ".join(sorted(want - have)) or "none"
        extra = ", ".join(sorted(have - want)) or "none"
        raise SchemaDriftError(
            f"The {what} table does not match its contract in schema.py: "
            f"missing columns: {missing}; extra columns: {extra}."
        )
    columns = []
    for field in schema:
        column = table.column(field.name)
        if not field.nullable and column.null_count:
            raise SchemaDriftError(
                f"The {what} table has {column.null_count} null value(s) in required column {field.name!r}."
            )
        try:
            columns.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SchemaDriftError(
                f"The {what} column {field.name!r} cannot be stored as {field.type}: {exc}."
            ) from exc
    return pa.Table.from_arrays(columns, schema=schema)
