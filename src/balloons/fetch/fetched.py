"""What one source kind hands back: a payload (or None when nothing is new) and its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import SecretStr

from balloons.errors import ConfigError, FetchError


@dataclass(frozen=True)
class Part:
    """One payload to keep as one raw file; `key` names the slice it covers ('' for a whole file,
    the UTC day for per-day sources), so a re-fetched slice is compared with its own last payload."""

    key: str
    payload: bytes
    window_start: datetime
    window_end: datetime
    http_status: int | None = None
    """The answer this part came from, when the parts came from different answers (else `Fetched`'s)."""
    requests: tuple[str, ...] = ()
    """The requests that gave this part, when the parts came from different ones (else `Fetched`'s)."""


@dataclass(frozen=True)
class Fetched:
    parts: tuple[Part, ...]
    """Empty: the server said nothing changed (304), or the window held nothing to fetch."""
    ext: str
    url: str
    http_status: int | None
    window_start: datetime
    window_end: datetime
    requests: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    notes: dict[str, int] = field(default_factory=dict)
    failure: FetchError | None = None
    """Set when the fetch failed after some of its window was fetched: the parts are kept, the
    cursor moves to `window_end`, and then the source fails with this error."""


def require(secret: SecretStr | None, variable: str, *, key: str) -> str:
    """The secret's value; ConfigError naming the variable (never a value) when it is not set."""
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"environment variable {variable} (named by {key}) is not set")
    return secret.get_secret_value()
