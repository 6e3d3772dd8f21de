"""Read one raw file into records: (line, {column: text}) pairs, whatever its format.

Formats: `.csv` and `.csv.gz` (UTF-8 with or without BOM, UTF-16 with its BOM, falling back to
Windows-1257, the Lithuanian code page; delimiter `,` or `;`, where `;` files may use decimal commas), `.json`
(an array of objects), `.jsonl` / `.ndjson` (one object per line). NOTAM text is read by
`notam.py`. A file that cannot be read at all raises RawFileError; a single bad record comes back
as a `BadRecord` so the rest of the file still lands.

Hostile input is bounded by `Limits` (settings `BALLOONS_MAX_*`): `.gz` files inflate as a stream
and stop at a size and a ratio; JSON nests only so deep and its integers stay text until
validation, which bounds their digits; a JSONL line has a maximum length.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import hashlib
import io
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from balloons.errors import RawFileError
from balloons.settings import Settings

log = logging.getLogger(__name__)

FORMATS = (".csv", ".csv.gz", ".json", ".jsonl", ".ndjson", ".notam")
ASCII_SPACE = " \t\n\x0b\x0c\r"
"""The whitespace a value is trimmed of (as the `txt` macro of `sql/macros.sql` does)."""


RATIO_FLOOR = 16 << 20
"""Inflated bytes below which the decompression ratio is not checked (small files compress well)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for reading one raw file; past one, the file or record is quarantined."""

    decompressed_bytes: int = 16 << 30
    decompression_ratio: int = 100
    record_file_bytes: int = 128 << 20
    line_bytes: int = 1 << 20
    field_chars: int = 10_000
    json_depth: int = 32
    number_digits: int = 30
    notam_windows: int = 2_000

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_decompressed_bytes,
            settings.max_decompression_ratio,
            settings.max_record_file_bytes,
            settings.max_line_bytes,
            settings.max_field_chars,
            settings.max_json_depth,
            settings.max_number_digits,
            settings.max_notam_windows,
        )


DEFAULT_LIMITS = Limits()


class BoundedGzip(io.RawIOBase):
    """A gzip stream that inflates lazily and raises RawFileError on a broken archive, past `cap`
    inflated bytes, or once (past RATIO_FLOOR) it has inflated more than `decompression_ratio`
    times the compressed bytes it consumed: a bomb is caught after a few MiB, whatever its size."""

    def __init__(self, compressed: IO[bytes], *, name: str, cap: int, limits: Limits) -> None:
        self._compressed = compressed
        self._inner = gzip.GzipFile(fileobj=compressed)
        self._name, self._cap, self._limits = name, cap, limits
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            chunk = self._inner.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            after_data = self.inflated or self._inner.tell()  # the read may have inflated a member first
            if isinstance(exc, gzip.BadGzipFile) and str(exc).startswith("Not a gzipped file") and after_data:
                # read as the header of one more member: bytes after the gzip data
                raise RawFileError(f"{self._name} holds bytes that are not gzip after its gzip data") from exc
            raise RawFileError(f"{self._name} is not a complete gzip file ({exc})") from exc
        self.inflated += len(chunk)
        ratio = self._limits.decompression_ratio
        if self.inflated > self._cap:
            raise RawFileError(
                f"{self._name} inflates past {self._cap:,} bytes (limits: "
                f"BALLOONS_MAX_DECOMPRESSED_BYTES {self._limits.decompressed_bytes:,}, "
                f"BALLOONS_MAX_RECORD_FILE_BYTES {self._limits.record_file_bytes:,} for files read "
                "record by record)"
            )
        if self.inflated > RATIO_FLOOR and self.inflated > ratio * max(self._compressed.tell(), 1):
            raise RawFileError(
                f"{self._name} inflates more than {ratio} times its compressed size "
                "(BALLOONS_MAX_DECOMPRESSION_RATIO): a decompression bomb"
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)


def bounded_stream(compressed: IO[bytes], *, name: str, cap: int, limits: Limits) -> IO[bytes]:
    """A buffered reader over `BoundedGzip`."""
    return cast(IO[bytes], io.BufferedReader(BoundedGzip(compressed, name=name, cap=cap, limits=limits), 1 << 20))


@dataclass(frozen=True)
class RawFile:
    """A raw file found under raw/<table>/: its path relative to raw/ (POSIX), digest and stat."""

    path: str
    table: str
    sha256: str
    location: Path
    size_bytes: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    inode: int = 0
    error: str | None = None
    """Why the file could not even be listed or read (it is then quarantined whole)."""


@dataclass(frozen=True)
class Record:
    """One raw record: its line (or element / NOTAM number) and its fields as text."""

    line: int
    fields: dict[str, str]
    decimal_comma: bool = False
    op: str = "N"
    """NOTAM operation: N (new), R (replaces `ref`), C (cancels `ref`); N for other formats."""
    ref: str | None = None
    raw: str | None = None
    """The record's own text where a reader keeps it (a JSON element or JSONL line, 2,000
    characters at most), for quarantine; else it is shown as its fields."""


@dataclass(frozen=True)
class BadRecord:
    """A record that could not even be split into fields."""

    line: int
    reason: str
    raw: str


def sha256_of(location: Path) -> str:
    """The sha256 of a file's bytes, read a MiB at a time: what a delivery is known by."""
    digest = hashlib.sha256()
    with open(location, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


SIDECAR_SUFFIX = ".json"
"""A fetched payload `X` is followed by its sidecar `X.json`, saying where it came from."""

_FETCHED_NAME = re.compile(r"([0-9]{4})([0-9]{2})[0-9]{2}T[0-9]{6}Z(?:-[0-9]+)?\..+\Z")
"""How fetching names a payload: its UTC stamp, a number from a fetch's second file on, a suffix."""


def sidecar_of(location: Path) -> Path | None:
    """The payload that `location`, a sidecar `X.json`, describes: `X`, a raw file beside it or,
    named and placed as fetching names and places payloads (`<YYYY>/<MM>/<UTC stamp>.<ext>`), one
    an operator deleted (its sidecar is still no raw file; read as JSON it was quarantined at every
    run). None when `location` is no sidecar."""
    name = location.name
    if not name.endswith(SIDECAR_SUFFIX):
        return None
    payload = location.parent / name[: -len(SIDECAR_SUFFIX)]
    if file_format(payload.name) is None:
        return None
    if payload.is_file():
        return payload
    fetched = _FETCHED_NAME.fullmatch(payload.name)
    placed = fetched is not None and [location.parent.parent.name, location.parent.name] == [fetched[1], fetched[2]]
    return payload if placed else None


def file_format(name: str) -> str | None:
    """The format suffix of a raw file name, or None for files balloons does not read."""
    lower = name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


_CYRILLIC_WORD = re.compile(r"(?<![^\W\d_])(?<![˙÷×])(?:[^\W\d_a-zA-Z]|[˙÷×]){3,}(?![^\W\d_])(?![˙÷×])")
"""A word of three or more letters, none of them ASCII: what a Cyrillic word becomes read as
Windows-1257 (`Гродно` as `Ćšīäķī`; я, ч and в become `˙ ÷ ×`, counted as letters here). Baltic and
Polish words mix ASCII letters with their own (`šķēļu`, `jäääär`, `Šalčininkų`)."""

_TRAILING_LETTERS = re.compile(r"(?:[^\W\d_]|[˙÷×])*\Z")
"""The letters (as `_CYRILLIC_WORD` counts them) that end a text."""

CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20)])
"""Bytes text seldom holds (tab, line feed, vertical tab, form feed and carriage return aside)."""


BINARY_SIGNATURES = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"%PDF-",
    b"\x89PNG",
    b"\x7fELF",
    b"\xd0\xcf\x11\xe0",
    b"\xff\xd8\xff",
)
"""How zip files (xlsx, docx), PDF, PNG, programs, old Office files and JPEG begin: binary however
few control bytes their first 4 KiB hold (a zip of stored text holds little else)."""


def _looks_utf16(head: bytes) -> bool:
    """Text of two-byte units: NUL bytes in one parity (the high byte of ASCII letters) and hardly
    any in the other (a run of NUL padding fills both)."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) > len(head) // 4 and min(even, odd) < len(head) // 40


def _looks_binary(head: bytes) -> bool:
    """Control bytes past 1 % of the head, on one unbroken line or spread over more than a tenth of
    its lines (at least three): a text file with a record padded with NUL bytes is read, and that
    record is quarantined by the rules."""
    if len(head) - len(head.translate(None, CONTROL_BYTES)) <= max(1, len(head) // 100):
        return False
    lines = head.replace(b"\r", b"\n").split(b"\n")
    marked = sum(len(line.translate(None, CONTROL_BYTES)) < len(line) for line in lines)
    return len(lines) == 1 or marked > max(2, len(lines) // 10)


REPLACEMENT_UTF8 = "\ufffd".encode()


class Encoding:
    """Which encoding a raw text file is in, told from its bytes fed in order (`feed`), whole or
    a chunk at a time, so a file of any size is judged without being held (`decide`): UTF-16 with
    its byte-order mark (as spreadsheets save "Unicode text"), UTF-8 (BOM allowed), else
    Windows-1257. A file that is UTF-8 but for some bytes (at least one valid UTF-8 character per
    ten bytes that are not: a Windows-1257 text reads as few or none) is read as UTF-8, those bytes
    as U+FFFD, which the rules refuse in any value and any column name (so only their records are
    quarantined, or the file for a CSV header). Binary junk (a NUL byte, and control bytes past 1 %
    of the first 4 KiB, see `_looks_binary`) is refused; stray NUL bytes in text are not: the
    record holding them is quarantined by the rules."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._head = b""
        self._utf16: bool | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._bad = self._beyond_ascii = 0
        self._carry = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if self._utf16 is None:
            self._head += chunk[: 4096 - len(self._head)]
            if len(self._head) >= 4096 or final:
                self._check_head()
        if self._utf16:
            return
        text = self._utf8.decode(chunk, final)
        # bytes that are no UTF-8, not a U+FFFD the file writes (which a chunk may split)
        joined = self._carry + chunk
        bad = text.count("\ufffd") - joined.count(REPLACEMENT_UTF8)
        self._carry = joined[-2:]
        self._bad += bad
        self._beyond_ascii += len(text) - len(text.encode("ascii", "ignore")) - bad

    def check_head(self, head: bytes) -> bool:
        """Look at the file's first 4 KiB (raises for binary junk); True for UTF-16 with its mark.
        `feed` calls it once it has them; a caller holding them may call it first."""
        self._head = head[:4096]
        self._check_head()
        return bool(self._utf16)

    def _check_head(self) -> None:
        data = self._head
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._utf16 = True
            return
        self._utf16 = False
        if data.startswith(BINARY_SIGNATURES):
            raise RawFileError(f"{self.name} looks binary (a zip, spreadsheet, PDF, image or program file), not text")
        if b"\x00" in data and _looks_utf16(data):
            raise RawFileError(f"{self.name} looks like UTF-16 text without a byte-order mark; save it as UTF-8")
        if b"\x00" in data and _looks_binary(data):
            raise RawFileError(f"{self.name} looks binary (NUL and other control bytes), not text")

    def decide(self, again: Callable[[], Iterable[bytes]]) -> str:
        """The codec to read the whole file with, once every byte was fed (the last with `final`);
        `again` gives the bytes once more, to look at them as Windows-1257 when they are not UTF-8.
        Raises RawFileError for a file that is none of these."""
        if self._utf16:
            return "utf-16"
        if not self._bad:
            return "utf-8-sig"
        if self._beyond_ascii and self._beyond_ascii * 10 >= self._bad:
            log.warning(
                "file=%s is UTF-8 with %d byte(s) that are not; the records holding them are refused",
                self.name,
                self._bad,
            )
            return "utf-8-sig"
        log.warning("file=%s is not valid UTF-8; decoding it as Windows-1257", self.name)
        decoder = codecs.getincrementaldecoder("cp1257")(errors="replace")
        chars = undefined = 0
        cyrillic = None
        pending = ""
        for chunk in _with_end(again()):
            text = decoder.decode(chunk, not chunk)
            chars += len(text)
            undefined += text.count("\ufffd")
            if cyrillic is None:
                # the letters that end a chunk may go on in the next: looked at once they end
                pending += text
                going_on = _TRAILING_LETTERS.search(pending)
                ends = going_on.start() if going_on else len(pending)
                cut = ends if chunk and len(pending) - ends < 4096 else len(pending)
                if cut > 0:
                    run = _CYRILLIC_WORD.search(pending, 0, cut)
                    cyrillic = run.group() if run else None
                    pending = pending[cut - 1 :]
        if undefined > max(8, chars // 100):
            raise RawFileError(f"{self.name} is neither UTF-8 nor Windows-1257 text")
        if cyrillic:  # Windows-1257 decodes any byte: a Cyrillic code page would land garbled
            raise RawFileError(
                f"{self.name} is neither UTF-8 nor Windows-1257 text: read as Windows-1257 it shows "
                f"{cyrillic!r}, so it is in another code page (Cyrillic?); save it as UTF-8"
            )
        return "cp1257"


def decode(data: bytes, *, name: str) -> str:
    """Raw bytes as text, in the encoding `Encoding` tells from them."""
    encoding = Encoding(name)
    if not encoding.check_head(data):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8-sig")  # most files: decoded once, no counting
    encoding.feed(data, final=True)
    codec = encoding.decide(lambda: [data])
    try:
        return data.decode(codec, errors="strict" if codec == "utf-16" else "replace")
    except UnicodeDecodeError as exc:
        raise RawFileError(f"{name} starts as UTF-16 text but is not ({exc.reason} at byte {exc.start})") from exc


def _chunks(source: Path, size: int) -> Iterator[bytes]:
    with open(source, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def transcode(source: Path, target: Path, *, name: str, chunk_bytes: int = 32 << 20) -> bool:
    """Write the text of the file at `source` to `target` as UTF-8, a chunk at a time: one pass
    tells the encoding (`Encoding`), the next writes. True when bytes were read as U+FFFD."""
    encoding = Encoding(name)
    for chunk in _chunks(source, chunk_bytes):
        encoding.feed(chunk)
    encoding.feed(b"", final=True)
    codec = encoding.decide(lambda: _chunks(source, chunk_bytes))
    # UTF-8 with its mark taken off by hand: the incremental utf-8-sig decoder drops a lone 0xEF
    # at the end of a file, where a whole decode reads it as U+FFFD
    sig = codec == "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8" if sig else codec)(
        errors="strict" if codec == "utf-16" else "replace"
    )
    replaced = started = False
    offset = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        for chunk in _with_end(_chunks(source, chunk_bytes)):
            try:
                text = decoder.decode(chunk, not chunk)
            except UnicodeDecodeError as exc:
                raise RawFileError(
                    f"{name} starts as UTF-16 text but is not ({exc.reason} at byte {offset + exc.start})"
                ) from exc
            offset += len(chunk)
            if text and not started:
                started = True
                text = text.removeprefix("\ufeff") if sig else text
            replaced = replaced or "\ufffd" in text
            out.write(text)
    return replaced


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks`, then an empty one: the end, which flushes an incremental decoder."""
    yield from chunks
    yield b""


def read_bytes(data: bytes, *, name: str, limits: Limits = DEFAULT_LIMITS, compressed: bool | None = None) -> bytes:
    """Uncompress gzip (`compressed`, by default a name ending in .gz) as a bounded stream; a
    truncated, corrupt or oversized archive (or a plain file over `limits.record_file_bytes`) raises
    RawFileError."""
    cap = limits.record_file_bytes
    if not (name.lower().endswith(".gz") if compressed is None else compressed):
        if len(data) > cap:
            raise RawFileError(
                f"{name} holds {len(data):,} bytes, over the {cap:,} bytes a file read record by "
                "record may hold (BALLOONS_MAX_RECORD_FILE_BYTES)"
            )
        return data
    stream = BoundedGzip(io.BytesIO(data), name=name, cap=min(cap, limits.decompressed_bytes), limits=limits)
    return stream.read()


def _every_column(column: str) -> bool:
    return True


def records(
    data: bytes,
    *,
    name: str,
    limits: Limits = DEFAULT_LIMITS,
    reads: Callable[[str], bool] = _every_column,
    compressed: bool | None = None,
) -> Iterator[Record | BadRecord]:
    """Yield the records of a raw CSV or JSON file (NOTAM text goes to `notam.py`); `reads` tells
    the CSV columns the file's table reads (see `csv_header`); `compressed`: `data` is gzip (by
    default, when `name` ends in .gz)."""
    fmt = file_format(name)
    if fmt is None or fmt == ".notam":
        suffix = PurePosixPath(name).suffix or "extension-less"
        raise RawFileError(
            f"{name}: balloons does not read {suffix} files here; "
            f"deliver {', '.join(FORMATS[:-1])} (or .notam under raw/closures/)"
        )
    if not data:
        raise RawFileError(f"{name} is empty (0 bytes)")
    text = decode(read_bytes(data, name=name, limits=limits, compressed=compressed), name=name)
    if fmt in (".csv", ".csv.gz"):
        yield from _csv_records(text, name=name, reads=reads)
    elif fmt == ".json":
        yield from _json_records(text, name=name, limits=limits)
    else:
        yield from _jsonl_records(text, limits=limits)


def delimiter_of(header_line: str) -> str:
    """`;` when the header has more semicolons than commas, else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_header(row: list[str], *, name: str, reads: Callable[[str], bool] = _every_column) -> list[str]:
    """The stripped column names of a header row. A repeated name that `reads` (the columns the
    file's table reads) makes the file unreadable: which value would count? A repeated name of a
    column that is ignored anyway (the empty names of a spreadsheet's trailing separators, say)
    is shown with its position instead, `(column 6)`, and ignored like any other."""
    header = [column.strip() for column in row]
    counts = Counter(header)
    repeated = sorted(column for column, n in counts.items() if n > 1 and reads(column))
    if repeated:
        raise RawFileError(f"{name} repeats column name(s): {', '.join(repeated)}")
    taken = {column for column in header if counts[column] == 1}
    named = []
    for place, column in enumerate(header, start=1):
        if counts[column] > 1:
            column = f"{column} (column {place})".lstrip()
            while column in taken:  # a header may name a column so itself
                column += "'"
            taken.add(column)
        named.append(column)
    return named


def csv_record(line: int, row: list[str], header: list[str], delimiter: str) -> Record | BadRecord | None:
    """One CSV row as a record; None for a blank row (every field empty or ASCII whitespace, the
    rule DuckDB's reader of plain CSV applies too), which is not a record at all."""
    if not row or all(not value.strip(ASCII_SPACE) for value in row):
        return None
    if len(row) != len(header):
        return BadRecord(
            line,
            f"expected {len(header)} fields separated by {delimiter!r}, found {len(row)}",
            delimiter.join(row),
        )
    return Record(line, dict(zip(header, row, strict=True)), decimal_comma=delimiter == ";")


_LINE_END = re.compile(r"\r\n|\r|\n")


def _csv_records(text: str, *, name: str, reads: Callable[[str], bool]) -> Iterator[Record | BadRecord]:
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise RawFileError(f"{name} has no header line")
    delimiter = delimiter_of(first_line)
    # the csv module refuses a field past its own limit (131,072 characters by default), which is
    # no setting of ours: lift it to the text's length, and BALLOONS_MAX_FIELD_CHARS judges
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = csv_header(next(reader), name=name, reads=reads)
    except csv.Error as exc:
        raise RawFileError(f"{name}: the header line is not valid CSV ({exc})") from exc
    previous_end = reader.line_num
    lines: list[str] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines = lines or _LINE_END.split(text)  # as the reader counts them: \r\n, \r or \n
            yield BadRecord(previous_end + 1, f"not valid CSV: {exc}", "\n".join(lines[previous_end : reader.line_num]))
            previous_end = reader.line_num
            continue
        start = previous_end + 1
        previous_end = reader.line_num
        record = csv_record(start, row, header, delimiter)
        if record is not None:
            yield record


def _as_fields(obj: dict[str, object]) -> dict[str, str] | str:
    """The object's values as text, or why it has none: the first key whose value is an object or
    a list. JSON's true and false become the text `true` and `false`, for the column's own rule to
    judge (a closure's flags accept them, a count does not)."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            found = "an object" if isinstance(value, dict) else "a list"
            return f"values must be text, numbers, true, false or null: {_shown(key)} is {found}"
        if isinstance(value, str) and not _is_text(value):
            return f"{_shown(key)} holds an unpaired surrogate escape (\\ud800 to \\udfff), which is not text"
        out[str(key).strip()] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _is_text(value: str) -> bool:
    """False for a string holding a lone surrogate (JSON's `\\ud800` without its pair): no text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(key: str) -> str:
    """A JSON key as a reason quotes it (keys are text: `_object` escapes a lone surrogate)."""
    return json.dumps(key, ensure_ascii=False)[:60]


class _RepeatedKeys(dict[str, Any]):
    """A JSON object that gives a key more than once (the json module would keep the last)."""

    repeated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key holding a lone surrogate (no text, never a column's name) is kept as
    its escape (`x\\udc00`), so logs and reasons that name it stay text."""
    if not all(_is_text(key) for key, _ in pairs):
        pairs = [(key if _is_text(key) else key.encode("utf-8", "backslashreplace").decode(), v) for key, v in pairs]
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    repeated = _RepeatedKeys(out)
    repeated.repeated = sorted(key for key, n in Counter(key for key, _ in pairs).items() if n > 1)
    return repeated


def _as_written(text: str) -> str:
    """A JSON number (or NaN, Infinity) kept as the file wrote it: the column rules read it as they
    read CSV text, and a reason quotes `1e2` or `NaN`, not Python's `100.0` or `nan` (and a long
    integer never reaches Python's int(), which refuses past 4,300 digits)."""
    return text


def _loads(text: str) -> object:
    return json.loads(
        text, object_pairs_hook=_object, parse_int=_as_written, parse_float=_as_written, parse_constant=_as_written
    )


def _depth(value: object) -> int:
    """Nesting depth of a parsed JSON value (scalars 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_records(text: str, *, name: str, limits: Limits) -> Iterator[Record | BadRecord]:
    """The elements of a JSON array, each parsed when it is reached (the parsed file is never held
    whole). Anything but a valid array of values is the whole file's fault, with the reason the
    json module gives for the whole text."""
    decoder = json.JSONDecoder(
        object_pairs_hook=_object, parse_int=_as_written, parse_float=_as_written, parse_constant=_as_written
    )
    position = _after_space(text, 0)
    if text[position : position + 1] != "[":
        _loads_whole(text, name=name, limits=limits)  # raises: not JSON, or not an array
    position = _after_space(text, position + 1)
    index = 0
    try:
        if text[position : position + 1] == "]":
            position += 1
        else:
            while True:
                start = position
                element, position = decoder.raw_decode(text, position)
                index += 1
                yield _json_object(index, element, limits=limits, base_depth=1, text=text[start:position][:2000])
                position = _after_space(text, position)
                if text[position : position + 1] == ",":
                    position = _after_space(text, position + 1)
                    continue
                if text[position : position + 1] != "]":
                    raise json.JSONDecodeError("array not closed", text, position)
                position += 1
                break
        if _after_space(text, position) != len(text):
            raise json.JSONDecodeError("Extra data", text, position)
    except (json.JSONDecodeError, RecursionError):
        _loads_whole(text, name=name, limits=limits)  # the json module's own reason for the file
        raise  # (not reached: the whole text is not valid JSON either)


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
"""What JSON allows between values."""


def _after_space(text: str, position: int) -> int:
    """The first position from `position` on that is not JSON whitespace."""
    found = _JSON_SPACE.match(text, position)
    return found.end() if found else position


def _loads_whole(text: str, *, name: str, limits: Limits) -> object:
    """The whole text parsed; why not as a `RawFileError` naming the file."""
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise RawFileError(f"{name} is not valid JSON ({_json_reason(exc)} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise RawFileError(
            f"{name} nests JSON deeper than the parser can follow (limit BALLOONS_MAX_JSON_DEPTH {limits.json_depth})"
        ) from exc
    if not isinstance(document, list):
        raise RawFileError(f"{name} must hold a JSON array of objects, not {_json_kind(text)}")
    return document


def _json_reason(exc: json.JSONDecodeError) -> str:
    """The json module's message without the position it leaves off ("Unterminated string starting
    at" ends in "at": the caller says where)."""
    return exc.msg.removesuffix(" at")


_LINE_BOUNDARY = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Where `str.splitlines` splits a text (Python's documented line boundaries)."""


def lines_of(text: str) -> Iterator[str]:
    """`text.splitlines()`, one line at a time: a large file's lines are not all held at once."""
    start = 0
    for boundary in _LINE_BOUNDARY.finditer(text):
        yield text[start : boundary.start()]
        start = boundary.end()
    if start < len(text):
        yield text[start:]


def _jsonl_records(text: str, *, limits: Limits) -> Iterator[Record | BadRecord]:
    for number, line in enumerate(lines_of(text), start=1):
        if not line.strip():
            continue
        if len(line) > limits.line_bytes:
            yield BadRecord(
                number, f"line longer than {limits.line_bytes:,} characters (BALLOONS_MAX_LINE_BYTES)", line[:2000]
            )
            continue
        try:
            element = _loads(line)
        except json.JSONDecodeError as exc:
            yield BadRecord(number, f"not valid JSON ({_json_reason(exc)})", line[:2000])
            continue
        except RecursionError:
            yield BadRecord(
                number,
                f"JSON nested deeper than the parser can follow (limit BALLOONS_MAX_JSON_DEPTH {limits.json_depth})",
                line[:2000],
            )
            continue
        yield _json_object(number, element, limits=limits, base_depth=0, text=line[:2000])


def _json_object(line: int, element: object, *, limits: Limits, base_depth: int, text: str) -> Record | BadRecord:
    """`element` as a record of text fields, or why not. `text` is its own text in the file (a
    JSON array element or a JSONL line), kept to show it in quarantine as the file wrote it."""
    depth = base_depth + _depth(element)
    if depth > limits.json_depth:
        return BadRecord(
            line,
            f"JSON nested {depth} levels deep, over the limit of {limits.json_depth} (BALLOONS_MAX_JSON_DEPTH)",
            text,
        )
    if not isinstance(element, dict):
        return BadRecord(line, f"expected a JSON object, found {_json_kind(text)}", text)
    if isinstance(element, _RepeatedKeys):
        reason = f"the JSON object gives key(s) {', '.join(element.repeated)} more than once"
        return BadRecord(line, reason, text)
    fields = _as_fields(element)
    if isinstance(fields, str):
        return BadRecord(line, fields, text)
    return Record(line, fields, raw=text)


def _json_kind(text: str) -> str:
    """What the JSON value `text` (valid JSON) is, in JSON's own words."""
    first = text.lstrip(" \t\r\n")[:1]
    kinds = {"{": "an object", "[": "an array", '"': "a string", "t": "true", "f": "false", "n": "null"}
    return kinds.get(first, "a number")
