"""The engine's work folders: removed when done, and those a killed process left removed by the
next ingest, never one a living process holds (whatever its process id) nor anything else."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from balloons.ingest import RawFile, parse_files
from balloons.ingest import parse as parse_module
from balloons.ingest.validate import Context
from balloons.ingest.workfolder import LOCK, PREFIX, work_folder

HOLD = """
import sys, tempfile
tempfile.tempdir = sys.argv[1]
from balloons.ingest.workfolder import work_folder
with work_folder() as folder:
    (folder / "spill").mkdir()
    print(folder, flush=True)
    if sys.argv[2] == "die":
        import os
        os._exit(0)  # as a SIGKILL would: no cleanup runs
    sys.stdin.read()
"""


def _flights(tmp_path: Path) -> RawFile:
    data = tmp_path / "flights.csv"
    data.write_text("airport,direction,flight_number,scheduled_at\nEYVI,arrival,LY1,2025-10-04T22:00:00Z\n")
    return RawFile("flights/flights.csv", "flights", "0" * 64, data, data.stat().st_size)


def test_a_work_folder_is_removed_when_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with work_folder() as folder:
        assert folder.name.startswith(PREFIX) and (folder / LOCK).exists()
    assert list(tmp_path.iterdir()) == []


def test_only_folders_of_ended_processes_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    """Found by an attacker's trial: a run killed outright left its work folder for good. A
    re-check then found that telling the dead by process id removed a living ingest's folder
    when the id came from another container sharing the folder; the lock cannot be fooled so."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    living = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path), "hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert living.stdout is not None
        held = Path(living.stdout.readline().strip())
        dead = Path(
            subprocess.run(
                [sys.executable, "-c", HOLD, str(tmp_path), "die"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        assert dead.is_dir() and held.is_dir()  # a new work folder never removes a living one's
        planted = [tmp_path / f"{PREFIX}²-x", tmp_path / f"{PREFIX}99999999999999999999-x"]
        for folder in planted:
            folder.mkdir()  # no lock: not a work folder
        (tmp_path / f"{PREFIX}file").write_text("x")
        target = tmp_path / "elsewhere"
        target.mkdir()
        (target / LOCK).write_text("")
        (tmp_path / f"{PREFIX}link").symlink_to(target)
        (parsed,) = parse_files([_flights(tmp_path)], ctx=ctx)
        assert parsed.rows is not None and parsed.rows.num_rows == 1
        assert not dead.exists()
        assert held.is_dir() and (held / "spill").is_dir()
        assert all(folder.is_dir() for folder in planted) and (target / LOCK).exists()
    finally:
        living.communicate("")
    assert not held.exists()


def test_a_file_whose_work_folder_is_removed_under_it_is_left_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    """Found by a re-check: the engine failing because its work folder went away (the temporary
    folder emptied under it) quarantined the file whole, and the next run counted it unchanged."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = parse_module.decode

    def emptied(con: duckdb.DuckDBPyConnection, raw: RawFile, number: int, **kwargs: object) -> object:
        work = kwargs["work"]
        assert isinstance(work, Path)
        for child in sorted(work.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        work.rmdir()
        raise duckdb.IOException(f'Failed to create directory "{work}/spill"')

    monkeypatch.setattr(parse_module, "decode", emptied)
    (parsed,) = parse_files([_flights(tmp_path)], ctx=ctx)
    assert parsed.deferred and "work folder" in parsed.deferred
    assert parsed.quarantine == []
    monkeypatch.setattr(parse_module, "decode", real)
    (again,) = parse_files([_flights(tmp_path)], ctx=ctx)
    assert again.rows is not None and again.rows.num_rows == 1
    assert sorted(os.listdir(tmp_path)) == ["flights.csv"]


def test_a_fifo_planted_as_a_lock_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a re-check: opening it waited for a writer, so every ingest hung."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / f"{PREFIX}x"
    planted.mkdir()
    os.mkfifo(planted / LOCK)
    with work_folder() as folder:
        assert folder.is_dir()
    assert planted.is_dir()


def test_a_folder_left_while_being_made_is_removed_once_stale(tmp_path: Path) -> None:
    """A kill between a folder's making and its naming left an empty `.balloons-new-*` for good.
    Once stale, one without its lock, or whose lock nobody holds, is removed; a fresh one (being
    made now) and one whose lock is held stay."""
    import fcntl
    import time

    from balloons.ingest.workfolder import MAKING, STALE_SECONDS, sweep

    old = time.time() - STALE_SECONDS - 60
    no_lock, unlocked, held, fresh, not_empty = (tmp_path / f"{MAKING}{n}" for n in "abcde")
    for folder in (no_lock, unlocked, held, fresh, not_empty):
        folder.mkdir()
    for folder in (unlocked, held, fresh):
        (folder / LOCK).write_text("")
    (not_empty / "theirs").write_text("x")  # no lock and not empty: not made by a work folder
    holding = os.open(held / LOCK, os.O_RDONLY)
    try:
        fcntl.flock(holding, fcntl.LOCK_EX)
        for folder in (no_lock, unlocked, held, not_empty):
            os.utime(folder, (old, old))
        sweep(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([held.name, fresh.name, not_empty.name])
    finally:
        os.close(holding)
