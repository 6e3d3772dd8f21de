"""Monthly and yearly PDFs: pages, numbers equal to the warehouse, reproducible, printable, empty months."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import matplotlib
import matplotlib.dates as mdates
import pytest
from conftest import build_warehouse, cli_process, write
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from pypdf import PdfReader

from balloons import report, warehouse
from balloons.errors import ReportError
from balloons.report import fonts, plots

pytestmark = pytest.mark.xdist_group("report")  # see conftest.py


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


class Rendered:
    """The sample's reports, each rendered once for the module: the tests that only read a PDF
    share it (rendering one takes seconds). Tests that change or re-render render their own."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rctx: report.ReportContext, out: Path) -> None:
        self.con, self.rctx, self.out = con, rctx, out
        self.paths: dict[str, Path] = {}

    def __call__(self, period: str) -> Path:
        if period not in self.paths:
            if len(period) == len("YYYY"):
                self.paths[period] = report.render_year(self.con, period, self.out, self.rctx)
            else:
                self.paths[period] = report.render_month(self.con, period, self.out, self.rctx)
        return self.paths[period]


@pytest.fixture(scope="module")
def rendered(con, rctx, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return Rendered(con, rctx, tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("month", ["2025-10", "2025-11"])
def test_month_report_pages_and_numbers_match_the_warehouse(rendered: Rendered, con, month: str) -> None:
    path = rendered(month)
    assert path == rendered.out / f"{month}.pdf"
    texts = page_texts(path)
    assert len(texts) == 6
    incursions, balloons = con.execute(
        "select incursions, balloons from monthly_incursions where month = ?", [month]
    ).fetchone()
    flights, passengers, low, high = con.execute(
        "select sum(flights_affected), sum(passengers_affected), sum(passengers_low), sum(passengers_high) "
        "from monthly_impact where month = ?",
        [month],
    ).fetchone()
    summary = texts[0]
    for value in (incursions, balloons, flights):
        assert str(value) in summary
    assert f"{passengers:,} ({low:,}-{high:,})" in summary
    assert f"{incursions} incursion records, {balloons} balloons" in texts[1]
    for title, page in zip(
        [
            "Balloon incursions and airport closures",
            "Incursions day by day",
            "Time of day",
            "Where",
            "Closures",
            "Trend since",
        ],
        texts,
        strict=True,
    ):
        assert title in page
    assert "Europe/Vilnius" in summary and "Data last ingested" in summary


def test_october_shows_71(rendered: Rendered) -> None:
    texts = page_texts(rendered("2025-10"))
    assert "71" in texts[0] and "peak 2025-10: 71 records" in texts[5]


def test_rerender_is_byte_identical(tmp_path: Path, con, rctx, rendered: Rendered) -> None:
    first = rendered("2025-10").read_bytes()  # rendered earlier in this process, into another folder
    second = report.render_month(con, "2025-10", tmp_path, rctx).read_bytes()
    assert first == second


@pytest.mark.parametrize("name", ["$\\badcmd{ ^_ $", "Vilnius $5 and $6"])
def test_text_from_the_data_is_drawn_as_it_is_never_as_mathtext(name: str) -> None:
    """A municipality `$\\badcmd{ ^_ $` failed every run's reports ("Unknown symbol"), and `$5 and $6`
    was drawn as math: under the reports' settings no text is parsed as mathtext (found by review)."""
    import io

    with matplotlib.rc_context(report.RC):
        fig = Figure()
        ax = fig.add_subplot()
        plots.municipality_counts(ax, [name], [1])
        fig.savefig(io.BytesIO(), format="pdf")
        assert [label._preprocess_math(label.get_text()) for label in ax.get_yticklabels()] == [(name, False)]


def test_embedded_fonts_leave_out_only_the_layout_tables_no_reader_uses(rendered: Rendered) -> None:
    """The font programs in a report are TrueType subsets without GSUB/GPOS/GDEF (`fonts.py`)."""
    import io

    from fontTools.ttLib import TTFont

    programs = []
    for page in PdfReader(rendered("2025-10")).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                programs.append(descriptor["/FontFile2"].get_object().get_data())
    assert programs
    for program in programs:
        tables = set(TTFont(io.BytesIO(program)).keys())
        assert {"glyf", "cmap", "hmtx"} <= tables and not tables & set(fonts.LAYOUT_TABLES)


def test_a_lean_subset_draws_every_character_as_matplotlib_s_own_subset_does() -> None:
    """Same outlines and advance widths for every character as the subset matplotlib cuts itself;
    only the layout tables (and the glyphs only they reach, such as ligatures) are left out."""
    from matplotlib import font_manager
    from matplotlib.backends import _backend_pdf_ps

    text = "Closures 2025 – Vilnius (EYVI): 71 incursions, 44,143 passengers, ±5 km, 20 °C, fi ffl Ž ė"
    for weight in ("normal", "bold"):
        path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight=weight))
        with _backend_pdf_ps.get_glyphs_subset(path, text) as theirs, fonts.subset_font(path, text) as ours:
            assert set(theirs.keys()) - set(ours.keys()) == set(fonts.LAYOUT_TABLES) & set(theirs.keys()) != set()
            for char in set(text):
                name = theirs.getBestCmap()[ord(char)]
                assert ours.getBestCmap()[ord(char)] == name
                assert ours["hmtx"][name] == theirs["hmtx"][name]
                mine, other = ours["glyf"][name], theirs["glyf"][name]
                assert mine.getCoordinates(ours["glyf"])[0] == other.getCoordinates(theirs["glyf"])[0], char


def test_fonts_are_truetype_not_type3(rendered: Rendered) -> None:
    reader = PdfReader(rendered("2025-10"))
    subtypes = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            subtypes.add(font.get_object()["/Subtype"])
    assert subtypes and "/Type3" not in subtypes
    assert subtypes <= {"/TrueType", "/Type0"}


def test_empty_month_still_renders_and_says_so(rendered: Rendered) -> None:
    texts = page_texts(rendered("2025-03"))
    assert len(texts) == 6
    assert "No airport closures in March 2025" in texts[0]
    assert "No incursions recorded in March 2025" in texts[1]


def test_month_without_closures(rendered: Rendered) -> None:
    texts = page_texts(rendered("2025-07"))
    assert "No airport closures in July 2025" in texts[4]
    assert "18 incursion records" in texts[1]


def test_yearly_report(rendered: Rendered, con) -> None:
    texts = page_texts(rendered("2025"))
    assert len(texts) == 5
    ((flights, passengers),) = con.execute(
        "select sum(flights_affected), sum(passengers_affected) from monthly_impact where month like '2025-%'"
    ).fetchall()
    assert str(flights) in texts[0] and f"{passengers:,}" in texts[0]
    assert "315" in texts[0]
    # the headline figures officials reported, beside the same computed over the same days
    headline = " ".join(texts[1].split())
    assert "Reported beside computed — 2025" in headline
    assert "airport closures 2025 15 15" in headline
    assert f"flights affected 2025 over 320 {flights}" in headline
    assert "balloons June to mid-December 2025 315 315" in headline
    assert "incursion records October 2025 71 71" in headline
    assert "balloons 2024" not in headline  # a period of another year, with no records held


@pytest.mark.parametrize("bad", ["2025-13", "2025-1", "'; drop table x; --", "../../etc"])
def test_bad_month_is_refused(tmp_path: Path, con, rctx, bad: str) -> None:
    with pytest.raises(ReportError, match="YYYY-MM"):
        report.render_month(con, bad, tmp_path, rctx)
    assert list(tmp_path.iterdir()) == []


def test_rendering_in_processes_gives_the_same_files_in_order(
    tmp_path: Path, sample_root: Path, rendered: Rendered
) -> None:
    months = ["2025-09", "2025-10", "2025-11"]
    options = {"timezone": "Europe/Vilnius", "radius_km": 30}
    shared = report.render_all(
        sample_root / "warehouse.duckdb", months, ["2025"], tmp_path / "two", workers=2, **options
    )
    assert [p.name for p in shared] == ["2025-09.pdf", "2025-10.pdf", "2025-11.pdf", "2025.pdf"]
    assert [p.parent.name for p in shared] == ["two"] * 4
    alone = [rendered(period) for period in [*months, "2025"]]  # the same documents drawn in this process
    assert [p.read_bytes() for p in shared] == [p.read_bytes() for p in alone]


END_WITH_PARENT = """
import multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from balloons.report import _end_with
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with,
                               initargs=(os.getpid(),))
    print(pool.submit(os.getpid).result(), flush=True)  # the render process is up
    pool.submit(time.sleep, 120)
    os.kill(os.getpid(), signal.SIGKILL)  # killed outright: the pool is never shut down
"""


def test_a_render_process_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: after a SIGKILL of `balloons report`, its render process drew
    and wrote three more PDFs, and lived on."""
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(END_WITH_PARENT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    worker = Path(f"/proc/{int(done.stdout.split()[0])}")
    deadline = time.monotonic() + 30
    while worker.exists() and (worker / "status").read_text().find("State:\tZ") < 0:
        assert time.monotonic() < deadline, "the render process outlived its parent by 30 s"
        time.sleep(0.2)


def test_cli_refuses_an_empty_month_in_one_line_before_prefect(sample_root: Path, tmp_path: Path) -> None:
    done, prefect = cli_process(tmp_path, "report", "--month", "2024-01", "--data-dir", str(sample_root))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: No data for 2024-01: the warehouse holds 2025-06 to 2025-12. Pass --allow-empty to render it anyway."
    ]
    assert not prefect  # refused before the report flow (or Prefect at all) started
    assert not (sample_root / "reports" / "2024-01.pdf").exists()


def test_allow_empty_without_a_month_is_refused_in_one_line(sample_root: Path, tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: it was taken silently, exit 0, and nothing was said."""
    done, prefect = cli_process(tmp_path, "report", "--allow-empty", "--data-dir", str(sample_root))
    assert done.returncode == 1 and not prefect
    assert done.stderr.strip().splitlines() == [
        "Error: --allow-empty goes with --month: it renders a month outside the data on purpose."
    ]


# --- charts a reader can trust ---------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("month", ["2025-10", "2025-11", "2025-12"])
def test_closure_labels_never_merge(rendered: Rendered, con, month: str) -> None:
    """December's 9 and 6 once printed as "96", November's 22 and 5 as one blot."""
    page = tokens(page_texts(rendered(month))[4])
    flights = [
        f
        for (f,) in con.execute(
            "select flights_affected from closure_impact where month = ? order by closed_from", [month]
        ).fetchall()
    ]
    for value in flights:
        assert str(value) in page, (value, page)
    assert "96" not in page and "69" not in page and "225" not in page and "522" not in page


def test_label_levels_keep_every_pair_apart() -> None:
    centres, widths = [10, 12, 14, 40, 41, 100], [8, 8, 8, 20, 4, 6]
    levels = plots.label_levels(centres, widths, gap=2)
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            if levels[i] == levels[j]:
                assert abs(centres[i] - centres[j]) >= (widths[i] + widths[j]) / 2 + 2, (i, j, levels)
    assert levels[0] == 0 and levels[-1] == 0 and max(levels) == 2


def _timeline(closures: list[dict]) -> tuple[Figure, Axes]:
    fig = Figure(figsize=report.PAGE)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.58, 0.88, 0.27))
    plots.closure_timeline(ax, closures, first=date(2025, 11, 1), last=date(2025, 11, 30))
    fig.canvas.draw()
    return fig, ax


def test_closure_across_midnight_is_one_bar() -> None:
    start, end = datetime(2025, 11, 23, 18, 55), datetime(2025, 11, 24, 0, 25)
    _, ax = _timeline([{"airport": "EYVI", "start": start, "end": end, "flights": 22}])
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 1
    assert ax.xaxis.get_zorder() < bars[0].get_zorder()  # day grid lines are drawn under, not across, the bar
    assert bars[0].get_x() == pytest.approx(mdates.date2num(start))
    assert bars[0].get_x() + bars[0].get_width() == pytest.approx(mdates.date2num(end))


def test_largest_closure_at_the_month_edge_keeps_its_label_inside() -> None:
    fig, ax = _timeline(
        [
            {
                "airport": "EYVI",
                "start": datetime(2025, 11, 28, 23, 15),
                "end": datetime(2025, 11, 29, 7, 3),
                "flights": 22,
            },
            {
                "airport": "EYVI",
                "start": datetime(2025, 11, 30, 18, 9),
                "end": datetime(2025, 12, 1, 5, 0),
                "flights": 50,
            },
        ]
    )
    label = next(t for t in ax.texts if t.get_text() == "50")
    box, frame = label.get_window_extent(fig.canvas.get_renderer()), ax.get_window_extent()
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1


def test_trend_counts_have_whole_ticks_and_an_empty_passenger_panel_says_so(rendered: Rendered) -> None:
    texts = page_texts(rendered("2025-07"))
    for page in (texts[1], texts[2], texts[4], texts[5]):
        assert not [t for t in tokens(page) if re.fullmatch(r"\d+\.\d+", t)], page
    assert "No data: no airport closures from 2025-06 through July 2025" in " ".join(texts[5].split())
    assert "passengers affected (best)" not in texts[5]


def test_trend_keeps_cumulative_balloons_off_the_monthly_axis(con, rctx) -> None:
    with matplotlib.rc_context(report.RC):
        fig = report.trend_page(con, "2025-11", rctx, "November 2025")
    boxes = [ax.get_position() for ax in fig.axes]
    assert len(boxes) == 3  # monthly bars, cumulative line, passengers: no twin axis over the bars
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.y1 <= b.y0 or b.y1 <= a.y0
    assert fig.axes[1].get_lines()[0].get_ydata()[-1] == 315 - 35  # June..November


def test_yearly_trend_highlights_the_peak_month(rendered: Rendered, con, rctx) -> None:
    assert report.peak_month(report.trend_rows(con, "2025-12"), "2025") == "2025-10"
    texts = page_texts(rendered("2025"))
    assert "peak month of 2025" in texts[4] and "this report's month" not in texts[4]
    with matplotlib.rc_context(report.RC):
        fig = report.trend_page(con, "2025-12", rctx, "2025", year="2025")
    months = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    (span,) = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(plots.HIGHLIGHT)]
    assert span.get_x() + span.get_width() / 2 == pytest.approx(months.index("2025-10"))


def test_map_draws_airports_above_points_with_a_size_key(rendered: Rendered, rctx) -> None:
    texts = page_texts(rendered("2025-10"))
    assert "1 balloon" in texts[3] and "balloons" in texts[3] and "airport" in texts[3]
    fig = Figure(figsize=report.PAGE)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    plots.incursion_map(
        ax,
        rctx.outline,
        [(25.29, 54.63, 1), (25.3, 54.64, 4), (25.2, 54.6, 2), (25.1, 54.7, 9)],
        [("EYVI", 25.2858, 54.6341)],
        radius_km=30,
    )
    points = max(c.get_zorder() for c in ax.collections if len(c.get_offsets()) > 1)
    airport = next(c for c in ax.collections if len(c.get_offsets()) == 1)
    label = next(t for t in ax.texts if t.get_text() == "EYVI")
    assert airport.get_zorder() > points and label.get_zorder() > points
    assert plots.size_key([1, 4, 2, 9, 1]) == [1, 4, 9]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:3] == ["1 balloon", "4 balloons", "9 balloons"]


def lowest_text(path: Path, page: int) -> float:
    """Height (fraction of the page) of the lowest text above the footer."""
    reader = PdfReader(path)
    height = float(reader.pages[page].mediabox.height)
    ys: list[float] = []
    reader.pages[page].extract_text(
        visitor_text=lambda text, cm, tm, *_: ys.append(tm[5] * cm[3] + cm[5]) if text.strip() else None
    )
    return min(y for y in ys if y > 0.04 * height) / height


@pytest.mark.parametrize(("month", "page"), [("2025-10", 0), ("2025-12", 0)])
def test_summary_page_is_not_a_third_empty(rendered: Rendered, month: str, page: int) -> None:
    assert lowest_text(rendered(month), page) < 1 / 3


def test_yearly_pages_are_not_a_third_empty(rendered: Rendered) -> None:
    path = rendered("2025")
    assert all(lowest_text(path, page) < 1 / 3 for page in range(5))


# --- synthetic data says so ------------------------------------------------------------------------------


def test_sample_rows_are_marked_synthetic_by_their_raw_folder(con) -> None:
    flags = dict(
        con.execute(
            "select 'incursions', bool_and(synthetic) from incursions union all "
            "select 'flights', bool_and(synthetic) from flights union all "
            "select 'closures', bool_or(synthetic) from closures"
        ).fetchall()
    )
    assert flags == {"incursions": True, "flights": True, "closures": False}
    assert report.synthetic_tables(con, "2025-12") == ["incursions", "flights"]


def test_summary_says_when_figures_are_synthetic(rendered: Rendered) -> None:
    texts = page_texts(rendered("2025-10"))
    assert "Synthetic data: the incursions and flights behind these figures are synthetic" in texts[0]
    assert "Synthetic data" in page_texts(rendered("2025"))[0]


def test_observed_data_carries_no_synthetic_warning(tmp_path: Path, ctx) -> None:
    write(tmp_path, "closures/ops/c.csv", "airport,closed_from,closed_until\nEYVI,2025-10-04T22:16,2025-10-05T00:10\n")
    write(tmp_path, "incursions/nkvc/i.csv", "detected_at,balloons,lat,lon\n2025-10-04T21:00,3,54.6,25.3\n")
    write(
        tmp_path,
        "flights/ops/f.csv",
        "airport,direction,flight_number,scheduled_at,status\nEYVI,departure,FR1,2025-10-04T22:30,cancelled\n",
    )
    con = warehouse.connect_read_only(build_warehouse(tmp_path, ctx))
    try:
        assert report.synthetic_tables(con, "2025-12") == []
        local = report.context(con, timezone="Europe/Vilnius", radius_km=30)
        texts = page_texts(report.render_month(con, "2025-10", tmp_path / "reports", local))
    finally:
        con.close()
    assert "Synthetic" not in texts[0] and "FR1" not in texts[0]


def test_closures_left_out_of_the_totals_are_marked_in_the_tables(tmp_path: Path, ctx) -> None:
    write(
        tmp_path,
        "closures/ops/c.csv",
        "airport,closed_from,closed_until,scope\n"
        "EYVI,2025-10-04T22:16,2025-10-05T00:10,full\n"
        "EYKA,2025-10-06T20:00,2025-10-06T21:00,partial\n",
    )
    con = warehouse.connect_read_only(build_warehouse(tmp_path, ctx))
    try:
        local = report.context(con, timezone="Europe/Vilnius", radius_km=30)
        month = page_texts(report.render_month(con, "2025-10", tmp_path / "reports", local))[0]
        year = "\n".join(page_texts(report.render_year(con, "2025", tmp_path / "reports", local)))
    finally:
        con.close()
    for text in (month, year):
        assert "EYKA*" in text and "EYVI*" not in text and "not in the totals" in text


def test_a_closures_table_too_long_for_its_page_goes_on_over_pages_of_its_own(tmp_path: Path, ctx) -> None:
    """40 closures (a NOTAM closing the airport four times a day for ten days): the summary lists
    the first that fit and says how many, the pages after it list the rest; every closure is in
    the month's and the year's tables exactly once (found cut short, drawn over the footer)."""
    windows = " ".join(f"{h:02d}00-{h:02d}30" for h in (0, 6, 12, 18))
    write(
        tmp_path,
        "closures/n.notam",
        "(A0001/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5454N02355E005 A) EYKA B) 2511010000 "
        f"C) 2511102359 D) DAILY {windows} E) AD CLSD.)",
    )
    con = warehouse.connect_read_only(build_warehouse(tmp_path, ctx))
    try:
        (closures,) = con.execute("select count(*) from closures where month = '2025-11'").fetchone()
        local = report.context(con, timezone="Europe/Vilnius", radius_km=30)
        month = page_texts(report.render_month(con, "2025-11", tmp_path / "reports", local))
        year = page_texts(report.render_year(con, "2025", tmp_path / "reports", local))
    finally:
        con.close()
    assert closures == 40
    shown = int(re.search(r"computed beside reported: (\d+) of 40, the rest on the next pages", month[0]).group(1))
    assert 0 < shown < 40
    more = [t for t in month if "Closures — November 2025 (continued)" in t]
    assert more and month[1 : 1 + len(more)] == more  # right after the summary
    assert len(month) == 6 + len(more)
    assert f"Closures {shown + 1}-" in more[0] and "of 40." in more[-1]
    for pages, start in ((month, r"\d\d Nov \d\d:\d\d-"), (year, r"2025-11-\d\d \d\d:\d\d-")):
        starts = [s for text in pages for s in re.findall(start + r"\d\d:\d\d", text)]
        assert len(starts) == len(set(starts)) == 40, starts


def test_unknown_passengers_are_never_shown_as_zero_and_quiet_months_stay_in_the_year(tmp_path: Path, ctx) -> None:
    """Found by a fresh-eyes trial: a closure whose two flights had no passenger count, seats or
    aircraft type showed '0 (0-0)' passengers, the trend page said there were no closures at all,
    and the yearly table and chart left out a quiet month between two others."""
    write(tmp_path, "closures/ops/c.csv", "airport,closed_from,closed_until\nEYVI,2025-10-26T02:00,2025-10-26T05:00\n")
    write(
        tmp_path,
        "incursions/ops/i.csv",
        "detected_at,balloons,lat,lon\n2025-10-26T03:30,2,54.6,25.5\n2025-12-02T20:00,1,54.6,25.5\n",
    )
    write(
        tmp_path,
        "flights/ops/f.csv",
        "airport,direction,flight_number,scheduled_at,status\n"
        "EYVI,arrival,FR1,2025-10-26T03:30,operated\nEYVI,departure,FR2,2025-10-26T02:30,cancelled\n",
    )
    con = warehouse.connect_read_only(build_warehouse(tmp_path, ctx))
    try:
        assert con.execute("select sum(flights_unestimated) from monthly_impact").fetchone() == (2,)
        local = report.context(con, timezone="Europe/Vilnius", radius_km=30)
        month = page_texts(report.render_month(con, "2025-10", tmp_path / "reports", local))
        year = page_texts(report.render_year(con, "2025", tmp_path / "reports", local))
        assert report.months_held(con, "2025") == ["2025-10", "2025-11", "2025-12"]
    finally:
        con.close()
    summary = " ".join(month[0].split())
    assert "Passengers affected (best, band) unknown† 0 (0-0) - unknown†" in summary
    assert "EYVI 4.0 2 - unknown† -" in summary  # the closure's row
    assert report.NOTE_UNKNOWN in summary
    for trend in (month[-1], year[-1]):  # the month's bar says unknown, with the note; never a zero
        assert "unknown†" in trend and report.NOTE_UNKNOWN in " ".join(trend.split()), trend
        assert "no airport closures" not in trend
    assert "2025-11" in year[0]  # the quiet month between October and December


def test_hours_round_as_the_warehouse_rounds() -> None:
    """Found by a fresh-eyes trial: a 651-minute closure showed 10.8 hours in the PDFs while
    `round(duration_min / 60, 1)` in the warehouse gives 10.9."""
    con = duckdb.connect()
    try:
        for minutes in (651, 651.0, 90, 3, 45, 123_456, 27.0):
            (expected,) = con.execute("select round(?::double / 60, 1)", [minutes]).fetchone()  # type: ignore[misc]
            assert report._hours(minutes) == f"{expected:,.1f}", minutes
    finally:
        con.close()


def test_an_estimated_end_is_marked_in_the_closure_tables() -> None:
    """Found by a fresh-eyes trial: the sample's closure whose times were never published (and any
    NOTAM's `C) … EST`) looked like a closure of known times."""
    from datetime import datetime

    closure = {
        "airport": "EYVI",
        "start": datetime(2025, 12, 3, 23, 10),
        "end": datetime(2025, 12, 4, 0, 35),
        "minutes": 85,
        "flights": 6,
        "reported_flights": None,
        "reported_passengers": None,
        "passengers": 886,
        "low": 813,
        "high": 950,
        "unestimated": 0,
        "in_headline": True,
        "until_estimated": True,
        "flights_held": True,
    }
    assert report._closure_row(closure, start="%d %b %H:%M")[0] == "03 Dec 23:10-~00:35"
    assert report._closures_title("Closures", [closure]) == "Closures (~ end estimated)"
    known = {**closure, "until_estimated": False}
    assert report._closure_row(known, start="%d %b %H:%M")[0] == "03 Dec 23:10-00:35"
    assert report._closures_title("Closures", [known]) == "Closures"


def test_the_hours_chart_rounds_as_the_tables() -> None:
    """Found by a fresh-eyes trial: December's 261 minutes were 4.4 hours in the yearly table and
    '4.3 h' on its bar."""
    with matplotlib.rc_context(report.RC):
        fig = Figure()
        ax = fig.add_subplot()
        plots.hours_closed(ax, ["2025-12"], {"EYVI": [261 / 60]})
    assert [t.get_text() for t in ax.texts] == ["4.4 h"]
    with matplotlib.rc_context(report.RC):  # a month of two airports: the label rounds their sum
        fig = Figure()
        ax = fig.add_subplot()
        plots.hours_closed(ax, ["2026-06"], {"EYKA": [88 / 60], "EYVI": [5 / 60]})
    assert [t.get_text() for t in ax.texts] == ["1.6 h"] and report._hours(93) == "1.6"


def test_the_day_by_day_chart_shades_a_closure_from_the_month_before(con) -> None:
    """Found by a fresh-eyes trial: the closure of 30 November 18:09 - 1 December 05:00 was not
    shaded on 1 December."""
    from datetime import date, datetime

    december = report.closed_during(con, date(2025, 12, 1), date(2025, 12, 31))
    assert december[0] == (datetime(2025, 11, 30, 18, 9), datetime(2025, 12, 1, 5, 0))
    assert len(december) == 4  # with the three that start in December


def test_an_airport_keeps_its_colour_from_one_report_to_the_next() -> None:
    """Found by a fresh-eyes trial: EYVI was orange in the 2025 report and red in 2026's, where it
    was the only airport closed."""
    colours = []
    for by_airport in ({"EYKA": [1.0], "EYVI": [2.0]}, {"EYVI": [2.0]}, {"EYVI": [1.0], "LLBG": [1.0]}):
        with matplotlib.rc_context(report.RC):
            fig = Figure()
            ax = fig.add_subplot()
            plots.hours_closed(ax, ["2025-10"], by_airport)
        colours.append({p.get_label(): p.patches[0].get_facecolor() for p in ax.containers})
    eyvi = matplotlib.colors.to_rgba(plots.AIRPORT_COLOURS["EYVI"])
    assert [c["EYVI"] for c in colours] == [eyvi] * 3 and colours[2]["LLBG"] != eyvi


def test_closures_of_a_month_without_flights_say_so_instead_of_zero(tmp_path: Path, ctx) -> None:
    """Found by a fresh-eyes trial: closures of a month the warehouse holds no flights of showed
    '0' flights and '0 (0-0)' passengers hit, as if none were."""
    write(tmp_path, "closures/ops/c.csv", "airport,closed_from,closed_until\nEYVI,2025-11-30T06:00,2025-11-30T14:00\n")
    write(tmp_path, "incursions/ops/i.csv", "detected_at,balloons\n2025-11-29T22:00,2\n")
    con = warehouse.connect_read_only(build_warehouse(tmp_path, ctx))
    try:
        local = report.context(con, timezone="Europe/Vilnius", radius_km=30)
        month = page_texts(report.render_month(con, "2025-11", tmp_path / "reports", local))
        year = page_texts(report.render_year(con, "2025", tmp_path / "reports", local))
    finally:
        con.close()
    summary = " ".join(month[0].split())
    assert "Flights affected no flights held 0 - no flights held" in summary
    assert "Passengers affected (best, band) no flights held 0 (0-0) - no flights held" in summary
    assert "2025-11 1 2 1 8.0 no flights held no flights held" in " ".join(year[0].split())
    assert "30 Nov 06:00-14:00 EYVI 8.0 no flights held - no flights held -" in summary  # the closure's row


def test_text_too_wide_for_its_cell_is_shrunk_to_fit_and_the_rest_keeps_its_size() -> None:
    """Found by a trial with large figures: a 7-digit passenger band ran over into the next cell.
    Measured alike whatever the user's matplotlibrc (a re-check: `savefig.format: pgf` made the
    measuring need LaTeX)."""
    fig = Figure(figsize=report.PAGE)
    ax = fig.add_axes((0.05, 0.5, 0.9, 0.4))
    band = "1,234,567 (1,000,000-1,500,000)†"
    with matplotlib.rc_context({"savefig.format": "pgf"}):
        (drawn,) = plots.table(
            ax,
            report.CLOSURE_HEADER,
            [["4 Oct 22:00-23:30", "EYVI", "1.5", "12,345", "-", band, "1,300,000"]],
            title="Closures",
            widths=report.CLOSURE_WIDTHS,
        )
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    for cell in drawn.get_celld().values():
        text = cell.get_text()
        assert text.get_window_extent(renderer).width <= cell.get_window_extent(renderer).width * (1 - cell.PAD)
        if text.get_text() in ("EYVI", "12,345", "closure (local)"):
            assert text.get_fontsize() == 10
    shrunk = drawn[1, 5].get_text().get_fontsize()
    assert plots.SMALLEST_FONT <= shrunk < 10
