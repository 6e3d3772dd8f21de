"""Kill the library's ingest with SIGKILL at points spread over the whole write path, then check
the lake: readable, nothing of the killed run visible, and the next run converges to what an
uninterrupted run gives. The killed ingest is a process forked from a small server (`Killer`)
that imported the library once, so each kill costs one small ingest, not an interpreter start.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from balloons import lake
from balloons.ingest import ingest
from balloons.lake.storage import local
from balloons.samples import shipped as sample
from balloons.schema import RECORD_TABLES, TABLES

FORKSERVER = r"""
import io, os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
import airportsdata
import pyarrow as pa
sys.path.insert(0, TESTS)
from fakes import Disk, filesystem
from balloons.ingest import ingest
from balloons.ingest.validate import Context
from balloons.lake.storage import local

ctx = Context(zone=ZoneInfo("Europe/Vilnius"), airports=airportsdata.load("ICAO"),
              now=datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc))
state = {"events": 0, "target": 0}

def event():
    state["events"] += 1
    if state["events"] == state["target"]:
        os.kill(os.getpid(), signal.SIGKILL)

class Written(io.FileIO):  # a staged lake file: its end is an event; a kill there leaves half its bytes

    def close(self):
        if self.closed:
            return
        super().close()
        state["events"] += 1
        if state["events"] == state["target"]:
            data = Path(self.name).read_bytes()
            Path(self.name).write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)

class Dying(Disk):  # the local disk, counting the lake's write-path events
    def move(self, src, dest):
        event()
        super().move(src, dest)
        event()

    def open_output_stream(self, path, metadata):
        event()
        return pa.PythonFile(Written(path, "w"), mode="w")

print("ready", flush=True)
for line in sys.stdin:  # "<data dir>\t<event to die at, 0 for none>": one forked ingest each
    root, target = line.rstrip("\n").split("\t")
    pid = os.fork()
    if pid == 0:
        state["target"] = int(target)
        store = local(Path(root) / "lake", fs=filesystem(Dying()))
        ingest(Path(root) / "raw", store, ctx=ctx, run_id="crash")
        print("events", state["events"], flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("exit", os.waitstatus_to_exitcode(status), flush=True)
"""


class Killer:
    """One process that imports the library once, then forks an ingest per request that SIGKILLs
    itself at the chosen write-path event. The ingest is given a lake whose filesystem (`Dying`)
    counts the start and end of every file written (a kill at the end leaves it torn, half written)
    and the moments just before and after every move into place.
    Requests and answers are lines on its stdin and stdout: no sleeps, no polling."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORKSERVER.replace("TESTS", repr(str(Path(__file__).parent)))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the fork server died"
        return line.strip()

    def ingest(self, root: Path, target: int) -> tuple[int, int | None]:
        """Run one ingest of root/raw into root/lake; returns its exit code and, when it was not
        killed, how many write-path events it went through."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{root}\t{target}\n")
        self.process.stdin.flush()
        line, events = self._line(), None
        if line.startswith("events "):
            events = int(line.split()[1])
            line = self._line()
        return int(line.split()[1]), events

    def kill_at(self, root: Path, target: int) -> None:
        code, _ = self.ingest(root, target)
        assert code == -9, (target, code)

    def count(self, root: Path) -> int:
        code, events = self.ingest(root, 0)
        assert code == 0 and events
        return events

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)


@pytest.fixture(scope="module")
def killer() -> Iterator[Killer]:
    server = Killer()
    yield server
    server.close()


SUBSET = ("closures/", "incursions/", "flights/synthetic/EYKA/2025-10", "flights/synthetic/EYKA/2025-11")


@functools.cache
def subset() -> dict[str, bytes]:
    return {relative: content for relative, content in sample.generate().items() if relative.startswith(SUBSET)}


def make_raw(root: Path) -> None:
    for relative, content in subset().items():
        path = root / "raw" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def spread(total: int, n: int) -> list[int]:
    """n kill points spread evenly over events 1..total (the first and the last included)."""
    return sorted({1 + (i * (total - 1)) // (n - 1) for i in range(n)})


def checksum(root: Path) -> dict[str, str]:
    """Row-content checksums per table, lineage of the run excluded."""
    out = {}
    for table in RECORD_TABLES:
        keep = [c for c in TABLES[table].schema.names if c not in ("run_id", "ingested_at")]
        rows = []
        for month in lake.months(local(root / "lake"), table):
            part = lake.read_partition(local(root / "lake"), table, month, keep).to_pylist()
            rows += [repr(sorted(r.items())) + month for r in part]
        out[table] = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
    quarantine = lake.read_quarantine(local(root / "lake")).drop(["run_id", "ingested_at"]).to_pylist()
    out["quarantine"] = hashlib.sha256(repr(sorted(repr(sorted(q.items())) for q in quarantine)).encode()).hexdigest()
    return out


def assert_readable_and_clean(root: Path) -> None:
    lake_dir = root / "lake"
    store = local(lake_dir)
    for table in RECORD_TABLES:
        for path in (lake_dir / table).glob("*/*") if (lake_dir / table).is_dir() else []:
            named = path.name == lake.BASE or (path.name.startswith(lake.APPENDED) and path.suffix == ".parquet")
            assert named, f"temporary file visible to readers: {path}"
            pq.read_table(path)
        if lake.months(store, table):
            duckdb.sql(
                "select count(*) from read_parquet(?, hive_partitioning = true)",
                params=[str(lake_dir / table / "*" / "*.parquet")],
            ).fetchall()
    for path in list((lake_dir / "quarantine").glob("*")) + list((lake_dir / "ingest_log").glob("*")):
        assert path.suffix == ".parquet" and not path.name.startswith(".")
        pq.read_table(path)
    assert not [p for p in lake_dir.glob("*") if p.is_file() and p.name not in ("_pending.json", lake.FORMAT)]


@pytest.mark.slow
def test_sigkill_anywhere_in_the_write_path_then_rerun(tmp_path: Path, ctx, killer: Killer) -> None:
    clean = tmp_path / "clean"
    make_raw(clean)
    total = killer.count(clean)
    reference = checksum(clean)
    assert total > 40

    trials = sorted({*spread(total, 9), total - 1})  # and the last write before the commit
    assert len(trials) == 10
    for target in trials:
        root = tmp_path / f"kill-{target}"
        make_raw(root)
        killer.kill_at(root, target)
        assert_readable_and_clean(root)
        ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="rerun")
        assert_readable_and_clean(root)
        assert lake.read_pending(local(root / "lake")) == []
        assert not list((root / "lake" / ".staging").glob("*"))
        assert checksum(root) == reference, f"lake differs after a kill at write-path event {target}"
        shutil.rmtree(root)


WITHDRAWN = "flights/synthetic/EYKA/2025-11"


def _withdraw(root: Path) -> None:
    for path in (root / "raw").rglob("*"):
        if path.is_file() and path.relative_to(root / "raw").as_posix().startswith(WITHDRAWN):
            path.unlink()


@pytest.mark.slow
def test_sigkill_then_the_file_being_ingested_is_withdrawn(tmp_path: Path, ctx, killer: Killer) -> None:
    """A first run killed anywhere, then the file it was ingesting leaves raw/: the next run gives
    what a run on the final raw folder gives, and nothing of the removed file stays."""
    expected = tmp_path / "expected"
    make_raw(expected)
    _withdraw(expected)
    ingest(expected / "raw", local(expected / "lake"), ctx=ctx, run_id="clean")
    reference = checksum(expected)
    probe = tmp_path / "probe"
    make_raw(probe)
    total = killer.count(probe)
    points = sorted({*spread(total, 5), total - 1})  # and the last write before the commit
    committed_reference = checksum(probe)  # killed after its commit, the run was complete
    outcomes = set()
    for target in points:
        root = tmp_path / f"kill-{target}"
        make_raw(root)
        killer.kill_at(root, target)
        _withdraw(root)
        ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="rerun")
        assert_readable_and_clean(root)
        assert not (root / "lake" / "_undo").exists() or not any((root / "lake" / "_undo").iterdir())
        committed = (root / "lake" / "ingest_log" / "crash.parquet").is_file()
        outcomes.add(committed)
        assert checksum(root) == (committed_reference if committed else reference), (
            f"lake differs after a kill at event {target} and a withdrawal"
        )
        logged = {row["path"] for row in lake.read_ingest_log(local(root / "lake")).to_pylist()}
        assert committed == any(WITHDRAWN in path for path in logged)
        shutil.rmtree(root)
    assert outcomes == {True, False}  # kills before and after the commit were both tried


@pytest.mark.slow
def test_sigkill_during_a_redelivery_then_withdraw_restores_the_earlier_lake(
    tmp_path: Path, ctx, killer: Killer
) -> None:
    """A later run re-delivering a changed file and a new one is killed anywhere; both are then
    taken out of raw/ (deleting is a no-op): the lake is exactly what the earlier run left."""
    expected = tmp_path / "expected"
    make_raw(expected)
    ingest(expected / "raw", local(expected / "lake"), ctx=ctx, run_id="base")

    def base(root: Path) -> Path:
        shutil.copytree(expected, root)  # the earlier run's raw and lake, not ingested again
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

    reference = checksum(expected)
    probe = tmp_path / "probe"
    base(probe)
    points = spread(killer.count(probe), 6)
    committed_reference = checksum(probe)
    outcomes = set()
    for target in points:
        root = tmp_path / f"kill-{target}"
        changed = base(root)
        killer.kill_at(root, target)
        changed.unlink()
        (root / "raw" / "incursions" / "late.csv").unlink()
        summary = ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="rerun")
        assert summary.files_read == 0
        assert_readable_and_clean(root)
        committed = (root / "lake" / "ingest_log" / "crash.parquet").is_file()  # then the re-delivery stands
        outcomes.add(committed)
        assert checksum(root) == (committed_reference if committed else reference), (
            f"lake differs after a kill at event {target} of a re-delivery"
        )
        shutil.rmtree(root)
    assert outcomes == {True, False}


FLIGHTS_HEADER = "airport,direction,flight_number,scheduled_at,status\n"


def lake_bytes(root: Path) -> dict[str, str]:
    """Every file of the lake (run scratch excluded) and a digest of its bytes."""
    lake_dir = root / "lake"
    skip = (lake.UNDO, lake.WORK, ".staging")
    return {
        p.relative_to(lake_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake_dir.rglob("*"))
        if p.is_file() and not p.relative_to(lake_dir).as_posix().startswith(skip)
    }


def _flights(root: Path, name: str, *lines: str) -> None:
    path = root / "raw" / "flights" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FLIGHTS_HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("fold", [False, True], ids=["append", "fold"])
def test_sigkill_anywhere_while_appending_or_folding_a_month(tmp_path: Path, ctx, killer: Killer, fold: bool) -> None:
    """A run that appends new keys to a held month (add-<run>.parquet), or one that folds a month's
    appended file back into data.parquet, killed at events spread over its write path: recovery leaves the
    lake byte for byte as before the run (no add file of the killed run, the folded one back), and
    the next run gives what the uninterrupted run gives."""
    october = "flights/month=2025-10"
    before = tmp_path / "before"
    _flights(before, "d1.csv", "EYVI,arrival,FR1,2025-10-04T22:30,operated")
    ingest(before / "raw", local(before / "lake"), ctx=ctx, run_id="r1")
    if fold:
        _flights(before, "d2.csv", "EYVI,arrival,FR2,2025-10-05T22:30,operated")
        ingest(before / "raw", local(before / "lake"), ctx=ctx, run_id="r2")
        assert sorted(p.name for p in (before / "lake" / october).iterdir()) == ["add-r2.parquet", "data.parquet"]
    reference = lake_bytes(before)

    def base(root: Path) -> None:
        shutil.copytree(before, root)
        _flights(
            root, "d3.csv", "EYVI,arrival,FR3,2025-10-06T22:30,operated", "EYVI,arrival,FR3,2025-10-06T22:30,operated"
        )
        if fold:  # a key the month holds: the month is rewritten and add-r2 folded into it
            _flights(root, "d1.csv", "EYVI,arrival,FR1,2025-10-04T22:30,cancelled")

    probe = tmp_path / "probe"
    base(probe)
    total = killer.count(probe)
    expected_files = sorted(p.name for p in (probe / "lake" / october).iterdir())
    assert expected_files == (["data.parquet"] if fold else ["add-crash.parquet", "data.parquet"])
    committed_reference = checksum(probe)
    outcomes = set()
    for target in spread(total, 6):  # six kill points over the whole write path, first and last included
        root = tmp_path / f"kill-{target}"
        base(root)
        killer.kill_at(root, target)
        assert_readable_and_clean(root)
        lake.recover(local(root / "lake"))
        lake.clean_staging(local(root / "lake"))
        committed = (root / "lake" / "ingest_log" / "crash.parquet").is_file()  # recovery keeps it only then
        outcomes.add(committed)
        if not committed:
            assert lake_bytes(root) == reference, f"lake differs after a kill at event {target} and recovery"
        ingest(root / "raw", local(root / "lake"), ctx=ctx, run_id="rerun")
        assert_readable_and_clean(root)
        assert checksum(root) == committed_reference, f"lake differs after a kill at event {target} and a rerun"
        shutil.rmtree(root)
    assert outcomes == {True, False}
