"""Timestamps as the engine reads them (incursions: wall-clock times in BALLOONS_TIMEZONE), and NOTAM times."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from balloons.ingest import parse_file
from balloons.ingest.rawfile import RawFile
from balloons.ingest.timestamps import BadValue, parse_notam_time
from balloons.ingest.validate import Context


def read(text: str, ctx: Context) -> dict:
    """The staged incursion with `detected_at` = text, or BadValue with the quarantine reason."""
    name = "incursions/t.jsonl"
    parsed = parse_file(
        RawFile(name, "incursions", "0" * 64, Path(name)), json.dumps({"detected_at": text}).encode(), ctx=ctx
    )
    if parsed.quarantine:
        raise BadValue(parsed.quarantine[0]["reason"])
    return parsed.staged_rows().to_pylist()[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-04T22:16", "2025-10-04T19:16:00+00:00"),  # summer time, UTC+3
        ("2025-12-03 19:36", "2025-12-03T17:36:00+00:00"),  # winter time, UTC+2, space separator
        ("2025-10-04T22:16:05.5", "2025-10-04T19:16:05.500000+00:00"),
        ("2025-10-04T19:16Z", "2025-10-04T19:16:00+00:00"),
        ("2025-10-04T21:16+02:00", "2025-10-04T19:16:00+00:00"),  # another offset than Vilnius
        ("2025-10-26T03:30", "2025-10-26T00:30:00+00:00"),  # ambiguous: the earlier instant
        ("2025-10-26T04:30", "2025-10-26T02:30:00+00:00"),  # after fall-back, UTC+2
        ("  2025-06-01T00:00  ", "2025-05-31T21:00:00+00:00"),
    ],
)
def test_parse_instant_valid(text: str, expected: str, ctx: Context) -> None:
    assert read(text, ctx)["detected_at"].isoformat() == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-03-30T03:30", "does not exist"),  # spring forward in Vilnius
        ("2025-02-30T10:00", "not a real date"),
        ("2025-09-31T22:10", "not a real date"),
        ("1759608960", "not an ISO 8601"),  # epoch seconds
        ("2025-10-04", "not an ISO 8601"),  # no time of day
        ("04/10/2025 22:16", "not an ISO 8601"),
        ("", "missing"),
    ],
)
def test_parse_instant_rejects(text: str, reason: str, ctx: Context) -> None:
    with pytest.raises(BadValue, match=reason):
        read(text, ctx)


def test_late_31_october_utc_is_november_in_vilnius(ctx: Context) -> None:
    assert read("2025-10-31T22:30Z", ctx)["month"] == "2025-11"
    assert read("2025-10-31T21:59Z", ctx)["month"] == "2025-10"


def test_notam_times_are_utc() -> None:
    assert parse_notam_time("2510041916", field="B)") == datetime(2025, 10, 4, 19, 16, tzinfo=UTC)
    with pytest.raises(BadValue):
        parse_notam_time("2513011200", field="B)")


def test_notam_years_are_this_century_whatever_their_two_digits() -> None:
    """strptime's %y read 69-99 as 1969-1999, so `B) 0001010000 C) 9912312359` was refused as
    "C) is not after B)" (found by review)."""
    assert parse_notam_time("0001010000", field="B)") == datetime(2000, 1, 1, 0, 0, tzinfo=UTC)
    assert parse_notam_time("6901010000", field="B)") == datetime(2069, 1, 1, 0, 0, tzinfo=UTC)
    assert parse_notam_time("9912312359", field="C)") == datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
