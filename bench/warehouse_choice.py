"""Materialised tables or views over the lake? Build cost and query cost of each, same process.

    python -m bench.warehouse_choice [--flights N] [--lake DIR]

Without --lake it generates N synthetic flights (hive-partitioned Parquet, 24 months, 20
airports) with DuckDB; with --lake it uses an existing lake (e.g. data/lake for the sample).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

MONTHLY = (
    "select month, airport, count(*) as flights, sum(passengers) as passengers from flights group by all order by all"
)
WINDOW = (
    "select count(*) from flights where scheduled_at >= timestamptz '2025-10-04 19:00:00+00' "
    "and scheduled_at < timestamptz '2025-10-05 02:00:00+00' and airport = 'EYVI'"
)


def synthetic_lake(root: Path, flights: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"""
        copy (
            select
                md5(i::varchar)[:16] as flight_id,
                'EY' || chr(65 + (i % 20)::int) || 'X' as airport,
                case when i % 2 = 0 then 'arrival' else 'departure' end as direction,
                'FR' || (i % 9000)::varchar as flight_number,
                timestamptz '2024-01-01 00:00:00+00' + to_seconds((i * 63072000 // {flights})::bigint) as scheduled_at,
                'operated' as status, 'B738' as aircraft_type, 189 as seats, (120 + i % 60)::int as passengers,
                'EGSS' as other_airport, 'Ryanair' as airline, md5(i::varchar) as content_hash,
                'flights/x.csv' as source_file, i as source_line, 'bench' as run_id,
                timestamptz '2026-01-01 00:00:00+00' as ingested_at,
                strftime(timestamptz '2024-01-01 00:00:00+00' + to_seconds((i * 63072000 // {flights})::bigint), '%Y-%m') as month
            from range({flights}) t(i)
        ) to '{root / "flights"}' (format parquet, partition_by (month), overwrite_or_ignore)
    """)
    return root


def timed(func) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def measure(lake: Path, work: Path) -> dict[str, float]:
    files = sorted(str(p) for p in (lake / "flights").glob("month=*/*.parquet"))
    results = {}
    for kind in ("table", "view"):
        path = work / f"{kind}.duckdb"
        con = duckdb.connect(str(path))
        rel = con.read_parquet(files, hive_partitioning=True)
        make = rel.create if kind == "table" else rel.create_view
        results[f"build_{kind}_s"] = timed(lambda make=make: make("flights"))
        con.execute("checkpoint")
        con.close()
        con = duckdb.connect(str(path), read_only=True)
        con.execute(MONTHLY).fetchall()  # warm
        for name, sql in (("monthly", MONTHLY), ("window", WINDOW)):
            results[f"{name}_{kind}_s"] = min(timed(lambda c=con, q=sql: c.execute(q).fetchall()) for _ in range(3))
        con.close()
        results[f"size_{kind}_mb"] = path.stat().st_size / 2**20
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flights", type=int, default=10_000_000)
    parser.add_argument("--lake", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lake = args.lake or synthetic_lake(work / "lake", args.flights)
        r = measure(lake, work)
    print(f"lake: {lake if args.lake else f'{args.flights:,} synthetic flights'}")
    for kind in ("table", "view"):
        print(
            f"  {kind:5}  build {r[f'build_{kind}_s']:7.3f} s   monthly query {r[f'monthly_{kind}_s']:7.3f} s   "
            f"window query {r[f'window_{kind}_s']:7.3f} s   file {r[f'size_{kind}_mb']:8.1f} MiB"
        )
    print(
        f"  view/table query time: monthly {r['monthly_view_s'] / r['monthly_table_s']:.1f}x, "
        f"window {r['window_view_s'] / r['window_table_s']:.1f}x"
    )


if __name__ == "__main__":
    main()
