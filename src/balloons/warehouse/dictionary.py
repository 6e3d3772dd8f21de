"""The data dictionary, generated from the warehouse's own `COMMENT ON` descriptions."""

from __future__ import annotations

import duckdb

from balloons.warehouse import PUBLIC_RELATIONS

HEADER = """# Data dictionary

Generated from the warehouse's `COMMENT ON` descriptions by `balloons dictionary`; a test checks
that it is current. In DuckDB the same text is in `duckdb_tables()` and `duckdb_columns()`:

```sql
SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal;
```

Timestamps are `TIMESTAMP WITH TIME ZONE` (UTC instants, shown in the session's `TimeZone`);
`month` columns are local months (Europe/Vilnius) as `'YYYY-MM'`.

Relations named `rpt_` are the report models (`src/balloons/warehouse/sql/4_reports/`): the figures of the
PDF reports, shaped for their pages; the reports read nothing else. For analysis, start from the
others.
"""


def _cell(text: object) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown describing every public relation and column, in a stable order."""
    parts = [HEADER]
    for name in PUBLIC_RELATIONS:
        (comment,) = con.execute(
            "select comment from duckdb_tables() where schema_name = 'main' and table_name = ?", [name]
        ).fetchone() or (None,)
        parts.append(f"\n## `{name}`\n\n{_cell(comment)}\n\n| column | type | description |\n|---|---|---|\n")
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where schema_name = 'main' and table_name = ? order by column_index",
            [name],
        ).fetchall()
        parts.extend(f"| `{c}` | {t} | {_cell(d)} |\n" for c, t, d in columns)
    return "".join(parts)


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Public relations or columns without a description."""
    missing = []
    for name in PUBLIC_RELATIONS:
        row = con.execute(
            "select comment from duckdb_tables() where schema_name = 'main' and table_name = ?", [name]
        ).fetchone()
        if not row or not row[0]:
            missing.append(name)
        missing += [
            f"{name}.{c}"
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'main' and table_name = ? "
                "and coalesce(comment, '') = ''",
                [name],
            ).fetchall()
        ]
    return missing
