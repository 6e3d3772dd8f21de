"""Ingest raw files into the lake: find new or changed files, parse and validate them,
resolve duplicates and updates, rewrite only the affected month partitions, and log every file.

Accounting, per raw file and run: rows_read = rows_landed + rows_quarantined + rows_duplicate +
rows_superseded + rows_skipped. A record is *duplicate* when a record with the same key and content is already
in the lake or earlier in the run; *superseded* when a later record with the same key (or a
NOTAMR/NOTAMC naming its NOTAM) replaces it within the run. A NOTAMC counts as landed: its effect,
withdrawing a closure, is in the lake. A file that cannot be parsed at all counts as one
quarantined record. A NOTAM message counts once however many windows it lands as; one that is not
an aerodrome closure is *skipped*. A file delivered again with new content first takes back everything it
contributed before.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from balloons import lake
from balloons.fetch.rawstore import is_sidecar
from balloons.lake import Lake
from balloons.merge import Counts, Merged, base_counts, merge_table
from balloons.parse import Parsed, Spill, data_columns, parse_file
from balloons.rawfile import RawFile
from balloons.schema import INGEST_LOG, QUARANTINE, RECORD_TABLES
from balloons.storage import as_store
from balloons.validate import Context

__all__ = ["Counts", "Merged", "Parsed", "RawFile", "Spill", "Summary", "data_columns", "ingest", "merge_table",
           "parse_file", "prepare", "scan"]

log = logging.getLogger(__name__)

def sha256_of(location: Path) -> str:
    digest = hashlib.sha256()
    with open(location, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Summary:
    """What an ingest run did, for the CLI summary line and the Prefect artifacts."""

    run_id: str
    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    partitions_written: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    def line(self) -> str:
        c = self.counts
        return (
            f"files read {self.files_read} (unchanged {self.files_unchanged}), rows read {c.read}, "
            f"landed {c.landed}, quarantined {c.quarantined}, duplicates {c.duplicate}, "
            f"superseded {c.superseded}, skipped {c.skipped}, partitions written {len(self.partitions_written)}"
        )


def scan(raw_dir: Path, known: dict[str, tuple[int, int, str]] | None = None) -> list[RawFile]:
    """Every file under raw/<table>/ (any depth; hidden files and fetch sidecars skipped), sorted by path.

    `known` maps a path to the (size, mtime_ns, sha256) the ingest log last saw: a file whose size
    and modification time are unchanged is not read again to compute its digest.
    """
    known = known or {}
    found = []
    skipped = 0
    root = raw_dir.resolve()
    for table in RECORD_TABLES:
        base = root / table
        if not base.is_dir():
            continue
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                location = Path(folder) / name
                if name.startswith(".") or location.is_symlink() or not location.is_file() \
                        or is_sidecar(location):  # a fetched payload's provenance, not records
                    skipped += 1
                    continue
                relative = location.relative_to(root).as_posix()
                stat = location.stat()
                seen = known.get(relative)
                same = seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns)
                digest = seen[2] if same and seen else sha256_of(location)
                found.append(RawFile(relative, table, digest, location, stat.st_size, stat.st_mtime_ns))
    if skipped:
        log.info("skipped=%d hidden files, links or fetch sidecars under %s", skipped, root)
    return sorted(found, key=lambda f: f.path)


def known_files(ingest_log: pa.Table) -> dict[str, tuple[int, int, str]]:
    """Path → (size, mtime_ns, sha256) as the latest log entry recorded it."""
    rows = zip(ingest_log.column("path").to_pylist(), ingest_log.column("size_bytes").to_pylist(),
               ingest_log.column("mtime_ns").to_pylist(), ingest_log.column("sha256").to_pylist(), strict=True)
    return {path: (size or -1, mtime or -1, digest) for path, size, mtime, digest in rows}


def plan(files: Iterable[RawFile], ingest_log: pa.Table) -> tuple[list[RawFile], list[RawFile], set[str]]:
    """Split files into (to read, unchanged) by the digest the log last saw for each path.

    Also returns the paths that contributed rows before and so must be cleaned up when read.
    """
    last: dict[str, str] = {}
    for path, digest in zip(ingest_log.column("path").to_pylist(),
                            ingest_log.column("sha256").to_pylist(), strict=True):
        last[path] = digest  # log files are read in run order, so the latest wins
    todo: list[RawFile] = []
    unchanged: list[RawFile] = []
    for raw in files:
        (unchanged if last.get(raw.path) == raw.sha256 else todo).append(raw)
    return todo, unchanged, set(last)


def begin(lake_dir: Lake, parsed_files: list[Parsed]) -> None:
    """Journal the files this run writes, so a crash is completed by the next run."""
    lake.write_pending(lake_dir, [p.file.path for p in parsed_files])


def finish(lake_dir: Lake, parsed_files: list[Parsed], merged: list[Merged], *, run_id: str,
           now: datetime) -> Summary:
    """After every table is merged: quarantine, the ingest log, and the end of the journal."""
    summary = Summary(run_id, partitions_written=sorted(p for m in merged for p in m.partitions))
    all_counts = {path: c for m in merged for path, c in m.counts.items()}
    reread = {p.file.path for p in parsed_files}
    old = lake.read_quarantine(lake_dir)
    if old.num_rows:
        old = old.filter(pc.invert(pc.is_in(old.column("source_file"), pa.array(sorted(reread)))))
    new_rows = [dict(q, run_id=run_id, ingested_at=now) for p in parsed_files for q in p.quarantine]
    lake.write_quarantine(lake_dir, pa.concat_tables([old, pa.Table.from_pylist(new_rows, schema=QUARANTINE)]))
    log_rows = []
    for parsed in parsed_files:
        counts = all_counts.get(parsed.file.path) or base_counts(parsed)
        for name in ("read", "landed", "quarantined", "duplicate", "superseded", "skipped"):
            setattr(summary.counts, name, getattr(summary.counts, name) + getattr(counts, name))
        log_rows.append({
            "path": parsed.file.path, "table_name": parsed.file.table, "sha256": parsed.file.sha256,
            "size_bytes": parsed.file.size_bytes, "mtime_ns": parsed.file.mtime_ns,
            "rows_read": counts.read, "rows_landed": counts.landed,
            "rows_quarantined": counts.quarantined, "rows_duplicate": counts.duplicate,
            "rows_superseded": counts.superseded, "rows_skipped": counts.skipped, "run_id": run_id,
            "ingested_at": now,
        })
    lake.write_ingest_log(lake_dir, run_id, pa.Table.from_pylist(log_rows, schema=INGEST_LOG))
    lake.clear_pending(lake_dir)
    lake.clear_work(lake_dir, run_id)
    summary.files_read = len(parsed_files)
    return summary


def write_results(lake_dir: Lake, parsed_files: list[Parsed], *, cleanup: set[str], run_id: str,
                  now: datetime) -> Summary:
    """Write partitions, quarantine and the ingest log for a run's parsed files, in that order."""
    begin(lake_dir, parsed_files)
    merged = [merge_table(lake_dir, table, mine, cleanup=cleanup & {p.file.path for p in mine}, run_id=run_id,
                          now=now)
              for table, mine in by_table(parsed_files).items()]
    return finish(lake_dir, parsed_files, merged, run_id=run_id, now=now)


def by_table(parsed_files: list[Parsed]) -> dict[str, list[Parsed]]:
    """The parsed files of each record table that has any, in table order."""
    groups = {table: [p for p in parsed_files if p.file.table == table] for table in RECORD_TABLES}
    return {table: files for table, files in groups.items() if files}


def prepare(raw_dir: Path, lake_dir: Lake) -> tuple[list[RawFile], list[RawFile], set[str]]:
    """Clear a crashed run's staging leftovers; return (files to read, unchanged files, paths
    whose earlier contributions must be taken back before their new content lands)."""
    leftovers = lake.clean_staging(lake_dir)
    lake.clear_work(lake_dir)
    if leftovers:
        log.warning("removed %d leftover staging file(s) of an interrupted run", leftovers)
    log_table = lake.read_ingest_log(lake_dir)
    todo, unchanged, seen_before = plan(scan(raw_dir, known_files(log_table)), log_table)
    pending = set(lake.read_pending(lake_dir))
    if pending and not todo:
        lake.clear_pending(lake_dir)  # the interrupted run had logged every file: its work is done
    cleanup = (seen_before | pending) & {f.path for f in todo}
    return todo, unchanged, cleanup


def ingest(raw_dir: Path, lake_dir: Lake, *, ctx: Context, run_id: str) -> Summary:
    """Ingest every new or changed raw file; a run over unchanged raw data changes nothing."""
    todo, unchanged, cleanup = prepare(raw_dir, lake_dir)
    spill = Spill(as_store(lake_dir), lake.work_folder(run_id))
    parsed_files = [parse_file(raw, ctx=ctx, spill=spill) for raw in todo]
    summary = (write_results(lake_dir, parsed_files, cleanup=cleanup, run_id=run_id, now=ctx.now)
               if parsed_files else Summary(run_id))
    summary.files_seen = len(todo) + len(unchanged)
    summary.files_unchanged = len(unchanged)
    log.info("run=%s %s", run_id, summary.line())
    return summary
