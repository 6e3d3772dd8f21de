"""Fetching end to end through `balloons run` / `balloons fetch`, against loopback HTTP servers.

The servers replay responses in the providers' documented shapes (see docs/sources.md); nothing
mocks the HTTP client. Each case: first run fetches and ingests, an unchanged rerun writes no raw
file, new records arrive as one new raw file, and with the server down the run still builds the
warehouse, exits 1 and names the source.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from balloons import warehouse
from balloons.status import read_run_status
from flows.cli import cli

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
        return Response(self.body, status=200, content_type="text/csv; charset=utf-8",
                        headers={"ETag": etag, "Last-Modified": "Sun, 02 Nov 2025 20:00:00 GMT"})


def raw_files(root: Path, table: str, source: str) -> list[Path]:
    base = root / "raw" / table / source
    return sorted(p for p in base.rglob("*") if p.is_file() and not p.name.endswith(".json")) if base.is_dir() else []


def count(root: Path, sql: str) -> int:
    return int(warehouse.query(root / "warehouse.duckdb", sql)[1][0][0])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALLOONS_FETCH_RETRIES", "0")
    monkeypatch.setenv("LRT_TOKEN", TOKEN)
    monkeypatch.delenv("BALLOONS_SOURCES", raising=False)


def declare(root: Path, text: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.toml").write_text(text, encoding="utf-8")


def test_http_file_run_fetches_ingests_skips_unchanged_appends_and_survives_outage(
        tmp_path: Path, httpserver: HTTPServer, env: None, prefect_harness: None) -> None:
    feed = Feed(ROWS)
    httpserver.expect_request("/open-data/incursions.csv").respond_with_handler(feed)
    declare(tmp_path, f'[sources.lrt]\nkind = "http_file"\ntable = "incursions"\n'
                      f'url = "{httpserver.url_for("/open-data/incursions.csv")}"\ntoken_env = "LRT_TOKEN"\n')
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
    assert count(tmp_path, "select count(*) from incursions") == 5  # the warehouse is still built
    status = read_run_status(tmp_path)
    assert status["outcome"] == "failed" and "lrt" in status["error"]
    assert status["fetch"]["lrt"]["outcome"] == "failed"
    shown = runner.invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert "lrt failed (ConnectError" in shown.output
