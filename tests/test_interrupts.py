"""Stops that must not be lost: one raised by a handler we do not own inside a finalizer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_LOST_IN_A_FINALIZER = """
import gc, os, signal, sys, time, weakref
from flows.interrupts import keep_stops

class Bridge(BaseException):  # as Prefect's TerminationSignal: a stop carrying its signal
    def __init__(self, signal):
        self.signal = signal

def bridge(signum, frame):  # a handler we do not own, raising wherever the signal lands
    raise Bridge(signum)

signal.signal(signal.SIGTERM, bridge)
if sys.argv[1] == "hooked":
    keep_stops()

class Plain:
    pass

def callback(ref):
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100_000):  # the handler runs in here, inside the weakref callback
        pass

target = Plain()
held = weakref.ref(target, callback)
del target
try:
    deadline = time.monotonic() + 2  # the stop is sent again after 0.05 s
    while time.monotonic() < deadline:
        time.sleep(0.01)
except Bridge:
    sys.exit(3)
sys.exit(0)
"""


@pytest.mark.parametrize("hooked", [True, False], ids=["hooked", "python-alone"])
def test_a_stop_raised_by_a_handler_we_do_not_own_in_a_finalizer_is_sent_again(tmp_path: Path, hooked: bool) -> None:
    """Seen in CI: a SIGTERM during a flow run went to Prefect's own handler, whose
    TerminationSignal landed in a WeakValueDictionary callback; Python printed and ignored it, and
    `balloons run` finished with exit 0. The command's unraisable hook sends such a stop again. The
    second case shows that Python alone loses it (so the first can fail)."""
    script = tmp_path / "lost.py"
    script.write_text(_LOST_IN_A_FINALIZER)
    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(script), "hooked" if hooked else "alone"],
        cwd=repo,
        env=os.environ | {"PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if hooked:
        assert done.returncode == 3, done.stderr  # the stop reached the main code
        assert "Exception ignored" not in done.stderr, done.stderr
    else:
        assert done.returncode == 0 and "Exception ignored in" in done.stderr, done.stderr
