"""The source kinds and the HTTP edge against a loopback server: documented shapes, politeness, redaction.

Each kind is driven through `fetch_source` (the library, no Prefect) with a real httpx client.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import drip_server
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from balloons.errors import FetchError
from balloons.fetch import faa_notam, opensky
from balloons.fetch.http import STOPPING, Http, Stopped, client, retry_after, safe_url, transient
from balloons.fetch.run import fetch_source
from balloons.fetch.sources import parse_source

NOW = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)


def http(**kwargs: object) -> Http:
    waits: list[float] = []
    result = Http(client(5.0), sleep=waits.append, **kwargs)  # type: ignore[arg-type]
    result.waited = waits  # type: ignore[attr-defined]
    return result


def run(source: object, tmp_path: Path, h: Http | None = None, since: date | None = None):  # type: ignore[no-untyped-def]
    return fetch_source(
        source,
        h or http(),
        raw_dir=tmp_path / "raw",
        cursor_dir=tmp_path / "cursors",  # type: ignore[arg-type]
        now=NOW,
        since=since,
    )


# --- the HTTP edge ----------------------------------------------------------------------------------


def test_retry_after_is_honoured_then_the_request_succeeds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/x").respond_with_data("ok")
    h = http()
    assert h.request("GET", httpserver.url_for("/x")).text == "ok"
    assert h.waited == [7.0]  # type: ignore[attr-defined]


def test_a_wait_longer_than_allowed_fails_with_the_status_and_the_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "", status=429, headers={"X-Rate-Limit-Retry-After-Seconds": "3600"}
    )
    with pytest.raises(FetchError, match=r"^HTTP 429 .* retry after 3600 s \(left to the next run\)$") as failed:
        http(max_wait_s=60).request("GET", httpserver.url_for("/x"))
    assert failed.value.retry_after == 3600.0  # so the flow does not retry it within the run


def test_timeouts_are_explicit_and_a_stalled_server_fails_with_the_error_class(httpserver: HTTPServer) -> None:
    import time

    def stall(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(stall)
    assert client(30.0).timeout.read == 30.0
    with pytest.raises(FetchError, match=r"^ReadTimeout from "):
        Http(client(0.5)).request("GET", httpserver.url_for("/slow"))


def test_a_server_dripping_its_answer_fails_once_the_timeout_has_passed() -> None:
    """Found by a fresh-eyes trial: a byte a second kept a nightly run waiting for good, because
    the timeout bounded each read, not the answer."""
    import time

    with drip_server(pause_s=0.1, size=1000) as drip:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"^ReadTimeout from .*took over 1 s"):
            Http(client(1.0)).request("GET", f"{drip.url}/drip.csv")
        assert time.monotonic() - started < 10  # each read came within 0.1 s: only the whole is late


def test_an_answer_over_the_byte_limit_fails_the_source(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big.csv").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match=r"over 1,024 bytes \(BALLOONS_FETCH_MAX_BYTES\)") as caught:
        Http(client(5.0), max_bytes=1024).request("GET", httpserver.url_for("/big.csv"))
    assert not transient(caught.value)  # fetched again, it would be as large again
    assert Http(client(5.0), max_bytes=5000).request("GET", httpserver.url_for("/big.csv")).content == b"x" * 5000


class Recorder:
    """A loopback server that answers from a table of paths and keeps every request's headers as
    sent (werkzeug's would drop `client_id`: a header name with an underscore)."""

    def __init__(self, host: str, answers: dict[str, tuple[int, dict[str, str]]]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.seen: list[list[tuple[str, str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                recorder.seen.append(list(self.headers.items()))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers = answers.get(self.path, (200, {}))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": "10"}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"moved here")

            do_GET = do_POST = answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_redirect_to_another_host_loses_the_credentials_a_same_host_one_keeps_them() -> None:
    """Found by a fresh-eyes trial: the FAA client_id / client_secret headers followed a redirect to
    another host (httpx drops only Authorization)."""
    other = Recorder("127.0.0.2", {})
    home = Recorder(
        "127.0.0.1",
        {
            "/away": (302, {"Location": f"{other.url}/faa"}),
            "/here": (301, {"Location": "/faa"}),
            "/token": (307, {"Location": f"{other.url}/token"}),
        },
    )
    secret = {"client_id": "ID-planted-1", "client_secret": "SECRET-planted-2"}
    try:
        assert Http(client(5.0)).request("GET", f"{home.url}/away", headers=secret).text == "moved here"
        assert len(other.seen) == 1 and "planted" not in str(other.seen)
        assert ("client_id", "ID-planted-1") in home.seen[0]  # sent where it was meant to go

        assert Http(client(5.0)).request("GET", f"{home.url}/here", headers=secret).text == "moved here"
        assert ("client_secret", "SECRET-planted-2") in home.seen[-1]  # the same origin keeps them

        with pytest.raises(FetchError, match="another host"):  # a body of credentials goes nowhere else
            Http(client(5.0)).request("POST", f"{home.url}/token", data={"client_secret": "s"})
        assert len(other.seen) == 1
    finally:
        home.server.shutdown()
        other.server.shutdown()


def test_once_interrupted_no_request_starts_and_none_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    STOPPING.set()
    try:
        with pytest.raises(Stopped) as caught:
            Http(client(5.0)).request("GET", httpserver.url_for("/x"))
        assert not transient(caught.value)
    finally:
        STOPPING.clear()
    assert Http(client(5.0)).request("GET", httpserver.url_for("/x")).text == "ok"


def test_urls_lose_user_info_and_secret_query_values() -> None:
    assert (
        safe_url("https://bob:pw@example.org:8443/a.csv?apikey=s3&month=2025-10&access_token=t")
        == "https://example.org:8443/a.csv?apikey=***&month=2025-10&access_token=***"
    )
    assert retry_after(httpx.Headers({"Retry-After": "12"})) == 12.0
    assert retry_after(httpx.Headers({})) is None


# --- http_file --------------------------------------------------------------------------------------


def test_http_file_format_from_content_type_bearer_token_and_304(tmp_path: Path, httpserver: HTTPServer) -> None:
    body = b'{"detected_at": "2025-10-04T19:16:00Z", "balloons": 2}\n'

    def serve(request: Request) -> Response:
        assert request.headers["Authorization"] == "Bearer t0k"
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(body, content_type="application/x-ndjson", headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed").respond_with_handler(serve)
    source = parse_source(
        "feed",
        {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/feed"), "token_env": "FEED_TOKEN"},
        {"FEED_TOKEN": "t0k"},
    )
    first = run(source, tmp_path)
    assert first.outcome == "written" and first.path == "incursions/feed/2026/01/20260115T020000Z.jsonl"
    assert run(source, tmp_path).outcome == "unchanged"
    assert (
        run(source, tmp_path, since=date(2025, 1, 1)).outcome == "unchanged"
    )  # no ETag sent: same bytes, not rewritten
    assert len(list((tmp_path / "raw").rglob("*.jsonl"))) == 1


def test_http_file_without_its_token_fails_naming_the_variable_not_a_value(tmp_path: Path) -> None:
    source = parse_source(
        "feed",
        {"kind": "http_file", "table": "incursions", "url": "http://127.0.0.1:9/x.csv", "token_env": "FEED_TOKEN"},
        {},
    )
    from balloons.errors import ConfigError

    with pytest.raises(ConfigError, match="environment variable FEED_TOKEN .* is not set"):
        run(source, tmp_path)


# --- faa_notam --------------------------------------------------------------------------------------


def item(notam: dict, icao: str | None) -> dict:
    translations = [{"type": "LOCAL_FORMAT", "simpleText": "!EYVI ..."}]
    if icao is not None:
        translations.append({"type": "ICAO", "formattedText": icao})
    return {
        "type": "Feature",
        "properties": {
            "coreNOTAMData": {"notamEvent": {"scenario": "6000"}, "notam": notam, "notamTranslation": translations}
        },
    }


def test_icao_text_from_geojson_items_in_every_documented_variant() -> None:
    body = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI\nB) 2510041916\nC) 2510050150\nE) AD CLSD."
    items = [
        item({"number": "A1801/25", "type": "N", "text": "AD CLSD."}, body),
        item(
            {"series": "A", "number": "1805/25", "type": "N", "text": "AD CLSD."},
            body.replace("2510041916", "2510251832"),
        ),
        item(
            {
                "number": "A1806/25",
                "type": "C",
                "text": "A1806/25 NOTAMC A1805/25\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI\nE) CANCELLED",
            },
            None,
        ),
        item({"number": "A1807/25", "type": "R", "text": "AD CLSD"}, body),  # a replacement that names nothing
        item({"number": "3/8210", "type": "N", "text": "ODP WITTMAN RGNL"}, None),  # US domestic, no ICAO text
        {"type": "Feature", "properties": {}},
    ]
    text, skipped = faa_notam.notam_text(items)
    assert skipped == 3
    assert text.startswith("(A1801/25 NOTAMN\nQ) EYVL/QFALC")
    assert "(A1805/25 NOTAMN\nQ)" in text and "(A1806/25 NOTAMC A1805/25\nQ)" in text
    from balloons.ingest import notam

    records = [r for item in notam.parse(text) for r in getattr(item, "records", (item,))]
    assert [(r.fields.get("notam_id"), r.op) for r in records] == [
        ("A1801/25", "N"),
        ("A1805/25", "N"),
        ("A1806/25", "C"),
    ]


def test_faa_notam_pages_and_a_401_fails_with_the_status(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/notams").respond_with_data(json.dumps({"message": "Unauthorized"}), status=401)
    source = parse_source(
        "faa",
        {"kind": "faa_notam", "url": httpserver.url_for("/notams")},
        {"FAA_CLIENT_ID": "faa-id-1", "FAA_CLIENT_SECRET": "faa-secret-1"},
    )
    with pytest.raises(FetchError, match=r"^HTTP 401 from http://localhost:\d+/notams$"):
        run(source, tmp_path)


# --- opensky ------------------------------------------------------------------------------------------


def test_finished_utc_days_only_and_at_most_max_days() -> None:
    start = datetime(2026, 1, 12, 13, 0, tzinfo=UTC)
    assert opensky.days_due(start, NOW, max_days=31) == [date(2026, 1, 12), date(2026, 1, 13), date(2026, 1, 14)]
    assert opensky.days_due(start, NOW, max_days=2) == [date(2026, 1, 12), date(2026, 1, 13)]
    assert opensky.days_due(NOW - timedelta(hours=1), NOW, max_days=31) == []


def test_flights_map_to_observed_movements() -> None:
    arrivals = [
        {
            "icao24": "4b1815",
            "firstSeen": 1760000000,
            "estDepartureAirport": "EPWA",
            "lastSeen": 1760003600,
            "estArrivalAirport": "EYVI",
            "callsign": "LOT771  ",
        },
        {
            "icao24": "48ae01",
            "firstSeen": 1760000100,
            "estDepartureAirport": None,
            "lastSeen": 1760003700,
            "estArrivalAirport": "EYVI",
            "callsign": None,
        },
        {"icao24": "48ae02", "lastSeen": None},
    ]
    rows = opensky.movements(arrivals, airport="EYVI", direction="arrival")
    assert rows == [
        {
            "airport": "EYVI",
            "direction": "arrival",
            "flight_number": "LOT771",
            "scheduled_at": "2025-10-09T09:53:20Z",
            "status": "operated",
            "other_airport": "EPWA",
        },
        {
            "airport": "EYVI",
            "direction": "arrival",
            "flight_number": "48AE01",
            "scheduled_at": "2025-10-09T09:55:00Z",
            "status": "operated",
        },
    ]
    departures = opensky.movements(arrivals[:1], airport="EPWA", direction="departure")
    assert departures[0]["scheduled_at"] == "2025-10-09T08:53:20Z" and departures[0]["other_airport"] == "EYVI"


def sky_source(httpserver: HTTPServer) -> object:
    """An OpenSky source over EYVI, two days back, on the test server."""
    return parse_source(
        "sky",
        {
            "kind": "opensky",
            "airports": ["EYVI"],
            "lookback_days": 2,
            "url": httpserver.url_for("/api"),
            "token_url": httpserver.url_for("/token"),
        },
        {"OPENSKY_CLIENT_ID": "sky-id-1", "OPENSKY_CLIENT_SECRET": "sky-secret-1"},
    )


def test_opensky_token_then_a_404_day_is_no_flights_and_writes_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/token", method="POST", data="grant_type=client_credentials&client_id=sky-id-1&client_secret=sky-secret-1"
    ).respond_with_json({"access_token": "a", "expires_in": 1800, "token_type": "Bearer"})
    httpserver.expect_request("/api/flights/arrival", headers={"Authorization": "Bearer a"}).respond_with_data(
        "", status=404
    )
    httpserver.expect_request("/api/flights/departure", headers={"Authorization": "Bearer a"}).respond_with_data(
        "", status=404
    )
    source = sky_source(httpserver)
    outcome = run(source, tmp_path)
    assert outcome.outcome == "unchanged" and not (tmp_path / "raw").exists()
    assert outcome.window_end == "2026-01-15T00:00:00+00:00"
    assert json.loads((tmp_path / "cursors" / "sky.json").read_text())["window_end"] == outcome.window_end


def test_each_opensky_day_file_records_its_own_answers(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Found by a fresh-eyes trial: every day's sidecar gave the last answer of the whole fetch
    (404) and every request of every day."""
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": "a", "expires_in": 1800})
    flight = [{"icao24": "48ae00", "callsign": "LOT771 ", "firstSeen": 1768300000, "lastSeen": 1768303600}]
    for begin, direction in ((1768262400, "arrival"), (1768348800, "departure")):  # a movement each day
        httpserver.expect_request(
            f"/api/flights/{direction}",
            query_string={"airport": "EYVI", "begin": str(begin), "end": str(begin + 86399)},
        ).respond_with_json(flight)
    httpserver.expect_request("/api/flights/arrival").respond_with_data("", status=404)
    httpserver.expect_request("/api/flights/departure").respond_with_data("", status=404)
    source = sky_source(httpserver)
    assert run(source, tmp_path).outcome == "written"
    sidecars = sorted((tmp_path / "raw").rglob("*.jsonl.json"))
    days = sorted((json.loads(p.read_text()) for p in sidecars), key=lambda d: d["part"])
    assert [(d["part"], d["http_status"]) for d in days] == [("2026-01-13", 200), ("2026-01-14", 200)]
    for day, begin in zip(days, (1768262400, 1768348800), strict=True):
        assert len(day["requests"]) == 2 and all(f"begin={begin}" in r for r in day["requests"]), day["requests"]


# --- hostile answers: whatever a provider sends, the readers return or raise FetchError, never crash ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
ITEM_KEYS = st.fixed_dictionaries(
    {
        "properties": st.fixed_dictionaries(
            {
                "coreNOTAMData": st.fixed_dictionaries(
                    {
                        "notam": st.dictionaries(
                            st.sampled_from(["number", "series", "type", "text"]), JSON | st.text(max_size=40)
                        ),
                        "notamTranslation": st.lists(
                            st.dictionaries(
                                st.sampled_from(["type", "formattedText"]),
                                st.sampled_from(["ICAO", "LOCAL_FORMAT"]) | st.text(max_size=60),
                            ),
                            max_size=3,
                        ),
                    }
                )
            }
        )
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(JSON | ITEM_KEYS, max_size=6))
def test_notam_text_never_crashes_and_every_block_reads_as_a_notam(items: list) -> None:
    text, skipped = faa_notam.notam_text(items)
    assert 0 <= skipped <= len(items)
    if text:
        from balloons.ingest import notam

        assert text.startswith("(") and text.rstrip().endswith(")")
        list(notam.parse(text))  # parses (records or bad records), never raises


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        JSON
        | st.fixed_dictionaries(
            {
                "lastSeen": st.integers(-(10**20), 10**20),
                "firstSeen": JSON,
                "callsign": JSON,
                "icao24": JSON,
                "estDepartureAirport": JSON,
            }
        )
    ),
    st.sampled_from(["arrival", "departure"]),
)
def test_movements_never_crash_on_odd_flights(flights: list, direction: str) -> None:
    for row in opensky.movements(flights, airport="EYVI", direction=direction):
        assert row["airport"] == "EYVI" and row["flight_number"] and row["scheduled_at"].endswith("Z")


@given(st.text(max_size=40))
def test_retry_after_never_crashes(value: str) -> None:
    wait = retry_after({"Retry-After": value})
    assert wait is None or wait >= 0


def test_which_failures_are_worth_a_retry() -> None:
    from balloons.errors import ConfigError
    from balloons.fetch.http import transient

    assert transient(FetchError("ConnectError from http://x", status=None))
    # a provider that asked for a longer wait than a run waits is left to the next run (found by a
    # fresh-eyes trial: Retry-After 600, and the run asked again 3 s and 15 s later)
    assert not transient(FetchError("HTTP 429, retry after 600 s", status=429, retry_after=600.0))
    assert [transient(FetchError("HTTP", status=s)) for s in (408, 429, 500, 503, 401, 404)] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert not transient(ConfigError("environment variable X (named by token_env) is not set"))


def test_httpx_request_logs_lose_secret_query_values(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    caplog.set_level("DEBUG", logger="httpx")
    http().request("GET", httpserver.url_for("/x") + "?api_key=planted-9f1e")
    ours = " ".join(r.getMessage() for r in caplog.records if r.name == "httpx")  # not the server's access log
    assert "HTTP Request" in ours and "api_key=***" in ours and "planted-9f1e" not in ours


# --- found by an operator's and attacker's trial of fetching ------------------------------------------


def test_a_secret_a_redirect_carries_reaches_no_sidecar_or_log(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The redirect's URL put the token in a query parameter of no credential-like name: it was
    kept in the sidecar's requests and logged (to the Prefect database too)."""
    httpserver.expect_request("/a.csv").respond_with_data("", status=302, headers={"Location": "/b.csv?x=Tok3n-9f"})
    httpserver.expect_request("/b.csv").respond_with_data("detected_at\n2025-10-04T22:00:00Z\n")
    source = parse_source(
        "feed",
        {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv"), "token_env": "FEED_TOKEN"},
        {"FEED_TOKEN": "Tok3n-9f\n"},  # read from an env file: the credential is without the line break
    )
    with caplog.at_level("INFO"):
        assert run(source, tmp_path).outcome == "written"
    written = [p.read_text() for p in (tmp_path / "raw").rglob("*") if p.is_file()]
    ours = "".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")  # not the test server's
    assert "Tok3n-9f" not in "".join(written) + ours
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer Tok3n-9f"


def test_a_gz_file_served_with_content_encoding_gzip_is_kept_as_the_csv_it_became(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """It reached us inflated and was kept as .csv.gz, which ingest then quarantined whole."""
    import gzip

    body = b"detected_at\n2025-10-04T22:00:00Z\n"
    httpserver.expect_request("/f.csv.gz").respond_with_data(
        gzip.compress(body, mtime=0), headers={"Content-Encoding": "gzip", "Content-Type": "application/gzip"}
    )
    source = parse_source(
        "gz", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/f.csv.gz")}, {}
    )
    outcome = run(source, tmp_path)
    assert outcome.path is not None and outcome.path.endswith(".csv")
    assert (tmp_path / "raw" / outcome.path).read_bytes() == body


def test_faa_pages_are_followed_only_as_far_as_an_aerodrome_could_have_notams(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A server claiming a billion pages kept the nightly run going for ever."""
    httpserver.expect_request("/notams").respond_with_json(
        {"totalPages": 10**9, "items": [item({"number": "A1801/25", "type": "N", "text": "AD CLSD."}, None)]}
    )
    source = parse_source(
        "faa",
        {"kind": "faa_notam", "locations": ["EYVI"], "url": httpserver.url_for("/notams"), "page_size": 1000},
        {"FAA_CLIENT_ID": "id-1234", "FAA_CLIENT_SECRET": "secret-1234"},
    )
    with pytest.raises(FetchError, match="more than 10,000 NOTAMs for EYVI") as failed:
        run(source, tmp_path)
    assert not transient(failed.value)
    assert len(httpserver.log) == faa_notam.MAX_NOTAMS // 1000


def test_opensky_renews_its_token_and_keeps_the_days_fetched_before_a_failure(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A catch-up longer than a token's life failed with 401 and kept nothing, so every later run
    failed the same way; now the token is renewed, and days fetched before a failure are kept."""
    tokens = iter(["t1", "t2", "t3"])
    httpserver.expect_request("/token", method="POST").respond_with_handler(
        lambda _: Response(json.dumps({"access_token": next(tokens), "expires_in": 1}), content_type="application/json")
    )
    flight = [{"icao24": "48ae00", "callsign": "LOT771 ", "firstSeen": 1768300000, "lastSeen": 1768303600}]

    def serve(request: Request) -> Response:
        if request.headers["Authorization"] == "Bearer t1":
            return Response("expired", status=401)  # the first token's life was shorter than said
        if request.args["begin"] == "1768348800":  # the second day fails
            return Response("", status=500)
        return Response(json.dumps(flight), content_type="application/json")

    httpserver.expect_request("/api/flights/arrival").respond_with_handler(serve)
    httpserver.expect_request("/api/flights/departure").respond_with_data("", status=404)
    source = sky_source(httpserver)
    with pytest.raises(FetchError, match="HTTP 500"):
        run(source, tmp_path)
    days = sorted(p.name for p in (tmp_path / "raw").rglob("*.jsonl"))
    assert len(days) == 1
    cursor = json.loads((tmp_path / "cursors" / "sky.json").read_text())
    assert cursor["window_end"] == "2026-01-14T00:00:00+00:00"  # past the first day only


def test_a_backfill_leaves_the_cursor_where_the_nightly_runs_took_it(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": "a", "expires_in": 1800})
    httpserver.expect_request("/api/flights/arrival").respond_with_data("", status=404)
    httpserver.expect_request("/api/flights/departure").respond_with_data("", status=404)
    source = sky_source(httpserver)
    run(source, tmp_path)
    before = json.loads((tmp_path / "cursors" / "sky.json").read_text())["window_end"]
    run(source, tmp_path, since=date(2025, 10, 1))
    assert json.loads((tmp_path / "cursors" / "sky.json").read_text())["window_end"] == before


def test_a_payload_left_without_its_sidecar_is_not_written_again(tmp_path: Path, httpserver: HTTPServer) -> None:
    """A fetch killed between a payload and its sidecar: the next fetch wrote a second copy, and
    the killed one's temporary file stayed in raw/ for good."""
    body = b"detected_at\n2025-10-04T22:00:00Z\n"
    httpserver.expect_request("/a.csv").respond_with_data(body)
    source = parse_source("feed", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv")}, {})
    first = run(source, tmp_path)
    assert first.path is not None
    payload = tmp_path / "raw" / first.path
    Path(f"{payload}.json").unlink()
    leftover = payload.parent / f".{payload.name}.0123abcd.part"
    leftover.write_bytes(body[:5])
    assert run(source, tmp_path).outcome == "unchanged"
    assert sorted(p.name for p in payload.parent.iterdir()) == [payload.name, f"{payload.name}.json"]
    assert json.loads(Path(f"{payload}.json").read_text())["sha256"] == rawstore_sha(body)


def rawstore_sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/csv"),
        (b"\xef\xbb\xbf  <!doctype html><html></html>", "text/csv"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>', "application/octet-stream"),
        (b"detected_at\n2025-10-04T22:00:00Z\n", "text/html; charset=utf-8"),
    ],
    ids=["login-page", "bom-then-page", "xhtml", "html-content-type"],
)
def test_a_web_page_answered_for_the_file_is_not_kept(
    tmp_path: Path, httpserver: HTTPServer, body: bytes, content_type: str
) -> None:
    """A login page was kept for good as a raw file, reported written, then quarantined by ingest."""
    httpserver.expect_request("/a.csv").respond_with_data(body, content_type=content_type)
    source = parse_source("feed", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv")}, {})
    with pytest.raises(FetchError, match="web page"):
        run(source, tmp_path)
    assert not (tmp_path / "raw").exists()


def test_an_empty_feed_keeps_nothing_and_a_declared_csv_served_as_html_is_kept(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Found by a re-check: an empty answer failed a feed that simply had nothing today, and a CSV
    a misconfigured server labels text/html failed even with its format declared."""
    httpserver.expect_request("/empty.jsonl").respond_with_data(b"", content_type="application/x-ndjson")
    httpserver.expect_request("/a.csv").respond_with_data(
        b"detected_at\n2025-10-04T22:00:00Z\n", content_type="text/html"
    )
    empty = parse_source(
        "empty", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/empty.jsonl")}, {}
    )
    assert run(empty, tmp_path).outcome == "unchanged" and not (tmp_path / "raw").exists()
    declared = parse_source(
        "csv", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv"), "format": "csv"}, {}
    )
    assert run(declared, tmp_path).outcome == "written"


def test_a_secret_is_masked_as_a_url_writes_it_too(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Found by a re-check: a base64 token redirected to as `?x=Ab%2Bcd%2Fef%3D%3D` was kept."""
    httpserver.expect_request("/a.csv").respond_with_data(
        "",
        status=302,
        headers={"Location": "/b.csv?x=Ab%2Bcd%2Fef%3D%3D&y=Ab+cd/ef==&z=Ab%2bcd%2fef%3d%3d&w=Ab%2Bcd/ef%3D%3D"},
    )
    httpserver.expect_request("/b.csv").respond_with_data("detected_at\n2025-10-04T22:00:00Z\n")
    source = parse_source(
        "feed",
        {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv"), "token_env": "FEED_TOKEN"},
        {"FEED_TOKEN": "Ab+cd/ef=="},
    )
    assert run(source, tmp_path).outcome == "written"
    kept = "".join(p.read_text() for p in (tmp_path / "raw").rglob("*.json"))
    for form in ("Ab%2Bcd%2Fef%3D%3D", "Ab+cd/ef==", "Ab%2bcd%2fef%3d%3d", "Ab%2Bcd/ef%3D%3D"):
        assert form not in kept, form
    assert "x=" in kept and "w=" in kept


def test_an_older_payload_without_its_sidecar_is_not_taken_for_this_one(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Found by a re-check: content A (its sidecar lost), then B, then A again was 'unchanged',
    so the publisher's return to A never reached the lake."""
    bodies = iter([b"detected_at\n2025-10-04T22:00:00Z\n", b"detected_at\n2025-10-05T22:00:00Z\n"] * 2)
    httpserver.expect_request("/a.csv").respond_with_handler(lambda _: Response(next(bodies)))
    source = parse_source("feed", {"kind": "http_file", "table": "incursions", "url": httpserver.url_for("/a.csv")}, {})
    first = run(source, tmp_path)
    assert first.path is not None
    Path(f"{tmp_path / 'raw' / first.path}.json").unlink()
    later = NOW + timedelta(minutes=1)
    second = fetch_source(source, http(), raw_dir=tmp_path / "raw", cursor_dir=tmp_path / "cursors", now=later)
    third = fetch_source(
        source, http(), raw_dir=tmp_path / "raw", cursor_dir=tmp_path / "cursors", now=later + timedelta(minutes=1)
    )
    assert second.outcome == third.outcome == "written"
    assert len(list((tmp_path / "raw").rglob("*.csv"))) == 3


def test_a_failure_part_way_into_an_overlap_never_moves_the_cursor_back(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": "a", "expires_in": 1800})
    flight = [{"icao24": "48ae00", "callsign": "LOT771 ", "firstSeen": 1768300000, "lastSeen": 1768303600}]

    def serve(request: Request) -> Response:
        if request.args["begin"] == "1768262400":  # 13 January fails; 12 January answers
            return Response("", status=500)
        return Response(json.dumps(flight), content_type="application/json")

    httpserver.expect_request("/api/flights/arrival").respond_with_handler(serve)
    httpserver.expect_request("/api/flights/departure").respond_with_data("", status=404)
    source = sky_source(httpserver).model_copy(update={"overlap_hours": 72.0})  # type: ignore[attr-defined]
    cursors_dir = tmp_path / "cursors"
    from balloons.fetch import cursor as cursors

    cursors.write(
        cursors_dir, "sky", cursors.Cursor(datetime(2026, 1, 11, tzinfo=UTC), datetime(2026, 1, 14, tzinfo=UTC), NOW)
    )
    with pytest.raises(FetchError):
        run(source, tmp_path)
    assert json.loads((cursors_dir / "sky.json").read_text())["window_end"] == "2026-01-14T00:00:00+00:00"


def test_the_newest_file_of_a_fetch_of_several_is_the_one_adopted(tmp_path: Path) -> None:
    """Found by a re-check: `<stamp>-3.jsonl` sorted before `<stamp>.jsonl`, so the newest payload
    without its sidecar was never adopted and was written a second time."""
    from balloons.fetch import rawstore

    raw = tmp_path / "raw"
    for number, body in enumerate((b'{"a": 1}\n', b'{"a": 2}\n', b'{"a": 3}\n'), start=1):
        written = rawstore.write(
            raw, table="flights", source="sky", fetched_at=NOW, ext="jsonl", payload=body, meta={}, part=f"d{number}"
        )
        assert written is not None
    Path(f"{written}.json").unlink()
    again = rawstore.write(
        raw,
        table="flights",
        source="sky",
        fetched_at=NOW + timedelta(days=1),
        ext="jsonl",
        payload=b'{"a": 3}\n',
        meta={},
        part="d3",
    )
    assert again is None and Path(f"{written}.json").is_file() and written.name.endswith("-3.jsonl")


def test_shown_masks_a_secret_however_a_url_writes_it_and_never_raises() -> None:
    """Found by a re-check: a literal `+` in a path decoded to a space, so the secret was kept; and
    a URL urllib cannot take apart raised instead of being shown."""
    h = http()
    h.keep_secret(SecretStr("Ab+c/d=="))
    for url in (
        "https://x.org/files/Ab+c%2Fd%3D%3D/x",
        "https://x.org/files/Ab+c%2Fd==",
        "https://x.org/a?q=Ab+c%2Fd%3D%3D",
        "https://x.org/a?q=Ab%2Bc%2Fd%3D%3D&r=1",
    ):
        assert "Ab+c" not in h.shown(url) and "Ab%2B" not in h.shown(url), url
    assert h.shown("https://x.org/a?r=1") == "https://x.org/a?r=1"
    assert "Ab+c/d==" not in h.shown("https://user:Ab+c/d==@x.org/") and h.shown("https://[::1/a")


def test_a_file_of_any_name_in_a_source_folder_leaves_writing_alone(tmp_path: Path) -> None:
    """Found by a re-check: `notes-².txt` in a source's folder made every fetch of it fail."""
    import balloons.ingest  # noqa: F401 - rawstore's imports need the package first
    from balloons.fetch import rawstore

    folder = tmp_path / "raw" / "incursions" / "feed"
    folder.mkdir(parents=True)
    for name in ("notes-².txt", "x-y-z.csv", "noext", "-.csv"):
        (folder / name).write_text("x")
    assert rawstore.write(
        tmp_path / "raw", table="incursions", source="feed", fetched_at=NOW, ext="csv", payload=b"a\n1\n", meta={}
    )
