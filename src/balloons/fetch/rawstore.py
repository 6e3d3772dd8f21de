"""Fetched payloads as immutable raw files: `raw/<table>/<source>/<YYYY>/<MM>/<UTC stamp>.<ext>`
(`<UTC stamp>-2.<ext>`, `-3`, … for the second and later files of one fetch).

Each payload is written atomically (a hidden temporary file in the same folder, fsync, rename)
and followed by a sidecar `<payload name>.json` recording where it came from (URL without
secrets), when, the HTTP status, its sha256 and the cursor window. A payload whose sha256 equals
the source's newest payload (or the newest of the same part, e.g. UTC day) is not written again.
Ingest skips sidecars (`balloons.ingest.rawfile.sidecar_of`), also one whose payload was deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from balloons.ingest.rawfile import SIDECAR_SUFFIX, file_format, sha256_of, sidecar_of

log = logging.getLogger(__name__)


def stamp(instant: datetime) -> str:
    """`20261130T021500Z`: sortable, UTC, safe in every file system."""
    return instant.strftime("%Y%m%dT%H%M%SZ")


def source_dir(raw_dir: Path, table: str, source: str) -> Path:
    return raw_dir / table / source


def sidecars(raw_dir: Path, table: str, source: str) -> list[Path]:
    """The sidecars of the source's payloads still there, oldest first (their paths sort by time)."""
    base = source_dir(raw_dir, table, source)
    if not base.is_dir():
        return []
    found = (p for p in base.rglob(f"*{SIDECAR_SUFFIX}") if (payload := sidecar_of(p)) and payload.is_file())
    return sorted(found, key=lambda p: fetch_order(p, base))


def fetch_order(location: Path, base: Path) -> tuple[str, str, int]:
    """Where a payload (or its sidecar) stands among a source's files: by folder, UTC stamp, then
    the number of the file within one fetch (`<stamp>.jsonl` first, then `<stamp>-2.jsonl`, …)."""
    relative = location.relative_to(base)
    stamp, _, number = relative.name.split(".")[0].partition("-")
    return (relative.parent.as_posix(), stamp, int(number) if number.isascii() and number.isdigit() else 1)


def last_sha256(raw_dir: Path, table: str, source: str, part: str | None = "") -> str | None:
    """The sha256 of the newest payload of a source (of one `part`, e.g. one UTC day; None: of any part),
    from its sidecar."""
    for sidecar in reversed(sidecars(raw_dir, table, source)):
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and (part is None or meta.get("part", "") == part):
            return str(meta["sha256"]) if meta.get("sha256") else None
    return None


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def write(
    raw_dir: Path,
    *,
    table: str,
    source: str,
    fetched_at: datetime,
    ext: str,
    payload: bytes,
    meta: dict[str, Any],
    part: str = "",
) -> Path | None:
    """Write `payload` and its sidecar; None when it equals the source's newest payload, or the newest
    payload of the same part.

    `meta` is merged into the sidecar with the part, the payload's sha256, size and file name.
    """
    digest = sha256_hex(payload)
    _clear_parts(source_dir(raw_dir, table, source))
    if digest in (last_sha256(raw_dir, table, source, part), last_sha256(raw_dir, table, source, None)):
        return None
    adopted = _adopt_orphan(raw_dir, table, source, digest, meta, part)
    if adopted is not None:
        return None
    folder = source_dir(raw_dir, table, source) / f"{fetched_at:%Y}" / f"{fetched_at:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    base = stamp(fetched_at)
    target = folder / f"{base}.{ext}"
    counter = 1
    while target.exists() or Path(f"{target}{SIDECAR_SUFFIX}").exists():
        counter += 1
        target = folder / f"{base}-{counter}.{ext}"
    _atomic(target, payload)
    _write_sidecar(target, {**meta, "part": part}, digest, len(payload))
    return target


def _clear_parts(base: Path) -> None:
    """Remove the temporary files a fetch killed outright left (`.<name>.<hex>.part`): one fetch of
    a source runs at a time (the pipeline lock), so none is being written now."""
    if base.is_dir():
        for leftover in base.rglob(".*.part"):
            log.info("removing %s, left by a fetch that was stopped", leftover)
            leftover.unlink(missing_ok=True)


def _adopt_orphan(raw_dir: Path, table: str, source: str, digest: str, meta: dict[str, Any], part: str) -> Path | None:
    """The source's newest payload, when it has no sidecar (a fetch killed between the two) and
    holds these very bytes: it gets its sidecar now, instead of a second copy being written. None
    otherwise (an older payload holding them is not this fetch's: the table changed since)."""
    base = source_dir(raw_dir, table, source)
    if not base.is_dir():
        return None
    known = sidecars(raw_dir, table, source)
    newest = fetch_order(known[-1], base) if known else ("", "", 0)
    for candidate in sorted(base.rglob("*"), key=lambda p: fetch_order(p, base), reverse=True):
        if fetch_order(candidate, base) <= newest:
            break
        if candidate.name.startswith(".") or not candidate.is_file() or file_format(candidate.name) is None:
            continue
        if Path(f"{candidate}{SIDECAR_SUFFIX}").exists() or sha256_of(candidate) != digest:
            continue
        log.info(
            "source=%s: %s had no sidecar (a stopped fetch); it is this payload, so it gets one", source, candidate
        )
        _write_sidecar(candidate, {**meta, "part": part}, digest, candidate.stat().st_size)
        return candidate
    return None


def _write_sidecar(target: Path, meta: dict[str, Any], digest: str, size: int) -> None:
    sidecar = {**meta, "file": target.name, "sha256": digest, "size_bytes": size}
    _atomic(
        Path(f"{target}{SIDECAR_SUFFIX}"),
        (json.dumps(sidecar, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8"),
    )


def _atomic(target: Path, data: bytes) -> None:
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
