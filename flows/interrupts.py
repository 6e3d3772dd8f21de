"""Stops that must not be lost: Ctrl-C inside a retried task, SIGTERM, and a stop landing in a
finalizer.

DuckDB turns a SIGINT that arrives during a query on the main thread into
`RuntimeError('Query interrupted')` (`balloons.errors.interrupted`). Prefect would retry a task that
raised it like any failure, and a run the user stopped would go on and end 'completed'. Every task
with retries is wrapped in `stops_on_ctrl_c`, which raises it again as the KeyboardInterrupt it was.

The command's handlers (`on_ctrl_c`, `on_sigterm`) tell work in worker threads to stop
(`balloons.stopping`) and raise in the main thread. A stop raised while the main thread runs a
finalizer (a weakref callback, `__del__`, a generator's `finally` on collection) is printed and
ignored by Python: the handlers do not raise in a finalizer they can see, and `keep_stops` sends
again any stop lost in one, theirs or another handler's (Prefect's SIGTERM handler inside a flow
run raises `TerminationSignal`, carrying its signal).
"""

import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from balloons.errors import interrupted
from balloons.stopping import STOPPING

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def stops_on_ctrl_c(function: Callable[P, T]) -> Callable[P, T]:
    """`function`, raising KeyboardInterrupt where DuckDB reports Ctrl-C as a RuntimeError."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except RuntimeError as exc:
            if interrupted(exc):
                raise KeyboardInterrupt from exc
            raise

    return run


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill PID`, `timeout`, a service manager stopping the command): a stop, as Ctrl-C
    is, so the command unwinds, records how its run ended and stops Prefect's temporary server
    (Python's own SIGTERM ends the process on the spot, leaving that server running)."""

    signal = signal.SIGTERM


_SIGTERM_SEEN: list[bool] = []
"""Set once a SIGTERM raised `Terminated`: the stop's one line names it even where DuckDB reported
the stop as 'Query interrupted' (a KeyboardInterrupt of no kind), and a second SIGTERM only stops
again."""


def sigterm_seen() -> bool:
    """True once a SIGTERM stopped the command."""
    return bool(_SIGTERM_SEEN)


def on_ctrl_c(signum: int, frame: Any) -> None:
    """SIGINT: raise KeyboardInterrupt in the main thread, as Python's own handler does."""
    STOPPING.set()
    if _in_finalizer(frame):
        return again_soon(signum)
    signal.default_int_handler(signum, frame)


def on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM: raise `Terminated` in the main thread, once."""
    STOPPING.set()
    if _SIGTERM_SEEN:  # the command is stopping already: a second signal must not cut its cleanup
        return None
    if _in_finalizer(frame):
        return again_soon(signum)
    _SIGTERM_SEEN.append(True)
    raise Terminated


def _in_finalizer(frame: Any) -> bool:
    """True when the main thread is running a finalizer that shows in its frames (a `__del__`, a
    callback of `weakref`'s own classes), however deep the signal landed under it (seen: a Ctrl-C
    that landed in `WeakValueDictionary`'s callback did not stop the run)."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code.co_filename.endswith("weakref.py"):
            return True
        frame = frame.f_back
    return False


def again_soon(signum: int) -> None:
    """Deliver `signum` to this process again in a moment, out of the finalizer it landed in."""
    threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()


def stop_not_lost(unraisable: Any) -> None:
    """`sys.unraisablehook`: a stop that Python ignored because it was raised in a finalizer is
    sent again: a KeyboardInterrupt (Ctrl-C, `Terminated`) or a stop carrying its signal (Prefect's
    `TerminationSignal`). Seen in CI: a SIGTERM during a flow run landed in a `WeakValueDictionary`
    callback, and `balloons run` finished, exit 0, as if never told."""
    exc = unraisable.exc_value
    signum = getattr(exc, "signal", signal.SIGINT if isinstance(exc, KeyboardInterrupt) else None)
    if not isinstance(exc, BaseException) or isinstance(exc, Exception) or not isinstance(signum, int):
        return sys.__unraisablehook__(unraisable)
    if isinstance(exc, Terminated):
        _SIGTERM_SEEN.clear()  # it never reached the command: the SIGTERM sent again must stop it
    STOPPING.set()
    log.debug("signal %d landed in a finalizer; sent again", signum)
    return again_soon(signum)


def keep_stops() -> None:
    """Install `stop_not_lost` for this process, unless another hook is there (pytest's)."""
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = stop_not_lost
