"""The library never imports Prefect or the flows package (STYLE principle 1)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "balloons"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_library_never_imports_prefect_or_flows() -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(n for n in imported_modules(path) if n.split(".")[0] in {"prefect", "flows"})
        for path in SRC.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 5  # the walk really saw the library


def test_the_checker_catches_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from prefect import flow\n")
    assert "prefect" in imported_modules(bad)
