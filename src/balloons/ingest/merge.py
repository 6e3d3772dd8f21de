"""Apply one table's deliveries to the lake: replace each delivered file's contributions, then
derive the current records of the months that change.

The ownership model: `contributions/<table>/` keeps every valid record each raw file delivers
(key, content hash, lineage, and the delivery rank of the run that read the file). The current
table is derived from it by one window query (`ingest/sql/resolve.sql`): for each key the latest
contribution (later delivery; within one, later path, then later line) among the files that still
deliver it. So re-delivering a file replaces only that file's contributions, a key disappears only
when no file delivers it, and withdrawing a delivery (`balloons forget`) brings back the version
before it. Tables whose key fixes the month (flights) are derived one month at a time, holding one
month in memory; the others (incursions, whose key may move between months, and closures, whose
NOTAMR/NOTAMC may name a NOTAM of any month) are small and derived whole.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balloons import lake
from balloons.ingest.parse import Parsed
from balloons.lake.storage import Store
from balloons.schema import TABLES, contribution
from balloons.stopping import STOPPING

log = logging.getLogger(__name__)
T = TypeVar("T")

STATUSES = ("landed", "duplicate", "superseded")
MESSAGE_ORDER = ("landed", "superseded", "duplicate")
"""A message's status is the first of these that any of its rows has."""


@dataclass
class Counts:
    read: int = 0
    landed: int = 0
    quarantined: int = 0
    duplicate: int = 0
    superseded: int = 0
    skipped: int = 0

    def add(self, status: str, n: int = 1) -> None:
        setattr(self, status, getattr(self, status) + n)


@dataclass
class Merged:
    """What merging one table did: partitions rewritten, and each file's record accounting."""

    partitions: list[str]
    counts: dict[str, Counts]


def base_counts(parsed: Parsed) -> Counts:
    return Counts(read=parsed.read, quarantined=len(parsed.quarantine), skipped=parsed.skipped)


def _resolve_sql(table: str) -> str:
    spec = TABLES[table]
    text = resources.files("balloons.ingest").joinpath("sql", "resolve.sql").read_text("utf-8")
    notam = "notam_id" if "notam_id" in spec.schema.names else "null::varchar"
    airport = "airport" if "notam_id" in spec.schema.names else "null::varchar"
    # our own names, never input
    return text.replace("{id}", spec.id_column).replace("{notam_id}", notam).replace("{airport}", airport)


def by_month(table: str) -> bool:
    """True when a key's contributions all live in one month, so months derive independently."""
    spec = TABLES[table]
    return spec.key_fixes_month and "notam_id" not in spec.schema.names


def _contributed(rows: pa.Table, table: str, *, run_id: str, now: datetime, delivery: int) -> pa.Table:
    """Staged rows as contributions: with the run and its delivery rank."""
    n = rows.num_rows
    out = rows.append_column("run_id", pa.repeat(pa.scalar(run_id, pa.string()), n))
    out = out.append_column("ingested_at", pa.repeat(pa.scalar(now, pa.timestamp("us", tz="UTC")), n))
    out = out.append_column("delivery", pa.repeat(pa.scalar(delivery, pa.int64()), n))
    return out.select([*contribution(table).names, "month"])


def _held_months(store: Store, table: str, files: set[str]) -> set[str]:
    """Months whose contributions include rows of `files`."""
    if not files:
        return set()
    held = lake.read_contributions(store, table, lake.contribution_months(store, table), ["source_file"])
    hit = pc.is_in(held.column("source_file"), pa.array(sorted(files), pa.string()))
    return {m if m is not None else lake.NO_MONTH for m in pc.unique(held.column("month").filter(hit)).to_pylist()}


def merge_table(
    store: Store,
    table: str,
    parsed_files: list[Parsed],
    *,
    run_id: str,
    now: datetime,
    delivery: int,
    withdraw: set[str] | None = None,
    appended_files: int = lake.APPENDED_FILES,
) -> Merged:
    """Replace the contributions of `parsed_files` (and of the `withdraw`n paths) with what was just
    parsed, and rewrite the current partitions that change. Tables merge independently. A month
    holds at most `appended_files` appended files (see `_derive`)."""
    files = sorted(parsed_files, key=lambda p: p.file.path)
    gone = set(withdraw or ()) | {p.file.path for p in files}
    counts = {p.file.path: base_counts(p) for p in files}
    new_months = {m for p in files for m in p.months()} | ({lake.NO_MONTH} if any(p.ops for p in files) else set())
    delivered_before = set(lake.read_deliveries(store).column("path").to_pylist())
    touched = new_months | _held_months(store, table, gone & delivered_before)
    if by_month(table):
        groups = [[month] for month in sorted(touched)]
    else:
        every = set(lake.contribution_months(store, table)) | set(lake.months(store, table)) | touched
        groups = [sorted(every)] if touched else []
    written: list[str] = []
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        with STOPPING.interrupting(con):
            for months in groups:
                written += _derive(
                    con,
                    store,
                    table,
                    months,
                    files,
                    gone=gone,
                    counts=counts,
                    run_id=run_id,
                    now=now,
                    delivery=delivery,
                    appended_files=appended_files,
                )
    finally:
        con.close()
    return Merged(written, counts)


def _derive(
    con: duckdb.DuckDBPyConnection,
    store: Store,
    table: str,
    months: list[str],
    files: list[Parsed],
    *,
    gone: set[str],
    counts: dict[str, Counts],
    run_id: str,
    now: datetime,
    delivery: int,
    appended_files: int,
) -> list[str]:
    """Contributions and current rows of `months` after this run; returns the partitions written.

    A month of a table derived by month whose held contributions stay as they are (no file of this
    run delivered to it before) and share no key with this run's rows is not rewritten: this run's
    rows are resolved among themselves, and its contributions and current rows are added to the
    month as files of their own (`lake.append_partition`), up to `appended_files` per month.
    """
    spec = TABLES[table]
    wanted = [None if m == lake.NO_MONTH else m for m in months]
    fresh = []
    changed: set[str] = set()
    for parsed in files:
        rows = pa.concat_tables(
            [
                parsed.month_rows(store, m) if m is not None else _no_month(parsed.month_rows(store, None))
                for m in wanted
            ]
        )
        fresh.append(_contributed(rows, table, run_id=run_id, now=now, delivery=delivery))
        changed |= {m if m is not None else lake.NO_MONTH for m in pc.unique(rows.column("month")).to_pylist()}
    append = (
        bool(fresh)
        and by_month(table)
        and len(months) == 1
        and _apart(store, table, months[0], fresh, gone, run_id, appended_files)
    )
    cancelled_before: pa.Array | None = None
    if append:
        kept = pa.concat_tables(fresh).slice(0, 0)
    else:
        held = lake.read_contributions(store, table, months)
        cancelled_before = pc.unique(held.column("_ref").filter(pc.fill_null(pc.equal(held.column("_op"), "C"), False)))
        leaving = pc.is_in(held.column("source_file"), pa.array(sorted(gone), pa.string()))
        changed |= {
            m if m is not None else lake.NO_MONTH for m in pc.unique(held.column("month").filter(leaving)).to_pylist()
        }
        kept = _where(held, pc.invert(leaving))
    everything = pa.concat_tables([kept, *fresh])
    everything = everything.append_column("_row", pa.array(np.arange(everything.num_rows, dtype=np.int64)))
    codes = _status_codes(con, table, everything)
    ours = slice(kept.num_rows, None)
    counted = _as_counted(
        store, table, months, everything.slice(kept.num_rows), codes[ours], cancelled_before=cancelled_before
    )
    for path, state, n in _message_tally(con, everything.slice(kept.num_rows), counted):
        counts[path].add(state, n)
    landed = pa.array(codes == STATUSES.index("landed"))
    current = _where(
        everything, pc.and_(landed, pc.invert(pc.fill_null(pc.equal(everything.column("_op"), "C"), False)))
    )
    if "reported_flights" in spec.schema.names:
        current = _with_reported_figures(con, everything, current)
    write_contributions = lake.append_contributions if append else lake.write_contributions
    write_partition = lake.append_partition if append else lake.write_partition
    # Parquet encoding holds one core per file: the month's two files are written side by side.
    partitions: list[tuple[str, Future[bool]]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        writes: list[Future[object]] = []
        for month in months:
            mine = (
                pc.is_null(everything.column("month"))
                if month == lake.NO_MONTH
                else pc.fill_null(pc.equal(everything.column("month"), month), False)
            )
            if month in changed:
                writes.append(
                    pool.submit(
                        _in_this_context(write_contributions),
                        store,
                        table,
                        month,
                        _where(everything, mine),
                        undo=run_id,
                    )
                )
            if month == lake.NO_MONTH:
                continue
            rows = _where(current, pc.fill_null(pc.equal(current.column("month"), month), False))
            partition = pool.submit(
                _in_this_context(write_partition), store, table, month, rows.select(spec.schema.names), undo=run_id
            )
            partitions.append((month, partition))
        for write in writes:
            write.result()
    return [f"{table}/month={month}" for month, partition in partitions if partition.result()]


def _apart(store: Store, table: str, month: str, fresh: list[pa.Table], gone: set[str], run_id: str, most: int) -> bool:
    """True when this run's rows of `month` can be added to it without rewriting it: the month
    holds contributions, none of them from a file this run replaces or withdraws, none with a key
    of this run's rows, fewer than `most` files were appended to it, and none by a
    run of this id (a run id used again would overwrite that file, losing its rows)."""
    runs = lake.appended_runs(store, table, month)
    if run_id in runs or len(runs) >= most:
        return False
    key = TABLES[table].id_column
    held = lake.read_contributions(store, table, [month], [key, "source_file"])
    if held.num_rows == 0 or pc.any(pc.is_in(held.column("source_file"), pa.array(sorted(gone), pa.string()))).as_py():
        return False
    ours = pa.chunked_array([t.column(key) for t in fresh], pa.string())
    return not pc.any(pc.is_in(ours, held.column(key))).as_py()


def _in_this_context(function: Callable[..., T]) -> Callable[..., T]:
    """`function`, run in a copy of the caller's context (log records of a worker thread then
    carry what the caller's carry, e.g. the orchestrator's run)."""
    context = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> T:
        return context.run(function, *args, **kwargs)

    return run


def _status_codes(con: duckdb.DuckDBPyConnection, table: str, contributions: pa.Table) -> np.ndarray:
    """Each contribution's status (`resolve.sql`) as its index in STATUSES, by `_row`; only the
    rows not landed come back from the query (in a month of new keys, none)."""
    codes = np.zeros(contributions.num_rows, dtype=np.int8)
    con.register("contributions", contributions)
    try:
        others = con.execute(_resolve_sql(table)).fetchnumpy()
    finally:
        con.unregister("contributions")
    for status in STATUSES[1:]:
        codes[others["_row"][np.asarray(others["_status"] == status)]] = STATUSES.index(status)
    return codes


def _with_reported_figures(con: duckdb.DuckDBPyConnection, contributions: pa.Table, current: pa.Table) -> pa.Table:
    """`current` with the reported figures an earlier contribution of the same key gave, where the
    current record gives none (`ingest/sql/reported.sql`); its content hash stays its own."""
    text = resources.files("balloons.ingest").joinpath("sql", "reported.sql").read_text("utf-8")
    con.register("contributions", contributions)
    con.register("current_rows", current.select(["_row"]))
    try:
        fill = con.execute(text).to_arrow_table()
    finally:
        con.unregister("contributions")
        con.unregister("current_rows")
    if fill.num_rows == 0:
        return current
    at = pc.index_in(fill.column("_row"), current.column("_row")).to_numpy()
    out = current
    for name, value in (
        ("reported_flights", fill.column("reported_flights")),
        ("reported_passengers", fill.column("reported_passengers")),
        ("notes", _joined_notes(current.column("notes").take(at), fill.column("note"))),
    ):
        column = out.column(name).to_pylist()
        for position, given in zip(at.tolist(), value.to_pylist(), strict=True):
            column[position] = given
        out = out.set_column(out.schema.get_field_index(name), name, pa.array(column, out.schema.field(name).type))
    return out


def _joined_notes(notes: pa.ChunkedArray | pa.Array, note: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pa.array(
        [f"{a}; {b}" if a else b for a, b in zip(notes.to_pylist(), note.to_pylist(), strict=True)], pa.string()
    )


def _as_counted(
    store: Store,
    table: str,
    months: list[str],
    rows: pa.Table,
    codes: np.ndarray,
    *,
    cancelled_before: pa.Array | None,
) -> np.ndarray:
    """This run's statuses as its counts give them: a row that is now the current record but whose
    key held the same content before this run is a duplicate, since no record changed (a copy of a
    delivered file, under a name that sorts first, shows the records now; a fresh run on the same
    raw folder shows them so too); so is a NOTAMC whose NOTAM was cancelled before this run
    (`cancelled_before`, None for an appended month, which holds none of the run's keys)."""
    landed = codes == STATUSES.index("landed")
    wanted = [m for m in months if m != lake.NO_MONTH]
    if cancelled_before is None or not landed.any():
        return codes
    counted = codes.copy()
    duplicate = STATUSES.index("duplicate")
    if len(cancelled_before):
        cancel = pc.equal(rows.column("_op"), "C")
        again = np.asarray(pc.fill_null(pc.and_(cancel, pc.is_in(rows.column("_ref"), cancelled_before)), False))
        counted[landed & again] = duplicate
    spec = TABLES[table]
    before = lake.read_months(store, table, wanted, [spec.id_column, "content_hash"])
    if before.num_rows == 0:
        return counted

    def identity(t: pa.Table) -> pa.ChunkedArray | pa.Array:
        return pc.binary_join_element_wise(t.column(spec.id_column), t.column("content_hash"), "\x1f")

    same = np.asarray(pc.fill_null(pc.is_in(identity(rows), identity(before)), False))
    counted[landed & same] = duplicate
    return counted


def _where(rows: pa.Table, mask: pa.Array | pa.ChunkedArray) -> pa.Table:
    """`rows.filter(mask)`, without copying every column when every row is kept."""
    return rows if pc.all(mask, skip_nulls=False).as_py() else rows.filter(mask)


def _message_tally(con: duckdb.DuckDBPyConnection, rows: pa.Table, codes: np.ndarray) -> list[tuple[str, str, int]]:
    """(file, status, messages) for this run's rows (`codes`: each row's index in STATUSES). A
    message is the rows sharing a file and line (a NOTAM's active windows): landed when any of its
    rows landed, else superseded when any was, else duplicate."""
    rank = np.array([MESSAGE_ORDER.index(s) for s in STATUSES], dtype=np.int8)[codes]
    per_row = pa.table({"file": rows.column("source_file"), "line": rows.column("source_line"), "rank": rank})
    con.register("per_row", per_row)
    tally = con.execute(
        """
        select file, rank, count(*)
        from (select file, min(rank) as rank from per_row group by file, line)
        group by file, rank
        order by file, rank
        """
    ).fetchall()
    con.unregister("per_row")
    return [(path, MESSAGE_ORDER[rank], n) for path, rank, n in tally]


def _no_month(rows: pa.Table) -> pa.Table:
    """The staged rows without a month: NOTAMC operations."""
    return rows.filter(pc.is_null(rows.column("month")))
