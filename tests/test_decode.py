"""Readers: every format decodes into the one staging shape (decode.py)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import duckdb
import pytest

from balloons.errors import RawFileError
from balloons.ingest import RawFile
from balloons.ingest.decode import NOT_UTF8, STAGING_COLUMNS, _check_plain, decode
from balloons.ingest.rawfile import DEFAULT_LIMITS

Q = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005"
FLIGHTS = "airport,direction,flight_number,scheduled_at\nEYVI,arrival,BT1,2025-10-04T20:30\n"
FILES = {
    "flights/plain.csv": FLIGHTS.encode(),
    "flights/quoted.csv": FLIGHTS.replace("BT1", '"BT1"').encode(),
    "flights/w1257.csv": FLIGHTS.replace("BT1", "Š1").encode("cp1257"),
    "flights/f'q.jsonl": b'{"airport": "EYVI", "direction": "arrival", "flight_number": "BT1", "scheduled_at": "x"}\n',
    "closures/n.notam": f"(A0200/25 NOTAMN {Q} A) EYVI B) 2510042000 C) 2510042200 E) AD CLSD.)\n".encode(),
}


@pytest.mark.parametrize("path", sorted(FILES))
def test_every_format_decodes_to_text_with_its_source_file_and_line(tmp_path: Path, path: str) -> None:
    """Found by a fresh-eyes audit of issue 16: the staging shape carried the run's number for a
    file, not its path (`source_file`)."""
    location = tmp_path / "raw" / path
    location.parent.mkdir(parents=True)
    location.write_bytes(FILES[path])
    raw = RawFile(path, path.split("/")[0], "0" * 64, location, size_bytes=len(FILES[path]))
    (tmp_path / "work").mkdir()
    con = duckdb.connect()
    decode(con, raw, 3, limits=DEFAULT_LIMITS, airports={}, work=tmp_path / "work")
    columns = dict(con.execute("select column_name, column_type from (describe decoded_3)").fetchall())
    assert set(STAGING_COLUMNS) | {"source_file"} <= set(columns)
    assert columns["source_file"] == columns["airport"] == "VARCHAR"
    assert con.execute("select distinct source_file, source_line from decoded_3").fetchall() == [
        (path, 2 if path.endswith(".csv") else 1)
    ]


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        ("EYVI,Šalčininkai\n".encode() * 50, True),  # letters cut between chunks are still UTF-8
        (("EYVI,ok\n" * 50 + "EYVI,Šalčininkai\n").encode("cp1257"), False),  # past the header, far in
        (b"EYVI,ok\n" * 50 + "Š".encode()[:1], False),  # cut off in the middle of a letter
    ],
    ids=["utf8-letters-cut-by-chunks", "windows-1257-far-in", "cut-letter-at-end"],
)
def test_the_plain_check_finds_a_file_not_utf8_before_duckdb_reads_it(body: bytes, plain: bool) -> None:
    """Found by a re-check: a Windows-1257 file with an ASCII header was read whole by read_csv,
    every row holding a letter kept as a rejected row (2.47 GB for 145 MB), before being
    transcoded."""
    header, why = _check_plain(io.BytesIO(b"airport,airline\n" + body), None, chunk_bytes=21)
    assert header == "airport,airline"
    assert why == (None if plain else NOT_UTF8)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cyrillic.csv", ("airport,airline\n" + "EYVI,Гродно\n" * 50).encode("cp1251")),
        ("cut.csv.gz", gzip.compress(("airport,airline\n" + "EYVI,Šiauliai\n" * 500).encode("cp1257"), mtime=0)[:-40]),
        ("broken16.csv", "airport,airline\nEYVI,x\n".encode("utf-16") + b"\x00\xd8"),
    ],
    ids=["cyrillic", "cut-archive", "broken-utf16"],
)
def test_a_file_refused_while_transcoded_leaves_no_work_file(tmp_path: Path, name: str, data: bytes) -> None:
    """Found by a last read: a transcode refused half way (another code page, a cut archive, broken
    UTF-16) left its inflated or UTF-8 copy in the work folder for the rest of the run."""
    location = tmp_path / name
    location.write_bytes(data)
    raw = RawFile(f"flights/{name}", "flights", "0" * 64, location, size_bytes=len(data))
    (tmp_path / "work").mkdir()
    with pytest.raises(RawFileError):
        decode(duckdb.connect(), raw, 1, limits=DEFAULT_LIMITS, airports={}, work=tmp_path / "work")
    assert list((tmp_path / "work").iterdir()) == []
