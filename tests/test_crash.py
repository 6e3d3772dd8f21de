"""Kill the ingest process with SIGKILL at many points of the write path, then check the lake.

The child process is test code: it wraps pyarrow's write and os.replace to count write-path
events (start of a write, a torn half-written file, just before and just after each rename) and
SIGKILLs itself at the chosen one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from balloons import lake, sample
from balloons.ingest import ingest
from balloons.schema import RECORD_TABLES, TABLES

CHILD = r"""
import os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
import airportsdata
import pyarrow.parquet as pq
from balloons import storage
from balloons.ingest import ingest
from balloons.validate import Context

root, target = Path(sys.argv[1]), int(sys.argv[2])
events = 0

def event():
    global events
    events += 1
    if events == target:
        os.kill(os.getpid(), signal.SIGKILL)

real_write, real_replace = pq.write_table, os.replace

def write_table(table, where, **kwargs):
    event()
    real_write(table, where, **kwargs)
    global events
    events += 1
    if events == target:  # a torn write: half the bytes, then death
        data = Path(where).read_bytes()
        Path(where).write_bytes(data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst):
    event()
    real_replace(src, dst)
    event()

storage.pq.write_table = write_table
storage.os.replace = replace
ctx = Context(zone=ZoneInfo("Europe/Vilnius"), airports=airportsdata.load("ICAO"),
              now=datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc))
ingest(root / "raw", root / "lake", ctx=ctx, run_id="crash")
print(events)
"""

SUBSET = ("closures/", "incursions/", "flights/synthetic/EYKA/2025-10", "flights/synthetic/EYKA/2025-11")


def make_raw(root: Path) -> None:
    for relative, content in sample.generate().items():
        if relative.startswith(SUBSET):
            path = root / "raw" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def checksum(root: Path) -> dict[str, str]:
    """Row-content checksums per table, lineage of the run excluded."""
    out = {}
    for table in RECORD_TABLES:
        keep = [c for c in TABLES[table].schema.names if c not in ("run_id", "ingested_at")]
        rows = []
        for month in lake.months(root / "lake", table):
            part = lake.read_partition(root / "lake", table, month, keep).to_pylist()
            rows += [repr(sorted(r.items())) + month for r in part]
        out[table] = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
    quarantine = lake.read_quarantine(root / "lake").drop(["run_id", "ingested_at"]).to_pylist()
    out["quarantine"] = hashlib.sha256(repr(sorted(repr(sorted(q.items())) for q in quarantine)).encode()).hexdigest()
    return out


def assert_readable_and_clean(root: Path) -> None:
    lake_dir = root / "lake"
    for table in RECORD_TABLES:
        for path in (lake_dir / table).glob("*/*") if (lake_dir / table).is_dir() else []:
            assert path.name == "data.parquet", f"temporary file visible to readers: {path}"
            pq.read_table(path)
        if lake.months(lake_dir, table):
            duckdb.sql("select count(*) from read_parquet(?, hive_partitioning = true)",
                       params=[str(lake_dir / table / "*" / "*.parquet")]).fetchall()
    for path in list((lake_dir / "quarantine").glob("*")) + list((lake_dir / "ingest_log").glob("*")):
        assert path.suffix == ".parquet" and not path.name.startswith(".")
        pq.read_table(path)
    assert not [p for p in lake_dir.glob("*") if p.is_file() and p.name not in ("_pending.json",)]


@pytest.mark.slow
def test_sigkill_anywhere_in_the_write_path_then_rerun(tmp_path: Path, ctx) -> None:
    clean = tmp_path / "clean"
    make_raw(clean)
    counted = subprocess.run([sys.executable, "-c", CHILD, str(clean), "0"], capture_output=True, text=True,
                             check=True)
    total = int(counted.stdout.split()[-1])
    reference = checksum(clean)
    assert total > 40

    trials = sorted({1 + (i * (total - 1)) // 23 for i in range(24)})
    assert len(trials) >= 20
    for target in trials:
        root = tmp_path / f"kill-{target}"
        make_raw(root)
        killed = subprocess.run([sys.executable, "-c", CHILD, str(root), str(target)], capture_output=True, text=True)
        assert killed.returncode == -9, (target, killed.stderr[-2000:])
        assert_readable_and_clean(root)
        ingest(root / "raw", root / "lake", ctx=ctx, run_id="rerun")
        assert_readable_and_clean(root)
        assert lake.read_pending(root / "lake") == []
        assert not list((root / "lake" / ".staging").glob("*"))
        assert checksum(root) == reference, f"lake differs after a kill at write-path event {target}"
        shutil.rmtree(root)
