"""Read one raw file into records: (line, {column: text}) pairs, whatever its format.

Formats: `.csv` and `.csv.gz` (UTF-8 with or without BOM, falling back to Windows-1257, the
Lithuanian code page; delimiter `,` or `;`, where `;` files may use decimal commas), `.json`
(an array of objects), `.jsonl` / `.ndjson` (one object per line). NOTAM text is read by
`notam.py`. A file that cannot be read at all raises RawFileError; a single bad record comes back
as a `BadRecord` so the rest of the file still lands.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from balloons.errors import RawFileError

log = logging.getLogger(__name__)

FORMATS = (".csv", ".csv.gz", ".json", ".jsonl", ".ndjson", ".notam")


@dataclass(frozen=True)
class RawFile:
    """A raw file found under raw/<table>/: its path relative to raw/ (POSIX), digest and stat."""

    path: str
    table: str
    sha256: str
    location: Path
    size_bytes: int = 0
    mtime_ns: int = 0


@dataclass(frozen=True)
class Record:
    """One raw record: its line (or element / NOTAM number) and its fields as text."""

    line: int
    fields: dict[str, str]
    decimal_comma: bool = False
    op: str = "N"
    """NOTAM operation: N (new), R (replaces `ref`), C (cancels `ref`); N for other formats."""
    ref: str | None = None


@dataclass(frozen=True)
class BadRecord:
    """A record that could not even be split into fields."""

    line: int
    reason: str
    raw: str


def file_format(name: str) -> str | None:
    """The format suffix of a raw file name, or None for files balloons does not read."""
    lower = name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


def decode(data: bytes, *, name: str) -> str:
    """Decode raw bytes: UTF-8 (BOM allowed), else Windows-1257; binary junk is refused."""
    if b"\x00" in data[:4096]:
        raise RawFileError(f"{name} looks binary (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.warning("file=%s is not valid UTF-8; decoding it as Windows-1257", name)
        text = data.decode("cp1257", errors="replace")
    if text.count("\ufffd") > max(8, len(text) // 100):
        raise RawFileError(f"{name} is neither UTF-8 nor Windows-1257 text")
    return text


def read_bytes(data: bytes, *, name: str) -> bytes:
    """Uncompress `.gz` files; a truncated or corrupt archive raises RawFileError."""
    if not name.lower().endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise RawFileError(f"{name} is not a complete gzip file ({exc})") from exc


def records(data: bytes, *, name: str) -> Iterator[Record | BadRecord]:
    """Yield the records of a raw CSV or JSON file (NOTAM text goes to `notam.py`)."""
    fmt = file_format(name)
    if fmt is None or fmt == ".notam":
        suffix = PurePosixPath(name).suffix or "extension-less"
        raise RawFileError(
            f"{name}: balloons does not read {suffix} files here; "
            f"deliver {', '.join(FORMATS[:-1])} (or .notam under raw/closures/)"
        )
    if not data:
        raise RawFileError(f"{name} is empty (0 bytes)")
    text = decode(read_bytes(data, name=name), name=name)
    if fmt in (".csv", ".csv.gz"):
        yield from _csv_records(text, name=name)
    elif fmt == ".json":
        yield from _json_records(text, name=name)
    else:
        yield from _jsonl_records(text)


def delimiter_of(header_line: str) -> str:
    """`;` when the header has more semicolons than commas, else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_header(row: list[str], *, name: str) -> list[str]:
    """The stripped column names of a header row; repeated names make the file unreadable."""
    header = [column.strip() for column in row]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise RawFileError(f"{name} repeats column name(s): {', '.join(repeated)}")
    return header


def csv_record(line: int, row: list[str], header: list[str], delimiter: str) -> Record | BadRecord | None:
    """One CSV row as a record; None for a blank row, which is not a record at all."""
    if not row or all(not value.strip() for value in row):
        return None
    if len(row) != len(header):
        return BadRecord(
            line,
            f"expected {len(header)} fields separated by {delimiter!r}, found {len(row)}",
            delimiter.join(row),
        )
    return Record(line, dict(zip(header, row, strict=True)), decimal_comma=delimiter == ";")


def _csv_records(text: str, *, name: str) -> Iterator[Record | BadRecord]:
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise RawFileError(f"{name} has no header line")
    delimiter = delimiter_of(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = csv_header(next(reader), name=name)
    except csv.Error as exc:
        raise RawFileError(f"{name}: the header line is not valid CSV ({exc})") from exc
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(previous_end + 1, f"not valid CSV: {exc}", "")
            previous_end = reader.line_num
            continue
        start = previous_end + 1
        previous_end = reader.line_num
        record = csv_record(start, row, header, delimiter)
        if record is not None:
            yield record


def _as_fields(obj: dict[str, object]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for key, value in obj.items():
        if value is None:
            continue
        if isinstance(value, (bool, dict, list)):
            return None
        out[str(key).strip()] = str(value)
    return out


def _json_records(text: str, *, name: str) -> Iterator[Record | BadRecord]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RawFileError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(document, list):
        raise RawFileError(
            f"{name} must hold a JSON array of objects, not a {type(document).__name__}"
        )
    for index, element in enumerate(document, start=1):
        yield _json_object(index, element)


def _jsonl_records(text: str) -> Iterator[Record | BadRecord]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            element = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRecord(number, f"not valid JSON ({exc.msg})", line[:2000])
            continue
        yield _json_object(number, element)


def _json_object(line: int, element: object) -> Record | BadRecord:
    raw = json.dumps(element, ensure_ascii=False, default=str)[:2000]
    if not isinstance(element, dict):
        return BadRecord(line, f"expected a JSON object, found {type(element).__name__}", raw)
    fields = _as_fields(element)
    if fields is None:
        return BadRecord(line, "values must be text, numbers or null, not objects or lists", raw)
    return Record(line, fields)
