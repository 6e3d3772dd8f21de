# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Analyst walkthrough: balloons over Lithuania
#
# Open the warehouse **read-only** (many analysts can, while the nightly run rebuilds it), look at
# incursions per month in Vilnius local time, chart them, and set the computed cost of each airport
# closure beside what officials reported. Nothing here computes figures of its own: every number
# comes from a warehouse relation (see `docs/data-dictionary.md`).
#
# Run it with `make notebook` (writes `data/notebook/analyst_walkthrough.html`, charts inline). The
# warehouse is found through the balloons settings (`BALLOONS_DATA_DIR`, which `make notebook` sets
# to the repository's `data/`); without it, `./data` of the folder the notebook runs in, or else the
# first `data/` with a warehouse in a folder above it (Jupyter runs a notebook in `notebooks/`).

# %%
import os
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt

from balloons.settings import load_settings

settings = load_settings()
if "BALLOONS_DATA_DIR" not in os.environ and not settings.warehouse_path.is_file():
    above = [folder / "data" for folder in Path.cwd().parents if (folder / "data" / "warehouse.duckdb").is_file()]
    if above:
        settings = load_settings(data_dir=above[0])
if not settings.warehouse_path.is_file():
    raise SystemExit(f"No warehouse at {settings.warehouse_path}: run `make run` first, or set BALLOONS_DATA_DIR.")
print(f"warehouse: {settings.warehouse_path}")
con = duckdb.connect(str(settings.warehouse_path), read_only=True)
con.execute("SET TimeZone = 'Europe/Vilnius'")  # show instants in local time


def table(sql: str):
    """A query's result as a pandas DataFrame (through Arrow, which keeps the time zone; whole
    numbers with gaps stay whole numbers, the gaps None)."""
    return con.sql(sql).to_arrow_table().to_pandas(integer_object_nulls=True)


# %% [markdown]
# Some of the data may be synthetic (the shipped sample's incursion records and flights are made
# to match the published figures, see data/raw/README.md): the tables holding synthetic rows.

# %%
table("SELECT table_name, min(month) AS first_month, max(month) AS last_month FROM rpt_synthetic GROUP BY ALL")


# %% [markdown]
# ## Incursions per month (local months, zero-filled)

# %%
monthly = table("SELECT month, incursions, balloons FROM monthly_incursions ORDER BY month")
monthly

# %% alt="Bar chart of incursion records per month, with the number of balloons as a line"
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.bar(monthly["month"], monthly["incursions"], color="#4c72b0", label="incursion records")
ax.plot(monthly["month"], monthly["balloons"], color="#dd8452", marker="o", label="balloons")
ax.set_ylabel("count per month")
synthetic = con.sql("SELECT count(*) FROM rpt_synthetic WHERE table_name = 'incursions'").fetchone()[0]
ax.set_title(
    "Balloon incursions from Belarus (months in Europe/Vilnius time)" + ("\nsynthetic records" if synthetic else "")
)
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The closures and what they cost
#
# Computed figures (flights scheduled inside the closure window, passengers actual or estimated
# with a low-high band) beside the reported ones.

# %%
table("""
    SELECT airport,
           closed_from,
           round(duration_min / 60, 1) AS hours,
           flights_affected, reported_flights,
           passengers_affected, passengers_low, passengers_high, reported_passengers
    FROM closure_impact
    ORDER BY closed_from
""")

# %% [markdown]
# ## Which incursions plausibly triggered each closure?

# %%
table("""
    SELECT airport, closed_from, count(event_id) AS incursions_linked, sum(balloons) AS balloons
    FROM closure_triggers
    GROUP BY ALL
    ORDER BY closed_from
""")

# %%
con.close()
