"""The validation rules (sql/ingest/), through the one engine: a record in, a typed row or a reason out."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balloons.ingest.columns import canonical_columns, missing_required
from balloons.ingest.parse import parse_file
from balloons.ingest.rawfile import RawFile
from balloons.ingest.validate import Context, prepare


class BadValue(Exception):
    pass


def check(table: str, fields: dict[str, str], *, ctx: Context, decimal_comma: bool) -> dict[str, Any]:
    """The valid row the engine makes of `fields`, or BadValue with its quarantine reason."""
    if decimal_comma:
        name, data = f"{table}/x.csv", ";".join(fields) + "\n" + ";".join(fields.values()) + "\n"
    else:
        name, data = f"{table}/x.jsonl", json.dumps(fields) + "\n"
    parsed = parse_file(RawFile(name, table, "0" * 64, Path(name)), data.encode(), ctx=ctx)
    if parsed.quarantine:
        raise BadValue(parsed.quarantine[0]["reason"])
    (row,) = parsed.staged_rows().to_pylist()
    return row


def incursion(fields: dict[str, str], *, ctx: Context, decimal_comma: bool) -> dict[str, Any]:
    return check("incursions", fields, ctx=ctx, decimal_comma=decimal_comma)


def closure(fields: dict[str, str], *, ctx: Context, decimal_comma: bool) -> dict[str, Any]:
    return check("closures", fields, ctx=ctx, decimal_comma=decimal_comma)


def flight(fields: dict[str, str], *, ctx: Context, decimal_comma: bool) -> dict[str, Any]:
    return check("flights", fields, ctx=ctx, decimal_comma=decimal_comma)


GOOD_INCURSION = {"detected_at": "2025-10-04T22:00", "lat": "54.6", "lon": "25.3"}


def test_incursion_defaults_and_types(ctx) -> None:
    row = incursion({"detected_at": "2025-10-04T22:00"}, ctx=ctx, decimal_comma=False)
    assert (row["balloons"], row["kind"], row["lat"]) == (1, "balloon", None)
    assert row["detected_at"].isoformat() == "2025-10-04T19:00:00+00:00"
    assert len(row["event_id"]) == 16


def test_decimal_commas_only_in_semicolon_files(ctx) -> None:
    row = incursion({"detected_at": "2025-10-04T22:00", "lat": "54,6", "lon": "25,3"}, ctx=ctx, decimal_comma=True)
    assert (row["lat"], row["lon"]) == (54.6, 25.3)
    with pytest.raises(BadValue, match="not a number"):
        incursion({"detected_at": "2025-10-04T22:00", "lat": "54,6", "lon": "25,3"}, ctx=ctx, decimal_comma=False)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"balloons": "0"}, "at least 1"),
        ({"balloons": "-2"}, "at least 1"),
        ({"balloons": "1.5"}, "whole number"),
        ({"balloons": "99999999"}, "implausibly large"),
        ({"kind": "bird"}, "not one of"),
        ({"lat": "95", "lon": "25"}, "not a WGS84"),
        ({"lat": "25.3", "lon": "54.6"}, "swapped"),
        ({"lat": "54.6", "lon": ""}, "together"),
        ({"detected_at": ""}, "missing"),
        ({"detected_at": "2031-01-01T00:00"}, "in the future"),
        ({"detected_at": "1970-01-01T00:00Z"}, "before 2000"),
        ({"altitude_m": "99999"}, "altitude_m"),
    ],
)
def test_incursion_rules(ctx, fields: dict[str, str], reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        incursion({**GOOD_INCURSION, **fields}, ctx=ctx, decimal_comma=False)


def test_source_id_gives_identity_independent_of_content(ctx) -> None:
    a = incursion({**GOOD_INCURSION, "source": "NKVC", "source_id": "7"}, ctx=ctx, decimal_comma=False)
    b = incursion({**GOOD_INCURSION, "balloons": "3", "source": "NKVC", "source_id": "7"}, ctx=ctx, decimal_comma=False)
    c = incursion({**GOOD_INCURSION, "balloons": "3"}, ctx=ctx, decimal_comma=False)
    assert a["event_id"] == b["event_id"] != c["event_id"]


def test_closure_local_time_uses_airport_zone_and_notam_utc_matches(ctx) -> None:
    local = closure(
        {"airport": "eyvi", "closed_from": "2025-10-04T22:16", "closed_until": "2025-10-05T04:50"},
        ctx=ctx,
        decimal_comma=False,
    )
    notam = closure(
        {"airport": "EYVI", "closed_from": "2025-10-04T19:16:00+00:00", "closed_until": "2025-10-05T01:50:00+00:00"},
        ctx=ctx,
        decimal_comma=False,
    )
    assert local["closure_id"] == notam["closure_id"]
    assert local["airport"] == "EYVI"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"airport": "ZZZZ"}, "not a known ICAO"),
        ({"closed_until": "2025-10-04T22:16"}, "not after"),
        ({"closed_until": "2025-10-04T21:00"}, "not after"),
        ({"closed_until": "2025-10-20T00:00"}, "over the 7-day limit"),
        ({"reported_flights": "-1"}, "at least 0"),
        ({"reported_passengers": "12.5"}, "whole number"),
    ],
)
def test_closure_rules(ctx, fields: dict[str, str], reason: str) -> None:
    base = {"airport": "EYVI", "closed_from": "2025-10-04T22:16", "closed_until": "2025-10-05T04:50"}
    with pytest.raises(BadValue, match=reason):
        closure({**base, **fields}, ctx=ctx, decimal_comma=False)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"direction": "sideways"}, "not one of"),
        ({"status": "lost"}, "not one of"),
        ({"flight_number": " "}, "missing"),
        ({"seats": "-3"}, "at least 0"),
        ({"seats": "100", "passengers": "150"}, "exceed seats"),
        ({"airport": "XXXX"}, "not a known ICAO"),
        ({"scheduled_at": "2025-03-30T03:15"}, "does not exist"),
    ],
)
def test_flight_rules(ctx, fields: dict[str, str], reason: str) -> None:
    base = {"airport": "EYVI", "direction": "arrival", "flight_number": "FR1", "scheduled_at": "2025-10-04T22:30"}
    with pytest.raises(BadValue, match=reason):
        flight({**base, **fields}, ctx=ctx, decimal_comma=False)


def test_flight_defaults_and_normalisation(ctx) -> None:
    row = flight(
        {"airport": "EYVI", "direction": "Departure", "flight_number": "fr 2863", "scheduled_at": "2025-10-04T22:30"},
        ctx=ctx,
        decimal_comma=False,
    )
    assert (row["direction"], row["status"], row["flight_number"]) == ("departure", "scheduled", "FR 2863")


def test_aliases_and_missing_columns() -> None:
    mapping, unknown = canonical_columns("incursions", ["Timestamp", "Latitude", "Longitude", "Colour"])
    assert mapping == {"Timestamp": "detected_at", "Latitude": "lat", "Longitude": "lon"}
    assert unknown == ["Colour"]
    assert missing_required("closures", {"icao": "airport"}) == ["closed_from", "closed_until"]


FLIGHT = {"airport": "EYVI", "direction": "arrival", "flight_number": "FR1"}


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-10-04T22:30", "2025-10-04T19:30:00+00:00"),  # summer time in Vilnius
        ("2025-01-04 22:30", "2025-01-04T20:30:00+00:00"),  # winter time, space separator
        ("2025-10-26T03:30", "2025-10-26T00:30:00+00:00"),  # fall-back hour: the earlier instant
        ("2025-10-26T04:30", "2025-10-26T02:30:00+00:00"),  # after it
        ("2025-10-04T22:30Z", "2025-10-04T22:30:00+00:00"),
        ("2025-10-04T22:30:15.5+0200", "2025-10-04T20:30:15.500000+00:00"),
        ("2025-10-04t22:30-05:30", "2025-10-05T04:00:00+00:00"),
        ("2025-10-04 20:16:00+00", "2025-10-04T20:16:00+00:00"),  # as DuckDB and PostgreSQL write it
        ("2025-10-04T22:18+02", "2025-10-04T20:18:00+00:00"),
        ("2025-10-04T22:18:00.123456789-01", "2025-10-04T23:18:00.123456+00:00"),  # nanoseconds cut
    ],
)
def test_instants_in_every_form(ctx, text: str, utc: str) -> None:
    assert flight({**FLIGHT, "scheduled_at": text}, ctx=ctx, decimal_comma=False)["scheduled_at"].isoformat() == utc


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-03-30T03:00", "does not exist in Europe/Vilnius"),
        ("2025-03-30T03:59:59", "does not exist"),
        ("2025-10-04T24:00", "not a real date and time"),
        ("2025-10-04T22:30+25:00", "not a real date and time"),
        ("2025-10-04T22:30+24", "not a real date and time"),
        ("2025-10-04T22:30+2", "not an ISO 8601"),
        ("2025-10-04T22:30:00.1234567890Z", "not an ISO 8601"),
        ("04.10.2025 22:30", "not an ISO 8601"),
        ("0001-01-01T00:30+01:00", "before 2000"),
        ("9999-12-31T23:59-14:00", "in the future"),
    ],
)
def test_instants_refused(ctx, text: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        flight({**FLIGHT, "scheduled_at": text}, ctx=ctx, decimal_comma=False)


def test_the_local_month_follows_the_configured_zone(ctx) -> None:
    # 23:30 local on 31 October is 21:30 UTC: October in Vilnius
    assert flight({**FLIGHT, "scheduled_at": "2025-10-31T23:30"}, ctx=ctx, decimal_comma=False)["month"] == "2025-10"
    assert flight({**FLIGHT, "scheduled_at": "2025-10-31T22:30Z"}, ctx=ctx, decimal_comma=False)["month"] == "2025-11"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"seats": "１８０"}, "not a whole number"),
        ({"seats": "1_000"}, "not a whole number"),
        ({"seats": "1" * 31}, "characters, over the 30"),
        ({"passengers": "1e3"}, "whole number"),
    ],
)
def test_numbers_are_ascii(ctx, fields: dict[str, str], reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        flight({**FLIGHT, "scheduled_at": "2025-10-04T22:30", **fields}, ctx=ctx, decimal_comma=False)


@pytest.mark.parametrize(
    ("reason", "cause"),
    [(None, "unknown"), ("Balionai", "balloons"), ("drone sighted", "drones"), ("storm", "other"), ("N/A", "unknown")],
)
def test_a_closure_cause_is_read_from_its_reason(ctx, reason: str | None, cause: str) -> None:
    base = {"airport": "EYVI", "closed_from": "2025-10-04T22:16", "closed_until": "2025-10-05T04:50"}
    row = closure({**base, **({"reason": reason} if reason else {})}, ctx=ctx, decimal_comma=False)
    assert (row["cause"], row["scope"], row["window_index"]) == (cause, "full", 0)


@pytest.fixture(scope="module")
def macros(ctx: Context) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection with the engine's macros for a module's property examples (each example's
    query is independent; preparing a connection per example cost most of their time)."""
    con = duckdb.connect()
    prepare(con, ctx)
    yield con
    con.close()


WHITESPACE = " \t\n\v\f\r"
TEXT_VALUES = st.lists(
    st.text(alphabet=st.sampled_from([*WHITESPACE, "a", "Z", "7", "é", "\u0301", "\u0600", "\x01", "\x85", "\u2028"])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(TEXT_VALUES)
def test_text_is_trimmed_of_ascii_whitespace_and_inner_runs_become_one_space(
    macros: duckdb.DuckDBPyConnection, values: list[str]
) -> None:
    """`txt` (every field) and `single_spaced` (flight numbers) against plain Python: only their
    ASCII whitespace counts, at any position, next to any other character."""
    got = macros.execute(
        "select txt(v), single_spaced(txt(v)) from unnest($values) with ordinality as t(v, i) order by i",
        {"values": values},
    ).fetchall()
    for value, (text, spaced) in zip(values, got, strict=True):
        expected = value.strip(WHITESPACE) or None
        assert text == expected, value
        assert spaced == (re.sub(r"[ \t\n\f\r]+", " ", expected) if expected is not None else None), value


ISO_TEXTS = st.builds(
    lambda date, sep, hour, minute, second, fraction, suffix: f"{date}{sep}{hour}:{minute}{second}{fraction}{suffix}",
    st.sampled_from(["2025-10-04", "2024-02-29", "2025-02-29", "2025-13-01", "2025-1-04", "20251004"]),
    st.sampled_from(["T", "t", " ", "x", ""]),
    st.sampled_from(["00", "09", "19", "23", "24", "29", "7"]),
    st.sampled_from(["00", "30", "59", "60", "5"]),
    st.sampled_from(["", ":00", ":59", ":60", ":5"]),
    st.sampled_from(["", ".5", ".123456", ".1234567", "."]),
    st.sampled_from(["", "Z", "z", "+02:00", "-0530", "+25:00", "ZZ", " Z", "Z "]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(ISO_TEXTS, min_size=1, max_size=20))
def test_the_quick_forms_of_a_wall_time_read_as_the_general_parse_reads_them(
    macros: duckdb.DuckDBPyConnection, texts: list[str]
) -> None:
    """`wall_of` reads text without an offset, and with `Z`, without the general parse: for any
    text, it gives what the general parse alone gives."""
    general = (
        "case when is_iso(v) and regexp_full_match(wall_time(v), '([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?') "
        "then try_cast(left(v, 10) || ' ' || wall_time(v) as timestamp) end"
    )
    got = macros.execute(
        f"select v, wall_of(v), {general} from unnest($texts) with ordinality as t(v, i) order by i", {"texts": texts}
    ).fetchall()
    for text, quick, slow in got:
        assert quick == slow, text
