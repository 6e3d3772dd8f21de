"""The fast path for plain flight CSVs gives exactly what the row-by-row path gives."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balloons import bulk, parse
from balloons.rawfile import RawFile
from balloons.storage import local

HEADER = [
    "airport",
    "direction",
    "flight_number",
    "scheduled_at",
    "status",
    "aircraft_type",
    "seats",
    "passengers",
    "other_airport",
    "airline",
]
POOLS = {
    "airport": ["EYVI", "eyvi", " EYVI", "EYKA", "XXXX", "", "EY VI"],
    "direction": ["arrival", "departure", "Departure", "ARRIVAL", "arrivals", "", " arrival"],
    "flight_number": ["BT341", "bt 341", "BT  341", " FR1", "", "LO-123", "W6 1234"],
    "scheduled_at": [
        "2025-10-01T12:00",
        "2025-10-01 12:00:30",
        "2025-10-26T03:30",
        "2025-03-30T03:30",
        "2025-10-26T02:59",
        "2025-10-26T04:00",
        "2025-10-31T23:30",
        "2025-10-31T22:30Z",
        "2025-11-01T00:30+02:00",
        "2025-02-30T10:00",
        "2025-10-01T24:00",
        "2025-10-01t12:00z",
        "2025-10-01T12:00:00.5Z",
        "1999-12-31T23:00Z",
        "2099-01-01T00:00",
        "2025-10-01T12:00+0300",
        "",
        "2025-10-01T12:00-00:00",
        "2025-12-31T22:30Z",
        "2025-06-01T00:00:59",
    ],
    "status": ["", "operated", "Cancelled", "landed", "DIVERTED"],
    "aircraft_type": ["", "B738", "a20n", " AT76", "A-320"],
    "seats": ["", "180", "0", "1000", "1001", "180.0", "-1", "abc", "0180"],
    "passengers": ["", "150", "190", "1000", "12.5", "0"],
    "other_airport": ["", "EPWA", "epwa", "X 1"],
    "airline": [
        "",
        "Ryanair",
        "airBaltic ",
        "LOT Polish Airlines",
        "Lietuvos Avialinijos (LAL)",
        "Wizz Air Ltd.",
        "Ūkio linija",
        "A\\B",
        "Tab\there",
        "x",
    ],
}
# each field is clean half the time, so that many rows take the fast path and many do not
ROW = st.fixed_dictionaries({name: st.one_of(st.just(pool[0]), st.sampled_from(pool)) for name, pool in POOLS.items()})
LINE = st.one_of(ROW, ROW, ROW, st.sampled_from(["", "   ", "only,three,fields", "EYVI,arrival"]))


def _csv(lines: list[dict[str, str] | str], delimiter: str) -> bytes:
    out = [delimiter.join(HEADER)]
    for line in lines:
        out.append(line if isinstance(line, str) else delimiter.join(line[name] for name in HEADER))
    return ("\n".join(out) + "\n").encode("utf-8")


def _both(data: bytes, ctx, name: str = "flights/x.csv") -> tuple[parse.Parsed, parse.Parsed]:
    raw = RawFile(name, "flights", "0" * 64, Path(name))
    fast = parse.parse_file(raw, data, ctx=ctx)
    exact = parse._parse_exact(raw, data, ctx=ctx, fmt=".csv")
    return fast, exact


def _same(fast: parse.Parsed, exact: parse.Parsed) -> None:
    assert fast.read == exact.read
    assert fast.quarantine == exact.quarantine
    assert fast.staged_rows().sort_by("source_line").equals(exact.staged_rows().sort_by("source_line"))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(LINE, max_size=40), delimiter=st.sampled_from([",", ";"]))
def test_fast_path_equals_the_exact_path(lines, delimiter, ctx) -> None:
    _same(*_both(_csv(lines, delimiter), ctx))


def test_fast_path_takes_the_clean_rows_and_hands_back_the_rest(ctx) -> None:
    clean = {name: pool[0] for name, pool in POOLS.items()}
    lines = [clean, dict(clean, scheduled_at="2025-10-26T03:30"), dict(clean, seats=" 180"), "x,y"]
    fast, exact = _both(_csv(lines, ","), ctx)
    _same(fast, exact)
    assert (fast.fast, fast.read, exact.fast) == (1, 4, 0)
    # the ambiguous autumn wall time takes the earlier instant, as the exact path decides
    rows = fast.staged_rows().sort_by("source_line").to_pylist()
    assert [r["source_line"] for r in rows] == [2, 3, 4]
    assert rows[1]["scheduled_at"].isoformat() == "2025-10-26T00:30:00+00:00"
    assert [q["source_line"] for q in fast.quarantine] == [5]


def test_gzip_and_bom_files_take_the_fast_path(ctx) -> None:
    clean = {name: pool[0] for name, pool in POOLS.items()}
    data = b"\xef\xbb\xbf" + _csv([clean, clean], ",")
    fast, exact = _both(gzip.compress(data, mtime=0), ctx, name="flights/x.csv.gz")
    _same(fast, exact)
    assert fast.fast == 2


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'airport,airline\nEYVI,"Wizz, Air"\n', "quotes"),
        (b"airport,airline\nEYVI,\xe0\n", "UTF-8"),
        (b"airport,airline\rEYVI,x\r", "carriage"),
        (b"airport,airline\nEYVI,\x00\n", "NUL"),
        (b"\n\n", "header"),
    ],
)
def test_files_that_are_not_plain_are_declined(data: bytes, why: str) -> None:
    with pytest.raises(bulk.NotPlain, match=why):
        plain = bulk.PlainCsv(io.BytesIO(data), batch_bytes=8)
        list(plain.batches())


def test_small_batches_number_lines_across_batch_ends(ctx) -> None:
    clean = {name: pool[0] for name, pool in POOLS.items()}
    lines: list[dict[str, str] | str] = [dict(clean, flight_number=f"BT{i}") for i in range(30)]
    lines[7] = "bad,line"
    lines[20] = ""
    plain = bulk.PlainCsv(io.BytesIO(_csv(lines, ",")), batch_bytes=64)
    numbered = [(first + i, text) for first, batch in plain.batches() for i, text in enumerate(batch.to_pylist())]
    assert numbered[7] == (9, "bad,line")
    assert numbered[20] == (22, "")
    assert len(numbered) == 30


def test_spilled_rows_read_back_by_month(ctx, tmp_path: Path) -> None:
    clean = {name: pool[0] for name, pool in POOLS.items()}
    lines = [clean, dict(clean, scheduled_at="2025-10-31T23:30"), dict(clean, scheduled_at="2025-11-01T00:30Z")]
    raw = RawFile("flights/x.csv", "flights", "0" * 64, Path("x.csv"))
    store = local(tmp_path)
    spilled = parse.parse_file(raw, _csv(lines, ","), ctx=ctx, spill=parse.Spill(store, "_work/t"))
    kept = parse.parse_file(raw, _csv(lines, ","), ctx=ctx)
    assert spilled.staged_rows().num_rows == 0 and sorted(spilled.spilled) == ["2025-10", "2025-11"]
    assert spilled.months() == kept.months() == {"2025-10", "2025-11"}
    for month in ("2025-10", "2025-11"):
        assert (
            spilled.month_rows(store, month)
            .sort_by("source_line")
            .equals(kept.month_rows(store, month).sort_by("source_line"))
        )
    assert spilled.month_rows(store, None).num_rows == 3


def test_content_json_is_the_canonical_json_identity_hashes() -> None:
    row = {"seats": 180, "airport": "EYVI", "airline": None, "scheduled_at": datetime(2025, 10, 1, 12, 0, tzinfo=UTC)}
    con = duckdb.connect()
    got = con.execute(
        f"select {bulk.content_json_sql(list(row))} from (select 180 as seats, 'EYVI' as airport, "
        "null::varchar as airline, timestamp '2025-10-01 12:00:00' as scheduled_utc)"
    ).fetchone()[0]
    canonical = {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}
    assert got == json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_flight_id_sql_is_identity_flight_id() -> None:
    from balloons import identity

    row = {
        "airport": "EYVI",
        "direction": "arrival",
        "flight_number": "BT 341",
        "scheduled_at": datetime(2025, 10, 1, 12, 0, tzinfo=UTC),
    }
    got = (
        duckdb.connect()
        .execute(
            f"select sha1({bulk.FLIGHT_ID_JSON_SQL})[1:16] from (select 'EYVI' as airport, 'arrival' as direction, "
            "'BT 341' as flight_number, timestamp '2025-10-01 12:00:00' as scheduled_utc)"
        )
        .fetchone()[0]
    )
    assert got == identity.flight_id(row)
