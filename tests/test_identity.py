"""Identity is stable: ids and content hashes are sha1 over the canonical form docs/ingest.md
gives (values joined by the unit separator 0x1F, instants as microseconds since the epoch). The
golden values below were computed once; a change to any of them changes every lake (bump
lake.FORMAT_VERSION, which rebuilds lakes from raw/)."""

import hashlib
import json
from pathlib import Path

from balloons.ingest.parse import parse_file
from balloons.ingest.rawfile import RawFile
from balloons.ingest.validate import Context

US = "\x1f"


def sha1(*parts: str) -> str:
    return hashlib.sha1(US.join(parts).encode()).hexdigest()


def one(table: str, fields: dict[str, str], ctx: Context) -> dict:
    name = f"{table}/golden.jsonl"
    parsed = parse_file(RawFile(name, table, "0" * 64, Path(name)), (json.dumps(fields) + "\n").encode(), ctx=ctx)
    assert not parsed.quarantine, parsed.quarantine
    (row,) = parsed.staged_rows().to_pylist()
    return row


def test_flight_identity_is_golden(ctx: Context) -> None:
    row = one(
        "flights",
        {"airport": "EYVI", "direction": "arrival", "flight_number": "FR 2863", "scheduled_at": "2025-10-04T22:30"},
        ctx,
    )
    epoch_us = "1759606200000000"  # 2025-10-04T19:30:00Z
    assert row["flight_id"] == sha1("flight", "EYVI", "arrival", "FR 2863", epoch_us)[:16] == GOLDEN["flight_id"]
    content = sha1("EYVI", "arrival", "FR 2863", epoch_us, "scheduled", "", "", "", "", "")
    assert row["content_hash"] == content == GOLDEN["flight_content"]


def test_closure_identity_is_golden(ctx: Context) -> None:
    row = one(
        "closures", {"airport": "EYVI", "closed_from": "2025-10-04T22:16", "closed_until": "2025-10-05T04:50"}, ctx
    )
    assert row["closure_id"] == sha1("closure", "EYVI", "1759605360000000")[:16] == GOLDEN["closure_id"]


def test_incursion_identity_is_golden(ctx: Context) -> None:
    with_id = one("incursions", {"detected_at": "2025-10-04T22:00", "source": "NKVC", "source_id": "7"}, ctx)
    assert with_id["event_id"] == sha1("incursion", "NKVC", "7")[:16] == GOLDEN["event_with_id"]
    sighting = one("incursions", {"detected_at": "2025-10-04T22:00", "lat": "54.6", "lon": "25.3"}, ctx)
    expected = sha1("sighting", "1759604400000000", "balloon", "", "54.6", "25.3", "1")[:16]
    assert sighting["event_id"] == expected == GOLDEN["event_sighting"]


GOLDEN = {
    "flight_id": "14f4ed8dad5103c3",
    "flight_content": "2656837c99cfe24f24337f29520b5cbb2cb4400c",
    "closure_id": "b963d5cf1328a18e",
    "event_with_id": "b425f5bc34410f97",
    "event_sighting": "3a245c190e5b12c1",
}
