"""Ingest: raw files into the lake, one engine for every table and format (docs/ingest.md).

- `run`: find new or changed raw files, parse them, merge them, log every file (the entry points);
- `decode` (with `rawfile`, `notam`, `schedule`, `sun`): readers, text in one staging shape;
- `validate` (with `columns` and `sql/`): every rule once, in SQL; ids, hashes, months;
- `parse`: decode + validate per table, staged rows and quarantine per file;
- `merge` (with `sql/resolve.sql`): ownership, the current records derived from contributions.
"""

from balloons.ingest.run import (
    Counts,
    LocalSteps,
    Merged,
    Parsed,
    RawFile,
    Spill,
    Steps,
    Summary,
    begin,
    by_table,
    drive,
    finish,
    forget,
    ingest,
    merge_table,
    new_run_id,
    parse_file,
    parse_files,
    prepare,
    scan,
    set_aside,
)

__all__ = [
    "Counts",
    "LocalSteps",
    "Merged",
    "Parsed",
    "RawFile",
    "Spill",
    "Steps",
    "Summary",
    "begin",
    "by_table",
    "finish",
    "forget",
    "ingest",
    "merge_table",
    "new_run_id",
    "parse_file",
    "parse_files",
    "prepare",
    "scan",
    "set_aside",
    "drive",
]
