"""Per-source cursors: the last window fetched, and what the server said about it.

A cursor lives in `<data dir>/cursors/<source>.json`, beside the lake and outside raw/. The next
run starts at the cursor's window end minus the source's overlap; `--since` overrides it.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path


@dataclass(frozen=True)
class Cursor:
    window_start: datetime
    window_end: datetime
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None

    def as_json(self) -> str:
        record = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}
        return json.dumps(record, indent=1, sort_keys=True) + "\n"


def path_of(cursor_dir: Path, source: str) -> Path:
    return cursor_dir / f"{source}.json"


def read(cursor_dir: Path, source: str) -> Cursor | None:
    """The source's cursor, or None before its first successful fetch (or when it is unreadable)."""
    path = path_of(cursor_dir, source)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return Cursor(
            window_start=datetime.fromisoformat(record["window_start"]),
            window_end=datetime.fromisoformat(record["window_end"]),
            fetched_at=datetime.fromisoformat(record["fetched_at"]),
            etag=record.get("etag"),
            last_modified=record.get("last_modified"),
            sha256=record.get("sha256"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(cursor_dir: Path, source: str, cursor: Cursor) -> None:
    """Replace the source's cursor atomically."""
    cursor_dir.mkdir(parents=True, exist_ok=True)
    target = path_of(cursor_dir, source)
    temporary = cursor_dir / f".{source}.{uuid.uuid4().hex[:8]}"
    temporary.write_text(cursor.as_json(), encoding="utf-8")
    os.replace(temporary, target)


def window(
    *, now: datetime, cursor: Cursor | None, since: date | None, overlap: timedelta, first: timedelta
) -> tuple[datetime, datetime]:
    """[start, now): from `since` (00:00 UTC), else the cursor's end minus the overlap, else now - first."""
    if since is not None:
        start = datetime.combine(since, time(0), tzinfo=UTC)
    elif cursor is not None:
        start = cursor.window_end - overlap
    else:
        start = now - first
    return min(start, now), now
