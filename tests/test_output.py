"""Query results for programs: every DuckDB type becomes valid JSON and a plain CSV field."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from balloons import output

ODD = (
    "select interval 3 hour as i, 'x'::blob as b, time '12:00' as t, "
    "'00000000-0000-0000-0000-000000000001'::uuid as u, 'inf'::double as f, 'nan'::double as n, "
    "{'a': 1, 'w': timestamptz '2025-01-01 00:00:00+00'} as s, [1.5, 'nan'::double] as l, "
    "2.50::decimal(4, 2) as d, null as z"
)


@pytest.fixture(scope="module")
def odd() -> tuple[list[str], list[tuple]]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    relation = con.execute(ODD)
    columns = [d[0] for d in relation.description]
    rows = relation.fetchall()
    con.close()
    return columns, rows


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_json_holds_every_type_as_valid_json(odd) -> None:
    columns, rows = odd
    (row,) = json.loads(output.render(columns, rows, fmt="json", title=None), parse_constant=_no_constants)
    assert row == {
        "i": "3:00:00",
        "b": "78",
        "t": "12:00:00",
        "u": "00000000-0000-0000-0000-000000000001",
        "f": None,
        "n": None,
        "s": {"a": 1, "w": "2025-01-01T00:00:00+00:00"},
        "l": [1.5, None],
        "d": 2.5,
        "z": None,
    }


def test_csv_fields_are_plain_text_not_python_reprs(odd) -> None:
    columns, rows = odd
    text = output.render(columns, rows, fmt="csv", title=None)
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == columns
    fields = dict(zip(header, row, strict=True))
    assert fields["b"] == "78" and fields["i"] == "3:00:00" and fields["z"] == ""
    assert json.loads(fields["s"]) == {"a": 1, "w": "2025-01-01T00:00:00+00:00"}
    assert json.loads(fields["l"]) == [1.5, None]
    assert (fields["f"], fields["n"]) == ("inf", "nan")  # CSV readers take these as numbers


def test_decimals_a_float_would_change_are_exact_text() -> None:
    """Found by a fresh-eyes trial: a DECIMAL(38, 2) came out as 1e+26. A real 9999-12-31 stays
    itself (a second review: a first version showed it as 'infinity')."""
    con = duckdb.connect()
    relation = con.execute(
        "select 99999999999999999999999999.99::decimal(38, 2) as big, 1.50::decimal(5, 2) as small, "
        "timestamp '9999-12-31 23:59:59.999999' as t, date '9999-12-31' as d"
    )
    columns, rows = [d[0] for d in relation.description], relation.fetchall()
    (row,) = json.loads(output.render(columns, rows, fmt="json", title=None))
    assert row == {
        "big": "99999999999999999999999999.99",
        "small": 1.5,
        "t": "9999-12-31T23:59:59.999999",
        "d": "9999-12-31",
    }
    assert output.render(columns, rows, fmt="csv", title=None).splitlines()[1] == (
        "99999999999999999999999999.99,1.5,9999-12-31T23:59:59.999999,9999-12-31"
    )


def test_json_refuses_columns_that_share_a_name() -> None:
    """A JSON object keeps one of two equal keys: the other column's values would be lost silently."""
    from balloons.errors import ConfigError

    with pytest.raises(ConfigError, match="'source' is given more than once: name the columns with AS"):
        output.render(["source", "n", "source"], [("a", 1, "b")], fmt="json", title=None)
    assert output.render(["source", "source"], [("a", "b")], fmt="csv", title=None) == "source,source\na,b\n"
