"""Stops that must not be lost: Ctrl-C inside a retried task, and a stop landing in a finalizer.

DuckDB turns a SIGINT that arrives during a query on the main thread into
`RuntimeError('Query interrupted')` (`balloons.errors.interrupted`). Prefect would retry a task that
raised it like any failure, and a run the user stopped would go on and end 'completed'. Every task
with retries is wrapped in `stops_on_ctrl_c`, which raises it again as the KeyboardInterrupt it was.

A signal handler's exception raised while the main thread runs a finalizer (a weakref callback,
`__del__`) is printed and ignored by Python. The command's own handlers never raise there; for
handlers it does not own (Prefect's SIGTERM handler inside a flow run) `keep_stops` sends the
signal again.
"""

import functools
import logging
import os
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


def again_soon(signum: int) -> None:
    """Deliver `signum` to this process again in a moment, out of the finalizer it landed in."""
    threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()


def stop_not_lost(unraisable: Any) -> None:
    """`sys.unraisablehook`: a stop carrying its signal (Prefect's `TerminationSignal`) that Python
    ignored because it landed in a finalizer is sent again. Seen in CI: a SIGTERM during a flow run
    landed in a `WeakValueDictionary` callback, and `balloons run` finished, exit 0, as if never told."""
    exc = unraisable.exc_value
    signum = getattr(exc, "signal", None)
    if isinstance(exc, BaseException) and not isinstance(exc, Exception) and isinstance(signum, int):
        STOPPING.set()
        log.debug("signal %d landed in a finalizer; sent again", signum)
        return again_soon(signum)
    sys.__unraisablehook__(unraisable)


def keep_stops() -> None:
    """Install `stop_not_lost` for this process, unless another hook is there (pytest's)."""
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = stop_not_lost
