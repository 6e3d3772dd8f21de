"""Synthetic data at scale for benchmarks: N flights over many airports and months, with
proportional closures and incursions. Deterministic: values derive from the row number and the
seed through DuckDB's hash, so the same N and seed give the same files."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from balloons.errors import ConfigError

log = logging.getLogger(__name__)

AIRPORTS = [
    "EYVI",
    "EYKA",
    "EYPA",
    "EVRA",
    "EETN",
    "EPWA",
    "EPKK",
    "EFHK",
    "ESSA",
    "EKCH",
    "ENGM",
    "EDDB",
    "EDDF",
    "EDDM",
    "EHAM",
    "LOWW",
    "LKPR",
    "LHBP",
    "EIDW",
    "EGSS",
]
TYPES = ["B738", "A320", "A321", "A20N", "BCS3", "AT76", "DH8D", "CRJ9", "E195", "B38M"]
STATUSES = ["operated", "operated", "operated", "operated", "delayed", "cancelled", "diverted"]
MONTHS = 24
START = "2024-01-01 00:00:00"


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # our own generated SQL and a path we chose; COPY cannot take the target as a parameter
    con.execute(f"copy ({sql}) to '{target.as_posix()}' (header, delimiter ',')")


def _lists(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    con.execute(
        "create or replace temp table airports as select unnest(?) as icao, generate_subscripts(?, 1) - 1 as k",
        [AIRPORTS, AIRPORTS],
    )
    con.execute(
        "create or replace temp table types as select unnest(?) as t, generate_subscripts(?, 1) - 1 as k",
        [TYPES, TYPES],
    )
    con.execute(
        "create or replace temp table statuses as select unnest(?) as s, generate_subscripts(?, 1) - 1 as k",
        [STATUSES, STATUSES],
    )
    con.execute("create or replace temp table seed as select ?::bigint as seed", [seed])


def flights_sql(first: int, count: int, span_seconds: int) -> str:
    """Rows first..first+count-1, spread evenly over span_seconds from START."""
    return f"""
        with numbered as (
            select i, hash(i, (select seed from seed)) as h from range({first}, {first + count}) t(i)
        )
        select
            a.icao as airport,
            case when h % 2 = 0 then 'arrival' else 'departure' end as direction,
            'FR' || (i % 100000)::varchar as flight_number,
            strftime(timestamp '{START}' + to_seconds((i * {span_seconds} // {max(first + count, 1)})::bigint),
                     '%Y-%m-%dT%H:%M:%SZ') as scheduled_at,
            s.s as status,
            t.t as aircraft_type,
            case when h % 10 < 9 then 180 end as seats,
            case when h % 10 < 7 then 120 + (h // 7) % 60 end as passengers,
            'EGSS' as other_airport,
            'Ryanair' as airline
        from numbered
        join airports a on a.k = (h // 3) % {len(AIRPORTS)}
        join types t on t.k = (h // 5) % {len(TYPES)}
        join statuses s on s.k = (h // 11) % {len(STATUSES)}
        order by i
    """


def write(raw_dir: Path, flights: int, *, seed: int = 7) -> dict[str, Path]:
    """raw/{flights,closures,incursions}/scale/*.csv for `flights` flights over 24 months."""
    span = MONTHS * 30 * 86400
    closures = max(1, flights // 5000)
    incursions = max(1, flights // 2000)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    _lists(con, seed)
    paths = {
        "flights": raw_dir / "flights" / "scale" / "flights.csv",
        "closures": raw_dir / "closures" / "scale" / "closures.csv",
        "incursions": raw_dir / "incursions" / "scale" / "incursions.csv",
    }
    held = [str(path) for path in paths.values() if path.exists()]
    if held:  # raw files are never changed
        raise ConfigError(f"{', '.join(held)} exist already; raw files are never changed: give another --data-dir.")
    _copy(con, flights_sql(0, flights, span), paths["flights"])
    _copy(
        con,
        f"""
        select a.icao as airport,
               strftime(timestamp '{START}' + to_seconds((i * {span} // {closures})::bigint),
                        '%Y-%m-%dT%H:%M:%SZ') as closed_from,
               strftime(timestamp '{START}' + to_seconds((i * {span} // {closures} + 3600 + hash(i) % 25200)::bigint),
                        '%Y-%m-%dT%H:%M:%SZ') as closed_until,
               'synthetic closure' as reason
        from range({closures}) t(i) join airports a on a.k = i % {len(AIRPORTS)} order by i""",
        paths["closures"],
    )
    _copy(
        con,
        f"""
        select strftime(timestamp '{START}' + to_seconds((i * {span} // {incursions})::bigint),
                        '%Y-%m-%dT%H:%M:%SZ') as detected_at,
               1 + hash(i) % 4 as balloons, 54.0 + (hash(i) % 1000) / 1000.0 as lat,
               24.0 + (hash(i * 7) % 2000) / 1000.0 as lon,
               'SCALE' as source, 'S-' || i::varchar as source_id
        from range({incursions}) t(i) order by i""",
        paths["incursions"],
    )
    con.close()
    log.info("scale flights=%d closures=%d incursions=%d path=%s", flights, closures, incursions, raw_dir)
    return paths
