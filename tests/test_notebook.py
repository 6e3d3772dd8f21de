"""The analyst walkthrough runs top to bottom against the sample warehouse."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "analyst_walkthrough.py"


@pytest.mark.slow
def test_walkthrough_executes(sample_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALLOONS_DATA_DIR", str(sample_root))
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "2025-10" in text and "71" in text
