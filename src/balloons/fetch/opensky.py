"""`opensky`: arrivals and departures per airport and UTC day from the OpenSky Network REST API.

Authentication is OAuth2 client credentials: a POST of `grant_type=client_credentials`,
`client_id` and `client_secret` to the token endpoint of OpenSky's auth server gives a bearer
`access_token`. `GET {url}/flights/arrival|departure?airport=EYVI&begin=..&end=..` (Unix seconds)
answers a JSON array of flights (`icao24`, `firstSeen`, `estDepartureAirport`, `lastSeen`,
`estArrivalAirport`, `callsign`, ...), or 404 when there are none. Flights are inferred in a nightly
batch, so only finished UTC days are fetched.

Flights are mapped to the flights contract as *observed movements*: `scheduled_at` is the
arrival's `lastSeen` or the departure's `firstSeen`, `status` is `operated`, `flight_number` the
callsign (else the transponder address). OpenSky cannot tell cancelled flights (they never
appear), scheduled times, flight numbers as sold, aircraft types, seats or passengers.
"""

from __future__ import annotations

import json
import math
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from balloons.errors import FetchError
from balloons.fetch.cursor import Cursor
from balloons.fetch.fetched import Fetched, Part, require
from balloons.fetch.http import Http, safe_url
from balloons.fetch.sources import OpenSkySource

DIRECTIONS = {"arrival": "lastSeen", "departure": "firstSeen"}
OTHER_END = {"arrival": "estDepartureAirport", "departure": "estArrivalAirport"}
DAY = timedelta(days=1)
LATEST = 4_102_444_800  # 2100-01-01: later "seen" times are not real observations


def days_due(start: datetime, end: datetime, *, max_days: int) -> list[date]:
    """Finished UTC days from `start`'s day up to the day before `end`, the oldest `max_days`."""
    first, today = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    count = max(0, (today - first).days)
    return [first + timedelta(days=i) for i in range(min(count, max_days))]


def fetch(
    source: OpenSkySource, http: Http, *, start: datetime, end: datetime, cursor: Cursor | None, conditional: bool
) -> Fetched:
    days = days_due(start, end, max_days=source.max_days)
    if not days:
        return Fetched((), "jsonl", http.shown(source.url), None, start, start)
    token = Token(source, http)
    parts: list[Part] = []
    requests: list[str] = []
    status = None
    total = 0
    done: list[date] = []
    failure: FetchError | None = None
    for day in days:
        day_start = datetime.combine(day, time(0), tzinfo=UTC)
        begin = int(day_start.timestamp())
        rows: list[dict[str, Any]] = []
        answered: list[int] = []
        asked = len(requests)
        try:
            for airport in source.airports:
                for direction in DIRECTIONS:
                    params = {"airport": airport, "begin": str(begin), "end": str(begin + 86399)}
                    url = f"{source.url.rstrip('/')}/flights/{direction}"
                    response = token.request(url, params)
                    status = response.status_code
                    answered.append(status)
                    requests.append(http.shown(str(response.request.url)))
                    flights = [] if response.status_code == 404 else _flights(response.content, url)
                    rows.extend(movements(flights, airport=airport, direction=direction))
        except FetchError as exc:
            if not done:
                raise
            # the days fetched so far are kept and the cursor moves past them; the source still fails
            failure = exc
            break
        done.append(day)
        if rows:
            rows.sort(key=lambda r: (r["airport"], r["direction"], r["scheduled_at"], r["flight_number"]))
            payload = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode("utf-8")
            # the day's own answers: 200 when any gave its rows (a 404 is a quiet airport)
            day_status = 200 if 200 in answered else answered[-1]
            parts.append(
                Part(day.isoformat(), payload, day_start, day_start + DAY, day_status, tuple(requests[asked:]))
            )
            total += len(rows)
    window_start = datetime.combine(days[0], time(0), tzinfo=UTC)
    window_end = datetime.combine(done[-1], time(0), tzinfo=UTC) + DAY
    return Fetched(
        tuple(parts),
        "jsonl",
        http.shown(source.url),
        status,
        window_start,
        window_end,
        tuple(requests),
        notes={"movements": total, "days": len(done)},
        failure=failure,
    )


TOKEN_MARGIN_S = 60.0
"""A token is renewed this long before the lifetime its grant gave (`expires_in`) runs out."""


@dataclass
class Token:
    """The bearer token of one fetch: renewed before it expires, and once more should the API
    refuse it (401), so a catch-up of many days outlives one token (OpenSky's last 30 minutes)."""

    source: OpenSkySource
    http: Http
    value: str = ""
    renew_at: float = 0.0

    def request(self, url: str, params: dict[str, str]) -> httpx.Response:
        for attempt in range(2):
            if not self.value or clock.monotonic() >= self.renew_at:
                self.renew()
            try:
                headers = {"Authorization": f"Bearer {self.value}"}
                return self.http.request("GET", url, params=params, headers=headers, ok=(200, 404))
            except FetchError as exc:
                if exc.status != 401 or attempt:
                    raise
                self.value = ""  # refused: perhaps expired early; one new token, one more try
        raise AssertionError("unreachable")  # pragma: no cover

    def renew(self) -> None:
        self.value, lifetime = access_token(self.source, self.http)
        self.renew_at = clock.monotonic() + lifetime - TOKEN_MARGIN_S if lifetime is not None else math.inf


def access_token(source: OpenSkySource, http: Http) -> tuple[str, float | None]:
    """A bearer token from the OAuth2 client-credentials grant, and its lifetime in seconds when
    the grant gives one (`expires_in`)."""
    data = {
        "grant_type": "client_credentials",
        "client_id": require(source.client_id, source.client_id_env, key="client_id_env"),
        "client_secret": require(source.client_secret, source.client_secret_env, key="client_secret_env"),
    }
    response = http.request("POST", source.token_url, data=data)
    try:
        grant = response.json()
        token = grant["access_token"]
    except (ValueError, KeyError, TypeError):
        raise FetchError(f"the OpenSky token endpoint {http.shown(source.token_url)} gave no access_token") from None
    if not isinstance(token, str) or not token:
        raise FetchError(f"the OpenSky token endpoint {http.shown(source.token_url)} gave an empty access_token")
    http.keep_secret(SecretStr(token))
    lifetime = grant.get("expires_in")
    valid = isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and 0 < lifetime < 10**9
    return token, float(lifetime) if valid else None


def _flights(content: bytes, url: str) -> list[Any]:
    try:
        document = json.loads(content)
    except ValueError:
        raise FetchError(f"OpenSky at {safe_url(url)} did not answer with JSON") from None
    if not isinstance(document, list):
        raise FetchError(
            f"OpenSky at {safe_url(url)} answered with a {type(document).__name__}, not the documented array of flights"
        )
    return document


def movements(flights: list[Any], *, airport: str, direction: str) -> list[dict[str, Any]]:
    """Flights-contract rows for OpenSky flights seen arriving at or departing from `airport`."""
    rows = []
    for flight in flights:
        if not isinstance(flight, dict):
            continue
        seen = flight.get(DIRECTIONS[direction])
        if not isinstance(seen, int) or isinstance(seen, bool) or not 0 <= seen < LATEST:
            continue
        callsign = str(flight.get("callsign") or "").strip()
        ident = callsign or str(flight.get("icao24") or "").strip().upper()
        if not ident:
            continue
        row: dict[str, Any] = {
            "airport": airport,
            "direction": direction,
            "flight_number": ident,
            "scheduled_at": datetime.fromtimestamp(seen, UTC).isoformat().replace("+00:00", "Z"),
            "status": "operated",
        }
        other = flight.get(OTHER_END[direction])
        if isinstance(other, str) and other.strip():
            row["other_airport"] = other.strip()
        rows.append(row)
    return rows
