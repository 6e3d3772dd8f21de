"""The one error hierarchy of balloons.

    BalloonsError                 anything balloons raises on purpose
    ├── ConfigError               a setting or option is invalid
    ├── RawFileError              a raw file cannot be read at all (it is quarantined whole)
    ├── SchemaDriftError          a table does not match its contract in schema.py
    ├── LakeError                 the Parquet lake is missing or unreadable
    ├── StorageFullError          no room for balloons' own files (disk full, quota, size limit, memory)
    ├── WarehouseError            the DuckDB warehouse is missing, busy or a query failed
    │   └── ReadOnlyError         a query tried to write to the read-only warehouse
    ├── ReportError               a report could not be rendered
    ├── LockError                 another run holds the pipeline lock
    └── FetchError                a source could not be fetched (HTTP status or error class)

Bad records are not errors: validation returns a quarantine reason instead of raising.
Messages are full sentences that say what to do next; the CLI prints them as one line.
"""

from __future__ import annotations

import duckdb


class BalloonsError(Exception):
    """Base of every error balloons raises on purpose."""


class ConfigError(BalloonsError):
    """A setting, option or argument is invalid."""


class RawFileError(BalloonsError):
    """A raw file cannot be parsed at all; ingestion quarantines it whole and goes on."""


class SchemaDriftError(BalloonsError):
    """A table's columns differ from the contract in `schema.py`."""


class LakeError(BalloonsError):
    """The Parquet lake is missing or unreadable."""


class StorageFullError(BalloonsError):
    """The operating system refused to write balloons' own files (no space left, a quota or file
    size limit, a read-only filesystem), or the engine was out of memory with nowhere to spill.
    No fault of a raw file, so never a quarantine: the files it hit are left for the next run,
    the rest of the run goes on, and the run ends failed with this one line."""


class WarehouseError(BalloonsError):
    """The DuckDB warehouse is missing, busy, or a query against it failed."""


class ReadOnlyError(WarehouseError):
    """A statement tried to change the warehouse, which is opened read-only."""


class ReportError(BalloonsError):
    """A report could not be rendered."""


class LockError(BalloonsError):
    """Another balloons run holds the pipeline lock on this data directory."""


class FetchError(BalloonsError):
    """A declared source could not be fetched; the message names the cause, never a secret.

    `status` is the HTTP status when the provider answered, None for network errors and timeouts.
    `retry_after`: the seconds the provider asked to wait before asking again, when it asked for
    longer than a run waits (so a retry within the run would ignore what it asked).
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def interrupted(exc: BaseException) -> bool:
    """True for Ctrl-C as DuckDB reports it: a SIGINT that arrives during a query on the main
    thread becomes `RuntimeError('Query interrupted')`. It is the user stopping the command, never a
    fault of a file or a failure to retry: callers raise `KeyboardInterrupt` from it. So is an
    error raised because a KeyboardInterrupt cut short what it was doing (its cause or context):
    Ctrl-C while Python creates a class makes `RuntimeError: Error calling __set_name__ …`."""
    if type(exc) is RuntimeError and str(exc) == "Query interrupted":
        return True
    if isinstance(exc, duckdb.InterruptException):  # `STOPPING` interrupted a query in a worker thread
        return True
    seen: set[int] = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
