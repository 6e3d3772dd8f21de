"""balloons benchmarks: `make bench` (`python -m bench`). Every target is a ratio to a baseline
measured in the same run, right beside it, so a busy machine moves both sides together. Prints a
table (measure, value, baseline, ratio, target, PASS/FAIL) and writes it to bench/results.md.
Exits 0 even when a target fails: a benchmark is a report. See bench/README.md.

Environment:
    BENCH_ROWS=N   flights in each benchmark file (default 5,000,000)
    BENCH_BIG=1    also ingest 20,000,000 local-time flights for peak memory (takes minutes)
    BENCH_KEEP=1   keep the temporary folder (its path is printed) to look at lakes and logs
"""

from __future__ import annotations

import csv
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import airportsdata
import duckdb

from balloons import warehouse
from balloons.samples import shipped
from bench import generate
from bench.measure import Measured, run

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BIG_ROWS = 20_000_000
DAY_ROWS = 86_400 // generate.STEP_S
GIB = 2**30
log = logging.getLogger("bench")


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    baseline: str
    ratio: str
    target: str
    verdict: str  # PASS, FAIL, or "-" for a fact without a target


ROWS: list[Row] = []


def record(row: Row) -> None:
    ROWS.append(row)
    print(f"[{row.verdict}] {row.measure}: {row.value} | baseline {row.baseline} | ratio {row.ratio}", flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").replace("_", "").replace(",", "")
    return int(text) if text else default


class Bench:
    """The temporary folder, and the environment every command of the run gets."""

    def __init__(self, work: Path, rows: int) -> None:
        self.work = work
        self.rows = rows
        # `balloons` as a user runs it with nothing configured: no BALLOONS_* settings leaking in
        # from the caller's shell, no Prefect server of theirs (so Prefect's temporary server, with
        # its own PREFECT_HOME in the bench folder, warmed once before anything is timed)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BALLOONS_") and k != "PREFECT_API_URL"} | {
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "CI": "1",
        }

    def command(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Measured:
        measured = run(cmd, env=self.env if env is None else env, cwd=self.work, logs=self.work / "logs" / name)
        state = "ok" if measured.returncode == 0 else f"FAILED: {measured.last_error_line()}"
        print(f"  {name}: {measured.seconds:.2f} s, peak {measured.peak_bytes / GIB:.2f} GiB, {state}", flush=True)
        return measured

    def ingest(self, name: str, data_dir: Path) -> Measured:
        return self.command(name, [str(BIN / "balloons"), "ingest", "--data-dir", str(data_dir)])

    def copy(self, name: str, csv: Path) -> Measured:
        """DuckDB's own CSV → Parquet, in a fresh `duckdb` CLI process like `balloons ingest` gets."""
        target = self.work / "copy" / f"{name}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        sql = f"COPY (select * from read_csv('{csv}')) TO '{target}' (FORMAT parquet)"
        measured = self.command(name, [str(BIN / "duckdb"), "-c", sql])
        target.unlink(missing_ok=True)
        return measured

    def flights_file(self, data_dir: Path, name: str, rows: int, *, utc: bool, first: int = 0) -> Path:
        return generate.write(data_dir / "raw" / "flights" / "bench" / f"{name}.csv", rows, utc=utc, first=first)


# fixed cost ---------------------------------------------------------------------------------------
def bench_fixed_cost(b: Bench) -> float:
    """Seconds `balloons ingest` takes on a 1-row file: process start, imports, Prefect's server."""
    for attempt in ("warm-up", "fixed"):
        data = b.work / attempt
        b.flights_file(data, "one", 1, utc=True)
        measured = b.ingest(f"ingest-1-row-{attempt}", data)
        shutil.rmtree(data)
    start_only = b.command("balloons-help", [str(BIN / "balloons"), "--help"])
    record(
        Row(
            "fixed cost: `balloons ingest` of a 1-row file",
            f"{measured.seconds:.1f} s (`balloons --help` alone {start_only.seconds:.1f} s; the rest is "
            f"imports, the airports table and the run's lake bookkeeping)",
            "-",
            "-",
            "- (a floor under every ingest below)",
            "-" if measured.returncode == 0 else "FAIL",
        )
    )
    return measured.seconds


# 1. ingest through the CLI ------------------------------------------------------------------------
def lake_counts(lake: Path, source: str) -> tuple[int, int, int, int, str]:
    """For `source` (a path under raw/): rows read, landed and quarantined by the ingest log, the
    rows the quarantine holds, and one of their reasons. Read from the lake's files with
    DuckDB (their layout is documented in lake.py), not through library calls."""
    con = duckdb.connect()
    logs = sorted(str(p) for p in (lake / "ingest_log").glob("*.parquet"))
    logged = (
        con.execute(
            "select sum(rows_read), sum(rows_landed), sum(rows_quarantined) from read_parquet(?) where path = ?",
            [logs, source],
        ).fetchone()
        if logs
        else None
    )
    quarantine = sorted(str(p) for p in (lake / "quarantine").glob("*.parquet"))
    held = (
        con.execute(
            "select count(*), coalesce(min(reason), '') from read_parquet(?) where source_file = ?",
            [quarantine, source],
        ).fetchone()
        if quarantine
        else None
    )
    con.close()
    read, landed, logged_q = (int(v or 0) for v in (logged or (0, 0, 0)))
    count, reason = held or (0, "")
    return read, landed, logged_q, int(count), str(reason)


def bench_ingest(b: Bench, form: str, fixed_s: float) -> Path:
    """`balloons ingest` of N flights with local (naive) or UTC times against DuckDB's COPY of the
    same file, timed before and after it (the faster COPY counts)."""
    utc = form == "utc"
    data = b.work / form
    csv = b.flights_file(data, form, b.rows, utc=utc)
    before = b.copy(f"copy-{form}-before", csv)
    ours = b.ingest(f"ingest-{form}", data)
    after = b.copy(f"copy-{form}-after", csv)
    copy_s = min(before.seconds, after.seconds)
    times = "UTC (`Z`) times" if utc else "local (naive) times"
    if ours.returncode != 0:
        record(Row(f"ingest {b.rows:,} flights, {times}", f"failed: {ours.last_error_line()}", "-", "-", "-", "FAIL"))
        return data
    ratio = copy_s / ours.seconds
    ceiling = copy_s / fixed_s
    record(
        Row(
            f"ingest {b.rows:,} flights, {times}, `balloons ingest`",
            f"{ours.seconds:.1f} s ({b.rows / ours.seconds:,.0f} rows/s), peak RSS {ours.peak_bytes / GIB:.2f} GiB",
            f"DuckDB CLI `COPY read_csv → Parquet` {copy_s:.2f} s (best of before/after: "
            f"{before.seconds:.2f}/{after.seconds:.2f}); the fixed cost alone would give {ceiling:.2f}×",
            f"{ratio:.3f}×",
            "≥ 0.40× (goal 0.70×)",
            verdict(ratio >= 0.40),
        )
    )
    if not utc:
        bench_prototype(b, csv, data / "lake", copy_s, ours.seconds)
    source = csv.relative_to(data / "raw").as_posix()
    expected_q = 0 if utc else generate.nonexistent_rows(b.rows)
    try:
        read, landed, logged_q, quarantined, reason = lake_counts(data / "lake", source)
    except duckdb.Error as exc:
        record(Row(f"rows of the {form} file", f"cannot read the lake: {exc}", "-", "-", "exact", "FAIL"))
        return data
    ok = read == b.rows and quarantined == logged_q == expected_q and landed == b.rows - expected_q
    record(
        Row(
            f"rows of the {form} file: read / landed / quarantined",
            f"{read:,} / {landed:,} / {quarantined:,} in quarantine ({logged_q:,} in the ingest log)"
            + (f"; reason, e.g.: {reason}" if reason else ""),
            f"{b.rows:,} rows; {expected_q:,} with a naive time in a spring-forward gap",
            "-",
            "exact",
            verdict(ok),
        )
    )
    return data


def bench_prototype(b: Bench, flights: Path, lake_dir: Path, copy_s: float, ours_s: float) -> None:
    """The issue's lean prototype (bench/prototype.sql) on the same file in a fresh `duckdb` CLI:
    what its own design reaches on this machine, and whether its rows are balloons' rows."""
    zones = b.work / "zones.csv"
    with zones.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["icao", "tz"])
        writer.writerows((icao, airport["tz"]) for icao, airport in sorted(airportsdata.load("ICAO").items()))
    target = b.work / "prototype"
    sql = (REPO / "bench" / "prototype.sql").read_text("utf-8")
    for name, value in (("{csv}", flights), ("{zones}", zones), ("{out}", target)):
        sql = sql.replace(name, str(value))
    measured = b.command("prototype-local", [str(BIN / "duckdb"), "-c", sql])
    if measured.returncode != 0:
        record(Row("the issue's lean prototype", f"failed: {measured.last_error_line()}", "-", "-", "-", "FAIL"))
        return
    con = duckdb.connect()
    written, agreeing = con.execute(
        "select (select count(*) from read_parquet($p)), count(*) from read_parquet($p) as p "
        "semi join read_parquet($l) as l on l.flight_id = p.flight_id and l.content_hash = p.content_hash",
        {"p": str(target / "*" / "*.parquet"), "l": str(lake_dir / "flights" / "*" / "*.parquet")},
    ).fetchone()
    con.close()
    shutil.rmtree(target, ignore_errors=True)
    record(
        Row(
            "the issue's lean prototype on the local file (`bench/prototype.sql`, one DuckDB statement: typed "
            "read_csv, offsets per airport and hour, rules as predicates, two sha1, month-partitioned COPY)",
            f"{measured.seconds:.1f} s; {written:,} rows written, {agreeing:,} of them with the id and content hash "
            f"of a row of balloons' lake; `balloons ingest` took {ours_s / measured.seconds:.1f}× its time",
            f"the same COPY, {copy_s:.2f} s",
            f"{copy_s / measured.seconds:.3f}×",
            "- (a reference: the issue measured it at 0.40× on its machine; the ingest target assumes it)",
            "-",
        )
    )


# 2. peak memory at 20 M rows ----------------------------------------------------------------------
def bench_memory(b: Bench) -> None:
    data = b.work / "big"
    csv = b.flights_file(data, "local-20m", BIG_ROWS, utc=False)
    copy = b.copy("copy-big", csv)
    ours = b.ingest("ingest-big", data)
    shutil.rmtree(data, ignore_errors=True)
    measure = f"peak memory, `balloons ingest` of {BIG_ROWS:,} local-time flights"
    if ours.returncode != 0:
        record(Row(measure, f"failed: {ours.last_error_line()}", "-", "-", "≤ 1.5 GiB", "FAIL"))
        return
    record(
        Row(
            measure,
            f"{ours.peak_bytes / GIB:.2f} GiB (process tree {ours.tree_peak_bytes / GIB:.2f}, largest process "
            f"{ours.largest_process_bytes / GIB:.2f}); {ours.seconds:.0f} s, {copy.seconds / ours.seconds:.3f}× COPY",
            f"DuckDB CLI COPY of the same file {copy.peak_bytes / GIB:.2f} GiB, {copy.seconds:.1f} s",
            f"{ours.peak_bytes / copy.peak_bytes:.2f}× COPY's memory",
            "≤ 1.5 GiB",
            verdict(ours.peak_bytes <= 1.5 * GIB),
        )
    )


# 3a. incremental day ------------------------------------------------------------------------------
INCREMENTAL_PAIRS = 3


def bench_incremental(b: Bench, lake_data: Path) -> None:
    """One more day of flights into the lake the local-time ingest built, against the same day
    into an empty lake; both through `balloons ingest`, in turn, INCREMENTAL_PAIRS times (each
    lake put back between runs, outside the timing): the median of the pairs' ratios counts,
    since one pair of two-second runs moves with the machine."""
    alone = b.work / "day"
    for data in (alone, lake_data):
        b.flights_file(data, "next-day", DAY_ROWS, utc=False, first=b.rows)
    built = b.work / "lake-before-the-day"
    shutil.copytree(lake_data / "lake", built)
    measure = f"incremental: one more day ({DAY_ROWS:,} flights) into the lake of {b.rows:,}"
    pairs: list[tuple[float, float]] = []
    for attempt in range(INCREMENTAL_PAIRS):
        shutil.rmtree(alone / "lake", ignore_errors=True)
        shutil.rmtree(lake_data / "lake")
        shutil.copytree(built, lake_data / "lake")
        empty = b.ingest(f"ingest-day-empty-lake-{attempt + 1}", alone)
        full = b.ingest(f"ingest-day-full-lake-{attempt + 1}", lake_data)
        if empty.returncode or full.returncode:
            failed = full if full.returncode else empty
            record(Row(measure, f"failed: {failed.last_error_line()}", "-", "-", "≤ 1.3×", "FAIL"))
            return
        pairs.append((empty.seconds, full.seconds))
    ratios = sorted(full / empty for empty, full in pairs)
    ratio = ratios[len(ratios) // 2]
    empty_s, full_s = next((e, f) for e, f in pairs if f / e == ratio)
    record(
        Row(
            measure,
            f"{full_s:.1f} s (median pair of {len(pairs)}; ratios {', '.join(f'{r:.2f}' for r in ratios)})",
            f"the same day into an empty lake {empty_s:.1f} s",
            f"{ratio:.2f}×",
            "≤ 1.3×",
            verdict(ratio <= 1.3),
        )
    )


# 3b. impact ---------------------------------------------------------------------------------------
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
       'full' as scope, 'balloons' as cause, null::varchar as notam_id, 0 as window_index
from range({c}) t(i);
create temp table aircraft_seats as select 'B738' as aircraft_type, 162 as seats_low, 189 as seats_typical, 189 as seats_max;
create temp table params as
select 0.8 as load_factor, 0.15 as load_factor_band, 0 as buffer_after_min, 'balloons,unknown' as headline_causes;
create temp view stg_flights as select * from flights;
create temp view int_closures as select * from closures;
create temp view stg_aircraft_seats as select * from aircraft_seats;
create temp view stg_build_info as select timestamptz '2026-01-01 00:00:00+00' as last_ingest;
"""
BARE_ASOF = """
select c.closure_id, count(*) as n from flights f
asof join closures c on f.airport = c.airport and f.scheduled_at >= c.closed_from
where f.scheduled_at < c.closed_until group by all
"""


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def impact_models() -> list[str]:
    """The warehouse's own models behind closure_impact, in build order (closures come in as they
    are, so int_closures is the setup's view of them)."""
    wanted = {
        "int_closure_windows",
        "int_closure_windows_owned",
        "int_flights_affected",
        "int_passengers_affected",
        "closure_impact",
    }
    chosen = [(name, text) for name, text in warehouse.sql_files() if Path(name).stem in wanted]
    return [
        text.replace("create or replace table closure_impact", "create or replace temp table closure_impact")
        for _, text in chosen
    ]


def bench_impact(flights: int, closures: int = 1000) -> None:
    """All of closure_impact (in DuckDB, in this process) against a bare ASOF join on the same tables."""
    measure = f"impact: {flights:,} flights × {closures:,} closures, all of closure_impact"
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(IMPACT_SETUP.format(n=flights, c=closures))
    models = impact_models()

    def ours() -> None:
        for text in models:
            con.execute(text)

    def bare() -> None:
        con.execute(f"create or replace temp table bare as {BARE_ASOF}")

    try:
        bare()
        ours()  # warm
    except duckdb.Error as exc:
        record(Row(measure, f"the models did not run here: {exc}".splitlines()[0], "-", "-", "≤ 1.0×", "FAIL"))
        return
    t_ours = min(timed(ours) for _ in range(3))
    t_bare = min(timed(bare) for _ in range(3))
    got = con.execute("select sum(flights_affected) from closure_impact").fetchone()
    want = con.execute("select sum(n) from bare").fetchone()
    agree = got is not None and want is not None and got[0] == want[0]
    con.close()
    ratio = t_ours / t_bare
    record(
        Row(
            measure,
            f"{t_ours:.3f} s (best of 3; flights counted agree with the baseline: {'yes' if agree else 'NO'})",
            f"bare DuckDB ASOF join count {t_bare:.3f} s (best of 3)",
            f"{ratio:.2f}×",
            "≤ 1.0×",
            verdict(ratio <= 1.0 and agree),
        )
    )


# 3c. balloons run on the sample -------------------------------------------------------------------
EMPTY_FLOW = """
from flows.cli import prefect_defaults
prefect_defaults()
from prefect import flow

@flow
def noop() -> int:
    return 1

noop()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prefect_server(b: Bench) -> Iterator[str]:
    """A real `prefect server start` on 127.0.0.1 (its own PREFECT_HOME, analytics off) for the
    duration; yields its API URL."""
    port = free_port()
    home = b.work / "prefect-server"
    home.mkdir(parents=True, exist_ok=True)
    env = b.env | {"PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "false"}
    log_path = b.work / "logs" / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/api"
    with open(log_path, "wb") as output:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prefect server did not start; see {log_path}")
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


RUN_PAIRS = 3


def bench_run_sample(b: Bench) -> None:
    """`balloons run` on the shipped sample against a fresh process that runs an empty flow, both
    reporting to one real Prefect server started for them (as a deployment's runs do): what is
    left is the pipeline's own work (ingest, warehouse, 7 monthly + 1 yearly PDF) and its
    orchestration. Prefect's temporary server, which `balloons run` starts when no server is
    configured, is left out: its start took 11 to 32 s from one process to the next here, more
    than the work measured. The two run in turn, `RUN_PAIRS` times (each run in a fresh data
    folder), and the medians count."""
    measure = "`balloons run` on the sample (ingest, warehouse, 7 monthly + 1 yearly PDF)"
    empties, wholes = [], []
    with prefect_server(b) as url:
        env = b.env | {"PREFECT_API_URL": url}
        b.command("empty-flow-warm-up", [sys.executable, "-c", EMPTY_FLOW], env=env)
        for attempt in range(1, RUN_PAIRS + 1):
            data = b.work / f"run-{attempt}"
            shipped.write(data / "raw")
            empties.append(b.command(f"empty-flow-{attempt}", [sys.executable, "-c", EMPTY_FLOW], env=env))
            wholes.append(
                b.command(f"balloons-run-{attempt}", [str(BIN / "balloons"), "run", "--data-dir", str(data)], env=env)
            )
        again = b.command("balloons-run-again", [str(BIN / "balloons"), "run", "--data-dir", str(data)], env=env)
    if any(m.returncode for m in (*empties, *wholes, again)):
        failed = next(m for m in (*empties, *wholes, again) if m.returncode)
        record(Row(measure, f"failed: {failed.last_error_line()}", "-", "-", "own work ≤ 10 s", "FAIL"))
        return
    empty, whole = statistics.median(m.seconds for m in empties), statistics.median(m.seconds for m in wholes)
    own = whole - empty
    record(
        Row(
            measure,
            f"{whole:.1f} s (median of {RUN_PAIRS}: {', '.join(f'{m.seconds:.1f}' for m in wholes)}), of which own "
            f"work {own:.1f} s; a second run (nothing new) {again.seconds:.1f} s, own work {again.seconds - empty:.1f} s",
            f"a fresh process running an empty Prefect flow {empty:.1f} s (median of {RUN_PAIRS}: "
            f"{', '.join(f'{m.seconds:.1f}' for m in empties)}); both report to one real Prefect server",
            f"{whole / empty:.2f}×",
            "own work (run − empty flow) ≤ 10 s",
            verdict(own <= 10),
        )
    )


# the report ---------------------------------------------------------------------------------------
def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"nproc {os.cpu_count()}, {mem:.0f} GiB RAM, {cpu or platform.machine()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )


COLUMNS = ("measure", "value", "baseline (same run)", "ratio", "target", "result")


def table(rows: list[Row]) -> list[str]:
    lines = [f"| {' | '.join(COLUMNS)} |", "|" + "---|" * len(COLUMNS)]
    lines += [f"| {r.measure} | {r.value} | {r.baseline} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows]
    return lines


def write_results(path: Path, *, started: datetime, facts: str, rows: int, big: bool, seconds: float) -> None:
    text = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.0f} min; {facts}.",
        f"BENCH_ROWS={rows:,}"
        + (f", BENCH_BIG=1 ({BIG_ROWS:,} rows)" if big else "")
        + ". `make bench`; see README.md.",
        "",
        *table(ROWS),
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")


def main() -> None:
    warnings.filterwarnings("ignore", module="pandas")
    logging.basicConfig(level=logging.WARNING)
    rows = env_int("BENCH_ROWS", 5_000_000)
    big = os.environ.get("BENCH_BIG", "") not in {"", "0"}
    keep = os.environ.get("BENCH_KEEP", "") not in {"", "0"}
    started = datetime.now(UTC)
    start = time.perf_counter()
    facts = machine()
    print(f"machine: {facts}\nrows: {rows:,}{' (and 20,000,000 for memory)' if big else ''}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="balloons-bench-"))
    print(f"work folder: {work}", flush=True)
    try:
        b = Bench(work, rows)
        fixed = bench_fixed_cost(b)
        local = bench_ingest(b, "local", fixed)
        shutil.rmtree(bench_ingest(b, "utc", fixed), ignore_errors=True)
        bench_incremental(b, local)
        shutil.rmtree(local, ignore_errors=True)
        if big:
            bench_memory(b)
        else:
            record(
                Row(
                    f"peak memory, `balloons ingest` of {BIG_ROWS:,} local-time flights",
                    "not run (BENCH_BIG=1 runs it; minutes)",
                    "-",
                    "-",
                    "≤ 1.5 GiB",
                    "-",
                )
            )
        bench_impact(rows)
        bench_run_sample(b)
    finally:
        if keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print("\n".join(table(ROWS)))
    failed = [r.measure for r in ROWS if r.verdict == "FAIL"]
    results = REPO / "bench" / "results.md"
    write_results(results, started=started, facts=facts, rows=rows, big=big, seconds=time.perf_counter() - start)
    print(f"\nresults: {results}")
    targets = sum(1 for r in ROWS if r.verdict in {"PASS", "FAIL"})
    print(f"FAIL: {len(failed)} of {targets} checks: " + "; ".join(failed) if failed else f"all {targets} checks pass")


if __name__ == "__main__":
    main()
