"""The nightly schedule, shared by `prefect.yaml` (workers) and `balloons serve` (one process).

02:00 every night in Europe/Vilnius. On both DST change nights 02:00 exists exactly once in
Vilnius (clocks jump 03:00→04:00 in March and fall back 04:00→03:00 in October), so there is
never a skipped or doubled run; `tests/test_deploy.py` checks the dates.
"""

from __future__ import annotations

from prefect.schedules import Cron, Schedule

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Europe/Vilnius"
DEPLOYMENT_NAME = "nightly"


def nightly_schedule() -> Schedule:
    """The schedule object; `cron=` alone would lose the timezone, so build it explicitly."""
    return Cron(NIGHTLY_CRON, timezone=NIGHTLY_TIMEZONE)
