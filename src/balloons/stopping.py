"""Whether the command was interrupted (Ctrl-C): a flag worker threads read.

The command line sets it the moment SIGINT arrives (`flows.cli`), so work under way in a worker
thread, which no KeyboardInterrupt reaches, can end at its next step instead of holding the command
until it finishes (a fetch checks it before each request and between chunks of an answer).
"""

import time


class _Flag:
    """A flag threads read: a plain object, not a `threading.Event`, whose lock a served run's
    flow bundle (modules pickled by value) could not pickle."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

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


STOPPING = _Flag()
"""Set when the command is interrupted (Ctrl-C)."""
