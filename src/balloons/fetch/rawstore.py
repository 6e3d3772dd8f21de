"""Fetched payloads as immutable raw files: `raw/<table>/<source>/<YYYY>/<MM>/<UTC stamp>.<ext>`
(`<UTC stamp>-2.<ext>`, `-3`, … for the second and later files of one fetch).

Each payload is written atomically (a hidden temporary file in the same folder, fsync, rename)
and followed by a sidecar `<payload name>.json` recording where it came from (URL without
secrets), when, the HTTP status, its sha256 and the cursor window. A payload whose sha256 equals
the source's newest payload (or the newest of the same part, e.g. UTC day) is not written again.
Ingest skips sidecars (`is_sidecar`).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from balloons.ingest.rawfile import file_format

SIDECAR_SUFFIX = ".json"


def stamp(instant: datetime) -> str:
    """`20261130T021500Z`: sortable, UTC, safe in every file system."""
    return instant.strftime("%Y%m%dT%H%M%SZ")


def source_dir(raw_dir: Path, table: str, source: str) -> Path:
    return raw_dir / table / source


def is_sidecar(location: Path) -> bool:
    """True for `X.json` when `X` is a readable raw file beside it (a payload's sidecar)."""
    name = location.name
    if not name.endswith(SIDECAR_SUFFIX):
        return False
    payload = name[: -len(SIDECAR_SUFFIX)]
    return file_format(payload) is not None and (location.parent / payload).is_file()


def sidecars(raw_dir: Path, table: str, source: str) -> list[Path]:
    """The source's sidecars, oldest first (their paths sort by time)."""
    base = source_dir(raw_dir, table, source)
    if not base.is_dir():
        return []
    return sorted(
        (p for p in base.rglob(f"*{SIDECAR_SUFFIX}") if is_sidecar(p)), key=lambda p: p.relative_to(base).as_posix()
    )


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
    if digest in (last_sha256(raw_dir, table, source, part), last_sha256(raw_dir, table, source, None)):
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
    sidecar = {**meta, "part": part, "file": target.name, "sha256": digest, "size_bytes": len(payload)}
    _atomic(
        Path(f"{target}{SIDECAR_SUFFIX}"),
        (json.dumps(sidecar, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8"),
    )
    return target


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
