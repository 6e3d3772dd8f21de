"""Whether the command was interrupted (Ctrl-C, SIGTERM, a cancelled run): a flag worker threads
read, and the DuckDB queries it interrupts.

The command line sets it the moment a stop arrives (`flows.interrupts`), and a flow's body when a
stop reaches it (Prefect's own SIGTERM handler inside a flow run), so work under way in a worker
thread, which no KeyboardInterrupt reaches, ends at once instead of holding the command until it
finishes: a fetch checks it before each request and between chunks of an answer, and a DuckDB
query run `interrupting` is interrupted (found by an operator's trial: a stop waited 44 s for a
10 M-row file's parse, and a cancelled served run was killed outright after Prefect's 30 s).
"""

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any


class _Flag:
    """A flag threads read: a plain object, not a `threading.Event`, whose lock a served run's
    flow bundle (modules pickled by value) could not pickle."""

    def __init__(self) -> None:
        self._set = False
        self._running: dict[int, Any] = {}
        self._interrupting = False

    def set(self) -> None:
        self._set = True
        if self._running and not self._interrupting:
            self._interrupting = True
            threading.Thread(target=self._interrupt_running, name="stopping", daemon=True).start()

    def _interrupt_running(self) -> None:
        """Interrupt the registered connections until none is left: again and again, as DuckDB
        forgets an interruption when its next query starts (a stop between two queries of a parse
        would let the second run to its end)."""
        try:
            while self._set and self._running:
                for con in list(self._running.values()):
                    with contextlib.suppress(Exception):  # closed meanwhile
                        con.interrupt()
                time.sleep(0.05)
        finally:
            self._interrupting = False

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds`, or less once the flag is set; returns whether it is set."""
        deadline = time.monotonic() + seconds
        while not self._set and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
        return self._set

    @contextlib.contextmanager
    def interrupting(self, con: Any) -> Iterator[None]:
        """While inside, setting the flag interrupts `con`'s query under way (a DuckDB connection:
        its `interrupt()` may be called from any thread); inside once set, it raises
        KeyboardInterrupt at once."""
        if self._set:
            raise KeyboardInterrupt("the command is stopping")
        self._running[id(con)] = con
        try:
            if self._set:  # set between the check and the registration
                raise KeyboardInterrupt("the command is stopping")
            yield
        finally:
            self._running.pop(id(con), None)


STOPPING = _Flag()
"""Set when the command is interrupted."""
