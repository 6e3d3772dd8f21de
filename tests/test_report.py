"""Monthly and yearly PDFs: pages, numbers equal to the warehouse, reproducible, printable, empty months."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from balloons import report, warehouse
from balloons.errors import ReportError


@pytest.fixture(scope="module")
def con(sample_root: Path):
    connection = warehouse.connect_read_only(sample_root / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rctx(con: duckdb.DuckDBPyConnection) -> report.ReportContext:
    return report.context(con, timezone="Europe/Vilnius", radius_km=30)


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.mark.parametrize("month", ["2025-10", "2025-11"])
def test_month_report_pages_and_numbers_match_the_warehouse(tmp_path: Path, con, rctx, month: str) -> None:
    path = report.render_month(con, month, tmp_path, rctx)
    assert path == tmp_path / f"{month}.pdf"
    texts = page_texts(path)
    assert len(texts) == 6
    incursions, balloons = con.execute("select incursions, balloons from monthly_incursions where month = ?",
                                       [month]).fetchone()
    flights, passengers, low, high = con.execute(
        "select sum(flights_affected), sum(passengers_affected), sum(passengers_low), sum(passengers_high) "
        "from monthly_impact where month = ?", [month]).fetchone()
    summary = texts[0]
    for value in (incursions, balloons, flights):
        assert str(value) in summary
    assert f"{passengers:,} ({low:,}-{high:,})" in summary
    assert f"{incursions} incursion records, {balloons} balloons" in texts[1]
    for title, page in zip(["Balloon incursions and airport closures", "Incursions day by day", "Time of day",
                            "Where", "Closures", "Trend since"], texts, strict=True):
        assert title in page
    assert "Europe/Vilnius" in summary and "Data last ingested" in summary


def test_october_shows_71(tmp_path: Path, con, rctx) -> None:
    texts = page_texts(report.render_month(con, "2025-10", tmp_path, rctx))
    assert "71" in texts[0] and "peak 2025-10: 71 records" in texts[5]


def test_rerender_is_byte_identical(tmp_path: Path, con, rctx) -> None:
    first = report.render_month(con, "2025-10", tmp_path / "a", rctx).read_bytes()
    second = report.render_month(con, "2025-10", tmp_path / "b", rctx).read_bytes()
    assert first == second


def test_fonts_are_truetype_not_type3(tmp_path: Path, con, rctx) -> None:
    reader = PdfReader(report.render_month(con, "2025-10", tmp_path, rctx))
    subtypes = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            subtypes.add(font.get_object()["/Subtype"])
    assert subtypes and "/Type3" not in subtypes
    assert subtypes <= {"/TrueType", "/Type0"}


def test_empty_month_still_renders_and_says_so(tmp_path: Path, con, rctx) -> None:
    texts = page_texts(report.render_month(con, "2025-03", tmp_path, rctx))
    assert len(texts) == 6
    assert "No airport closures in March 2025" in texts[0]
    assert "No incursions recorded in March 2025" in texts[1]


def test_month_without_closures(tmp_path: Path, con, rctx) -> None:
    texts = page_texts(report.render_month(con, "2025-07", tmp_path, rctx))
    assert "No airport closures in July 2025" in texts[4]
    assert "18 incursion records" in texts[1]


def test_yearly_report(tmp_path: Path, con, rctx) -> None:
    texts = page_texts(report.render_year(con, "2025", tmp_path, rctx))
    assert len(texts) == 4
    ((flights, passengers),) = con.execute(
        "select sum(flights_affected), sum(passengers_affected) from monthly_impact where month like '2025-%'").fetchall()
    assert str(flights) in texts[0] and f"{passengers:,}" in texts[0]
    assert "315" in texts[0]


@pytest.mark.parametrize("bad", ["2025-13", "2025-1", "'; drop table x; --", "../../etc"])
def test_bad_month_is_refused(tmp_path: Path, con, rctx, bad: str) -> None:
    with pytest.raises(ReportError, match="YYYY-MM"):
        report.render_month(con, bad, tmp_path, rctx)
    assert list(tmp_path.iterdir()) == []


def test_rendering_in_processes_gives_the_same_files_in_order(tmp_path: Path, sample_root: Path) -> None:
    months = ["2025-09", "2025-10", "2025-11"]
    options = {"timezone": "Europe/Vilnius", "radius_km": 30}
    alone = report.render_all(sample_root / "warehouse.duckdb", months, ["2025"], tmp_path / "one", workers=1,
                              **options)
    shared = report.render_all(sample_root / "warehouse.duckdb", months, ["2025"], tmp_path / "two", workers=2,
                               **options)
    assert [p.name for p in shared] == ["2025-09.pdf", "2025-10.pdf", "2025-11.pdf", "2025.pdf"]
    assert [p.parent.name for p in shared] == ["two"] * 4
    assert [p.read_bytes() for p in shared] == [p.read_bytes() for p in alone]
