"""Raw payloads and their sidecars: exact paths, atomic writes, no duplicate payloads, ingest skips sidecars."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from balloons.fetch import cursor, rawstore
from balloons.ingest import scan

AT = datetime(2026, 1, 15, 1, 2, 3, tzinfo=UTC)
CSV = b"detected_at,balloons\n2025-10-04T21:10:00+03:00,3\n"


def test_payload_path_sidecar_and_identical_payload_written_once(tmp_path: Path) -> None:
    meta = {"url": "https://example.org/x.csv", "http_status": 200}
    path = rawstore.write(tmp_path, table="incursions", source="news", fetched_at=AT, ext="csv", payload=CSV, meta=meta)
    assert path == tmp_path / "incursions" / "news" / "2026" / "01" / "20260115T010203Z.csv"
    assert path.read_bytes() == CSV
    sidecar = json.loads(Path(f"{path}.json").read_text())
    assert sidecar["sha256"] == rawstore.sha256_hex(CSV) and sidecar["url"] == meta["url"]
    assert sidecar["file"] == path.name and sidecar["size_bytes"] == len(CSV)
    assert (
        rawstore.write(tmp_path, table="incursions", source="news", fetched_at=AT, ext="csv", payload=CSV, meta=meta)
        is None
    )
    changed = rawstore.write(
        tmp_path,
        table="incursions",
        source="news",
        fetched_at=AT,
        ext="csv",
        payload=CSV + b"2025-10-05T21:10:00+03:00,1\n",
        meta=meta,
    )
    assert changed is not None and changed.name == "20260115T010203Z-2.csv"  # same second, new name
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file left behind


def test_parts_are_compared_with_their_own_last_payload(tmp_path: Path) -> None:
    kwargs = {"table": "flights", "source": "sky", "fetched_at": AT, "ext": "jsonl", "meta": {}}
    assert rawstore.write(tmp_path, payload=b'{"a": 1}\n', part="2026-01-13", **kwargs)
    assert rawstore.write(tmp_path, payload=b'{"a": 2}\n', part="2026-01-14", **kwargs)
    assert rawstore.write(tmp_path, payload=b'{"a": 2}\n', part="2026-01-14", **kwargs) is None
    assert rawstore.write(tmp_path, payload=b'{"a": 1}\n', part="2026-01-13", **kwargs) is None


def test_ingest_scan_skips_sidecars_but_reads_a_json_payload(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    rawstore.write(raw, table="incursions", source="news", fetched_at=AT, ext="csv", payload=CSV, meta={})
    rawstore.write(raw, table="incursions", source="feed", fetched_at=AT, ext="json", payload=b"[]", meta={})
    (raw / "incursions" / "manual.json").write_text("[]")  # a user's JSON file with no payload beside it
    found = sorted(f.path for f in scan(raw))
    assert found == [
        "incursions/feed/2026/01/20260115T010203Z.json",
        "incursions/manual.json",
        "incursions/news/2026/01/20260115T010203Z.csv",
    ]


def test_the_sidecar_of_a_payload_an_operator_deleted_is_no_raw_file(tmp_path: Path) -> None:
    """It was read as JSON and quarantined at every run. Fetching no longer counts it either: the
    same bytes fetched again are written again, as the payload is gone."""
    raw = tmp_path / "raw"
    kwargs = {"table": "incursions", "source": "news", "ext": "csv", "payload": CSV, "meta": {}}
    path = rawstore.write(raw, fetched_at=AT, **kwargs)
    assert path is not None
    path.unlink()
    (raw / "incursions" / "notes.csv.json").write_text("[]")  # a user's file, named as no fetch names one
    (raw / "incursions" / "20260115T010203Z.csv.json").write_text("[]")  # named so, but not placed so
    assert [f.path for f in scan(raw)] == ["incursions/20260115T010203Z.csv.json", "incursions/notes.csv.json"]
    assert rawstore.sidecars(raw, "incursions", "news") == []
    assert rawstore.write(raw, fetched_at=AT.replace(hour=2), **kwargs) is not None


def test_cursor_round_trip_and_window_with_overlap(tmp_path: Path) -> None:
    from datetime import date, timedelta

    assert cursor.read(tmp_path, "news") is None
    saved = cursor.Cursor(AT - timedelta(days=1), AT, AT, etag='"abc"', last_modified="Wed, 14 Jan 2026 00:00:00 GMT")
    cursor.write(tmp_path, "news", saved)
    assert cursor.read(tmp_path, "news") == saved
    overlap, first = timedelta(hours=6), timedelta(days=3)
    assert cursor.window(now=AT, cursor=None, since=None, overlap=overlap, first=first) == (AT - first, AT)
    assert cursor.window(now=AT, cursor=saved, since=None, overlap=overlap, first=first) == (AT - overlap, AT)
    since = cursor.window(now=AT, cursor=saved, since=date(2025, 12, 1), overlap=overlap, first=first)
    assert since == (datetime(2025, 12, 1, tzinfo=UTC), AT)


def test_a_part_equal_to_the_sources_last_payload_is_not_written_again(tmp_path: Path) -> None:
    kwargs = {"table": "flights", "source": "sky", "fetched_at": AT, "ext": "jsonl", "meta": {}}
    assert rawstore.write(tmp_path, payload=b'{"a": 1}\n', part="2026-01-13", **kwargs)
    assert rawstore.write(tmp_path, payload=b'{"a": 1}\n', part="2026-01-14", **kwargs) is None
