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

import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, ParamSpec, TypeVar

from balloons.errors import interrupted
from balloons.stopping import STOPPING

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def stops_on_ctrl_c(function: Callable[P, T]) -> Callable[P, T]:
    """`function`, raising KeyboardInterrupt where DuckDB reports a stop as an error (Ctrl-C as a
    RuntimeError, `STOPPING`'s interruption as an InterruptException)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if interrupted(exc):
                raise KeyboardInterrupt from exc
            raise

    return run


@contextlib.contextmanager
def stopping_work() -> Iterator[None]:
    """Around a flow's body: a stop reaching it (Prefect's own SIGTERM handler raises there, for a
    cancelled run too) sets `STOPPING` before the flow's task runner waits for its tasks, so their
    queries end at once; and a further SIGTERM no longer raises while it stops (a second stop in
    that wait left DuckDB running at exit: the process aborted, found by an operator's trial)."""
    try:
        yield
    except BaseException as exc:
        if not isinstance(exc, Exception):
            STOPPING.set()
            if threading.current_thread() is threading.main_thread():
                # Prefect's handler, when it is the one: it puts back the one it replaced, and
                # hands it the signal, once its flow ends (the command's `on_sigterm`)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill PID`, `timeout`, a service manager stopping the command): a stop, as Ctrl-C
    is, so the command unwinds, records how its run ended and stops Prefect's temporary server
    (Python's own SIGTERM ends the process on the spot, leaving that server running)."""

    signal = signal.SIGTERM


_RAISED: set[int] = set()
"""The signals whose stop was raised. Once one was, a further SIGTERM only stops again (raised in
the command's cleanup, it would cut it short: a second stop while a worker thread's query ran left
DuckDB running at exit, and the process aborted, found by an operator's trial); a service manager
that will not wait sends SIGKILL. A second Ctrl-C ends the command at once (`_at_once`). It names
the stop too: `Stopped by SIGTERM` even where DuckDB reported it as 'Query interrupted'."""

AT_ONCE = "Error: Stopped at once by a second Ctrl-C; the next run redoes what this one left undone.\n"


def _at_once() -> NoReturn:
    """A second Ctrl-C: end the process now, as `kill -9` would (the lake's commit makes that safe,
    and the next run undoes what this one left), with one line instead of DuckDB's abort."""
    os.write(2, AT_ONCE.encode())
    os._exit(130)


def sigterm_seen() -> bool:
    """True once a SIGTERM stopped the command."""
    return signal.SIGTERM in _RAISED


def on_ctrl_c(signum: int, frame: Any) -> None:
    """SIGINT: raise KeyboardInterrupt in the main thread, as Python's own handler does, once."""
    if _stopping(signum, frame):
        signal.default_int_handler(signum, frame)


def on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM: raise `Terminated` in the main thread, once."""
    if _stopping(signum, frame):
        raise Terminated


def _stopping(signum: int, frame: Any) -> bool:
    """Tell work in worker threads to stop; True when the handler is to raise its stop now."""
    STOPPING.set()
    if _RAISED:  # the command is stopping already
        if signum == signal.SIGINT:
            _at_once()
        return False
    if _in_finalizer(frame):
        again_soon(signum)
        return False
    _RAISED.add(signum)
    return True


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
    if isinstance(exc, KeyboardInterrupt):
        _RAISED.discard(signum)  # it never reached the command: the signal sent again must stop it
    STOPPING.set()
    log.debug("signal %d landed in a finalizer; sent again", signum)
    return again_soon(signum)


def keep_stops() -> None:
    """Install `stop_not_lost` for this process, unless another hook is there (pytest's)."""
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = stop_not_lost
