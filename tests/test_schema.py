"""The data contract (schema.py): conform, the staged and contribution shapes, the table specs."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from balloons.errors import SchemaDriftError
from balloons.schema import (
    INCURSIONS,
    LINEAGE_COLUMNS,
    QUARANTINE,
    RECORD_TABLES,
    RUN_COLUMNS,
    TABLES,
    UTC_TS,
    conform,
    contribution,
    staged,
)

SMALL = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("n", pa.int32()),
        pa.field("at", UTC_TS),
    ]
)


def test_conform_orders_columns_as_the_schema_and_casts_types() -> None:
    given = pa.table(
        {
            "at": pa.array([datetime(2025, 10, 4, 19, 16, tzinfo=UTC)], UTC_TS),
            "n": pa.array([7], pa.int64()),
            "id": ["a"],
        }
    )
    out = conform(given, SMALL, what="small")
    assert out.schema == SMALL
    assert out.to_pylist() == [{"id": "a", "n": 7, "at": datetime(2025, 10, 4, 19, 16, tzinfo=UTC)}]


def test_conform_names_missing_and_extra_columns() -> None:
    given = pa.table({"id": ["a"], "count": [1], "at": pa.array([None], UTC_TS)})
    with pytest.raises(SchemaDriftError) as raised:
        conform(given, SMALL, what="small")
    assert str(raised.value) == (
        "The small table does not match its contract in schema.py: missing columns: n; extra columns: count."
    )


def test_conform_refuses_nulls_in_a_required_column() -> None:
    given = pa.table({"id": pa.array(["a", None]), "n": [1, 2], "at": pa.array([None, None], UTC_TS)})
    with pytest.raises(SchemaDriftError, match=r"1 null value\(s\) in required column 'id'"):
        conform(given, SMALL, what="small")


def test_conform_names_the_column_that_cannot_be_cast() -> None:
    given = pa.table({"id": ["a"], "n": ["not a number"], "at": pa.array([None], UTC_TS)})
    with pytest.raises(SchemaDriftError, match=r"The small column 'n' cannot be stored as int32"):
        conform(given, SMALL, what="small")


def test_conform_keeps_an_empty_table_typed() -> None:
    out = conform(QUARANTINE.empty_table(), QUARANTINE, what="quarantine")
    assert out.num_rows == 0 and out.schema == QUARANTINE


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_every_table_carries_lineage_and_utc_timestamps(table: str) -> None:
    spec = TABLES[table]
    names = spec.schema.names
    assert names[-len(LINEAGE_COLUMNS) :] == list(LINEAGE_COLUMNS)
    assert spec.schema.field(spec.id_column).nullable is False
    assert spec.schema.field(spec.time_column).type == UTC_TS
    assert "month" not in names  # the month lives in the partition path
    stamps = [f.name for f in spec.schema if pa.types.is_timestamp(f.type)]
    assert stamps and all(spec.schema.field(n).type == pa.timestamp("us", tz="UTC") for n in stamps)


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_staged_is_the_contract_without_run_columns_all_nullable(table: str) -> None:
    shape = staged(table)
    contract = [n for n in TABLES[table].schema.names if n not in RUN_COLUMNS]
    assert shape.names == [*contract, "month", "_op", "_ref"]
    assert [f.name for f in shape if not f.nullable] == []
    for name in contract:
        assert shape.field(name).type == TABLES[table].schema.field(name).type


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_contribution_is_staged_without_month_plus_run_and_delivery(table: str) -> None:
    shape = contribution(table)
    assert shape.names == [n for n in staged(table).names if n != "month"] + ["run_id", "ingested_at", "delivery"]
    assert shape.field("delivery").type == pa.int64()
    assert shape.field("ingested_at").type == UTC_TS


def test_a_staged_row_conforms_to_its_contribution_once_run_columns_are_added() -> None:
    row = {name: None for name in staged("incursions").names if name != "month"}
    row.update(event_id="e1", source_file="incursions/a.csv", source_line=2, _op="N")
    given = pa.Table.from_pylist([row]).append_column("run_id", pa.array(["r1"]))
    given = given.append_column("ingested_at", pa.array([datetime(2026, 1, 1, tzinfo=UTC)], UTC_TS))
    given = given.append_column("delivery", pa.array([3]))
    out = conform(given, contribution("incursions"), what="incursions contributions")
    assert out.column("delivery").to_pylist() == [3] and out.column("event_id").to_pylist() == ["e1"]
    assert out.schema.names == contribution("incursions").names


def test_the_incursion_contract_requires_what_readers_rely_on() -> None:
    required = {f.name for f in INCURSIONS if not f.nullable}
    assert {"event_id", "detected_at", "balloons", "kind", "source_file", "run_id", "ingested_at"} <= required
    assert not {"municipality", "lat", "lon", "altitude_m", "notes", "source_line"} & required
