"""Stops that must not be lost: a signal that lands in a finalizer, by the command's handlers or
one it does not own, still stops the command; a second SIGTERM does not cut its cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_LOST_IN_A_FINALIZER = """
import os, signal, sys, time, weakref
from flows.interrupts import keep_stops, on_ctrl_c, on_sigterm

handler, place, hooked = sys.argv[1:]

class Bridge(BaseException):  # as Prefect's TerminationSignal: a stop carrying its signal
    def __init__(self, signal):
        self.signal = signal

def bridge(signum, frame):  # a handler the command does not own, raising wherever the signal lands
    raise Bridge(signum)

signum = signal.SIGINT if handler == "on_ctrl_c" else signal.SIGTERM
signal.signal(signum, {"bridge": bridge, "on_sigterm": on_sigterm, "on_ctrl_c": on_ctrl_c}[handler])
if hooked == "hooked":
    keep_stops()

def land():
    os.kill(os.getpid(), signum)
    for _ in range(100_000):  # the handler runs in here, inside the finalizer
        pass

class Plain:
    pass

class Held:
    def __del__(self):
        land()  # under a helper: the frame the signal lands in is no __del__

def rows():
    try:
        yield 1
    finally:  # run when the generator is collected
        land()

if place == "weakref":  # a plain callback: no frame shows it is a finalizer
    target = Plain()
    held = weakref.ref(target, lambda ref: land())
    del target
elif place == "del":
    Held()
else:
    started = rows()
    next(started)
    del started
try:
    deadline = time.monotonic() + 2  # a lost stop is sent again after 0.05 s
    while time.monotonic() < deadline:
        time.sleep(0.01)
except (Bridge, KeyboardInterrupt):
    if handler == "on_sigterm":  # stopping: a second SIGTERM must not cut the cleanup
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
    sys.exit(3)
sys.exit(0)
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "lost.py"
    script.write_text(_LOST_IN_A_FINALIZER)
    repo = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=repo,
        env=os.environ | {"PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("place", ["weakref", "del", "generator"])
@pytest.mark.parametrize("handler", ["bridge", "on_sigterm", "on_ctrl_c"])
def test_a_stop_landing_in_a_finalizer_still_stops_the_command(tmp_path: Path, handler: str, place: str) -> None:
    """Seen in CI: a SIGTERM during a flow run went to Prefect's own handler, whose
    TerminationSignal landed in a WeakValueDictionary callback; Python printed and ignored it, and
    `balloons run` finished with exit 0. A re-check then lost the command's own SIGTERM in a
    `__del__` calling a helper, after which every later SIGTERM was ignored too."""
    done = _run(tmp_path, handler, place, "hooked")
    assert done.returncode == 3, done.stderr  # the stop reached the main code (and a second SIGTERM did not)
    assert "Exception ignored" not in done.stderr, done.stderr


def test_python_alone_loses_a_stop_raised_in_a_finalizer(tmp_path: Path) -> None:
    """What the hook is for (so the test above can fail)."""
    done = _run(tmp_path, "bridge", "weakref", "alone")
    assert done.returncode == 0 and "Exception ignored in" in done.stderr, done.stderr


_TWICE = """
import os, signal, sys, time
from flows.interrupts import on_ctrl_c, on_sigterm

signum = int(sys.argv[1])
signal.signal(signal.SIGINT, on_ctrl_c)
signal.signal(signal.SIGTERM, on_sigterm)
try:
    os.kill(os.getpid(), signum)
    time.sleep(5)
except KeyboardInterrupt:
    print("stopping", flush=True)
os.kill(os.getpid(), signum)  # the second, while the command cleans up
time.sleep(0.5)
print("cleaned up", flush=True)
"""


@pytest.mark.parametrize("signum", [2, 15], ids=["ctrl-c", "sigterm"])
def test_a_second_ctrl_c_ends_the_command_at_once_and_a_second_sigterm_waits(signum: int) -> None:
    """Ctrl-C again is the operator insisting: the process ends now, with one line (as `kill -9`
    would; the next run redoes the work), not DuckDB's abort. A second SIGTERM lets the cleanup end:
    a service manager that will not wait sends SIGKILL itself."""
    from flows.interrupts import AT_ONCE

    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", _TWICE, str(signum)],
        cwd=repo,
        env=os.environ | {"PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if signum == 2:
        assert (done.returncode, done.stdout, done.stderr) == (130, "stopping\n", AT_ONCE)
    else:
        assert (done.returncode, done.stdout) == (0, "stopping\ncleaned up\n"), done.stderr
