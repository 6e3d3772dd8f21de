"""stopping.py: a stop reaches work in worker threads: DuckDB queries run `interrupting` end at
once, and what they raise is a stop, never a file's fault."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from balloons.ingest import RawFile, parse_files
from balloons.ingest import parse as parse_module
from balloons.ingest.validate import Context
from balloons.stopping import STOPPING

LONG = "select count(*) from range(100000000000) t(a) where a % 7 = 3"  # minutes, unless interrupted


def test_a_stop_interrupts_a_query_running_in_another_thread() -> None:
    """Found by an operator's trial: a stop waited 44 s for a worker thread's parse of a 10 M-row
    file, and a cancelled served run was killed outright after Prefect's 30 s."""
    con = duckdb.connect()
    raised: list[BaseException] = []
    started = threading.Event()

    def work() -> None:
        try:
            with STOPPING.interrupting(con):
                started.set()
                con.execute(LONG).fetchall()
        except BaseException as exc:  # noqa: BLE001 - what the worker saw
            raised.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    started.wait(30)
    STOPPING.set()
    worker.join(120)  # a liveness bound, not a speed target: uninterrupted, the query runs for minutes
    assert not worker.is_alive()
    assert len(raised) == 1 and isinstance(raised[0], duckdb.InterruptException)
    with pytest.raises(KeyboardInterrupt), STOPPING.interrupting(con):  # once stopping, no new work starts
        pass


def test_a_parse_interrupted_by_a_stop_quarantines_nothing(
    tmp_path: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interrupted query's error (InterruptException, or whatever a reader wraps it in) is a
    stop: the file is neither quarantined nor deferred, the stop goes on up."""
    data = tmp_path / "flights.csv"
    data.write_text("airport,direction,flight_number,scheduled_at\nEYVI,arrival,LY1,2025-10-04T22:00:00Z\n")
    raw = RawFile("flights/flights.csv", "flights", "0" * 64, data, data.stat().st_size)

    def decode_slowly(con: duckdb.DuckDBPyConnection, *args: object, **kwargs: object) -> object:
        threading.Timer(0.2, STOPPING.set).start()
        con.execute(LONG).fetchall()
        raise AssertionError("not interrupted")

    monkeypatch.setattr(parse_module, "decode", decode_slowly)
    with pytest.raises(KeyboardInterrupt) as stopped:
        parse_files([raw], ctx=ctx)
    assert isinstance(stopped.value.__cause__, duckdb.InterruptException)
