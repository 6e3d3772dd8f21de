"""Reports are derived state: bring reports/ in line with the warehouse on every run.

A report is current when its PDF records (`FINGERPRINT_KEY` in `/Keywords`) the
fingerprint of the warehouse build (`build_info.fingerprint`). `reconcile` removes the partial
files a killed render left (`.YYYY-MM.pdf.<hex>`), then renders every report that is missing,
unreadable or drawn from another build: every month with data, its year, and every report
already present (also a month rendered on purpose outside the data).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from balloons import warehouse
from balloons.lock import pipeline_lock
from balloons.report import FINGERPRINT_KEY, Job, periods, render_all, warehouse_fingerprint

log = logging.getLogger(__name__)

YEAR = re.compile(r"^\d{4}\Z")
REPORT = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2])|\d{4})\.pdf\Z")
TEMPORARY = re.compile(r"^\.(\d{4}-(?:0[1-9]|1[0-2])|\d{4})\.pdf\.[0-9a-f]{8}\Z")
RENDER_LOCK = ".render.lock"


def rendered_fingerprint(path: Path) -> str | None:
    """The warehouse fingerprint a report PDF records, or None (missing, unreadable, not ours)."""
    quiet = logging.getLogger("pypdf")  # a broken file is what this finds out: no warnings on the console
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        info = PdfReader(path).metadata
    except (OSError, PyPdfError, ValueError):
        return None
    finally:
        quiet.setLevel(level)
    keywords = str(info.get("/Keywords") or "") if info else ""
    return keywords[len(FINGERPRINT_KEY) :] if keywords.startswith(FINGERPRINT_KEY) else None


def existing_reports(out_dir: Path) -> list[Job]:
    """Report PDFs present in out_dir, as jobs (also months outside the data, rendered on purpose)."""
    if not out_dir.is_dir():
        return []
    found = [m.group(1) for m in map(REPORT.match, sorted(p.name for p in out_dir.iterdir())) if m]
    return [("year", p) if YEAR.match(p) else ("month", p) for p in found]


def stale_jobs(out_dir: Path, fingerprint: str, months: Sequence[str]) -> list[Job]:
    """Reports due: every month in `months` and its year, and every report already in out_dir,
    whose PDF is missing or records another warehouse fingerprint. Months first, then years."""
    wanted = {("month", m) for m in months} | {("year", m[:4]) for m in months} | set(existing_reports(out_dir))
    due = [job for job in wanted if rendered_fingerprint(out_dir / f"{job[1]}.pdf") != fingerprint]
    return sorted(due, key=lambda job: (job[0] != "month", job[1]))


def remove_temporaries(out_dir: Path) -> list[Path]:
    """Delete the hidden partial files (`.YYYY-MM.pdf.<hex>`) a killed render left behind."""
    if not out_dir.is_dir():
        return []
    removed = [p for p in sorted(out_dir.iterdir()) if TEMPORARY.match(p.name)]
    for path in removed:
        path.unlink(missing_ok=True)
        log.info("removed partial report path=%s", path)
    return removed


def reconcile(
    warehouse_path: Path,
    out_dir: Path,
    *,
    forced: Sequence[Job] = (),
    everything: bool = False,
    timezone: str,
    radius_km: float,
    workers: int = 1,
    wait_s: float = 600.0,
) -> list[Path]:
    """Bring out_dir in line with the warehouse: remove partial files, then render the `forced`
    jobs and every report that is missing or stale (every one with `everything`). One process at a
    time per out_dir (a lock file there), so nobody removes another render's temporary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with pipeline_lock(out_dir / RENDER_LOCK, wait_s=wait_s):
        remove_temporaries(out_dir)
        con = warehouse.connect_read_only(warehouse_path)
        try:
            fingerprint, months = warehouse_fingerprint(con), periods.data_months(con)
        finally:
            con.close()
        due = stale_jobs(out_dir, "" if everything else fingerprint, months)
        jobs = sorted(set(forced) | set(due), key=lambda job: (job[0] != "month", job[1]))
        log.info("reports due=%d fingerprint=%s", len(jobs), fingerprint[:12])
        paths = render_all(
            warehouse_path,
            [p for k, p in jobs if k == "month"],
            [p for k, p in jobs if k == "year"],
            out_dir,
            timezone=timezone,
            radius_km=radius_km,
            workers=workers,
        )
    return paths
