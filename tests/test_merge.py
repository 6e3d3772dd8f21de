"""Month-by-month resolution in DuckDB applies the same rule as the row-by-row `resolve`."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balloons import lake, merge, parse
from balloons.rawfile import RawFile
from balloons.storage import local

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
HEADER = "airport,direction,flight_number,scheduled_at,status"
# three keys (two in October, one in November) with two contents each
RECORDS = [f"EYVI,arrival,BT{n},{when},{status}" for n, when in
           [(1, "2025-10-01T12:00"), (2, "2025-10-31T23:30"), (3, "2025-11-02T08:00")]
           for status in ("operated", "cancelled")]
FILE = st.lists(st.sampled_from(RECORDS), max_size=8)


def _parsed(files: list[list[str]], ctx, prefix: str) -> list[parse.Parsed]:
    out = []
    for i, lines in enumerate(files):
        name = f"flights/{prefix}{i}.csv"
        data = ("\n".join([HEADER, *lines]) + "\n").encode()
        out.append(parse.parse_file(RawFile(name, "flights", "0" * 64, Path(name)), data, ctx=ctx))
    return out


def _lake_rows(root: Path) -> list[dict]:
    return [row for month in lake.months(root, "flights")
            for row in lake.read_partition(root, "flights", month).to_pylist()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(before=st.lists(FILE, max_size=2), run=st.lists(FILE, min_size=1, max_size=3), redeliver=st.booleans())
def test_month_by_month_equals_row_by_row(before, run, redeliver, ctx) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        if before:
            first = _parsed(before, ctx, "a")
            merge.merge_table(base, "flights", first, cleanup=set(), run_id="r1", now=NOW)
        cleanup = {"flights/a0.csv"} if redeliver and before else set()
        prefix = "a" if cleanup else "b"
        results = {}
        for how, func in (("month", merge._merge_by_month), ("whole", merge._merge_whole)):
            root = Path(tmp) / how
            if base.exists():
                shutil.copytree(base, root)
            merged = func(local(root), "flights", _parsed(run, ctx, prefix), cleanup=cleanup, run_id="r2", now=NOW)
            results[how] = (merged.counts, sorted(merged.partitions), _lake_rows(root))
        month_counts, month_parts, month_rows = results["month"]
        whole_counts, whole_parts, whole_rows = results["whole"]
        assert month_counts == whole_counts
        assert month_rows == whole_rows
        assert set(month_parts) <= set(whole_parts)  # whole may rewrite a month that did not change
        for counts in month_counts.values():
            assert counts.read == counts.landed + counts.quarantined + counts.duplicate + counts.superseded
