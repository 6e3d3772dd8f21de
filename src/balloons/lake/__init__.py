"""The Parquet lake: hive-partitioned tables, written atomically, on a local folder or S3.

Layout under the lake root (a folder, or s3://bucket/prefix; see `storage.py`):
    <table>/month=YYYY-MM/data.parquet     incursions, closures, flights (a partition: this file,
                                           and for flights, `add-<run_id>.parquet` files that later
                                           runs appended; see APPENDED_FILES)
    quarantine/data.parquet                every quarantined record, with its reason
    ingest_log/<run_id>.parquet            one file per ingest run
    contributions/<table>/month=YYYY-MM/data.parquet (and add-<run_id>.parquet)
                                           every record each raw file delivers (the current
                                           tables are derived from these; `month=none` holds
                                           NOTAMC rows, which have no time)
    deliveries/data.parquet                the raw files that deliver now, with digest and stat
    format.json                            the lake's format version (FORMAT_VERSION)
    _pending.json                          the run being written (present only mid-run)
    _undo/<run_id>/                        the versions a run replaced, until it commits
    _work/<run_id>/                        parsed rows a run spilled before merging (only mid-run)
Readers see the old file or the new one, never a partial one (see `Store.write_parquet`). A run
is all or nothing: before it first replaces a file it keeps the old version under `_undo/`; it
commits by writing its ingest log and then a `COMMITTED` mark; `recover` puts back every kept
version of a run that did not commit. Paths are built from our own table names and validated
months only; raw file names never become paths. Every function takes the run's `Store` (built
once, at the edge: `storage.lake_store(settings)` or `storage.local(path)`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from balloons.errors import BalloonsError, ConfigError, LakeError
from balloons.lake.storage import Store
from balloons.schema import DELIVERIES, INGEST_LOG, QUARANTINE, TABLES, conform, contribution

log = logging.getLogger(__name__)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])\Z")
_RUN_ID = re.compile(r"^[0-9A-Za-z_-]+\Z")
PENDING = "_pending.json"
WORK = "_work"
UNDO = "_undo"
COMMITTED = "COMMITTED"
CONTRIBUTIONS = "contributions"
NO_MONTH = "none"
FORMAT = "format.json"
DELIVERIES_FOLDER = "deliveries"
RULES_REVISION_KEY = "rules_revision"
"""The key of `validate.RULES_REVISION` among the rules the lake records (a lake that recorded rules
without it was ingested under revision 1)."""
FORMAT_VERSION = 3
"""The lake's format: 2 since ids and content hashes are sha1 over the unit-separated canonical
form (docs/ingest.md), 3 since a month may hold appended files (`add-<run>.parquet`, which a
balloons of format 2 would not see: it refuses a lake of a newer format). A lake of an older
format is rebuilt from raw/ by the next run; one of a newer format is refused."""
BASE = "data.parquet"
APPENDED = "add-"
APPENDED_FILES = 30
"""A month holds at most this many appended files; the run that would add one more rewrites the
month into its one base file instead (about a month of daily deliveries)."""


def _check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise LakeError(f"{month!r} is not a month in the form YYYY-MM.")
    return month


def partition_path(store: Store, table: str, month: str) -> str:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    return store.path(table, f"month={_check_month(month)}", BASE)


def _is_month_file(name: str) -> bool:
    """The base file of a month folder, or a file a run appended to it."""
    return name == BASE or (name.startswith(APPENDED) and name.endswith(".parquet"))


def _month_files(store: Store, folder: str) -> dict[str, list[str]]:
    """Month → its files (base first, then appended files in run order) of the month folders below
    `folder`; `none` counts as a month."""
    found: dict[str, list[str]] = {}
    for info in store.files(folder):
        parent, _, name = info.path.rpartition("/")
        folder_name = parent.rpartition("/")[2]
        month = folder_name.removeprefix("month=")
        if _is_month_file(name) and folder_name != month and (month == NO_MONTH or _MONTH.match(month)):
            found.setdefault(month, []).append(info.path)
    return {m: sorted(paths, key=lambda p: (not p.endswith("/" + BASE), p)) for m, paths in sorted(found.items())}


def months(store: Store, table: str) -> list[str]:
    """The months that have a partition, sorted."""
    return [m for m in _month_files(store, store.path(table)) if m != NO_MONTH]


def partition_files(store: Store, table: str) -> list[str]:
    """Every file of every partition of `table`."""
    return [path for paths in _month_files(store, store.path(table)).values() for path in paths]


def _appended_path(folder: str, run_id: str) -> str:
    """The file the run `run_id` appends to the month folder `folder`."""
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return f"{folder}/{APPENDED}{run_id}.parquet"


def appended_runs(store: Store, table: str, month: str) -> list[str]:
    """The runs that appended a file to the month's contributions of `table`, in run order."""
    names = (p.rpartition("/")[2] for p in _appended_to(store, contribution_path(store, table, month)))
    return [name.removeprefix(APPENDED).removesuffix(".parquet") for name in names]


LISTINGS = 3
"""How many times `partition_metadata` lists a table again when a file it listed went away before it
was read (a run folded a month's appended files into its base file meanwhile)."""


def partition_metadata(store: Store, table: str) -> list[pq.FileMetaData]:
    """The Parquet footer of every partition file of `table`, for readers that do not hold the
    pipeline's lock (`balloons status`, `balloons check`): listed again should a run fold a month
    between the listing and the reading."""
    attempt = 1
    while True:
        found, path = [], None
        try:
            for path in partition_files(store, table):
                found.append(store.parquet_metadata(path))
            return found
        except OSError:
            if attempt == LISTINGS or path is None or store.is_file(path):
                raise
            attempt += 1  # the file went between listing and reading: list again


def _appended_to(store: Store, target: str) -> list[str]:
    """The files runs appended to the month whose base file is `target`."""
    folder = target.rpartition("/")[0]
    month = folder.rpartition("/")[2].removeprefix("month=")
    return [p for p in _month_files(store, folder).get(month, []) if p != target]


def _fold(store: Store, appended: list[str], undo: str | None) -> None:
    """Remove a month's appended files (kept for `undo`): its new base file holds their rows. Done
    right before the new base is renamed into place, so a reader of the lake sees the month without
    them only for that moment."""
    for path in appended:
        keep(store, undo, path)
        store.fs.delete_file(path)


def write_partition(store: Store, table: str, month: str, rows: pa.Table, *, undo: str | None = None) -> bool:
    """Replace one partition (its base file and any appended files) with `rows` (sorted by time then
    id); no rows removes it. Returns False, writing nothing, when the partition already holds exactly
    these rows. With `undo` (a run id) the old version is kept until that run commits."""
    spec = TABLES[table]
    target = partition_path(store, table, month)
    exists = store.is_file(target)
    appended = _appended_to(store, target)
    if rows.num_rows == 0:
        _fold(store, appended, undo)
        if not exists:
            store.delete(target)  # the folder goes with its last file
            return bool(appended)
        keep(store, undo, target)
        store.delete(target)
        log.info("table=%s month=%s rows=0 removed partition", table, month)
        return True
    ordered = _ordered(table, rows)
    if (
        exists
        and not appended
        and store.parquet_rows(target) == ordered.num_rows
        and store.read_parquet(target, columns=None, schema=spec.schema).equals(ordered)
    ):
        return False
    keep(store, undo, target)
    store.write_parquet(
        ordered, target, unique=hash_columns(table), before_replace=lambda: _fold(store, appended, undo)
    )
    log.info("table=%s month=%s rows=%d path=%s", table, month, ordered.num_rows, store.url_of(target))
    return True


def _ordered(table: str, rows: pa.Table) -> pa.Table:
    spec = TABLES[table]
    return sort_by(conform(rows, spec.schema, what=table), [spec.time_column, spec.id_column])


def append_partition(store: Store, table: str, month: str, rows: pa.Table, *, undo: str) -> bool:
    """Add `rows` (records whose keys the month does not hold yet) to a partition as a file of their
    own, named for the run `undo`, which removes it should it not commit. Returns False, writing
    nothing, for no rows."""
    if rows.num_rows == 0:
        return False
    ordered = _ordered(table, rows)
    target = _appended_path(partition_path(store, table, month).rpartition("/")[0], undo)
    keep(store, undo, target)
    store.write_parquet(ordered, target, unique=hash_columns(table))
    log.info("table=%s month=%s rows=%d appended path=%s", table, month, ordered.num_rows, store.url_of(target))
    return True


def read_partition(store: Store, table: str, month: str, columns: Sequence[str] | None = None) -> pa.Table:
    """One partition, every file of it (empty with the right schema when it does not exist)."""
    spec = TABLES[table]
    folder = partition_path(store, table, month).rpartition("/")[0]
    paths = _month_files(store, folder).get(month, [])
    if not paths:
        empty = spec.schema.empty_table()
        return empty.select(list(columns)) if columns else empty
    return pa.concat_tables(store.read_parquet(path, columns=columns, schema=spec.schema) for path in paths)


def read_months(store: Store, table: str, wanted: Iterable[str], columns: Sequence[str]) -> pa.Table:
    """Selected columns of several partitions, with a `month` column added."""
    parts = []
    for month in sorted(set(wanted)):
        part = read_partition(store, table, month, columns)
        parts.append(part.append_column("month", pa.array([month] * part.num_rows, pa.string())))
    if not parts:
        empty = TABLES[table].schema.empty_table().select(list(columns))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def read_quarantine(store: Store) -> pa.Table:
    path = store.path("quarantine", "data.parquet")
    if not store.is_file(path):
        return QUARANTINE.empty_table()
    return store.read_parquet(path, columns=None, schema=QUARANTINE)


def write_quarantine(store: Store, rows: pa.Table, *, undo: str | None = None) -> None:
    ordered = conform(rows, QUARANTINE, what="quarantine").sort_by(
        [("source_file", "ascending"), ("source_line", "ascending"), ("reason", "ascending")]
    )
    target = store.path("quarantine", "data.parquet")
    keep(store, undo, target)
    store.write_parquet(ordered, target)


def ingest_log_files(store: Store) -> list[str]:
    return [i.path for i in store.files(store.path("ingest_log")) if i.path.endswith(".parquet")]


def read_ingest_log(store: Store) -> pa.Table:
    files = ingest_log_files(store)
    if not files:
        return INGEST_LOG.empty_table()
    return pa.concat_tables(store.read_parquet(path, columns=None, schema=INGEST_LOG) for path in files)


def write_ingest_log(store: Store, run_id: str, rows: pa.Table) -> None:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    ordered = conform(rows, INGEST_LOG, what="ingest_log").sort_by([("path", "ascending")])
    target = store.path("ingest_log", f"{run_id}.parquet")
    keep(store, run_id, target)
    store.write_parquet(ordered, target)


def read_pending(store: Store) -> list[str]:
    """Raw paths a run that has not finished was writing."""
    text = store.read_text(store.path(PENDING))
    if not text:
        return []
    value = json.loads(text)
    return list(value["paths"]) if isinstance(value, dict) else list(value)


def write_pending(store: Store, paths: Sequence[str], run_id: str = "") -> None:
    store.write_text(store.path(PENDING), json.dumps({"run_id": run_id, "paths": sorted(paths)}, ensure_ascii=False))


def clear_pending(store: Store) -> None:
    if store.is_file(store.path(PENDING)):
        store.fs.delete_file(store.path(PENDING))


# --- all or nothing: keep what a run replaces until it commits -----------------------------------


def _undo_folder(store: Store, run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return store.path(UNDO, run_id)


def keep(store: Store, run_id: str | None, target: str) -> None:
    """Before `run_id` first replaces or creates `target`: note it, keeping the old version if any."""
    if run_id is None:
        return
    relative = target[len(store.root) + 1 :]
    name = hashlib.sha1(relative.encode("utf-8")).hexdigest()[:24]
    folder = _undo_folder(store, run_id)
    entry = f"{folder}/{name}.json"
    if store.is_file(entry):
        return  # the first version this run saw is the one to put back
    saved = None
    if store.is_file(target):
        saved = f"{name}.kept"
        store.keep_copy(target, f"{folder}/{saved}")
    if store.local:
        Path(folder).mkdir(parents=True, exist_ok=True)
    store.write_text(entry, json.dumps({"target": relative, "kept": saved}))


def commit(store: Store, run_id: str) -> None:
    """Mark a run done (its ingest log is written), then drop what it kept and its journal."""
    folder = _undo_folder(store, run_id)
    if store.local:
        Path(folder).mkdir(parents=True, exist_ok=True)
    store.write_text(f"{folder}/{COMMITTED}", run_id)
    clear_pending(store)
    store.delete_tree(folder)


def uncommitted(store: Store) -> list[str]:
    """Runs whose changes are in the lake but which did not commit: one under way, or one that
    stopped (the next `recover` undoes it)."""
    runs = sorted({i.path[len(store.path(UNDO)) + 1 :].split("/")[0] for i in store.files(store.path(UNDO))})
    return [run_id for run_id in runs if not store.is_file(f"{store.path(UNDO, run_id)}/{COMMITTED}")]


def recover(store: Store) -> list[str]:
    """Undo every run that started and did not commit, putting back each file it replaced and
    removing each file it created; returns those runs. Safe to repeat if interrupted itself."""
    undone = []
    runs = sorted({i.path[len(store.path(UNDO)) + 1 :].split("/")[0] for i in store.files(store.path(UNDO))})
    for run_id in runs:
        folder = store.path(UNDO, run_id)
        if not store.is_file(f"{folder}/{COMMITTED}"):
            for info in store.files(folder):
                if not info.path.endswith(".json"):
                    continue
                text = store.read_text(info.path)
                if not text:
                    continue
                entry = json.loads(text)
                target = store.path(entry["target"])
                if entry["kept"]:
                    store.restore(f"{folder}/{entry['kept']}", target)
                else:
                    store.delete(target)
            undone.append(run_id)
            log.warning("run=%s had not committed: its changes to the lake are undone", run_id)
        store.delete_tree(folder)
    clear_pending(store)
    return undone


# --- contributions and deliveries: who delivers what ----------------------------------------------


def contribution_path(store: Store, table: str, month: str) -> str:
    if table not in TABLES:
        raise LakeError(f"{table!r} is not a lake table; use one of {', '.join(TABLES)}.")
    folder = month if month == NO_MONTH else _check_month(month)
    return store.path(CONTRIBUTIONS, table, f"month={folder}", BASE)


def contribution_months(store: Store, table: str) -> list[str]:
    """Months (and `none`) holding contributions of `table`, sorted."""
    return list(_month_files(store, store.path(CONTRIBUTIONS, table)))


def read_contributions(
    store: Store, table: str, wanted: Iterable[str], columns: Sequence[str] | None = None
) -> pa.Table:
    """Contributions of several months, with their `month` (null for `none`)."""
    schema = contribution(table)
    parts = []
    for month in sorted(set(wanted)):
        paths = _month_files(store, contribution_path(store, table, month).rpartition("/")[0]).get(month, [])
        part = (
            pa.concat_tables(store.read_parquet(path, columns=columns, schema=schema) for path in paths)
            if paths
            else schema.empty_table().select(list(columns or schema.names))
        )
        value = None if month == NO_MONTH else month
        parts.append(part.append_column("month", pa.array([value] * part.num_rows, pa.string())))
    if not parts:
        empty = schema.empty_table().select(list(columns or schema.names))
        return empty.append_column("month", pa.array([], pa.string()))
    return pa.concat_tables(parts)


def write_contributions(store: Store, table: str, month: str, rows: pa.Table, *, undo: str | None) -> None:
    """Replace one month's contributions (its base file, and any files runs appended) with `rows`;
    no rows removes the month."""
    target = contribution_path(store, table, month)
    appended = _appended_to(store, target)
    keep(store, undo, target)
    if rows.num_rows == 0:
        _fold(store, appended, undo)
        store.delete(target)
        return
    store.write_parquet(
        _contributions_ordered(table, rows),
        target,
        unique=hash_columns(table),
        before_replace=lambda: _fold(store, appended, undo),
    )


def append_contributions(store: Store, table: str, month: str, rows: pa.Table, *, undo: str) -> None:
    """Add this run's contributions to a month as a file of their own (see `append_partition`)."""
    if rows.num_rows == 0:
        return
    target = _appended_path(contribution_path(store, table, month).rpartition("/")[0], undo)
    keep(store, undo, target)
    store.write_parquet(_contributions_ordered(table, rows), target, unique=hash_columns(table))


def _contributions_ordered(table: str, rows: pa.Table) -> pa.Table:
    """Sorted by file, line and id, so a file does not depend on the order rows came in."""
    ordered = conform(rows.select(contribution(table).names), contribution(table), what=f"{table} contributions")
    return sort_by(ordered, ["source_file", "source_line", TABLES[table].id_column])


def sort_by(rows: pa.Table, keys: list[str]) -> pa.Table:
    """`rows` in ascending order of `keys` (nulls last). Rows often come in that order already (a
    file's lines, a schedule's times): then they are returned as they are, which a look at the
    keys tells: the first key that is not the same in every row rises strictly from row to row."""
    if rows.num_rows < 2:
        return rows
    for key in keys:
        column = rows.column(key)
        if column.null_count:
            break
        before, after = column.slice(0, len(column) - 1), column.slice(1)
        if pc.all(pc.equal(before, after)).as_py() is not False:
            continue
        if pc.all(pc.less(before, after)).as_py():
            return rows
        break
    else:
        return rows
    return rows.sort_by([(key, "ascending") for key in keys])


def hash_columns(table: str) -> tuple[str, str]:
    """A table's columns of hashes: its id and the content hash."""
    return (TABLES[table].id_column, "content_hash")


def _forgotten_deliveries(store: Store) -> pa.Table | None:
    """The deliveries `balloons forget` withdrew, kept when the lake is rebuilt; None when the lake
    holds no readable deliveries table (a lake of an older format: rebuilt without)."""
    if not store.is_file(store.path(DELIVERIES_FOLDER, "data.parquet")):
        return None
    try:
        deliveries = read_deliveries(store)
    except BalloonsError as exc:
        log.warning("the deliveries of the lake cannot be read (%s): forgotten files are read again", exc)
        return None
    return deliveries.filter(pc.fill_null(deliveries.column("forgotten"), False))


def read_deliveries(store: Store) -> pa.Table:
    path = store.path(DELIVERIES_FOLDER, "data.parquet")
    if not store.is_file(path):
        return DELIVERIES.empty_table()
    return store.read_parquet(path, columns=None, schema=DELIVERIES)


def write_deliveries(store: Store, rows: pa.Table, *, undo: str | None) -> None:
    target = store.path(DELIVERIES_FOLDER, "data.parquet")
    keep(store, undo, target)
    store.write_parquet(conform(rows, DELIVERIES, what="deliveries").sort_by([("path", "ascending")]), target)


def next_delivery(store: Store) -> int:
    """The delivery rank of the next run: one more than any so far."""
    deliveries = read_deliveries(store).column("delivery").to_pylist()
    return max(deliveries, default=0) + 1


def clean_staging(store: Store) -> int:
    """Remove leftovers of a crashed run; returns how many."""
    return store.clean_staging()


def work_folder(run_id: str) -> str:
    """Where a run spills parsed rows (relative to the lake root)."""
    if not _RUN_ID.match(run_id):
        raise LakeError(f"{run_id!r} is not a valid run id.")
    return f"{WORK}/{run_id}"


def clear_work(store: Store, run_id: str | None = None) -> None:
    """Remove one run's spilled rows, or every run's (leftovers of interrupted runs) for None."""
    store.delete_tree(store.path(work_folder(run_id)) if run_id else store.path(WORK))
    if store.local:
        with contextlib.suppress(OSError):  # the folder goes once no run's spill is left in it
            Path(store.path(WORK)).rmdir()


def _newer(store: Store, version: object) -> LakeError | None:
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        return LakeError(
            f"The lake at {store.url} is in format {version}, written by a newer balloons than this one "
            f"(format {FORMAT_VERSION}); upgrade balloons, or point BALLOONS_LAKE_URL at another lake."
        )
    return None


def refuse_newer_format(store: Store) -> None:
    """For readers of the lake (the warehouse build, the checks): refuse a lake a newer balloons
    wrote, which they would read without what its format adds (appended files, say)."""
    text = store.read_text(store.path(FORMAT))
    try:
        version = json.loads(text).get("version") if text else None
    except (ValueError, AttributeError):
        return
    error = _newer(store, version)
    if error is not None:
        raise error


def recorded_rules(store: Store) -> dict[str, object]:
    """The rules the lake was ingested under (`check_format`), {} when it recorded none."""
    text = store.read_text(store.path(FORMAT))
    try:
        rules = json.loads(text).get("rules") if text else None
    except (ValueError, AttributeError):
        return {}
    return dict(rules) if isinstance(rules, dict) else {}


def require_zone(store: Store, timezone: str) -> None:
    """Refuse to read a lake ingested in another local time zone as if it were in `timezone`: its
    partition months and local wall times were cut in the zone it recorded."""
    held = recorded_rules(store).get("BALLOONS_TIMEZONE")
    if held is not None and held != timezone:
        raise ConfigError(
            f"The lake was ingested with BALLOONS_TIMEZONE={held}, not {timezone}: run 'balloons ingest' "
            f"(or 'balloons run') with BALLOONS_TIMEZONE={timezone} first, which rebuilds the lake from raw/ "
            f"in it, or build with BALLOONS_TIMEZONE={held}."
        )


def check_format(store: Store, rules: Mapping[str, object] | None = None) -> bool:
    """Make the lake one of FORMAT_VERSION, ingested under `rules` (the settings that decide what
    it holds of a raw file, `validate.Context.rules`): a lake written in another format (or before
    formats were recorded), or under other rules, is emptied, so the run rebuilds it from raw/ (the
    lake is derived state). A lake that recorded no rules takes these. Returns True when emptied."""
    text = store.read_text(store.path(FORMAT))
    try:
        record = json.loads(text) if text else {}
        version = record.get("version")
    except (ValueError, AttributeError):
        record, version = {}, None  # unreadable: rebuilt like a lake of no recorded format
    newer = _newer(store, version)
    if newer is not None:
        raise newer
    held_rules = record.get("rules") if isinstance(record.get("rules"), dict) else None
    if version == FORMAT_VERSION and (rules is None or held_rules is None or held_rules == dict(rules)):
        if rules is not None and held_rules is None:
            store.write_text(store.path(FORMAT), json.dumps({"version": FORMAT_VERSION, "rules": dict(rules)}) + "\n")
        return False
    if version == FORMAT_VERSION and rules is not None and held_rules is not None:
        changed = sorted(k for k in {*rules, *held_rules} if rules.get(k) != held_rules.get(k))
        settings = [k for k in changed if k != RULES_REVISION_KEY]
        reasons = []
        if RULES_REVISION_KEY in changed:
            revisions = (held_rules.get(RULES_REVISION_KEY, 1), rules.get(RULES_REVISION_KEY, 1))
            reasons.append("under other validation rules (revision {} → {})".format(*revisions))
        if settings:
            reasons.append(
                "under other settings ("
                + ", ".join(f"{k} {held_rules.get(k)} → {rules.get(k)}" for k in settings)
                + ")"
            )
        why = "the lake was ingested " + " and ".join(reasons)
    else:
        shown = "1 (unversioned)" if version is None else version if isinstance(version, int) else repr(version)
        why = f"the lake is in format {shown}, this balloons writes format {FORMAT_VERSION}"
    forgotten = _forgotten_deliveries(store)
    kept = {FORMAT} | ({DELIVERIES_FOLDER} if forgotten is not None else set())
    held = [info for info in store.entries(store.root) if info.base_name not in kept]
    if held or forgotten is not None:
        log.warning("%s: rebuilding it from raw/ (once)", why)
        for info in held:
            store.delete_tree(info.path) if info.type == pafs.FileType.Directory else store.fs.delete_file(info.path)
    if forgotten is not None and forgotten.num_rows:  # withdrawn files stay withdrawn until they change
        write_deliveries(store, forgotten, undo=None)
        log.warning("%d forgotten raw file(s) stay forgotten while their content is unchanged", forgotten.num_rows)
    elif forgotten is not None:
        store.delete_tree(store.path(DELIVERIES_FOLDER))
    written = {"version": FORMAT_VERSION} | ({"rules": dict(rules)} if rules is not None else {})
    store.write_text(store.path(FORMAT), json.dumps(written) + "\n")
    return bool(held)
