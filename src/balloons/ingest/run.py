"""Ingest raw files into the lake: find new or changed files, parse and validate them,
replace their contributions, derive the affected month partitions, and log every file.

Accounting, per raw file and run: rows_read = rows_landed + rows_quarantined + rows_duplicate +
rows_superseded + rows_skipped. A record is *duplicate* when a record with the same key and content is already
in the lake or earlier in the run; *superseded* when a later record with the same key (or a
NOTAMR/NOTAMC naming its NOTAM) replaces it within the run. A NOTAMC counts as landed: its effect,
withdrawing a closure, is in the lake. A NOTAM message counts once however many windows it lands
as; one that is not an aerodrome closure is *skipped*. A file that cannot be parsed at all counts as one
quarantined record, and so does one that cannot be listed or read. A file delivered again with new
content replaces everything it contributed before (see `merge.py` for the ownership model).

A run is all or nothing (see `lake.py`): a crash at any point leaves nothing of it once the next
run starts, which then reads the raw folder as it is by then.

Change detection: a path is read again when its digest differs from the one its last delivery
had. The digest is recomputed unless size, mtime, ctime and inode all equal the ones recorded
with it, so an edit whose mtime was restored (`cp -p`, `rsync -t`, `tar`) is still seen: writing
a file, or restoring its mtime, always moves its ctime.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from balloons import lake
from balloons.errors import ConfigError
from balloons.ingest.merge import Counts, Merged, base_counts, merge_table
from balloons.ingest.parse import Parsed, Spill, parse_file, parse_files
from balloons.ingest.rawfile import RawFile, sha256_of, sidecar_of
from balloons.ingest.validate import Context
from balloons.lake.storage import Store
from balloons.schema import DELIVERIES, INGEST_LOG, QUARANTINE, RECORD_TABLES

__all__ = [
    "Counts",
    "begin",
    "by_table",
    "finish",
    "new_run_id",
    "LocalSteps",
    "Steps",
    "drive",
    "Merged",
    "Parsed",
    "RawFile",
    "Spill",
    "Summary",
    "forget",
    "ingest",
    "merge_table",
    "parse_file",
    "parse_files",
    "prepare",
    "scan",
    "set_aside",
]

UNREADABLE = "unreadable"
"""The digest recorded for a path that could not be listed or read."""

log = logging.getLogger(__name__)


def new_run_id(now: datetime) -> str:
    """A run's id: its UTC start and a random suffix (sorts by time)."""
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:6]}"


def display_path(relative: str) -> str:
    """A raw path as text, one for each path: bytes of a name that are not UTF-8 are written as
    `\\xNN`, and so that a name holding those four characters stays apart, a backslash as `\\\\`."""
    return os.fsencode(relative).replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


@dataclass
class Summary:
    """What an ingest run did, for the CLI summary line and the Prefect artifacts."""

    run_id: str
    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    partitions_written: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    deferred: list[str] = field(default_factory=list)
    """Files left for the next run (no room for the engine's work files, or their work folder
    removed under it): "path (why)"."""

    def line(self) -> str:
        c = self.counts
        return (
            f"files read {self.files_read} (unchanged {self.files_unchanged}), rows read {c.read}, "
            f"landed {c.landed}, quarantined {c.quarantined}, duplicates {c.duplicate}, "
            f"superseded {c.superseded}, skipped {c.skipped}, partitions written {len(self.partitions_written)}"
            + (f", left for the next run {len(self.deferred)}" if self.deferred else "")
        )

    def failure_line(self) -> str | None:
        """One line naming the files left for the next run, or None when every file was read."""
        if not self.deferred:
            return None
        return (
            "The engine could not keep its work files (no room, or their folder removed), so these were not read: "
            + "; ".join(self.deferred)
            + ". Everything else landed; the next run reads them (free disk space or memory, or lift the limit, "
            "if room was short)."
        )


Known = dict[str, tuple[int, int, int, int, str]]


def _unreadable(relative: str, table: str, location: Path, what: str, exc: BaseException) -> RawFile:
    reason = f"{what} {relative} failed: {type(exc).__name__}: {exc}"[:2000]
    log.warning("path=%s %s", relative, reason)
    return RawFile(relative, table, UNREADABLE, location, error=reason)


def _walk(top: Path, onerror: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top)` top-down, without recursion: Python 3.11's recurses, so a raw tree about
    1,000 folders deep raised RecursionError out of every run. The caller may prune `dirs` in
    place; links are listed with the files (never followed); a folder that cannot be listed goes
    to `onerror`."""
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            onerror(exc)
            continue
        dirs: list[str] = []
        names: list[str] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (dirs if is_dir else names).append(entry.name)
        yield folder, dirs, names
        stack.extend(os.path.join(folder, d) for d in reversed(dirs))


def scan(raw_dir: Path, known: Known | None = None) -> list[RawFile]:
    """Every file under raw/<table>/ (any depth, hidden files skipped), sorted by path.

    `known` maps a path to the (size, mtime_ns, ctime_ns, inode, sha256) its last delivery had:
    a file whose stat is unchanged in all four is not read again to compute its digest. A file
    or folder that cannot be listed, stat'ed or read comes back with its `error` set.
    """
    known = known or {}
    found = []
    skipped: list[str] = []
    root = raw_dir.resolve()
    _name_strays(root)
    for table in RECORD_TABLES:
        base = root / table
        if base.is_symlink() or (base.exists() and not base.is_dir()):
            what = "a link" if base.is_symlink() else "not a folder"
            log.warning("not read: raw/%s is %s (a table's folder must be a folder under raw/)", table, what)
            continue
        if not base.is_dir():
            continue
        failed: list[OSError] = []
        for folder, dirs, names in _walk(base, failed.append):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                location = Path(folder) / name
                relative = display_path(location.relative_to(root).as_posix())
                try:
                    if name.startswith(".") or sidecar_of(location) is not None:
                        skipped.append(relative)
                        continue
                    if location.is_symlink() or not location.is_file():
                        kind = "a link" if location.is_symlink() else "not a regular file"
                        log.warning("not read: %s is %s (only regular files under raw/ are read)", relative, kind)
                        continue
                    stat = location.stat()
                    seen = known.get(relative)
                    now = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                    digest = seen[4] if seen is not None and seen[:4] == now else sha256_of(location)
                    found.append(RawFile(relative, table, digest, location, *now))
                except FileNotFoundError:
                    continue  # gone since the listing: as if never there (deleting raw files is a no-op)
                except Exception as exc:  # noqa: BLE001 - one file must never stop the scan
                    found.append(_unreadable(relative, table, location, "reading", exc))
        for error in failed:
            where = Path(os.fsdecode(error.filename)) if error.filename else base
            relative = display_path(where.relative_to(root).as_posix()) + "/"
            found.append(_unreadable(relative, table, where, "listing folder", error))
    if skipped:
        shown = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        log.info("skipped=%d hidden files or fetch sidecars under %s: %s", len(skipped), root, shown)
    return sorted(found, key=lambda f: f.path)


_README = re.compile(r"README(\.[A-Za-z]+)?", re.IGNORECASE)


def _name_strays(root: Path) -> None:
    """Warn of each file or folder right under raw/ that is no table's folder (`raw/stray.csv`,
    `raw/Incursions/`): nothing in it is read. Hidden entries and README files are left alone."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name in RECORD_TABLES or entry.name.startswith(".") or _README.fullmatch(entry.name):
            continue
        what = "is no table's folder" if entry.is_dir(follow_symlinks=False) else "is in no table's folder"
        log.warning("not read: raw/%s %s (%s)", display_path(entry.name), what, ", ".join(RECORD_TABLES))


def known_files(deliveries: pa.Table) -> Known:
    """Path → (size, mtime_ns, ctime_ns, inode, sha256) as its last delivery recorded it."""
    names = ("path", "size_bytes", "mtime_ns", "ctime_ns", "inode", "sha256")
    out: Known = {}
    for path, size, mtime, ctime, inode, digest in zip(*(deliveries.column(n).to_pylist() for n in names), strict=True):
        out[path] = (size or -1, mtime or -1, ctime or -1, inode or -1, digest)
    return out


def plan(files: Iterable[RawFile], deliveries: pa.Table) -> tuple[list[RawFile], list[RawFile]]:
    """Split files into (to read, unchanged) by the digest of each path's last delivery (a
    forgotten file stays forgotten until its content changes)."""
    last = dict(zip(deliveries.column("path").to_pylist(), deliveries.column("sha256").to_pylist(), strict=True))
    todo: list[RawFile] = []
    unchanged: list[RawFile] = []
    for raw in files:
        (unchanged if last.get(raw.path) == raw.sha256 else todo).append(raw)
    return todo, unchanged


def begin(store: Store, parsed_files: list[Parsed], run_id: str) -> int:
    """Journal the run and return its delivery rank."""
    lake.write_pending(store, [p.file.path for p in parsed_files], run_id)
    return lake.next_delivery(store)


def finish(
    store: Store, parsed_files: list[Parsed], merged: list[Merged], *, run_id: str, now: datetime, delivery: int
) -> Summary:
    """After every table is merged: quarantine, deliveries, the ingest log, then the commit."""
    summary = Summary(run_id, partitions_written=sorted(p for m in merged for p in m.partitions))
    all_counts = {path: c for m in merged for path, c in m.counts.items()}
    reread = sorted({p.file.path for p in parsed_files})
    new_rows = [dict(q, run_id=run_id, ingested_at=now) for p in parsed_files for q in p.quarantine]
    _replace_rows(store, "quarantine", reread, pa.Table.from_pylist(new_rows, schema=QUARANTINE), run_id)
    delivered = [
        {
            "path": p.file.path,
            "table_name": p.file.table,
            "sha256": p.file.sha256,
            "size_bytes": p.file.size_bytes,
            "mtime_ns": p.file.mtime_ns,
            "ctime_ns": p.file.ctime_ns,
            "inode": p.file.inode,
            "run_id": run_id,
            "delivery": delivery,
            "forgotten": False,
        }
        for p in parsed_files
    ]
    _replace_rows(store, "deliveries", reread, pa.Table.from_pylist(delivered, schema=DELIVERIES), run_id)
    log_rows = []
    for parsed in parsed_files:
        counts = all_counts.get(parsed.file.path) or base_counts(parsed)
        for name in ("read", "landed", "quarantined", "duplicate", "superseded", "skipped"):
            setattr(summary.counts, name, getattr(summary.counts, name) + getattr(counts, name))
        log_rows.append(
            {
                "path": parsed.file.path,
                "table_name": parsed.file.table,
                "sha256": parsed.file.sha256,
                "size_bytes": parsed.file.size_bytes,
                "mtime_ns": parsed.file.mtime_ns,
                "rows_read": counts.read,
                "rows_landed": counts.landed,
                "rows_quarantined": counts.quarantined,
                "rows_duplicate": counts.duplicate,
                "rows_superseded": counts.superseded,
                "rows_skipped": counts.skipped,
                "run_id": run_id,
                "ingested_at": now,
            }
        )
    lake.write_ingest_log(store, run_id, pa.Table.from_pylist(log_rows, schema=INGEST_LOG))
    lake.commit(store, run_id)
    lake.clear_work(store, run_id)
    summary.files_read = len(parsed_files)
    return summary


def _replace_rows(store: Store, what: str, paths: list[str], rows: pa.Table, run_id: str) -> None:
    """Quarantine or deliveries with the rows of `paths` replaced by `rows`."""
    old = lake.read_quarantine(store) if what == "quarantine" else lake.read_deliveries(store)
    column = "source_file" if what == "quarantine" else "path"
    if old.num_rows and paths:
        old = old.filter(pc.invert(pc.is_in(old.column(column), pa.array(paths, pa.string()))))
    if not old.num_rows and not rows.num_rows and what == "deliveries":
        return
    table = pa.concat_tables([old, rows])
    if what == "quarantine":
        lake.write_quarantine(store, table, undo=run_id)
    else:
        lake.write_deliveries(store, table, undo=run_id)


def set_aside(parsed_files: list[Parsed]) -> tuple[list[Parsed], list[str]]:
    """(the files read, to write to the lake; "path (why)" of each deferred one, left for the
    next run: no quarantine, delivery or ingest-log row)."""
    kept = [p for p in parsed_files if p.deferred is None]
    return kept, [f"{p.file.path} ({p.deferred})" for p in parsed_files if p.deferred is not None]


def by_table(parsed_files: list[Parsed]) -> dict[str, list[Parsed]]:
    """The parsed files of each record table that has any, in table order."""
    groups = {table: [p for p in parsed_files if p.file.table == table] for table in RECORD_TABLES}
    return {table: files for table, files in groups.items() if files}


def _start(store: Store, rules: Mapping[str, object] | None = None) -> bool:
    """Rebuild a lake of an older format (or ingested under other `rules`), undo a run that did not
    commit and clear its leftovers; True when the lake was emptied to be rebuilt."""
    rebuilt = lake.check_format(store, rules)
    lake.recover(store)
    leftovers = lake.clean_staging(store)
    lake.clear_work(store)
    if leftovers:
        log.warning("removed %d leftover staging file(s) of an interrupted run", leftovers)
    return rebuilt


def prepare(
    raw_dir: Path, store: Store, rules: Mapping[str, object] | None = None
) -> tuple[list[RawFile], list[RawFile]]:
    """Undo an interrupted run; return (files to read, unchanged files). A lake ingested under
    other `rules` (`Context.rules`) is rebuilt: every file is then read again."""
    delivered = _delivering(store)
    rebuilt = _start(store, rules)
    deliveries = lake.read_deliveries(store)
    todo, unchanged = plan(scan(raw_dir, known_files(deliveries)), deliveries)
    listed = _listed_again(raw_dir, deliveries, {raw.path for raw in (*todo, *unchanged)})
    if listed:  # the folder's files are read as they come; its quarantine row goes
        now = datetime.now(UTC).replace(microsecond=0)
        forget(store, listed, run_id=new_run_id(now), now=now)
    if rebuilt:  # the lake was emptied: it is rebuilt from raw/ as it is now
        found = {raw.path for raw in (*todo, *unchanged)}
        gone = sorted(path for path in delivered if path not in found)
        if gone:
            log.warning(
                "%d raw file(s) the lake held are no longer in raw/, so what they delivered leaves the "
                "rebuilt lake (a deleted raw file changes nothing only until the lake is rebuilt): %s",
                len(gone),
                ", ".join(gone[:20]) + (f", … ({len(gone) - 20} more)" if len(gone) > 20 else ""),
            )
    return todo, unchanged


def _listed_again(raw_dir: Path, deliveries: pa.Table, scanned: set[str]) -> list[str]:
    """The folders quarantined as not listable (`flights/locked/`) that the scan listed now."""
    rows = deliveries.select(["path", "sha256", "forgotten"]).to_pylist()
    return sorted(
        r["path"] for r in rows if _folder_error(r) and r["path"] not in scanned and (raw_dir / r["path"]).is_dir()
    )


def _folder_error(row: Mapping[str, Any]) -> bool:
    """True for the delivery of a folder that could not be listed (not forgotten)."""
    return bool(row["path"].endswith("/") and row["sha256"] == UNREADABLE and not row["forgotten"])


def _delivering(store: Store) -> list[str]:
    """The raw paths whose delivery the lake holds (not forgotten); none for a lake it cannot read."""
    try:
        rows = lake.read_deliveries(store)
    except Exception:  # noqa: BLE001 - a lake of another format is rebuilt, not read
        return []
    return [r["path"] for r in rows.select(["path", "forgotten"]).to_pylist() if not r["forgotten"]]


class Steps(Protocol):
    """The steps of one ingest run, as `drive` calls them: in this process (`LocalSteps`, for
    `balloons ingest`) or as the orchestrator's tasks (`flows/ingest.py`), which may run a table's
    files elsewhere and several tables at once."""

    run_id: str

    def find(self) -> tuple[list[RawFile], list[RawFile]]:
        """Undo an interrupted run, rebuild a lake of other rules; (files to read, unchanged files)."""
        ...

    def parse(self, tables: list[list[RawFile]]) -> list[Parsed]:
        """Each table's files (non-empty lists, one per table) parsed, in that order."""
        ...

    def begin(self, parsed: list[Parsed]) -> int:
        """Journal the run; its delivery rank."""
        ...

    def merge(self, tables: dict[str, list[Parsed]], delivery: int) -> list[Merged]:
        """Each table's contributions and partitions (tables are independent)."""
        ...

    def finish(self, parsed: list[Parsed], merged: list[Merged], delivery: int) -> Summary:
        """Quarantine, deliveries, ingest log, commit."""
        ...


def drive(steps: Steps) -> Summary:
    """One ingest run: the only place its steps are put in order (see `Steps`)."""
    todo, unchanged = steps.find()
    tables = [mine for table in RECORD_TABLES if (mine := [raw for raw in todo if raw.table == table])]
    parsed, deferred = set_aside(steps.parse(tables))
    if parsed:
        delivery = steps.begin(parsed)
        summary = steps.finish(parsed, steps.merge(by_table(parsed), delivery), delivery)
    else:
        summary = Summary(steps.run_id)
    summary.deferred = deferred
    summary.files_seen = len(todo) + len(unchanged)
    summary.files_unchanged = len(unchanged)
    log.info("run=%s %s", steps.run_id, summary.line())
    return summary


@dataclass
class LocalSteps:
    """The steps in this process, one after another."""

    raw_dir: Path
    store: Store
    ctx: Context
    run_id: str
    appended_files: int = lake.APPENDED_FILES

    def find(self) -> tuple[list[RawFile], list[RawFile]]:
        return prepare(self.raw_dir, self.store, self.ctx.rules())

    def parse(self, tables: list[list[RawFile]]) -> list[Parsed]:
        spill = Spill(self.store, lake.work_folder(self.run_id))
        return parse_files([raw for mine in tables for raw in mine], ctx=self.ctx, spill=spill)

    def begin(self, parsed: list[Parsed]) -> int:
        return begin(self.store, parsed, self.run_id)

    def merge(self, tables: dict[str, list[Parsed]], delivery: int) -> list[Merged]:
        return [
            merge_table(
                self.store,
                table,
                mine,
                run_id=self.run_id,
                now=self.ctx.now,
                delivery=delivery,
                appended_files=self.appended_files,
            )
            for table, mine in tables.items()
        ]

    def finish(self, parsed: list[Parsed], merged: list[Merged], delivery: int) -> Summary:
        return finish(self.store, parsed, merged, run_id=self.run_id, now=self.ctx.now, delivery=delivery)


def ingest(
    raw_dir: Path, store: Store, *, ctx: Context, run_id: str, appended_files: int = lake.APPENDED_FILES
) -> Summary:
    """Ingest every new or changed raw file; a run over unchanged raw data changes nothing. A file
    the engine had no room to read is left out and named in `Summary.deferred` (the caller fails
    the run with `Summary.failure_line()`). A month of flights holds at most `appended_files`
    files appended by runs (`merge.py`)."""
    return drive(LocalSteps(raw_dir, store, ctx, run_id, appended_files))


def forget(store: Store, targets: Iterable[str], *, run_id: str, now: datetime) -> list[str]:
    """Withdraw the contributions of delivered raw files (a path relative to raw/, or a folder
    of them): their records go unless another file delivers them, earlier versions come back,
    and their quarantine goes. The files stay forgotten until their content changes. Returns
    the paths forgotten; raises ConfigError when none matches."""
    _start(store)
    deliveries = lake.read_deliveries(store)
    live = [r for r in deliveries.to_pylist() if not r["forgotten"]]
    wanted = [t.strip("/") for t in targets]
    folders = {r["path"] for r in live if _folder_error(r)}
    # a folder once not listable, named as such, is its quarantine row alone (not the files under it)
    chosen = sorted(
        r["path"]
        for r in live
        if any(
            r["path"] == t + "/" if t + "/" in folders else r["path"].rstrip("/") == t or r["path"].startswith(t + "/")
            for t in wanted
        )
    )
    if not chosen:
        raise ConfigError(
            f"No delivered raw file matches {', '.join(map(repr, wanted))}; give a path relative "
            "to raw/ as the ingest log shows it (e.g. incursions/nkvc/a.csv)."
        )
    delivery = lake.next_delivery(store)
    lake.write_pending(store, chosen, run_id)
    tables = {r["path"]: r["table_name"] for r in live}
    for table in RECORD_TABLES:
        mine = {p for p in chosen if tables[p] == table}
        if mine:
            merge_table(store, table, [], run_id=run_id, now=now, delivery=delivery, withdraw=mine)
    _replace_rows(store, "quarantine", chosen, QUARANTINE.empty_table(), run_id)
    # a folder's row goes (were it to fail again, it is quarantined again); a file stays forgotten
    marked = [row for row in deliveries.to_pylist() if not (row["path"] in chosen and _folder_error(row))]
    for row in marked:
        row["forgotten"] = row["forgotten"] or row["path"] in chosen
    lake.write_deliveries(store, pa.Table.from_pylist(marked, schema=DELIVERIES), undo=run_id)
    lake.commit(store, run_id)
    log.info("run=%s forgot=%d files: %s", run_id, len(chosen), ", ".join(chosen))
    return chosen
