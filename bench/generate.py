"""The benchmark's flight files, as issue 16 describes them: airports EYVI/EYKA/EYPA in turn,
`scheduled_at` every 6 s from 2024-01-01T00:00:00, statuses operated/cancelled/diverted/delayed in
turn, 180 seats, 100-179 passengers, with direction, flight number, other airport and airline.

Two forms of the same rows: `local` (naive times, as airport schedules come) and `utc` (the same
wall values with `Z`). Row i is a pure function of i, so the files are deterministic, and every
key (airport, direction, flight_number, scheduled_at) is unique because scheduled_at is.

    python -m bench.generate ROWS OUT.csv [--utc]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import airportsdata
import duckdb

START = datetime(2024, 1, 1)
STEP_S = 6
AIRPORTS = ["EYVI", "EYKA", "EYPA"]
STATUSES = ["operated", "cancelled", "diverted", "delayed"]
# (code, name): flight numbers are the code and a number from the row, so they look like schedules
AIRLINES = [
    ("BT", "airBaltic"),
    ("FR", "Ryanair"),
    ("W6", "Wizz Air"),
    ("LO", "LOT Polish Airlines"),
    ("LH", "Lufthansa"),
]
OTHER = ["EVRA", "EETN", "EPWA", "EKCH", "EGSS", "EDDF", "EHAM"]
HEADER = "airport,direction,flight_number,scheduled_at,status,seats,passengers,other_airport,airline"


def _pick(values: list[str], modulus: str) -> str:
    """A SQL expression choosing values[i % len] (our own constants, quoted here)."""
    cases = " ".join(f"when {k} then '{v}'" for k, v in enumerate(values))
    return f"case {modulus} {cases} end"


def rows_sql(rows: int, *, utc: bool, first: int = 0) -> str:
    """Rows first..first+rows-1 of the sequence that starts at START."""
    suffix = "Z" if utc else ""
    return f"""
        select
            {_pick(AIRPORTS, f"i % {len(AIRPORTS)}")} as airport,
            case when i % 2 = 0 then 'arrival' else 'departure' end as direction,
            {_pick([c for c, _ in AIRLINES], f"i % {len(AIRLINES)}")} || (100 + (i // {len(AIRLINES)}) % 9900)::varchar
                as flight_number,
            strftime(timestamp '{START:%Y-%m-%d %H:%M:%S}' + to_seconds(i * {STEP_S}), '%Y-%m-%dT%H:%M:%S{suffix}')
                as scheduled_at,
            {_pick(STATUSES, f"i % {len(STATUSES)}")} as status,
            180 as seats,
            100 + i % 80 as passengers,
            {_pick(OTHER, f"i % {len(OTHER)}")} as other_airport,
            {_pick([n for _, n in AIRLINES], f"i % {len(AIRLINES)}")} as airline
        from range({int(first)}, {int(first) + int(rows)}) t(i)
        order by i
    """


def write(path: Path, rows: int, *, utc: bool, first: int = 0) -> Path:
    """Write `rows` flights (from row `first`) to `path` as CSV with a header; naive local times
    unless `utc`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # a path we chose; COPY cannot take its target as a parameter
    con.execute(f"copy ({rows_sql(rows, utc=utc, first=first)}) to '{path.as_posix()}' (header, delimiter ',')")
    con.close()
    return path


def nonexistent_rows(rows: int) -> int:
    """Rows of the local file whose naive time does not exist at its airport (a spring-forward gap),
    counted from the airports' time zones: every 15-minute slot of the span is checked (clock
    changes fall on quarter hours)."""
    known = airportsdata.load("ICAO")
    zones = [known[a]["tz"] for a in AIRPORTS]
    slot_s = 900
    count = 0
    for slot in range(0, rows * STEP_S, slot_s):
        wall = START + timedelta(seconds=slot)
        gap = {zone: _nonexistent(wall, ZoneInfo(zone)) for zone in set(zones)}
        gaps = [gap[zone] for zone in zones]
        if any(gaps):
            first = -(-slot // STEP_S)  # first row at or after the slot's start
            last = min(rows, -(-(slot + slot_s) // STEP_S))
            count += sum(1 for i in range(first, last) if gaps[i % len(AIRPORTS)])
    return count


def _nonexistent(wall: datetime, zone: ZoneInfo) -> bool:
    """True when the naive local `wall` never shows on the clocks of `zone`."""
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--utc", action="store_true", help="times with Z instead of naive local times")
    args = parser.parse_args()
    print(write(args.out, args.rows, utc=args.utc))


if __name__ == "__main__":
    main()
