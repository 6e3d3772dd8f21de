"""Fetch one declared source end to end: window from its cursor, request, raw file, new cursor.

`fetch_source` raises FetchError (or ConfigError) when the source fails; the caller decides that a
failing source fails only itself. The cursor moves only after the payload is safely on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from balloons.fetch import cursor as cursors
from balloons.fetch import faa_notam, http_file, opensky, rawstore
from balloons.fetch.fetched import Fetched
from balloons.fetch.http import Http
from balloons.fetch.sources import OpenSkySource, Source

log = logging.getLogger(__name__)

KINDS: dict[str, Callable[..., Fetched]] = {
    "http_file": http_file.fetch,
    "faa_notam": faa_notam.fetch,
    "opensky": opensky.fetch,
}


@dataclass(frozen=True)
class Outcome:
    """What fetching one source did: `written` a new raw file, `unchanged`, or `failed` (with why)."""

    source: str
    kind: str
    outcome: str
    path: str | None = None
    error: str | None = None
    window_start: str | None = None
    window_end: str | None = None

    def line(self) -> str:
        if self.outcome == "failed":
            return f"{self.source}: failed ({self.error})"
        return f"{self.source}: {self.outcome}" + (f" {self.path}" if self.path else "")

    def as_status(self, fetched_at: datetime) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "outcome": self.outcome,
            "error": self.error,
            "path": self.path,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "fetched_at": fetched_at.isoformat(),
        }


def fetch_source(
    source: Source, http: Http, *, raw_dir: Path, cursor_dir: Path, now: datetime, since: date | None = None
) -> Outcome:
    """Fetch `source` into raw/ and move its cursor; raises FetchError when it fails."""
    http.keep_secret(*source.secrets())
    previous = cursors.read(cursor_dir, source.name)
    first = timedelta(days=source.lookback_days) if isinstance(source, OpenSkySource) else timedelta(0)
    start, end = cursors.window(
        now=now, cursor=previous, since=since, overlap=timedelta(hours=source.overlap_hours), first=first
    )
    fetched = KINDS[source.kind](source, http, start=start, end=end, cursor=previous, conditional=since is None)
    written: list[str] = []
    for part in fetched.parts:
        meta = {
            "source": source.name,
            "kind": source.kind,
            "table": source.table,
            "url": fetched.url,
            "requests": list(part.requests or fetched.requests),
            "fetched_at": now.isoformat(),
            "http_status": part.http_status if part.http_status is not None else fetched.http_status,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "window": {"start": part.window_start.isoformat(), "end": part.window_end.isoformat()},
            **({"counts": fetched.notes} if fetched.notes else {}),
        }
        path = rawstore.write(
            raw_dir,
            table=source.table,
            source=source.name,
            fetched_at=now,
            ext=fetched.ext,
            payload=part.payload,
            meta=meta,
            part=part.key,
        )
        if path is not None:
            written.append(path.relative_to(raw_dir).as_posix())
    # a backfill (`--since`), or a fetch that failed part way into an overlap, leaves the cursor
    # where it was: it never moves back
    behind = previous is not None and fetched.window_end < previous.window_end
    if behind and previous is not None:
        log.info("source=%s: cursor kept at %s (fetched to %s)", source.name, previous.window_end, fetched.window_end)
    if fetched.http_status is not None and not behind:  # the provider answered: remember the window and validators
        digest = (
            rawstore.sha256_hex(fetched.parts[-1].payload) if fetched.parts else (previous.sha256 if previous else None)
        )
        cursors.write(
            cursor_dir,
            source.name,
            cursors.Cursor(
                window_start=fetched.window_start,
                window_end=fetched.window_end,
                fetched_at=now,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                sha256=digest,
            ),
        )
    log.info("source=%s kind=%s requests=%d written=%d", source.name, source.kind, http.requests, len(written))
    if fetched.failure is not None:
        log.warning("source=%s: fetched up to %s, then failed", source.name, fetched.window_end)
        raise fetched.failure
    return Outcome(
        source.name,
        source.kind,
        "written" if written else "unchanged",
        " ".join(written) or None,
        window_start=fetched.window_start.isoformat(),
        window_end=fetched.window_end.isoformat(),
    )
