"""Build the analysts' DuckDB warehouse from the lake, and open it read-only.

The build writes a new database file beside the old one, runs the layered SQL in `sql/`
(staging views → intermediate views → fact tables → report tables, each layer reading only the
layers before it and, in the order of its own references, itself), checkpoints, and renames the
new file over the old one. Analysts' open read-only sessions keep reading the file they opened;
new sessions see the new one; nobody ever waits for a lock. The file holds plain tables, so it
opens from any directory and does not depend on the lake's location.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from balloons import __version__, lake
from balloons.errors import ReadOnlyError, WarehouseError, interrupted
from balloons.lake.storage import Store
from balloons.schema import RECORD_TABLES, TABLES
from balloons.settings import Settings
from balloons.stopping import STOPPING
from balloons.warehouse import reported

log = logging.getLogger(__name__)

LAYERS = ("1_staging", "2_intermediate", "3_facts", "4_reports")
"""Folders of `sql/` in build order: `stg_` views, `int_` views, fact tables, `rpt_` tables."""
REPORT_RELATIONS = (
    "rpt_provenance",
    "rpt_months",
    "rpt_trend",
    "rpt_closures",
    "rpt_incursions",
    "rpt_incursions_by_day",
    "rpt_incursions_by_hour",
    "rpt_municipalities",
    "rpt_airports",
    "rpt_synthetic",
    "rpt_hours_closed",
    "rpt_headline",
)
"""The report models (`sql/4_reports/`): what `report.py` reads, shaped for its pages."""
FACT_RELATIONS = (
    "incursions",
    "closures",
    "flights",
    "monthly_incursions",
    "quarantine",
    "ingest_log",
    "closure_impact",
    "monthly_impact",
    "closure_triggers",
    "airports",
    "aircraft_seats",
    "build_info",
)
"""The tables analysts query (`sql/3_facts/`); their names are a contract."""
PUBLIC_RELATIONS = (*FACT_RELATIONS, *REPORT_RELATIONS)
"""Every relation kept in the warehouse file, each described (`COMMENT ON`, the data dictionary)."""
LOAD_FACTOR_BAND = 0.15


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class Params:
    """Settings the SQL reads from the one-row `params` table (never formatted into SQL).

    The defaults are the Settings defaults (one place); `from_settings` takes a run's values.
    """

    timezone: str = _default("timezone")
    load_factor: float = _default("load_factor")
    load_factor_band: float = LOAD_FACTOR_BAND
    buffer_after_min: int = _default("buffer_after_min")
    trigger_radius_km: float = _default("trigger_radius_km")
    trigger_lead_min: int = _default("trigger_lead_min")
    headline_causes: str = _default("headline_causes")
    """Comma-separated closure causes counted in headline figures (monthly_impact, reports)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Params:
        """The build parameters of a run: every field but the band comes from `settings`."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if f.name != "load_factor_band"})


@dataclass(frozen=True)
class Model:
    """One `.sql` file: the relations (or macros) it creates and the names it reads."""

    path: str
    """layer/file.sql"""
    text: str
    creates: frozenset[str]
    reads: frozenset[str]

    @property
    def layer(self) -> str:
        return self.path.split("/", 1)[0]


_CREATES = re.compile(r"\bcreate\s+or\s+replace\s+(?:temp\s+)?(?:table|view|macro)\s+(\w+)", re.IGNORECASE)
_NOISE = re.compile(r"--[^\n]*|'(?:[^']|'')*'")  # comments and string literals name nothing read
_TOKEN = re.compile(r"[a-z_][a-z0-9_]*|[(),;]", re.IGNORECASE)
_CLAUSE = frozenset(
    {
        "where",
        "on",
        "using",
        "join",
        "left",
        "right",
        "inner",
        "full",
        "outer",
        "cross",
        "asof",
        "group",
        "order",
        "window",
        "qualify",
        "union",
        "limit",
    }
)
"""Words that end a FROM item (so they are no alias)."""


def _skip_parens(tokens: list[str], i: int) -> int:
    """The index after the balanced parentheses opening at tokens[i] (or i when none opens there)."""
    if i >= len(tokens) or tokens[i] != "(":
        return i
    depth = 0
    while i < len(tokens):
        depth += {"(": 1, ")": -1}.get(tokens[i], 0)
        i += 1
        if depth == 0:
            return i
    return i


def _relations_read(code: str) -> set[str]:
    """Names in FROM / JOIN position (`from a as x, b` reads a and b; `from range(...) r(i)` nothing)."""
    tokens = [t.lower() for t in _TOKEN.findall(code)]
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        if tokens[i] not in ("from", "join"):
            i += 1
            continue
        i += 1
        while i < len(tokens) and tokens[i] not in "(),;":
            if i + 1 < len(tokens) and tokens[i + 1] == "(":
                i = _skip_parens(tokens, i + 1)  # a table function, not a relation
            else:
                found.add(tokens[i])
                i += 1
            if i < len(tokens) and tokens[i] == "as":
                i += 1
            if i < len(tokens) and tokens[i] not in _CLAUSE and tokens[i] not in "(),;":
                i = _skip_parens(tokens, i + 1)  # an alias, with or without a column list
            if i < len(tokens) and tokens[i] == ",":
                i += 1
                continue
            break
    return found


def _model(path: str, text: str) -> Model:
    code = _NOISE.sub(" ", text)
    creates = frozenset(name.lower() for name in _CREATES.findall(code))
    return Model(path, text, creates, frozenset(_relations_read(code) - creates))


def models() -> list[Model]:
    """Every model, in build order: layer by layer; inside a layer a model after those it reads
    (then by file name)."""
    root = resources.files("balloons.warehouse").joinpath("sql")
    ordered: list[Model] = []
    for layer in LAYERS:
        pending = sorted(
            (_model(f"{layer}/{e.name}", e.read_text("utf-8")) for e in root.joinpath(layer).iterdir()),
            key=lambda m: m.path,
        )
        pending = [m for m in pending if m.path.endswith(".sql")]
        made = {name for m in pending for name in m.creates}
        while pending:
            ready = [m for m in pending if not (m.reads & made)]
            if not ready:
                raise WarehouseError(f"SQL models in {layer} read each other in a cycle: {[m.path for m in pending]}")
            ordered.append(ready[0])
            pending.remove(ready[0])
            made -= ready[0].creates
    return ordered


def sql_files() -> list[tuple[str, str]]:
    """(layer/name, SQL text) of every model, in build order."""
    return [(m.path, m.text) for m in models()]


def _register_sources(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    """Each lake table as a temporary view: an Arrow dataset over its partitions (local or S3)."""
    for table in RECORD_TABLES:
        files = lake.partition_files(store, table)
        name = f"src_{table}"
        if files:
            con.register(name, store.dataset(files, store.path(table), TABLES[table].schema))
        else:
            empty = TABLES[table].schema.empty_table()
            con.register(name, empty.append_column("month", pa.array([], pa.string())))
    con.register("src_quarantine", lake.read_quarantine(store))
    con.register("src_ingest_log", lake.read_ingest_log(store))


def _airports_table(con: duckdb.DuckDBPyConnection, airports: Mapping[str, Mapping[str, Any]]) -> pa.Table:
    codes = con.sql("select airport from src_closures union select airport from src_flights order by 1").fetchall()
    rows = []
    for (code,) in codes:
        info = airports.get(code, {})
        rows.append(
            {
                "icao": code,
                "name": info.get("name"),
                "lat": info.get("lat"),
                "lon": info.get("lon"),
                "tz": info.get("tz"),
            }
        )
    schema = pa.schema(
        [
            ("icao", pa.string()),
            ("name", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
            ("tz", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def lake_fingerprint(store: Store, params: Params) -> tuple[str, int]:
    """A digest of the lake's files (path, size, mtime), the parameters, the code version, the
    SQL models and the reported figures (so a changed model or figure rebuilds the warehouse and
    re-renders the reports)."""
    work = f"{store.path(lake.WORK)}/"
    files = [i for i in store.files(store.root) if i.path.endswith(".parquet") and not i.path.startswith(work)]
    entries = [(i.path[len(store.root) :], i.size, i.mtime_ns) for i in files]
    models = "".join(f"{name}\n{sql}" for name, sql in sql_files()) + reported.figures_csv()
    code = hashlib.sha256(models.encode("utf-8")).hexdigest()
    text = json.dumps([__version__, asdict(params), entries, code], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), len(entries)


def built_fingerprint(target: Path) -> str | None:
    """The fingerprint the warehouse at `target` was built from, if it can be read."""
    if not target.is_file():
        return None
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            row = con.execute("select fingerprint from build_info").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return str(row[0]) if row else None


def is_current(store: Store, target: Path, params: Params) -> bool:
    """True when `target` was built from exactly this lake state and these parameters."""
    return built_fingerprint(target) == lake_fingerprint(store, params)[0]


def _remove_crashed_builds(target: Path) -> None:
    """Remove what killed builds left beside `target` (`.<name>.building-XXXX` and its `.wal`)."""
    for left in target.parent.glob(f".{target.name}.building-*"):
        log.warning("removing %s, left by a build that was killed", left)
        left.unlink(missing_ok=True)


def build(
    store: Store,
    target: Path,
    *,
    params: Params,
    airports: Mapping[str, Mapping[str, Any]],
    aircraft_seats: pa.Table,
    force: bool = False,
) -> dict[str, int]:
    """Build the warehouse at `target` atomically; returns row counts of the fact tables. The
    caller holds the pipeline lock: no other build is under way, so any other building file beside
    `target` is a killed build's, and is removed first.

    When the lake and parameters are unchanged since the last build, nothing is written and an
    empty dict is returned (unless `force`). A lake a newer balloons wrote is refused.
    """
    lake.refuse_newer_format(store)
    _remove_crashed_builds(target)
    fingerprint, lake_files = lake_fingerprint(store, params)
    if not force and built_fingerprint(target) == fingerprint:
        log.info("warehouse path=%s unchanged (fingerprint %s)", target, fingerprint[:12])
        return {}
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building-{uuid.uuid4().hex[:8]}")
    try:
        con = duckdb.connect(str(building))
        try:
            with STOPPING.interrupting(con):
                _register_sources(con, store)
                last = con.execute("select max(ingested_at) from src_ingest_log").fetchone()
                con.register(
                    "src_build_info",
                    pa.Table.from_pylist(
                        [
                            {
                                "fingerprint": fingerprint,
                                "lake_files": lake_files,
                                "last_ingest": last[0] if last else None,
                            }
                        ],
                        schema=pa.schema(
                            [
                                ("fingerprint", pa.string()),
                                ("lake_files", pa.int64()),
                                ("last_ingest", pa.timestamp("us", tz="UTC")),
                            ]
                        ),
                    ),
                )
                con.register("params", pa.Table.from_pylist([asdict(params)]))
                con.register("src_aircraft_seats", aircraft_seats)
                con.register("src_figures_reported", reported.figures_table())
                con.register("src_airports", _airports_table(con, airports))
                for name, text in sql_files():
                    try:
                        con.execute(text)
                    except duckdb.Error as exc:
                        if interrupted(exc):  # a stop, not a fault of the model
                            raise KeyboardInterrupt from exc
                        raise WarehouseError(f"SQL model {name} failed: {exc}") from exc
                counts = {
                    name: con.sql(f'select count(*) from "{name}"').fetchone()[0]  # type: ignore[index]
                    for name in FACT_RELATIONS
                }
                con.execute("checkpoint")
        finally:
            con.close()
        # a WAL beside the target belongs to a session of the old file (an analyst who opened it
        # read-write and died): left there, every reader would replay it onto the new warehouse
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
    log.info("warehouse path=%s %s", target, " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only (many readers at once; never blocks or is blocked by a build).

    The connection can touch nothing outside the file: no COPY TO, ATTACH, file reads or
    extension loads, and the setting cannot be turned back on from SQL.
    """
    if not path.is_file():
        raise WarehouseError(f"No warehouse at {path}; build it with 'balloons build' or 'balloons run'.")
    try:
        return duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))
    except duckdb.Error as exc:
        raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from exc


def query(path: Path, sql: str, parameters: list[object] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns (column names, rows)."""
    con = connect_read_only(path)
    try:
        statements = con.extract_statements(sql)
        if len(statements) > 1:  # DuckDB would run them all and return the last one's rows only
            raise WarehouseError(f"Give one SQL statement at a time; this text holds {len(statements)}.")
        relation = con.execute(sql, parameters or [])
        if relation is None:  # DuckDB runs nothing for "", " ", ";" or a comment
            raise WarehouseError('No SQL statement given; pass one, e.g. "SELECT * FROM monthly_incursions".')
        description = relation.description or []
        columns = [d[0] for d in description]
        intervals = [str(d[1]) == "INTERVAL" for d in description]
        if any(intervals) and statements[0].type == duckdb.StatementType.SELECT:
            # Python's timedelta has no months (a year would read as 360 days): DuckDB's own text
            exprs = ", ".join(f"#{i + 1}{'::varchar' if interval else ''}" for i, interval in enumerate(intervals))
            return columns, con.sql(sql, params=parameters or None).project(exprs).fetchall()
        return columns, relation.fetchall()
    except duckdb.Error as exc:
        text = str(exc)
        if "read-only" in text or "read only" in text or "disabled by configuration" in text:
            raise ReadOnlyError(
                "The warehouse is opened read-only and sealed: queries cannot change it or touch files "
                "outside it. Change raw data and run 'balloons run' instead."
            ) from exc
        if "configuration has been locked" in text:
            raise ReadOnlyError(
                "Settings cannot be changed on the sealed warehouse connection (SET TimeZone included); "
                "for local time write timezone('Europe/Vilnius', column) in the query."
            ) from exc
        raise WarehouseError(f"Query failed: {text.splitlines()[0]}") from exc
    finally:
        con.close()
