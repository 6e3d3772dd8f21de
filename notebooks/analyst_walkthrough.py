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

# %%
import os
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

data_dir = Path(os.environ.get("BALLOONS_DATA_DIR", "../data")).resolve()
con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
con.execute("SET TimeZone = 'Europe/Vilnius'")  # show instants in local time

# %% [markdown]
# ## Incursions per month (local months, zero-filled)

# %%
monthly = con.sql("SELECT month, incursions, balloons FROM monthly_incursions ORDER BY month").df()
monthly

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.bar(monthly["month"], monthly["incursions"], color="#4c72b0", label="incursion records")
ax.plot(monthly["month"], monthly["balloons"], color="#dd8452", marker="o", label="balloons")
ax.set_ylabel("count per month")
ax.set_title("Balloon incursions from Belarus (months in Europe/Vilnius time)")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## The closures and what they cost
#
# Computed figures (flights scheduled inside the closure window, passengers actual or estimated
# with a low-high band) beside the reported ones.

# %%
con.sql("""
    SELECT airport,
           closed_from,
           round(duration_min / 60, 1) AS hours,
           flights_affected, reported_flights,
           passengers_affected, passengers_low, passengers_high, reported_passengers
    FROM closure_impact
    ORDER BY closed_from
""").df()

# %% [markdown]
# ## Which incursions plausibly triggered each closure?

# %%
con.sql("""
    SELECT airport, closed_from, count(event_id) AS incursions_linked, sum(balloons) AS balloons
    FROM closure_triggers
    GROUP BY ALL
    ORDER BY closed_from
""").df()

# %%
con.close()
