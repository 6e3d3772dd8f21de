"""The one HTTP edge of fetching: explicit timeouts, Retry-After honoured, secrets redacted.

Every request of every source kind goes through `request()`. A 429 or 503 whose `Retry-After`
(or OpenSky's `X-Rate-Limit-Retry-After-Seconds`) asks for a wait of at most `max_wait_s` is
retried after that wait, a few times; anything else that is not a success raises FetchError
naming the HTTP status, or the error class for network failures. Retries with backoff of a whole
source are the flow's job (Prefect task retries), not this module's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from balloons.errors import FetchError
from balloons.redact import redact_text

log = logging.getLogger(__name__)

USER_AGENT = "balloons-fetch/0.1 (+https://github.com/; nightly incursion pipeline)"
RETRY_STATUSES = (429, 503)


@dataclass
class Http:
    """A configured client plus the politeness rules; `sleep` and `now` are injectable for tests."""

    client: httpx.Client
    secrets: list[SecretStr] = field(default_factory=list)
    max_wait_s: float = 120.0
    waits: int = 3
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        ok: Iterable[int] = (200,),
    ) -> httpx.Response:
        """Send one request; returns the response when its status is in `ok`."""
        accepted = set(ok)
        for attempt in range(self.waits + 1):
            try:
                response = self.client.request(method, url, params=params, headers=headers, data=data)
            except httpx.HTTPError as exc:
                raise FetchError(self.redact(f"{type(exc).__name__} from {safe_url(url)}: {exc}")) from None
            finally:
                self.requests += 1
            if response.status_code in accepted:
                return response
            wait = retry_after(response.headers)
            if (
                response.status_code in RETRY_STATUSES
                and wait is not None
                and wait <= self.max_wait_s
                and attempt < self.waits
            ):
                log.warning(
                    "url=%s status=%d retry_after_s=%.0f: waiting as asked", safe_url(url), response.status_code, wait
                )
                self.sleep(wait)
                continue
            hint = f", retry after {wait:.0f} s" if wait is not None else ""
            raise FetchError(
                self.redact(f"HTTP {response.status_code} from {safe_url(url)}{hint}"), status=response.status_code
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def redact(self, text: str) -> str:
        """`text` with every secret value of this fetch replaced."""
        for secret in self.secrets:
            value = secret.get_secret_value()
            if len(value) >= 4:  # shorter values would mangle every message and protect nothing
                text = text.replace(value, "**********")
        return text


def transient(exc: Exception) -> bool:
    """True when waiting may help: network errors and timeouts, 408, 429 and 5xx. A missing
    credential, a 401 or a 404 will not heal by retrying."""
    if not isinstance(exc, FetchError):
        return False
    return exc.status is None or exc.status in (408, 429) or exc.status >= 500


class _RedactUrls(logging.Filter):
    """httpx logs every request's full URL at INFO: keep secret-looking query values out of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(safe_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


_REDACT_URLS = _RedactUrls()


def client(timeout_s: float) -> httpx.Client:
    """An httpx client with explicit connect/read/write/pool timeouts and no implicit env proxies."""
    httpx_log = logging.getLogger("httpx")
    if _REDACT_URLS not in httpx_log.filters:
        httpx_log.addFilter(_REDACT_URLS)
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        trust_env=False,
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date) or `X-Rate-Limit-Retry-After-Seconds`."""
    for name in ("Retry-After", "X-Rate-Limit-Retry-After-Seconds"):
        value = headers.get(name)
        if value is None:
            continue
        value = value.strip()
        if value.isascii() and value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def safe_url(url: str) -> str:
    """`url` without user info or fragment, its credential query values masked (`balloons.redact`'s rule)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return redact_text(urlunsplit((parts.scheme, host, parts.path, parts.query, "")))
