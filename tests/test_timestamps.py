from datetime import UTC, datetime

import pytest
from conftest import VILNIUS

from balloons.ingest.timestamps import BadValue, local_month, parse_instant, parse_notam_time


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
def test_parse_instant_valid(text: str, expected: str) -> None:
    assert parse_instant(text, zone=VILNIUS, field="t").isoformat() == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-03-30T03:30", "does not exist"),  # spring forward in Vilnius
        ("2025-02-30T10:00", "not a real date"),
        ("2025-09-31T22:10", "not a real date"),
        ("1759608960", "not an ISO 8601"),  # epoch seconds
        ("2025-10-04", "not an ISO 8601"),  # no time of day
        ("04/10/2025 22:16", "not an ISO 8601"),
        ("", "not an ISO 8601"),
    ],
)
def test_parse_instant_rejects(text: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_instant(text, zone=VILNIUS, field="t")


def test_late_31_october_utc_is_november_in_vilnius() -> None:
    instant = parse_instant("2025-10-31T22:30Z", zone=VILNIUS, field="t")
    assert local_month(instant, VILNIUS) == "2025-11"
    assert local_month(parse_instant("2025-10-31T21:59Z", zone=VILNIUS, field="t"), VILNIUS) == "2025-10"


def test_notam_times_are_utc() -> None:
    assert parse_notam_time("2510041916", field="B)") == datetime(2025, 10, 4, 19, 16, tzinfo=UTC)
    with pytest.raises(BadValue):
        parse_notam_time("2513011200", field="B)")
