"""The one HTTP edge of fetching: explicit timeouts, Retry-After honoured, secrets redacted.

Every request of every source kind goes through `request()`. A 429 or 503 whose `Retry-After`
(or OpenSky's `X-Rate-Limit-Retry-After-Seconds`) asks for a wait of at most `max_wait_s` is
retried after that wait, a few times; anything else that is not a success raises FetchError
naming the HTTP status, or the error class for network failures. Retries with backoff of a whole
source are the flow's job (Prefect task retries), not this module's.

The client's timeout bounds the whole exchange, not only each read: a server that drips its answer
a byte at a time fails with `ReadTimeout` once the timeout has passed since the request was sent.
An answer over `max_bytes` fails the source instead of filling memory. Redirects are followed here,
at most `MAX_REDIRECTS`: to another origin (scheme, host, port) without the request's own headers,
which carry the credentials (`client_id`, a bearer token), and never with a request body.
Once `STOPPING` is set (the command was interrupted), no request starts and one under way ends at
its next chunk.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from balloons.errors import FetchError
from balloons.redact import redact_text, register
from balloons.settings import FETCH_MAX_BYTES
from balloons.stopping import STOPPING

log = logging.getLogger(__name__)

USER_AGENT = "balloons-fetch/0.1 (+https://github.com/; nightly incursion pipeline)"
RETRY_STATUSES = (429, 503)
MAX_REDIRECTS = 5


class TooLarge(FetchError):
    """An answer over `Http.max_bytes`: a fetch again would bring it again, so it is not retried."""


class BadAddress(FetchError):
    """A URL no request can be sent to (`Invalid IDNA hostname`): asking again will not help."""


class Stopped(FetchError):
    """The command was interrupted while fetching: not a failure of the source, never retried."""

    def __init__(self) -> None:
        super().__init__("stopped: the command was interrupted")


@dataclass
class Http:
    """A configured client plus the politeness rules; `sleep` and `now` are injectable for tests."""

    client: httpx.Client
    secrets: list[SecretStr] = field(default_factory=list)
    max_wait_s: float = 120.0
    waits: int = 3
    sleep: Callable[[float], None] = field(default_factory=lambda: _sleep)
    requests: int = 0
    max_bytes: int = FETCH_MAX_BYTES

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
        """Send one request; returns the response, its body read, when its status is in `ok`."""
        accepted = set(ok)
        for attempt in range(self.waits + 1):
            try:
                response = self._exchange(method, url, params=params, headers=headers, data=data, ok=accepted)
            except httpx.HTTPError as exc:
                raise FetchError(self.redact(f"{type(exc).__name__} from {self.shown(url)}: {exc}")) from None
            except (httpx.InvalidURL, UnicodeError) as exc:
                raise BadAddress(self.redact(f"no request can be sent to {self.shown(url)}: {exc}")) from None
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
                    "url=%s status=%d retry_after_s=%.0f: waiting as asked", self.shown(url), response.status_code, wait
                )
                self.sleep(wait)
                continue
            later = wait is not None and wait > self.max_wait_s
            hint = "" if wait is None else f", retry after {wait:.0f} s" + (" (left to the next run)" if later else "")
            raise FetchError(
                self.redact(f"HTTP {response.status_code} from {self.shown(url)}{hint}"),
                status=response.status_code,
                retry_after=wait if later else None,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        ok: set[int],
    ) -> httpx.Response:
        """One request and its redirects, within the client's timeout as a whole; the body is read
        (up to `max_bytes`) only for a status in `ok`."""
        budget = self.client.timeout.read
        deadline = time.monotonic() + budget if budget is not None else math.inf
        request = self.client.build_request(method, url, params=params, headers=headers, data=data)
        for _ in range(MAX_REDIRECTS + 1):
            if STOPPING.is_set():
                raise Stopped()
            response = self.client.send(request, stream=True, follow_redirects=False)
            try:
                if not response.is_redirect or "location" not in response.headers:
                    if response.status_code not in ok:
                        return httpx.Response(response.status_code, headers=response.headers, request=request)
                    return self._body(response, deadline, budget)
                request = self._redirected(request, response)
            finally:
                response.close()
        raise FetchError(f"TooManyRedirects from {self.shown(url)}: more than {MAX_REDIRECTS}")

    def _redirected(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """The request a redirect asks for: a 303 (or a 301/302 of a POST) as a GET without a body;
        to another origin, without the headers this module's callers set (credentials)."""
        target = request.url.join(response.headers["location"])
        method = request.method
        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
            method = "GET"
        body = None if method == "GET" else request.content
        same = (target.scheme, target.host, target.port) == (request.url.scheme, request.url.host, request.url.port)
        if not same and body:
            raise FetchError(
                f"redirected from {self.shown(str(request.url))} to {self.shown(str(target))}, "
                "another host: a request carrying credentials in its body is not sent there"
            )
        headers = None  # to another origin: the client's own headers only
        if same:
            dropped = () if body is not None else ("content-length", "content-type")
            headers = httpx.Headers({k: v for k, v in request.headers.items() if k.lower() not in dropped})
        log.info("url=%s redirected to %s", self.shown(str(request.url)), self.shown(str(target)))
        return self.client.build_request(method, target, headers=headers, content=body)

    def _body(self, response: httpx.Response, deadline: float, budget: float | None) -> httpx.Response:
        """`response` with its body read: FetchError past the deadline or over `max_bytes`."""
        url = self.shown(str(response.request.url))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if STOPPING.is_set():
                raise Stopped()
            if size > self.max_bytes:
                raise TooLarge(
                    f"the answer from {url} is over {self.max_bytes:,} bytes (BALLOONS_FETCH_MAX_BYTES); not kept"
                )
            if time.monotonic() > deadline:
                raise FetchError(
                    f"ReadTimeout from {url}: the answer took over {budget:g} s (BALLOONS_FETCH_TIMEOUT_S)"
                )
            chunks.append(chunk)
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=response.request)

    def keep_secret(self, *secrets: SecretStr) -> None:
        """Mask these values, as they are and as a URL writes them (`Ab%2Bc%3D`), in what this
        fetch says and keeps, and in whatever this process logs through `balloons.redact`
        (httpx's own request lines included)."""
        for secret in secrets:
            value = secret.get_secret_value()
            encoded = {quote(value, safe=""), quote(value), quote_plus(value)}
            forms = {value, *encoded, *(re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), e) for e in encoded)}
            self.secrets.extend(SecretStr(form) for form in sorted(forms, key=len, reverse=True))
            register(forms)

    def shown(self, url: str) -> str:
        """`url` as it may be logged or kept in a sidecar: `safe_url`, and no secret of this fetch
        (a redirect may carry one in any query parameter or path segment, encoded in any way: a
        part is masked when it holds a secret once decoded). Never raises."""
        try:
            parts = urlsplit(safe_url(url))
        except ValueError:  # not a URL one can take apart (`[::1/a`): masked as text
            return self.redact(redact_text(url))
        path = "/".join(self._masked(segment) for segment in parts.path.split("/"))
        query = "&".join(
            f"{name}={self._masked(value)}" if sep else self._masked(name)
            for name, sep, value in (pair.partition("=") for pair in parts.query.split("&"))
        )
        return self.redact(urlunsplit((parts.scheme, parts.netloc, path, query if parts.query else "", "")))

    def _masked(self, part: str) -> str:
        readings = (part, unquote(part), unquote_plus(part))  # a literal `+` is a `+` in a path
        values = [secret.get_secret_value() for secret in self.secrets]
        held = any(len(value) >= 4 and value in reading for value in values for reading in readings)
        return "**********" if held else part

    def redact(self, text: str) -> str:
        """`text` with every secret value of this fetch replaced."""
        for secret in self.secrets:
            value = secret.get_secret_value()
            if len(value) >= 4:  # shorter values would mangle every message and protect nothing
                text = text.replace(value, "**********")
        return text


def _sleep(seconds: float) -> None:
    """Wait as a server asked, unless the command is interrupted meanwhile."""
    if STOPPING.wait(seconds):
        raise Stopped()


def transient(exc: Exception) -> bool:
    """True when waiting may help: network errors and timeouts, 408, 429 and 5xx. A missing
    credential, a 401 or a 404 will not heal by retrying, and a provider that asked for a longer
    wait than a run waits (`Retry-After: 600`) is asked again by the next run, not seconds later."""
    if (
        not isinstance(exc, FetchError)
        or isinstance(exc, Stopped | TooLarge | BadAddress)
        or exc.retry_after is not None
    ):
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
        follow_redirects=False,  # followed by `Http`, which drops credentials for another origin
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
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:  # not a URL one can take apart (`https://[::1/a`): masked as text
        return redact_text(url)
    return redact_text(urlunsplit((parts.scheme, host, parts.path, parts.query, "")))
