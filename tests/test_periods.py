"""Report periods: a month outside the data is refused, naming the months held."""

from __future__ import annotations

from pathlib import Path

import pytest

from balloons.errors import ReportError
from balloons.report import periods


@pytest.mark.parametrize("month", ["2024-01", "2025-05", "2026-01"])
def test_month_outside_the_data_is_refused_naming_the_range(sample_root: Path, month: str) -> None:
    with pytest.raises(ReportError) as caught:
        periods.check_months_held(sample_root / "warehouse.duckdb", ["2025-10", month])
    assert str(caught.value) == (
        f"No data for {month}: the warehouse holds 2025-06 to 2025-12. Pass --allow-empty to render it anyway."
    )


def test_months_inside_the_data_pass(sample_root: Path) -> None:
    periods.check_months_held(sample_root / "warehouse.duckdb", ["2025-06", "2025-12"])
    with pytest.raises(ReportError, match="holds no incursions or closures yet"):
        periods.check_held("2025-10", [])


@pytest.mark.parametrize(("month", "days"), [("2025-02", (1, 28)), ("2024-02", (1, 29)), ("2025-12", (1, 31))])
def test_month_days_and_previous_month(month: str, days: tuple[int, int]) -> None:
    first, last = periods.month_days(month)
    assert (first.day, last.day) == days and first.strftime("%Y-%m") == last.strftime("%Y-%m") == month
    assert periods.previous_month("2025-01") == "2024-12"
