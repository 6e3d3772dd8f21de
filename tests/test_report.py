"""Monthly and yearly PDFs: pages, numbers equal to the warehouse, reproducible, printable, empty months."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from balloons import report, warehouse
from balloons.errors import ReportError
from flows.cli import cli


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


# --- reconciliation: reports are derived state --------------------------------------------------------

OPTIONS = {"timezone": "Europe/Vilnius", "radius_km": 30}
SAMPLE_REPORTS = {f"2025-{m:02d}.pdf" for m in range(6, 13)} | {"2025.pdf"}


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory, sample_root: Path) -> Path:
    """reports/ after one reconciliation from nothing (rendered once, copied per test)."""
    out = tmp_path_factory.mktemp("reconciled") / "reports"
    paths = report.reconcile(sample_root / "warehouse.duckdb", out, **OPTIONS)
    assert {p.name for p in paths} == SAMPLE_REPORTS
    return out


@pytest.fixture
def reports(reconciled: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(reconciled, tmp_path / "reports"))


def again(sample_root: Path, out: Path, **kwargs) -> set[str]:
    return {p.name for p in report.reconcile(sample_root / "warehouse.duckdb", out, **OPTIONS, **kwargs)}


def test_each_pdf_records_the_warehouse_fingerprint(reports: Path, con) -> None:
    (fingerprint,) = con.execute("select fingerprint from build_info").fetchone()
    assert len(fingerprint) == 64
    assert {p.name: report.rendered_fingerprint(p) for p in reports.glob("*.pdf")} == \
        dict.fromkeys(SAMPLE_REPORTS, fingerprint)
    assert PdfReader(reports / "2025-10.pdf").metadata["/Keywords"] == f"warehouse-fingerprint:{fingerprint}"


def test_current_reports_are_left_alone(reports: Path, sample_root: Path) -> None:
    before = {p.name: p.read_bytes() for p in reports.glob("*.pdf")}
    assert again(sample_root, reports) == set()
    assert {p.name: p.read_bytes() for p in reports.glob("*.pdf")} == before


def test_reports_of_another_warehouse_are_rendered_again(reports: Path, sample_root: Path, con, rctx) -> None:
    """A run killed after the warehouse swap and before rendering leaves PDFs of the old build."""
    old = dataclasses.replace(rctx, fingerprint="0" * 64)
    report.render_month(con, "2025-05", reports, old)  # on purpose, outside the data
    report.render_month(con, "2025-11", reports, old)
    report.render_year(con, "2025", reports, old)
    assert report.rendered_fingerprint(reports / "2025-11.pdf") == "0" * 64
    assert again(sample_root, reports) == {"2025-05.pdf", "2025-11.pdf", "2025.pdf"}
    assert {report.rendered_fingerprint(p) for p in reports.glob("*.pdf")} == {rctx.fingerprint}


def test_missing_yearly_report_is_rendered_though_every_month_exists(reports: Path, sample_root: Path) -> None:
    (reports / "2025.pdf").unlink()
    assert again(sample_root, reports) == {"2025.pdf"}


def test_truncated_or_foreign_pdf_is_rendered_again(reports: Path, sample_root: Path) -> None:
    whole = (reports / "2025-10.pdf").read_bytes()
    (reports / "2025-10.pdf").write_bytes(whole[: len(whole) // 2])
    (reports / "2025-09.pdf").write_bytes(b"not a pdf")
    assert again(sample_root, reports) == {"2025-09.pdf", "2025-10.pdf"}
    assert (reports / "2025-10.pdf").read_bytes() == whole


def test_partial_files_of_a_killed_render_are_removed(reports: Path, sample_root: Path) -> None:
    for name in (".2025-05.pdf.0a1b2c3d", ".2025.pdf.ffffffff"):
        (reports / name).write_bytes(b"%PDF-1.4 half")
    (reports / ".notes.txt").write_text("mine")
    assert again(sample_root, reports) == set()
    assert sorted(p.name for p in reports.iterdir() if p.name.startswith(".")) == [".notes.txt", ".render.lock"]


def test_everything_renders_all_again_byte_identical(reports: Path, sample_root: Path) -> None:
    before = {p.name: p.read_bytes() for p in reports.glob("*.pdf")}
    assert again(sample_root, reports, everything=True) == SAMPLE_REPORTS
    assert {p.name: p.read_bytes() for p in reports.glob("*.pdf")} == before


def test_forced_month_is_rendered_with_the_stale_ones(reports: Path, sample_root: Path) -> None:
    assert again(sample_root, reports, forced=[("month", "2025-10")]) == {"2025-10.pdf"}


# --- months outside the data ----------------------------------------------------------------------------

@pytest.mark.parametrize("month", ["2024-01", "2025-05", "2026-01"])
def test_month_outside_the_data_is_refused_naming_the_range(sample_root: Path, month: str) -> None:
    with pytest.raises(ReportError) as caught:
        report.check_months_held(sample_root / "warehouse.duckdb", ["2025-10", month])
    assert str(caught.value) == (f"No data for {month}: the warehouse holds 2025-06 to 2025-12. "
                                 "Pass --allow-empty to render it anyway.")


def test_months_inside_the_data_pass(sample_root: Path) -> None:
    report.check_months_held(sample_root / "warehouse.duckdb", ["2025-06", "2025-12"])
    with pytest.raises(ReportError, match="holds no incursions or closures yet"):
        report.check_held("2025-10", [])


def test_cli_refuses_an_empty_month_in_one_line_before_prefect(sample_root: Path, monkeypatch) -> None:
    import flows.report

    def not_called(*args, **kwargs):
        raise AssertionError("the report flow started")

    monkeypatch.setattr(flows.report, "report_flow", not_called)
    result = CliRunner().invoke(cli, ["report", "--month", "2024-01", "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: No data for 2024-01: the warehouse holds 2025-06 to 2025-12. Pass --allow-empty to render it anyway."]


def test_cli_allow_empty_passes_the_month_on(sample_root: Path, monkeypatch) -> None:
    import flows.report

    calls = []
    monkeypatch.setattr(flows.report, "report_flow", lambda settings, **kw: calls.append(kw) or [])
    result = CliRunner().invoke(cli, ["report", "--month", "2024-01", "--allow-empty", "--data-dir",
                                      str(sample_root)])
    assert result.exit_code == 0, result.output
    assert calls == [{"months": ["2024-01"], "everything": False, "allow_empty": True}]


def test_allowed_empty_month_renders_and_says_so(reports: Path, sample_root: Path) -> None:
    assert again(sample_root, reports, forced=[("month", "2024-01")]) == {"2024-01.pdf"}
    assert "No incursions recorded in January 2024" in page_texts(reports / "2024-01.pdf")[1]
