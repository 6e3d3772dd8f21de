"""Reports as derived state: every run renders the missing and stale PDFs and removes partial files.

A kill is simulated by what it leaves behind (PDFs of another warehouse build, a missing yearly
PDF, a cut-short file, hidden temporaries), never by timing.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import pytest
from conftest import build_warehouse, write
from pypdf import PdfReader

from balloons import report, warehouse
from balloons.report import reconcile

pytestmark = pytest.mark.xdist_group("reconcile")  # see conftest.py


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, ctx) -> Path:
    """A small data directory whose warehouse has three months and one year to report: what is
    tested here is which documents a run renders, not what they show (test_report.py), and small
    documents render in a fraction of the sample's time."""
    data = tmp_path_factory.mktemp("reconcile-data")
    write(
        data,
        "incursions/a.csv",
        "detected_at,balloons,source,source_id\n"
        "2025-09-12T21:40,3,NKVC,a1\n2025-10-04T20:15,5,NKVC,a2\n2025-10-21T23:05,2,NKVC,a3\n"
        "2025-11-02T01:30,4,NKVC,a4\n",
    )
    write(
        data,
        "closures/c.csv",
        "airport,closed_from,closed_until,reported_flights\nEYVI,2025-10-04T20:30,2025-10-04T23:00,12\n",
    )
    write(
        data,
        "flights/f.csv",
        "airport,direction,flight_number,scheduled_at,status\nEYVI,arrival,FR1,2025-10-04T21:00,diverted\n",
    )
    build_warehouse(data, ctx)
    return data


@pytest.fixture(scope="module")
def con(root: Path):
    connection = warehouse.connect_read_only(root / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rctx(con) -> report.ReportContext:
    return report.context(con, timezone="Europe/Vilnius", radius_km=30)


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


OPTIONS = {"timezone": "Europe/Vilnius", "radius_km": 30}
REPORTS = {"2025-09.pdf", "2025-10.pdf", "2025-11.pdf", "2025.pdf"}


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    """reports/ after one reconciliation from nothing (rendered once, copied per test)."""
    out = tmp_path_factory.mktemp("reconciled") / "reports"
    paths = reconcile.reconcile(root / "warehouse.duckdb", out, **OPTIONS)
    assert {p.name for p in paths} == REPORTS
    return out


@pytest.fixture
def reports(reconciled: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(reconciled, tmp_path / "reports"))


def again(root: Path, out: Path, **kwargs) -> set[str]:
    return {p.name for p in reconcile.reconcile(root / "warehouse.duckdb", out, **OPTIONS, **kwargs)}


def test_each_pdf_records_the_warehouse_fingerprint(reports: Path, con) -> None:
    (fingerprint,) = con.execute("select fingerprint from build_info").fetchone()
    assert len(fingerprint) == 64
    assert {p.name: reconcile.rendered_fingerprint(p) for p in reports.glob("*.pdf")} == dict.fromkeys(
        REPORTS, fingerprint
    )
    assert PdfReader(reports / "2025-10.pdf").metadata["/Keywords"] == f"warehouse-fingerprint:{fingerprint}"


def test_current_reports_are_left_alone(reports: Path, root: Path) -> None:
    before = {p.name: p.read_bytes() for p in reports.glob("*.pdf")}
    assert again(root, reports) == set()
    assert {p.name: p.read_bytes() for p in reports.glob("*.pdf")} == before


def test_reports_of_another_warehouse_are_rendered_again(reports: Path, root: Path, con, rctx) -> None:
    """A run killed after the warehouse swap and before rendering leaves PDFs of the old build."""
    old = dataclasses.replace(rctx, fingerprint="0" * 64)
    report.render_month(con, "2025-05", reports, old)  # on purpose, outside the data
    report.render_month(con, "2025-11", reports, old)
    report.render_year(con, "2025", reports, old)
    assert reconcile.rendered_fingerprint(reports / "2025-11.pdf") == "0" * 64
    assert again(root, reports) == {"2025-05.pdf", "2025-11.pdf", "2025.pdf"}
    assert {reconcile.rendered_fingerprint(p) for p in reports.glob("*.pdf")} == {rctx.fingerprint}


def test_missing_yearly_report_is_rendered_though_every_month_exists(reports: Path, root: Path) -> None:
    (reports / "2025.pdf").unlink()
    assert again(root, reports) == {"2025.pdf"}


def test_truncated_or_foreign_pdf_is_rendered_again(reports: Path, root: Path) -> None:
    whole = (reports / "2025-10.pdf").read_bytes()
    (reports / "2025-10.pdf").write_bytes(whole[: len(whole) // 2])
    (reports / "2025-09.pdf").write_bytes(b"not a pdf")
    assert again(root, reports) == {"2025-09.pdf", "2025-10.pdf"}
    assert (reports / "2025-10.pdf").read_bytes() == whole


def test_partial_files_of_a_killed_render_are_removed(reports: Path, root: Path) -> None:
    for name in (".2025-05.pdf.0a1b2c3d", ".2025.pdf.ffffffff"):
        (reports / name).write_bytes(b"%PDF-1.4 half")
    (reports / ".notes.txt").write_text("mine")
    assert again(root, reports) == set()
    assert sorted(p.name for p in reports.iterdir() if p.name.startswith(".")) == [".notes.txt", ".render.lock"]


def test_everything_renders_all_again_byte_identical(reports: Path, root: Path) -> None:
    before = {p.name: p.read_bytes() for p in reports.glob("*.pdf")}
    assert again(root, reports, everything=True) == REPORTS
    assert {p.name: p.read_bytes() for p in reports.glob("*.pdf")} == before


def test_forced_month_is_rendered_with_the_stale_ones(reports: Path, root: Path) -> None:
    assert again(root, reports, forced=[("month", "2025-10")]) == {"2025-10.pdf"}


def test_allowed_empty_month_renders_and_says_so(reports: Path, root: Path) -> None:
    assert again(root, reports, forced=[("month", "2024-01")]) == {"2024-01.pdf"}
    assert "No incursions recorded in January 2024" in page_texts(reports / "2024-01.pdf")[1]


def test_a_broken_pdf_has_no_fingerprint_and_no_warning_reaches_the_console(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by a fresh-eyes trial: pypdf's warnings on a truncated report reached the console
    under cron, where balloons prints only its summary line."""
    broken = tmp_path / "2025-11.pdf"
    broken.write_text("truncated")
    with caplog.at_level(logging.WARNING):
        assert reconcile.rendered_fingerprint(broken) is None
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
