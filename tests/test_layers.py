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


_EACH_MODULE_FIRST = """
import importlib, pkgutil, sys
import balloons
names = sorted(m.name for m in pkgutil.walk_packages(balloons.__path__, "balloons."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "balloons" or m.startswith("balloons.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print(len(names))
print("\\n".join(failed))
"""


def test_each_library_module_imports_first_in_a_fresh_process() -> None:
    """Found by a re-check: importing `balloons.fetch.rawstore` before `balloons.ingest` failed on a
    circular import, which every entry point's order of imports happened to hide."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _EACH_MODULE_FIRST], capture_output=True, text=True, check=True)
    count, *failed = done.stdout.splitlines()
    assert int(count) > 40 and [line for line in failed if line] == []


def test_the_checker_catches_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from prefect import flow\n")
    assert "prefect" in imported_modules(bad)


# --- the warehouse SQL: stg -> int -> fct -> rpt, each layer reading only what is built before it ---

PREFIX = {"1_staging": "stg_", "2_intermediate": "int_", "4_reports": "rpt_"}


def test_sql_layers_are_built_in_order_stg_int_fct_rpt() -> None:
    from balloons import warehouse

    layers = [m.layer for m in warehouse.models()]
    assert layers == sorted(layers, key=warehouse.LAYERS.index)
    assert warehouse.LAYERS == ("1_staging", "2_intermediate", "3_facts", "4_reports")


def test_each_file_creates_the_relation_it_is_named_for_with_its_layer_prefix() -> None:
    from balloons import warehouse

    for model in warehouse.models():
        if model.path == "1_staging/lineage.sql":  # the macros every layer may use
            assert model.creates == {"is_synthetic"}
            continue
        name = model.path.split("/")[1].removesuffix(".sql")
        assert model.creates == {name}, model.path
        if model.layer in PREFIX:
            assert name.startswith(PREFIX[model.layer]), model.path
        else:  # fact tables keep the names analysts query
            assert name in warehouse.FACT_RELATIONS, model.path
    assert {m.path.split("/")[1].removesuffix(".sql") for m in warehouse.models() if m.layer == "4_reports"} == set(
        warehouse.REPORT_RELATIONS
    )


def test_every_model_reads_only_models_built_before_it() -> None:
    from balloons import warehouse

    built: set[str] = set()
    layer_of = {name: m.layer for m in warehouse.models() for name in m.creates}
    for model in warehouse.models():
        later = {name for name in model.reads & set(layer_of) if name not in built}
        assert later == set(), f"{model.path} reads {sorted(later)} before they are built"
        assert all(
            warehouse.LAYERS.index(layer_of[n]) <= warehouse.LAYERS.index(model.layer) for n in model.reads & built
        )
        built |= model.creates


def test_intermediate_models_never_read_facts_and_staging_reads_only_sources() -> None:
    from balloons import warehouse

    layer_of = {name: m.layer for m in warehouse.models() for name in m.creates}
    for model in warehouse.models():
        read_layers = {layer_of[n] for n in model.reads if n in layer_of and n != "is_synthetic"}
        if model.layer == "1_staging":
            assert read_layers <= {"1_staging"} and not (model.reads & {n for n in layer_of if n != "is_synthetic"})
        if model.layer == "2_intermediate":
            assert read_layers <= {"1_staging", "2_intermediate"}, model.path


def test_report_code_reads_only_report_models() -> None:
    """The report pages' SQL (report/__init__.py, plots.py) names no relation but an rpt_ one."""
    import re

    from balloons import warehouse

    text = "\n".join((SRC / "report" / name).read_text(encoding="utf-8") for name in ("__init__.py", "plots.py"))
    named = {m.lower() for m in re.findall(r"\bfrom\s+([a-z_][a-z0-9_]*)", text, re.IGNORECASE)}
    relations = {name for m in warehouse.models() for name in m.creates}
    assert named & relations <= set(warehouse.REPORT_RELATIONS), sorted(named & relations)
    assert named & set(warehouse.REPORT_RELATIONS)  # the check really saw the queries


def test_the_reference_parser_sees_relations_not_aliases_comments_or_strings() -> None:
    from balloons import warehouse

    bad = warehouse._model(
        "2_intermediate/int_x.sql",
        "create or replace temp view int_x as select * from closures as c join airports a on true;",
    )
    good = warehouse._model(
        "2_intermediate/int_y.sql",
        "-- from closures\ncreate or replace temp view int_y as\nselect 'from flights' as t, closures.x\n"
        "from stg_closures as closures, range(3) as r(i), params;",
    )
    assert bad.creates == {"int_x"} and {"closures", "airports"} <= bad.reads
    assert good.reads == {"stg_closures", "params"}


IMPORT_EVERYTHING = """
import importlib, logging, os, pkgutil, sys
import matplotlib

def state():
    rc = matplotlib.rcParams
    return (
        dict(os.environ),
        {k: dict.__getitem__(rc, k) for k in dict.keys(rc)},  # raw values: reading 'backend' would resolve it
        list(logging.getLogger().handlers),
        logging.getLogger().level,
        "matplotlib.pyplot" in sys.modules,
        os.listdir("."),
    )

before = state()
import balloons
names = [m.name for m in pkgutil.walk_packages(balloons.__path__, "balloons.")]
for name in names:
    importlib.import_module(name)
after = state()
print(len(names), [i for i, (a, b) in enumerate(zip(before, after)) if a != b])
"""


def test_importing_the_library_changes_nothing(tmp_path: Path) -> None:
    """No import-time side effects: environment, matplotlib backend and rc, logging, files, pyplot."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=1)
    assert int(out[0]) > 30 and out[1].strip() == "[]"  # every module imported; nothing changed


def test_the_folders_show_the_architecture() -> None:
    """A small kernel at the top; everything else lives in the package of the stage it belongs to."""
    top = sorted(p.stem for p in SRC.glob("*.py"))
    assert top == ["__init__", "errors", "lock", "output", "redact", "schema", "settings", "status", "stopping"]
    packages = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())
    assert packages == ["fetch", "ingest", "lake", "report", "samples", "warehouse"]
    assert sorted(p.name for p in (SRC / "warehouse" / "sql").iterdir()) == [
        "1_staging",
        "2_intermediate",
        "3_facts",
        "4_reports",
    ]
    assert (SRC / "ingest" / "sql" / "resolve.sql").is_file()
