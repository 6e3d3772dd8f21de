"""Fetching end to end through `balloons run` / `balloons fetch`, against loopback HTTP servers.

The servers replay responses in the providers' documented shapes (see docs/sources.md); nothing
mocks the HTTP client. Each case: first run fetches and ingests, an unchanged rerun writes no raw
file, new records arrive as one new raw file, and with the server down the run still builds the
warehouse, exits 1 and names the source.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner
from conftest import PrefectServer, at_a_terminal, drip_server
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from balloons import warehouse
from balloons.status import read_run_status
from flows.cli import cli

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py

HEADER = "detected_at,balloons,kind,municipality,lat,lon,source,source_id\n"
ROWS = [
    "2025-10-04T21:10:00+03:00,3,balloon,Vilniaus r.,54.70,25.50,LRT,LRT-1\n",
    "2025-10-05T22:40:00+03:00,1,balloon,Trakų r.,54.64,24.93,LRT,LRT-2\n",
    "2025-10-21T20:05:00+03:00,2,balloon,Šalčininkų r.,54.31,25.38,LRT,LRT-3\n",
]
MORE = [
    "2025-11-02T19:30:00+02:00,4,balloon,Vilniaus m.,54.68,25.28,LRT,LRT-4\n",
    "2025-11-03T23:15:00+02:00,1,drone,Vilniaus r.,54.75,25.40,LRT,LRT-5\n",
]
TOKEN = "tok-PLANTED-bearer-93f1c0ffee"


class Feed:
    """An incursion table served with ETag / Last-Modified, answering 304 when unchanged."""

    def __init__(self, rows: list[str]) -> None:
        self.rows = list(rows)
        self.seen: list[dict[str, str]] = []

    @property
    def body(self) -> bytes:
        return (HEADER + "".join(self.rows)).encode("utf-8")

    def __call__(self, request: Request) -> Response:
        self.seen.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response("no", status=401)
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(
            self.body,
            status=200,
            content_type="text/csv; charset=utf-8",
            headers={"ETag": etag, "Last-Modified": "Sun, 02 Nov 2025 20:00:00 GMT"},
        )


def raw_files(root: Path, table: str, source: str) -> list[Path]:
    base = root / "raw" / table / source
    return sorted(p for p in base.rglob("*") if p.is_file() and not p.name.endswith(".json")) if base.is_dir() else []


def count(root: Path, sql: str) -> int:
    return int(warehouse.query(root / "warehouse.duckdb", sql)[1][0][0])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALLOONS_FETCH_RETRIES", "0")
    monkeypatch.setenv("BALLOONS_REPORT_WORKERS", "1")  # these runs test fetching: draw here, start no processes
    monkeypatch.setenv("LRT_TOKEN", TOKEN)
    monkeypatch.delenv("BALLOONS_SOURCES", raising=False)


def declare(root: Path, text: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.toml").write_text(text, encoding="utf-8")


def test_http_file_run_fetches_ingests_skips_unchanged_appends_and_survives_outage(
    tmp_path: Path, httpserver: HTTPServer, env: None, prefect_harness: None
) -> None:
    feed = Feed(ROWS)
    httpserver.expect_request("/open-data/incursions.csv").respond_with_handler(feed)
    declare(
        tmp_path,
        f'[sources.lrt]\nkind = "http_file"\ntable = "incursions"\n'
        f'url = "{httpserver.url_for("/open-data/incursions.csv")}"\ntoken_env = "LRT_TOKEN"\n',
    )
    runner = CliRunner()

    first = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    (payload,) = raw_files(tmp_path, "incursions", "lrt")
    assert payload.read_bytes() == feed.body
    assert payload.parent.relative_to(tmp_path / "raw").as_posix().split("/")[:2] == ["incursions", "lrt"]
    sidecar = json.loads(Path(f"{payload}.json").read_text())
    assert sidecar["sha256"] == hashlib.sha256(feed.body).hexdigest()
    assert sidecar["http_status"] == 200 and sidecar["url"].endswith("/open-data/incursions.csv")
    assert count(tmp_path, "select count(*) from incursions") == 3
    assert count(tmp_path, "select count(*) from quarantine") == 0  # the sidecar is not ingested

    again = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert raw_files(tmp_path, "incursions", "lrt") == [payload]
    assert feed.seen[-1].get("If-None-Match")  # the ETag went back; the server answered 304

    feed.rows += MORE
    third = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert third.exit_code == 0, third.output
    files = raw_files(tmp_path, "incursions", "lrt")
    assert len(files) == 2 and files[0] == payload
    assert count(tmp_path, "select count(*) from incursions") == 5

    httpserver.stop()
    down = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    httpserver.start()
    assert down.exit_code == 1
    last = down.output.strip().splitlines()[-1]
    assert "lrt" in last and "ConnectError" in last, down.output
    assert "ingest: files read 0" in down.output and "\nwarehouse: " in down.output  # what the run did
    assert count(tmp_path, "select count(*) from incursions") == 5  # the warehouse is still built
    status = read_run_status(tmp_path)
    assert status["outcome"] == "failed" and "lrt" in status["error"]
    assert status["fetch"]["lrt"]["outcome"] == "failed"
    shown = runner.invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert "lrt failed (ConnectError" in shown.output


# --- faa_notam: the FAA NOTAM API's geoJson answer (items[].properties.coreNOTAMData) ---------------

FAA_ID, FAA_SECRET = "faa-client-7d2", "faa-PLANTED-secret-5be1d00d"


def faa_item(number: str, icao_text: str, *, series: str | None = None, location: str = "EYVI") -> dict:
    return {
        "type": "Feature",
        "properties": {
            "coreNOTAMData": {
                "notamEvent": {"scenario": "6000"},
                "notam": {
                    "id": f"NOTAM_1_{abs(hash(number)) % 10**8}",
                    **({"series": series} if series else {}),
                    "number": number,
                    "type": "N",
                    "issued": "2025-10-04T19:20:00.000Z",
                    "affectedFIR": "EYVL",
                    "location": location,
                    "icaoLocation": location,
                    "classification": "INTL",
                    "effectiveStart": "2025-10-04T19:16:00.000Z",
                    "effectiveEnd": "2025-10-05T01:50:00.000Z",
                    "text": icao_text.split("E) ")[-1],
                    "accountId": f"{location}YNYX",
                    "lastUpdated": "2025-10-04T19:20:00.000Z",
                },
                "notamTranslation": [
                    {"type": "LOCAL_FORMAT", "simpleText": "!" + icao_text.split("E) ")[-1]},
                    {"type": "ICAO", "formattedText": icao_text},
                ],
            }
        },
        "geometry": {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [25.28, 54.63]}]},
    }


VILNIUS_CLOSED = faa_item(
    "A1801/25",
    "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI\nB) 2510041916\nC) 2510050150\nE) AD CLSD DUE TO BALLOONS IN THE VICINITY OF THE AERODROME.",
)
RESTRICTED = faa_item(
    "1799/25",
    "Q) EYVL/QRRCA/IV/BO/W/000/120/5440N02520E010\nA) EYVI\nB) 2510010000\nC) 2512312359\nE) TEMPO RESTRICTED AREA EYR36 ACTIVATED.",
    series="A",
)
KAUNAS_CLOSED = faa_item(
    "A1804/25",
    "Q) EYVL/QFALC/IV/NBO/A/000/999/5458N02405E005\nA) EYKA\nB) 2510241736\nC) 2510242335\nE) AD CLSD DUE TO BALLOONS IN THE VICINITY OF THE AERODROME.",
    location="EYKA",
)


class FaaApi(BaseHTTPRequestHandler):
    """GET /notamapi/v1/notams?icaoLocation=..&responseFormat=geoJson&pageSize=..&pageNum=.. with the
    client_id / client_secret headers. A stdlib server: werkzeug drops headers with underscores."""

    items: dict[str, list[dict]] = {}
    status = 200

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        args = dict(parse_qsl(url.query))
        if self.status != 200:
            return self.answer(self.status, b"down for maintenance")
        if url.path != "/notamapi/v1/notams":
            return self.answer(404, b"{}")
        if (self.headers.get("client_id"), self.headers.get("client_secret")) != (FAA_ID, FAA_SECRET):
            return self.answer(401, json.dumps({"message": "Unauthorized", "http_status_code": 401}).encode())
        assert args["responseFormat"] == "geoJson"
        items = self.items[args["icaoLocation"]]
        size, page = int(args["pageSize"]), int(args["pageNum"])
        pages = max(1, -(-len(items) // size))
        body = {
            "pageSize": size,
            "pageNum": page,
            "totalCount": len(items),
            "totalPages": pages,
            "items": items[(page - 1) * size : page * size],
        }
        self.answer(200, json.dumps(body).encode())

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def faa_server():
    FaaApi.items = {"EYVI": [VILNIUS_CLOSED, RESTRICTED], "EYKA": [], "EYPA": []}
    FaaApi.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FaaApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_faa_notam_run_fetches_ingests_skips_unchanged_adds_and_survives_outage(
    tmp_path: Path, faa_server: str, env: None, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAA_CLIENT_ID", FAA_ID)
    monkeypatch.setenv("FAA_CLIENT_SECRET", FAA_SECRET)
    declare(
        tmp_path,
        f'[sources.faa]\nkind = "faa_notam"\ntable = "closures"\npage_size = 1\n'
        f'url = "{faa_server}/notamapi/v1/notams"\n',
    )
    runner = CliRunner()

    first = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    (payload,) = raw_files(tmp_path, "closures", "faa")
    assert payload.suffix == ".notam"
    text = payload.read_text()
    assert text.startswith("(A1799/25 NOTAMN\nQ) EYVL/QRRCA") and "(A1801/25 NOTAMN\nQ) EYVL/QFALC" in text
    sidecar = json.loads(Path(f"{payload}.json").read_text())
    assert len(sidecar["requests"]) == 4  # EYVI two pages of one, EYKA and EYPA one empty page each
    assert count(tmp_path, "select count(*) from closures where airport = 'EYVI' and notam_id = 'A1801/25'") == 1
    assert count(tmp_path, "select count(*) from closures") == 1  # the restricted area is not a closure

    assert runner.invoke(cli, ["run", "--data-dir", str(tmp_path)]).exit_code == 0
    assert raw_files(tmp_path, "closures", "faa") == [payload]

    FaaApi.items["EYKA"] = [KAUNAS_CLOSED]
    assert runner.invoke(cli, ["run", "--data-dir", str(tmp_path)]).exit_code == 0
    assert len(raw_files(tmp_path, "closures", "faa")) == 2
    assert count(tmp_path, "select count(*) from closures") == 2

    FaaApi.status = 503
    down = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert down.exit_code == 1
    last = down.output.strip().splitlines()[-1]
    assert "faa (HTTP 503" in last, down.output
    assert count(tmp_path, "select count(*) from closures") == 2
    assert read_run_status(tmp_path)["fetch"]["faa"]["error"].startswith("HTTP 503")


# --- opensky: OAuth2 client credentials, then /flights/arrival|departure per airport and day ------

SKY_ID, SKY_SECRET = "balloons-api-client", "sky-PLANTED-secret-2c9e77aa"
SKY_TOKEN = "eyJhbGciOi.PLANTED-access-token.sig"


class OpenSkyApi:
    """The token endpoint and the two flights endpoints, in OpenSky's documented shapes."""

    def __init__(self) -> None:
        self.extra: list[dict] = []
        self.calls: list[tuple[str, str, int]] = []

    def token(self, request: Request) -> Response:
        form = request.form
        if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
            "client_credentials",
            SKY_ID,
            SKY_SECRET,
        ):
            return Response(json.dumps({"error": "unauthorized_client"}), status=401)
        return Response(
            json.dumps(
                {
                    "access_token": SKY_TOKEN,
                    "expires_in": 1800,
                    "refresh_expires_in": 0,
                    "token_type": "Bearer",
                    "not-before-policy": 0,
                    "scope": "profile email",
                }
            ),
            content_type="application/json",
        )

    def flights(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {SKY_TOKEN}":
            return Response(status=401)
        direction = request.path.rsplit("/", 1)[-1]
        airport, begin, end = request.args["airport"], int(request.args["begin"]), int(request.args["end"])
        assert end - begin < 7 * 86400
        self.calls.append((direction, airport, begin))
        if airport != "EYVI":
            return Response(status=404)  # documented: no flights -> 404 with an empty body
        seen = begin + 15 * 3600
        flights = [
            {
                "icao24": "4b1815",
                "firstSeen": seen - 5400,
                "estDepartureAirport": "EPWA" if direction == "arrival" else "EYVI",
                "lastSeen": seen,
                "estArrivalAirport": "EYVI" if direction == "arrival" else "EKCH",
                "callsign": "LOT771  " if direction == "arrival" else "SAS1765 ",
                "estDepartureAirportHorizDistance": 1721,
                "estDepartureAirportVertDistance": 45,
                "estArrivalAirportHorizDistance": 1093,
                "estArrivalAirportVertDistance": 36,
                "departureAirportCandidatesCount": 1,
                "arrivalAirportCandidatesCount": 2,
            }
        ]
        flights += [f for f in self.extra if begin <= f["lastSeen"] <= end and direction == "arrival"]
        return Response(json.dumps(flights), content_type="application/json")


def test_opensky_run_fetches_ingests_skips_unchanged_adds_and_survives_outage(
    tmp_path: Path, httpserver: HTTPServer, env: None, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENSKY_CLIENT_ID", SKY_ID)
    monkeypatch.setenv("OPENSKY_CLIENT_SECRET", SKY_SECRET)
    api = OpenSkyApi()
    token_path = "/auth/realms/opensky-network/protocol/openid-connect/token"
    httpserver.expect_request(token_path, method="POST").respond_with_handler(api.token)
    httpserver.expect_request("/api/flights/arrival").respond_with_handler(api.flights)
    httpserver.expect_request("/api/flights/departure").respond_with_handler(api.flights)
    declare(
        tmp_path,
        f'[sources.sky]\nkind = "opensky"\nairports = ["EYVI", "EYKA"]\nlookback_days = 2\n'
        f'url = "{httpserver.url_for("/api")}"\ntoken_url = "{httpserver.url_for(token_path)}"\n',
    )
    runner = CliRunner()

    first = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    files = raw_files(tmp_path, "flights", "sky")
    assert len(files) == 2  # one per finished UTC day
    assert len(api.calls) == 2 * 2 * 2  # days x airports x directions
    rows = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert {(r["direction"], r["flight_number"], r["status"]) for r in rows} == {
        ("arrival", "LOT771", "operated"),
        ("departure", "SAS1765", "operated"),
    }
    assert count(tmp_path, "select count(*) from flights where airport = 'EYVI' and status = 'operated'") == 4

    again = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert raw_files(tmp_path, "flights", "sky") == files  # the overlap day re-fetched, identical: not written

    last_day = max(begin for _, _, begin in api.calls)
    api.extra.append(
        {
            "icao24": "4b1901",
            "firstSeen": last_day + 70000,
            "estDepartureAirport": "EGSS",
            "lastSeen": last_day + 80000,
            "estArrivalAirport": "EYVI",
            "callsign": "RYR3PK  ",
        }
    )
    assert runner.invoke(cli, ["run", "--data-dir", str(tmp_path)]).exit_code == 0
    assert len(raw_files(tmp_path, "flights", "sky")) == 3
    assert count(tmp_path, "select count(*) from flights") == 5

    httpserver.clear()
    httpserver.expect_request(token_path).respond_with_data("", status=500)
    down = runner.invoke(cli, ["run", "--data-dir", str(tmp_path)])
    assert down.exit_code == 1
    assert "sky (HTTP 500" in down.output.strip().splitlines()[-1], down.output
    assert count(tmp_path, "select count(*) from flights") == 5


# --- secrets: planted in the environment, never found in anything the run leaves behind --------------

URL_KEY = "urlkey-PLANTED-0b5e1d"


def test_secrets_never_reach_logs_sidecars_status_or_the_prefect_database(
    tmp_path: Path,
    httpserver: HTTPServer,
    faa_server: str,
    env: None,
    prefect_harness: None,
    prefect_server: PrefectServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("FAA_CLIENT_ID", FAA_ID)
    monkeypatch.setenv("FAA_CLIENT_SECRET", FAA_SECRET)
    monkeypatch.setenv("OPENSKY_CLIENT_ID", SKY_ID)
    monkeypatch.setenv("OPENSKY_CLIENT_SECRET", SKY_SECRET)
    feed, sky = Feed(ROWS), OpenSkyApi()
    token_path = "/auth/realms/opensky-network/protocol/openid-connect/token"
    httpserver.expect_request("/feed.csv").respond_with_handler(feed)
    httpserver.expect_request(token_path, method="POST").respond_with_handler(sky.token)
    httpserver.expect_request("/api/flights/arrival").respond_with_handler(sky.flights)
    httpserver.expect_request("/api/flights/departure").respond_with_data("", status=503)  # fails after the token
    declare(
        tmp_path,
        f'''
[sources.lrt]
kind = "http_file"
table = "incursions"
url = "{httpserver.url_for("/feed.csv")}?apikey={URL_KEY}"
token_env = "LRT_TOKEN"

[sources.faa]
kind = "faa_notam"
url = "{faa_server}/notamapi/v1/notams"

[sources.sky]
kind = "opensky"
lookback_days = 1
url = "{httpserver.url_for("/api")}"
token_url = "{httpserver.url_for(token_path)}"
''',
    )
    caplog.set_level("DEBUG")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the provider's own access log is not ours
    result = CliRunner().invoke(cli, ["-v", "run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "sky (HTTP 503" in result.output.strip().splitlines()[-1], result.output
    assert raw_files(tmp_path, "incursions", "lrt") and raw_files(tmp_path, "closures", "faa")
    status = CliRunner().invoke(cli, ["status", "--format", "json", "--data-dir", str(tmp_path)]).output

    database = prefect_server.database()  # the session's server, which recorded this run
    secrets = [TOKEN, FAA_SECRET, SKY_SECRET, SKY_TOKEN, URL_KEY]
    texts = {"output": result.output, "logs": caplog.text, "status": status}
    for path in [*tmp_path.rglob("*"), *database.parent.glob(database.name + "*")]:
        if path.is_file() and path.name != "sources.toml":
            texts[str(path)] = path.read_bytes().decode("latin-1")
    assert any(str(p).endswith(".csv.json") for p in texts)  # sidecars were among the files searched
    leaks = [(where, secret) for where, text in texts.items() for secret in secrets if secret in text]
    assert leaks == [], [texts[w][max(0, texts[w].find(s) - 300) : texts[w].find(s) + 50] for w, s in leaks]
    sidecar = next(t for p, t in texts.items() if p.endswith(".csv.json"))
    assert "apikey=***" in sidecar


# --- balloons fetch: one source or all, --since, retries, one line for what failed --------------------


def test_fetch_command_retries_transient_failures_and_names_what_still_failed(
    tmp_path: Path, httpserver: HTTPServer, env: None, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALLOONS_FETCH_RETRIES", "1")
    answers = [Response("busy", status=502), Response(HEADER + ROWS[0], content_type="text/csv")]
    httpserver.expect_request("/flaky.csv").respond_with_handler(
        lambda request: answers.pop(0) if answers else Response("", status=500)
    )
    httpserver.expect_request("/gone.csv").respond_with_data("", status=404)
    declare(
        tmp_path,
        f'[sources.flaky]\nkind = "http_file"\ntable = "incursions"\nurl = "{httpserver.url_for("/flaky.csv")}"\n\n'
        f'[sources.gone]\nkind = "http_file"\ntable = "incursions"\nurl = "{httpserver.url_for("/gone.csv")}"\n\n'
        '[sources.typo]\nkind = "http_fil"\ntable = "incursions"\n',  # declared wrongly: fails alone
    )
    runner = CliRunner()

    result = runner.invoke(cli, ["fetch", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: Fetching failed for gone (HTTP 404 from "), result.output
    assert "; typo (" in lines[-1] and "[sources.typo] kind must be one of" in lines[-1], result.output
    assert read_run_status(tmp_path)["fetch"]["typo"]["outcome"] == "failed"
    assert "flaky" not in lines[-1]  # the 502 was retried (Prefect task retry) and then succeeded
    assert len(raw_files(tmp_path, "incursions", "flaky")) == 1
    assert not (tmp_path / "lake").exists()  # fetch only fetches
    assert read_run_status(tmp_path)["fetch"]["gone"]["outcome"] == "failed"

    only = runner.invoke(cli, ["fetch", "--source", "flaky", "--since", "2025-10-01", "--data-dir", str(tmp_path)])
    assert only.exit_code == 1  # the server has no answer left for a third request
    unknown = runner.invoke(cli, ["fetch", "--source", "nope", "--data-dir", str(tmp_path)])
    assert unknown.exit_code == 1 and "No source named 'nope'" in unknown.output
    assert len(unknown.output.strip().splitlines()) == 1


def test_without_sources_nothing_is_fetched(tmp_path: Path, env: None) -> None:
    result = CliRunner().invoke(cli, ["fetch", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "no sources declared" in result.output
    assert not (tmp_path / "raw").exists()


@pytest.mark.slow
def test_ctrl_c_stops_a_fetch_whose_answer_drips_at_once_not_at_its_timeout(tmp_path: Path) -> None:
    """Found by a fresh-eyes trial: the flag that stops a fetch was set only once the command had
    left its flow, which waits for the fetch: Ctrl-C took the whole timeout. It is set when SIGINT
    arrives, and the fetch ends at the answer's next byte."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BALLOONS_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "BALLOONS_FETCH_TIMEOUT_S": "600",
        "BALLOONS_FETCH_RETRIES": "0",
    }
    command = [sys.executable, "-c", "from flows.cli import main; main()", "fetch", "--data-dir", str(tmp_path)]
    with drip_server(pause_s=0.5) as drip:
        declare(tmp_path, f'[sources.drip]\nkind = "http_file"\ntable = "incursions"\nurl = "{drip.url}/drip.jsonl"\n')
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=at_a_terminal
        )
        try:
            assert drip.asked.wait(240), "the fetch never asked"
            time.sleep(1)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)  # the timeout is 600 s: only the flag ends it this soon
        finally:
            process.kill()
    assert process.returncode == 1 and err.strip().splitlines()[-1] == "Error: Aborted.", (out, err)
    assert not list(tmp_path.glob("raw/**/*.jsonl"))  # nothing half-fetched was kept
