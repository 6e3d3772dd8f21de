"""The seat table: openap's aircraft files read without importing openap give what openap's own
API gives, and our own table fills only the types openap lacks."""

from __future__ import annotations

import subprocess
import sys

from balloons.warehouse import aircraft


def test_openap_files_read_directly_give_what_openap_prop_gives() -> None:
    from openap import prop

    expected = {
        code.upper(): (int(p["low"]), int(p["high"]), int(p["max"]))
        for code in prop.available_aircraft()
        for p in [prop.aircraft(code)["pax"]]
    }
    read = {r["aircraft_type"]: (r["seats_low"], r["seats_typical"], r["seats_max"]) for r in aircraft.openap_table()}
    assert read == expected
    assert read["A320"] == (140, 170, 180)


def test_our_own_rows_only_fill_what_openap_lacks() -> None:
    table = aircraft.seat_table().to_pylist()
    types = [r["aircraft_type"] for r in table]
    assert types == sorted(set(types))
    by_type = {r["aircraft_type"]: r for r in table}
    openap = {r["aircraft_type"] for r in aircraft.openap_table()}
    own = {r["aircraft_type"] for r in aircraft.own_table()}
    assert {"AT76", "DH8D"} <= own - openap
    assert all(by_type[t]["source"].startswith("openap ") for t in openap)
    assert all(not by_type[t]["source"].startswith("openap ") for t in own - openap)


def test_the_seat_table_imports_neither_openap_nor_scipy() -> None:
    code = (
        "import sys; from balloons.warehouse import aircraft; aircraft.seat_table(); "
        "print(sorted(m for m in ('openap', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
