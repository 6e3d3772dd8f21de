"""One writer at a time per data directory: an advisory file lock that dies with its holder.

The kernel releases an flock when the process exits, however it exits, so a crashed run never
leaves a lock that blocks forever.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from balloons.errors import LockError

_HELD: dict[tuple[str, int], int] = {}
"""The locks this process holds, by (resolved path, thread): how many blocks hold each. `balloons
run` takes the lock before Prefect starts, so a second run is refused at once, and the flow it runs
in the same thread takes it again (a flow takes it itself where no command did: served and worker
runs). A plain dict: a served run's flow bundle pickles modules by value."""


@contextmanager
def pipeline_lock(path: Path, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the lock at `path` for the block; wait up to `wait_s` seconds, then raise LockError.
    A block inside another that holds it in the same thread holds it already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = (str(path.resolve()), threading.get_ident())
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise busy(path, holder, wait_s) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
    finally:
        handle.close()


def lock_holder(path: Path) -> str | None:
    """Who holds the lock at `path` ("pid N" as written by the holder), or None when it is free.

    Probes with a second open file description, so it answers the same inside the holder's process.
    """
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "unknown"
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def busy(path: Path, holder: str, waited_s: float = 0.0) -> LockError:
    """The one refusal message for a held lock (after waiting `waited_s` seconds for it)."""
    if waited_s > 0:
        return LockError(
            f"Another balloons run (pid {holder}) is writing to {path.parent}, still after --wait {waited_s:g}; "
            "wait for it to finish or pass a larger --wait."
        )
    return LockError(
        f"Another balloons run (pid {holder}) is writing to {path.parent}; "
        "wait for it to finish or pass --wait SECONDS."
    )
