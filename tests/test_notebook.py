"""The analyst walkthrough runs the documented way (`make notebook`) against the sample warehouse,
from another directory, and its HTML holds the chart inline and no warning or error output."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_make_notebook_renders_html_with_the_chart_inline(sample_root: Path, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "BALLOONS_DATA_DIR": str(sample_root)}
    done = subprocess.run(
        ["make", "-s", "-C", str(REPO), "notebook"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = sample_root / "notebook" / "analyst_walkthrough.html"
    assert done.stdout.strip().endswith(f"notebook: {html}")
    assert "WARNING" not in done.stderr and "Warning" not in done.stderr, done.stderr
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    (chart,) = page.select('img[src^="data:image/png;base64,"]')
    assert "incursion records per month" in chart["alt"]
    outputs = page.select(".output_area")
    assert outputs, "the notebook was not executed"
    assert not page.select(".output_stderr, .output_error"), [o.get_text()[:200] for o in page.select(".output_stderr")]
    text = " ".join(o.get_text(" ") for o in outputs)
    assert "Warning" not in text and "Traceback" not in text
    assert "2025-10" in text and "71" in text  # October 2025: 71 incursion records, from the warehouse
    assert "EYVI" in text
