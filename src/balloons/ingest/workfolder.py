"""The ingest engine's work folders in the system's temporary folder (its spill files, transcoded
copies, rows spilled before they reach the lake), and the removal of those a process killed
outright left behind.

Each folder holds a lock file its process keeps locked (`flock`) while it uses the folder; the
kernel releases the lock when the process ends, however it ends. So a folder whose lock can be
taken belongs to no living process, whatever process ids another container or a restart hands
out, and is removed. A folder whose lock cannot be taken or even looked at (another user's), and
anything else carrying the name (a file, a symbolic link, a folder without a lock), is left
alone. A folder gets its name only once its lock is held: no folder can be seen unlocked while
it is being made. One still named as made (`MAKING`) after `STALE_SECONDS`, without a lock and
empty, or with a lock nobody holds, was left by a process killed while making it, and is removed
too.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "balloons-work-"
MAKING = ".balloons-new-"
"""A folder's name while it is made, until its lock is held (and for good where locks fail)."""
LOCK = ".lock"
STALE_SECONDS = 600
"""A folder still named as made after this long was left by a process killed while making it."""


@contextlib.contextmanager
def work_folder() -> Iterator[Path]:
    """A new work folder, removed with its contents on leaving; first removes those left by
    processes that ended without removing theirs."""
    temporary = Path(tempfile.gettempdir())
    sweep(temporary)
    making = Path(tempfile.mkdtemp(prefix=MAKING, dir=temporary))
    held: int | None = None
    folder = making
    try:
        held = os.open(making / LOCK, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:  # no lock: the folder keeps a name no sweep takes (and is never swept)
            log.warning("work folders in %s cannot be locked (%s): one a killed ingest leaves stays", temporary, exc)
        else:
            folder = temporary / f"{PREFIX}{uuid.uuid4().hex}"
            making.rename(folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if held is not None:
            os.close(held)


def sweep(temporary: Path) -> None:
    """Remove the work folders in `temporary` that no living process holds, and those a process
    killed while making one left (still named as made, for `STALE_SECONDS`, unlocked)."""
    stale = time.time() - STALE_SECONDS
    for folder in sorted([*temporary.glob(f"{PREFIX}*"), *temporary.glob(f"{MAKING}*")]):
        made = folder.name.startswith(MAKING)
        try:
            if folder.is_symlink() or not folder.is_dir() or (made and folder.lstat().st_mtime > stale):
                continue
        except OSError:  # gone since the listing
            continue
        try:  # never waits: a FIFO planted as the lock would block an open without O_NONBLOCK
            lock = os.open(folder / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:  # killed before its lock was made: empty, unless not ours
            if made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            continue
        except OSError:  # another user's folder
            continue
        if not stat.S_ISREG(os.fstat(lock).st_mode):
            os.close(lock)
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: in use
            os.close(lock)
            continue
        try:
            log.info("removing %s, left by an ingest that ended without removing it", folder)
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(lock)
