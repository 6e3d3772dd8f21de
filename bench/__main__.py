"""balloons benchmarks: `python -m bench` (or `make bench`). Each prints its figure, a baseline
measured in the same run, and the ratio, then all results go to bench/results.md.

    python -m bench [--ingest-rows N] [--memory-rows N] [--impact-flights N] [--lake-flights N] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import airportsdata
import duckdb
import pyarrow as pa

from balloons import bulk, lake, sample, scale, warehouse
from balloons.ingest import ingest
from balloons.schema import FLIGHTS
from balloons.settings import Settings
from balloons.validate import Context
from bench import warehouse_choice

REPO = Path(__file__).resolve().parents[1]
RESULTS: list[tuple[str, str, str, str, str]] = []


def record(name: str, figure: str, baseline: str, ratio: str, target: str) -> None:
    RESULTS.append((name, figure, baseline, ratio, target))
    print(f"{name}\n  ours: {figure}\n  baseline: {baseline}\n  ratio: {ratio}   (target {target})", flush=True)


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def context() -> Context:
    return Context(zone=ZoneInfo("Europe/Vilnius"), airports=airportsdata.load("ICAO"), now=datetime.now(UTC))


# 1 ------------------------------------------------------------------------------------------------
def bench_ingest(work: Path, rows: int) -> None:
    paths = scale.write(work / "raw", rows)
    csv = paths["flights"]
    # paths are our own temporary files; COPY's target cannot be a parameter
    baseline = timed(lambda: duckdb.execute(f"copy (from read_csv('{csv}')) to '{work / 'x.parquet'}'"))
    ours = timed(lambda: ingest(work / "raw", work / "lake", ctx=context(), run_id="bench"))
    total = 0
    for path in paths.values():
        with open(path, "rb") as handle:
            total += sum(1 for _ in handle) - 1
    hashing = hash_cost(work / "lake")
    record(
        f"1. ingest {rows:,} flights from CSV (validation, identity, lineage)",
        f"{total / ours:,.0f} rows/s ({ours:.1f} s); the two sha1 per flight alone take {hashing:.2f} s "
        f"({hashing / rows * 1e6:.2f} s per million)",
        f"DuckDB COPY read_csv → Parquet {rows / baseline:,.0f} "
        f"rows/s ({baseline:.2f} s; 0.7x leaves {baseline / 0.7 / rows * 1e6:.2f} s per million)",
        f"{(total / ours) / (rows / baseline):.3f}x",
        ">= 0.7x",
    )


def hash_cost(lake_dir: Path) -> float:
    """Seconds DuckDB takes for the fast path's two sha1 (id and content hash) over the lake's flights,
    already in memory: the part of ingest that the identity contract fixes."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    files = [str(p) for p in lake.partition_files(lake_dir, "flights")]
    con.execute(
        "create temp table f as select *, scheduled_at::timestamp as scheduled_utc from read_parquet(?)", [files]
    )
    sql = (
        f"select sum(length(sha1({bulk.FLIGHT_ID_JSON_SQL})) + length(sha1("
        f"{bulk.content_json_sql(list(bulk.FLIGHT_COLUMNS))}))) from f"
    )
    con.execute(sql)  # warm
    return min(timed(lambda: con.execute(sql).fetchone()) for _ in range(3))


# 2 ------------------------------------------------------------------------------------------------
IMPACT_SETUP = """
create temp table flights as
select 'EY' || chr(65 + (i % 20)::int) || 'X' as airport,
       case when i % 2 = 0 then 'arrival' else 'departure' end as direction,
       timestamptz '2024-01-01 00:00:00+00' + to_seconds((i * 63072000 // {n})::bigint) as scheduled_at,
       'delayed' as status, 'B738' as aircraft_type, 189 as seats,
       case when i % 3 = 0 then null else 150 end as passengers, 'x' as flight_id
from range({n}) t(i);
create temp table closures as
select md5(i::varchar) as closure_id, 'EY' || chr(65 + (i % 20)::int) || 'X' as airport,
       timestamptz '2024-01-01 00:00:00+00' + to_seconds((i * 63072000 // {c})::bigint) as closed_from,
       timestamptz '2024-01-01 00:00:00+00' + to_seconds((i * 63072000 // {c} + 3600 + i % 20000)::bigint) as closed_until,
       '2024-01' as month, 60.0 as duration_min, null::bigint as reported_flights, null::bigint as reported_passengers,
       null::varchar as notam_id, 0 as window_index, 'full' as scope, 'balloons' as cause
from range({c}) t(i);
create temp table aircraft_seats as select 'B738' as aircraft_type, 162 as seats_low, 189 as seats_typical, 189 as seats_max;
create temp table params as select 0.8 as load_factor, 0.15 as load_factor_band, 0 as buffer_after_min,
       'balloons,unknown' as headline_causes;
create temp view int_closures as select * from closures;
create temp view stg_flights as select * from flights;
create temp view stg_aircraft_seats as select * from aircraft_seats;
"""
IMPACT_MODELS = {
    "2_intermediate/int_closure_windows.sql",
    "2_intermediate/int_closure_windows_owned.sql",
    "2_intermediate/int_flights_affected.sql",
    "2_intermediate/int_passengers_affected.sql",
    "3_facts/closure_impact.sql",
}
BARE_ASOF = """
select c.closure_id, count(*) as n from flights f
asof join closures c on f.airport = c.airport and f.scheduled_at >= c.closed_from
where f.scheduled_at < c.closed_until group by all
"""


def bench_impact(flights: int, closures: int) -> None:
    con = duckdb.connect()
    con.execute(IMPACT_SETUP.format(n=flights, c=closures))
    models = {name: text for name, text in warehouse.sql_files() if name in IMPACT_MODELS}

    def ours() -> None:
        for text in models.values():
            con.execute(
                text.replace("create or replace table closure_impact", "create or replace temp table closure_impact")
            )

    def bare() -> None:
        con.execute(f"create or replace temp table bare as {BARE_ASOF}")

    bare()
    ours()  # warm
    t_ours = min(timed(ours) for _ in range(3))
    t_bare = min(timed(bare) for _ in range(3))
    agree = (
        con.execute("select sum(flights_affected) from closure_impact").fetchone()[0]
        == con.execute("select sum(n) from bare").fetchone()[0]
    )
    frame = con.execute("select airport, scheduled_at, passengers from flights").df()
    closing = con.execute("select airport, closed_from, closed_until from closures").df()
    sample_n = min(20, len(closing))

    def naive() -> None:
        for _, c in closing.head(sample_n).iterrows():
            hit = frame[
                (frame.airport == c.airport)
                & (frame.scheduled_at >= c.closed_from)
                & (frame.scheduled_at < c.closed_until)
            ]
            hit.passengers.fillna(150).sum()

    t_naive = timed(naive) * len(closing) / sample_n
    record(
        f"2. impact: {flights:,} flights x {closures:,} closures (all of closure_impact: overlap-safe windows, "
        f"passenger estimates, status counts)",
        f"{t_ours:.3f} s (counts agree with the baseline: {agree})",
        f"bare DuckDB ASOF join count {t_bare:.3f} s; naive pandas loop per closure ~{t_naive:.1f} s "
        f"(extrapolated from {sample_n} closures)",
        f"{t_ours / t_bare:.2f}x",
        "<= 1.0x",
    )


# 3 ------------------------------------------------------------------------------------------------
def seed_lake(lake_dir: Path, flights: int) -> None:
    """A lake holding `flights` rows in the contract schema, written directly (fast) for the benchmark."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    table = con.execute(f"""
        select md5(i::varchar)[:16] as flight_id, 'EY' || chr(65 + (i % 20)::int) || 'X' as airport,
               case when i % 2 = 0 then 'arrival' else 'departure' end as direction, 'FR' || i::varchar as flight_number,
               timestamptz '2022-01-01 00:00:00+00' + to_seconds((i * 63072000 // {flights})::bigint) as scheduled_at,
               'operated' as status, 'B738' as aircraft_type, 189::int as seats, 150::int as passengers,
               'EGSS' as other_airport, 'Ryanair' as airline, md5(i::varchar) as content_hash,
               'flights/old.csv' as source_file, i::bigint as source_line, 'seed' as run_id,
               timestamptz '2024-01-01 00:00:00+00' as ingested_at,
               strftime(timezone('Europe/Vilnius', timestamptz '2022-01-01 00:00:00+00'
                        + to_seconds((i * 63072000 // {flights})::bigint)), '%Y-%m') as month
        from range({flights}) t(i)""").to_arrow_table()
    months = table.column("month")
    for month in sorted(set(months.to_pylist())):
        part = table.filter(pa.compute.equal(months, month)).drop(["month"])
        lake.write_partition(lake_dir, "flights", month, part.cast(FLIGHTS))


def bench_incremental(work: Path, flights: int) -> None:
    day_rows = max(1, flights // 730)
    con = duckdb.connect()
    scale._lists(con, 11)

    def new_day(root: Path) -> None:
        path = root / "raw" / "flights" / "new" / "2026-01-15.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy ({scale.flights_sql(0, day_rows, 86400).replace(scale.START, '2026-01-15 00:00:00')}) "
            f"to '{path.as_posix()}' (header)"
        )

    full, empty = work / "full", work / "empty"
    seed_lake(full / "lake", flights)
    for root in (full, empty):
        (root / "raw" / "flights").mkdir(parents=True, exist_ok=True)
        new_day(root)
    ctx = context()
    t_empty = timed(lambda: ingest(empty / "raw", empty / "lake", ctx=ctx, run_id="e"))
    t_full = timed(lambda: ingest(full / "raw", full / "lake", ctx=ctx, run_id="f"))
    record(
        f"3. incremental: one new day ({day_rows:,} flights) into a lake of {flights:,} flights",
        f"{t_full:.3f} s",
        f"the same day into an empty lake {t_empty:.3f} s",
        f"{t_full / t_empty:.2f}x",
        "<= 1.3x",
    )


# 4 ------------------------------------------------------------------------------------------------
MEMORY_CHILD = """
import resource, sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
import airportsdata
from balloons.ingest import ingest
from balloons.validate import Context
ctx = Context(zone=ZoneInfo("Europe/Vilnius"), airports=airportsdata.load("ICAO"), now=datetime.now(UTC))
ingest(Path(sys.argv[1]) / "raw", Path(sys.argv[1]) / "lake", ctx=ctx, run_id="mem")
print(peak_kib())
"""
PEAK = """
def peak_kib():
    # VmHWM is per process image (unlike ru_maxrss, which survives fork + exec from a big parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""


def peak_mib(work: Path, rows: int) -> tuple[float, float]:
    """Peak RSS (MiB) of ingesting `rows` flights, and of DuckDB copying the same CSV."""
    shutil.rmtree(work, ignore_errors=True)
    scale.write(work / "raw", rows)
    out = subprocess.run(
        [sys.executable, "-c", PEAK + MEMORY_CHILD, str(work)], capture_output=True, text=True, check=True
    )
    baseline = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK + "import duckdb, sys; duckdb.execute("
            "f\"copy (from read_csv('{sys.argv[1]}')) to '{sys.argv[2]}'\"); print(peak_kib())",
            str(work / "raw" / "flights" / "scale" / "flights.csv"),
            str(work / "m.parquet"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1]) / 1024, int(baseline.stdout.split()[-1]) / 1024


def bench_memory(work: Path, rows: int, target_rows: int = 20_000_000) -> None:
    half, _ = peak_mib(work, rows // 2)
    peak, base_mib = peak_mib(work, rows)
    slope = (peak - half) / (rows - rows // 2)  # MiB per row, start-up memory excluded
    projected = (peak + slope * (target_rows - rows)) / 1024
    record(
        f"4. peak memory ingesting a {rows:,}-row CSV",
        f"{peak:,.0f} MiB RSS ({slope * 1024 * 1024:,.0f} bytes "
        f"per row; ~{projected:,.1f} GiB projected to {target_rows:,} rows)",
        f"DuckDB COPY of the same file {base_mib:,.0f} MiB",
        f"{peak / base_mib:.1f}x",
        "<= 1.5 GiB at 20M rows",
    )


# 5 ------------------------------------------------------------------------------------------------
def bench_warehouse(work: Path, flights: int) -> None:
    seed_lake(work / "lake", flights)
    r = warehouse_choice.measure(work / "lake", work)
    record(
        f"5a. warehouse build and monthly query, {flights:,} flights",
        f"build {r['build_table_s']:.1f} s, monthly query {r['monthly_table_s'] * 1000:.0f} ms (tables)",
        f"views over the lake: build "
        f"{r['build_view_s'] * 1000:.0f} ms, monthly query {r['monthly_view_s'] * 1000:.0f} ms",
        f"query {r['monthly_table_s'] / r['monthly_view_s']:.2f}x",
        "recorded (choice: tables, docs/warehouse.md)",
    )


NOOP_FLOW = """
import flows  # the same Prefect defaults as `balloons`
from prefect import flow

@flow
def noop() -> int:
    return 1

noop()
"""


def bench_run_sample(work: Path) -> None:
    own = work / "own"
    sample.write(own / "raw")
    ctx = context()

    def pipeline() -> None:
        from balloons import aircraft, periods, report

        ingest(own / "raw", own / "lake", ctx=ctx, run_id="own")
        warehouse.build(
            own / "lake",
            own / "warehouse.duckdb",
            params=warehouse.Params(),
            airports=ctx.airports,
            aircraft_seats=aircraft.seat_table(),
        )
        con = warehouse.connect_read_only(own / "warehouse.duckdb")
        months = periods.data_months(con)
        con.close()
        report.render_all(
            own / "warehouse.duckdb",
            months,
            ["2025"],
            own / "reports",
            timezone="Europe/Vilnius",
            radius_km=30,
            workers=Settings().report_workers,
        )

    t_own = timed(pipeline)
    cli = work / "cli"
    sample.write(cli / "raw")
    env = dict(os.environ, CI="1")
    t_cli = timed(
        lambda: subprocess.run(
            [str(Path(sys.executable).parent / "balloons"), "run", "--data-dir", str(cli)],
            env=env,
            check=True,
            capture_output=True,
        )
    )
    # the same process start-up and temporary Prefect server, running a flow that does nothing
    t_server = timed(
        lambda: subprocess.run([sys.executable, "-c", NOOP_FLOW], env=env, check=True, capture_output=True)
    )
    record(
        "5b. `balloons run` on the sample (ingest, warehouse, 7 monthly + 1 yearly PDF)",
        f"pipeline's own work {t_own:.1f} s",
        f"whole `balloons run` {t_cli:.1f} s: a fresh process starting "
        f"Prefect's temporary server and running an empty flow takes {t_server:.1f} s, the rest of "
        f"Prefect's orchestration {max(t_cli - t_own - t_server, 0):.1f} s",
        f"own/whole {t_own / t_cli:.2f}",
        "own work <= 10 s",
    )


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.machine()}, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )


def main() -> None:
    warnings.filterwarnings("ignore", module="pandas")
    warnings.filterwarnings("ignore", message=".*inplace.*")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest-rows", type=int, default=5_000_000, help="flights for benchmark 1")
    parser.add_argument("--memory-rows", type=int, default=20_000_000, help="flights for benchmark 4")
    parser.add_argument("--impact-flights", type=int, default=5_000_000)
    parser.add_argument("--lake-flights", type=int, default=10_000_000)
    parser.add_argument("--only", nargs="*", default=None, help="ingest impact incremental memory warehouse run")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.md")
    args = parser.parse_args()
    chosen = set(args.only or ["ingest", "impact", "incremental", "memory", "warehouse", "run"])
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        steps = {
            "ingest": lambda: bench_ingest(work / "ingest", args.ingest_rows),
            "impact": lambda: bench_impact(args.impact_flights, 1000),
            "incremental": lambda: bench_incremental(work / "incremental", args.lake_flights),
            "memory": lambda: bench_memory(work / "memory", args.memory_rows),
            "warehouse": lambda: bench_warehouse(work / "warehouse", args.lake_flights),
            "run": lambda: bench_run_sample(work / "run"),
        }
        for name, step in steps.items():
            if name in chosen:
                step()
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(exist_ok=True)
    lines = [
        f"# Benchmark results\n\n{datetime.now(UTC):%Y-%m-%d}, {machine()}.\n",
        "Command: `" + " ".join(["python -m bench", *sys.argv[1:]]) + "` (see README).\n",
        "| benchmark | ours | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in RESULTS]
    args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
