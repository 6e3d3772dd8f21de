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
# to the repository's `data/`), so the notebook works from any directory.

# %%
import duckdb
import matplotlib.pyplot as plt

from balloons.settings import load_settings

settings = load_settings()
con = duckdb.connect(str(settings.warehouse_path), read_only=True)
con.execute("SET TimeZone = 'Europe/Vilnius'")  # show instants in local time


def table(sql: str):
    """A query's result as a pandas DataFrame (through Arrow, which keeps the time zone)."""
    return con.sql(sql).to_arrow_table().to_pandas()


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
ax.set_title("Balloon incursions from Belarus (months in Europe/Vilnius time)")
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
