"""Ctrl-C inside a retried task: a stop, never a failure to retry.

DuckDB turns a SIGINT that arrives during a query on the main thread into
`RuntimeError('Query interrupted')` (`balloons.errors.interrupted`). Prefect would retry a task that
raised it like any failure, and a run the user stopped would go on and end 'completed'. Every task
with retries is wrapped in `stops_on_ctrl_c`, which raises it again as the KeyboardInterrupt it was.
"""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from balloons.errors import interrupted

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
