"""Kill the ingest process with SIGKILL at many points of the write path, then check the lake.

The child process is test code: it wraps pyarrow's write and os.replace to count write-path
events (start of a write, a torn half-written file, just before and just after each rename) and
SIGKILLs itself at the chosen one.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from balloons import lake
from balloons.ingest import ingest
from balloons.samples import shipped as sample
from balloons.schema import RECORD_TABLES, TABLES

CHILD = r"""
import os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
import airportsdata
import pyarrow.parquet as pq
from balloons.lake import storage
from balloons.ingest import ingest
from balloons.ingest.validate import Context

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
            duckdb.sql(
                "select count(*) from read_parquet(?, hive_partitioning = true)",
                params=[str(lake_dir / table / "*" / "*.parquet")],
            ).fetchall()
    for path in list((lake_dir / "quarantine").glob("*")) + list((lake_dir / "ingest_log").glob("*")):
        assert path.suffix == ".parquet" and not path.name.startswith(".")
        pq.read_table(path)
    assert not [p for p in lake_dir.glob("*") if p.is_file() and p.name not in ("_pending.json",)]


@pytest.mark.slow
def test_sigkill_anywhere_in_the_write_path_then_rerun(tmp_path: Path, ctx) -> None:
    clean = tmp_path / "clean"
    make_raw(clean)
    counted = subprocess.run([sys.executable, "-c", CHILD, str(clean), "0"], capture_output=True, text=True, check=True)
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


WITHDRAWN = "flights/synthetic/EYKA/2025-11"


def _withdraw(root: Path) -> None:
    for path in (root / "raw").rglob("*"):
        if path.is_file() and path.relative_to(root / "raw").as_posix().startswith(WITHDRAWN):
            path.unlink()


def _kill_points(root: Path, n: int) -> list[int]:
    counted = subprocess.run([sys.executable, "-c", CHILD, str(root), "0"], capture_output=True, text=True, check=True)
    total = int(counted.stdout.split()[-1])
    return sorted({1 + (i * (total - 1)) // (n - 1) for i in range(n)})


@pytest.mark.slow
def test_sigkill_then_the_file_being_ingested_is_withdrawn(tmp_path: Path, ctx) -> None:
    """A first run killed anywhere, then the file it was ingesting leaves raw/: the next run gives
    what a run on the final raw folder gives, and nothing of the removed file stays."""
    expected = tmp_path / "expected"
    make_raw(expected)
    _withdraw(expected)
    ingest(expected / "raw", expected / "lake", ctx=ctx, run_id="clean")
    reference = checksum(expected)
    probe = tmp_path / "probe"
    make_raw(probe)
    points = _kill_points(probe, 10)
    ingest(probe / "raw", probe / "lake", ctx=ctx, run_id="clean")
    committed_reference = checksum(probe)  # killed after its commit, the run was complete
    for target in points:
        root = tmp_path / f"kill-{target}"
        make_raw(root)
        killed = subprocess.run([sys.executable, "-c", CHILD, str(root), str(target)], capture_output=True, text=True)
        assert killed.returncode == -9, (target, killed.stderr[-2000:])
        _withdraw(root)
        ingest(root / "raw", root / "lake", ctx=ctx, run_id="rerun")
        assert_readable_and_clean(root)
        assert not (root / "lake" / "_undo").exists() or not any((root / "lake" / "_undo").iterdir())
        committed = (root / "lake" / "ingest_log" / "crash.parquet").is_file()
        assert checksum(root) == (committed_reference if committed else reference), (
            f"lake differs after a kill at event {target} and a withdrawal"
        )
        logged = {row["path"] for row in lake.read_ingest_log(root / "lake").to_pylist()}
        assert committed == any(WITHDRAWN in path for path in logged)
        shutil.rmtree(root)


@pytest.mark.slow
def test_sigkill_during_a_redelivery_then_withdraw_restores_the_earlier_lake(tmp_path: Path, ctx) -> None:
    """A later run re-delivering a changed file and a new one is killed anywhere; both are then
    taken out of raw/ (deleting is a no-op): the lake is exactly what the earlier run left."""

    def base(root: Path) -> Path:
        make_raw(root)
        ingest(root / "raw", root / "lake", ctx=ctx, run_id="base")
        changed = next(
            p
            for p in sorted((root / "raw").rglob("*"))
            if p.is_file() and p.relative_to(root / "raw").as_posix().startswith(WITHDRAWN)
        )
        lines = gzip.decompress(changed.read_bytes()).decode().splitlines(keepends=True)
        changed.write_bytes(gzip.compress("".join(lines[: len(lines) // 2]).encode()))
        (root / "raw" / "incursions" / "late.csv").write_text(
            "detected_at,balloons,source,source_id\n2025-10-04T22:00,2,NKVC,late\n", encoding="utf-8"
        )
        return changed

    expected = tmp_path / "expected"
    base(expected)
    reference = checksum(expected)
    probe = tmp_path / "probe"
    base(probe)
    points = _kill_points(probe, 8)
    ingest(probe / "raw", probe / "lake", ctx=ctx, run_id="second")
    committed_reference = checksum(probe)
    for target in points:
        root = tmp_path / f"kill-{target}"
        changed = base(root)
        killed = subprocess.run([sys.executable, "-c", CHILD, str(root), str(target)], capture_output=True, text=True)
        assert killed.returncode == -9, (target, killed.stderr[-2000:])
        changed.unlink()
        (root / "raw" / "incursions" / "late.csv").unlink()
        summary = ingest(root / "raw", root / "lake", ctx=ctx, run_id="rerun")
        assert summary.files_read == 0
        assert_readable_and_clean(root)
        committed = (root / "lake" / "ingest_log" / "crash.parquet").is_file()  # then the re-delivery stands
        assert checksum(root) == (committed_reference if committed else reference), (
            f"lake differs after a kill at event {target} of a re-delivery"
        )
        shutil.rmtree(root)
