"""Security: read-only reads, values never spliced into SQL, raw names never become paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PrefectServer, write

from balloons import lake, redact, warehouse
from balloons.errors import LakeError
from balloons.ingest import ingest
from balloons.lake.storage import local
from flows.cli import cli

pytestmark = pytest.mark.xdist_group("prefect")  # see conftest.py

INJECTIONS = [
    "2025-10'; DROP TABLE closures; --",
    "2025-10 OR 1=1",
    "../../../etc/passwd",
    "2025-10\x00",
    "'); COPY closures TO '/tmp/pwned.csv'; --",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_month_option_refuses_injection(sample_root: Path, value: str) -> None:
    result = CliRunner().invoke(cli, ["report", "--month", value, "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert "not a month" in result.output
    assert warehouse.query(sample_root / "warehouse.duckdb", "select count(*) from closures")[1] == [(15,)]
    assert not Path("/tmp/pwned.csv").exists()


def test_query_cannot_write_even_when_stacked(sample_root: Path, tmp_path: Path) -> None:
    evil = f"select 1; copy closures to '{tmp_path / 'out.csv'}'"
    result = CliRunner().invoke(cli, ["query", evil, "--data-dir", str(sample_root)])
    assert result.exit_code == 1
    assert not (tmp_path / "out.csv").exists()
    for statement in ("drop table closures", "delete from flights", "create table x(a int)", "attach ':memory:' as m"):
        result = CliRunner().invoke(cli, ["query", statement, "--data-dir", str(sample_root)])
        assert result.exit_code == 1, statement
    assert warehouse.query(sample_root / "warehouse.duckdb", "select count(*) from flights")[1] == [(19641,)]


def test_setting_values_are_validated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BALLOONS_TIMEZONE", "Europe/Vilnius'; drop table x; --")
    result = CliRunner().invoke(cli, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "BALLOONS_TIMEZONE" in result.output


def test_lake_paths_come_only_from_our_names(tmp_path: Path) -> None:
    for month in ("../2025-10", "2025-10/../../x", "2025-13"):
        with pytest.raises(LakeError):
            lake.partition_path(local(tmp_path), "incursions", month)
    with pytest.raises(LakeError):
        lake.partition_path(local(tmp_path), "../incursions", "2025-10")


def test_raw_names_cannot_write_outside_the_data_dir(tmp_path: Path, ctx) -> None:
    data = tmp_path / "data"
    header = "detected_at,source_id\n"
    write(data, "incursions/with space ąčę.csv", header + "2025-10-04T22:00,1\n")
    write(data, "incursions/dots../x..y.csv", header + "2025-10-04T22:00,2\n")
    write(data, "incursions/month=2025-10/data.parquet.csv", header + "2025-10-04T22:00,3\n")
    outside = tmp_path / "outside.csv"
    outside.write_text(header + "2025-10-04T22:00,4\n")
    os.symlink(outside, data / "raw" / "incursions" / "link.csv")
    before = {p for p in tmp_path.rglob("*")}
    ingest(data / "raw", local(data / "lake"), ctx=ctx, run_id="names")
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(data / "lake") for p in created)
    sources = {
        q
        for m in lake.months(local(data / "lake"), "incursions")
        for q in lake.read_partition(local(data / "lake"), "incursions", m, ["source_file"]).column(0).to_pylist()
    }
    assert "incursions/link.csv" not in sources  # links are not followed
    assert "incursions/dots../x..y.csv" in sources


# --- secrets: one redaction rule for everything balloons writes --------------------------------

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzzSECRET"  # AWS_SECRET_ACCESS_KEY
TOKEN = "FwoGZXIvYXdzEJr-planted-session-token"  # AWS_SESSION_TOKEN
KEY_SECRET = "minio-planted-secret-4f9a2c"  # BALLOONS_S3_SECRET_ACCESS_KEY
SIGNATURE = "f00dfacef00dface-planted-signature"  # only ever seen inside a URL
PLANTED = (SECRET, TOKEN, KEY_SECRET, SIGNATURE)


def test_redact_masks_secrets_url_userinfo_and_credential_parameters() -> None:
    redact.register([KEY_SECRET, "abc"])
    cases = {
        f"key {KEY_SECRET}!": "key ***!",
        "s3://AKIA:hunter22@bucket/x and http://u@h:9000/p": "s3://***@bucket/x and http://***@h:9000/p",
        "https://h/o?X-Amz-Signature=abc123&versionId=7": "https://h/o?X-Amz-Signature=***&versionId=7",
        "http://h/?a=1&password=pw&token=t;secret_key=s": "http://h/?a=1&password=***&token=***;secret_key=***",
        "rows=5 quarantined=0 path=a@b.csv key=value": "rows=5 quarantined=0 path=a@b.csv key=value",
        "abc is too short to be a secret": "abc is too short to be a secret",
    }
    assert {text: redact.redact_text(text) for text in cases} == cases
    assert redact.redact({"error": f"x {KEY_SECRET}", "n": 3, "list": [KEY_SECRET, ("s3://k:s@b",)]}) == {
        "error": "x ***",
        "n": 3,
        "list": ["***", ("s3://***@b",)],
    }


def test_secret_values_come_from_secret_settings_and_credential_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from balloons.settings import load_settings

    monkeypatch.setenv("BALLOONS_S3_SECRET_ACCESS_KEY", KEY_SECRET)
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN, "AWS_REGION": "eu-north-1", "HOME": "/x"}
    assert redact.secret_values(load_settings(), env) == {KEY_SECRET, SECRET, TOKEN}
    assert f"{KEY_SECRET!r}" not in repr(load_settings())


_LOGGING_DRIVER = """
import logging, sys
from balloons import redact
secret, log_file = sys.argv[1], sys.argv[2]
early = logging.StreamHandler(sys.stdout)
logging.getLogger().addHandler(early)
redact.protect([secret])
logging.getLogger().addHandler(logging.FileHandler(log_file))  # a handler added afterwards, like Prefect's
log = logging.getLogger("balloons.anything")
log.warning("with args %s", secret)
log.warning(f"pre-formatted {secret} and s3://AKIA:{secret}@bucket")
try:
    raise ValueError(f"inner {secret}")
except ValueError as inner:
    try:
        raise RuntimeError(f"outer {secret}") from inner
    except RuntimeError as exc:
        log.exception("failed")
        print("state message:", f"{type(exc).__name__}: {exc} / {exc.__cause__}")
raise OSError(f"uncaught {secret}")
"""


def test_every_log_handler_and_uncaught_traceback_is_redacted(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"
    done = subprocess.run(
        [sys.executable, "-c", _LOGGING_DRIVER, SECRET, str(log_file)], capture_output=True, text=True, timeout=60
    )
    outputs = {"stdout": done.stdout, "stderr": done.stderr, "log file": log_file.read_text()}
    assert done.returncode == 1 and "OSError: uncaught ***" in done.stderr
    assert "state message: RuntimeError: outer *** / inner ***" in done.stdout
    assert outputs["log file"].count("***") >= 5 and "ValueError: inner ***" in outputs["log file"]
    assert {name: SECRET in text for name, text in outputs.items()} == dict.fromkeys(outputs, False)


# Runs the real CLI with the report step patched to leak the planted secrets through every channel
# it has: a library log line, an exception message, an artifact link. Everything else is real.
_LEAKY_CLI = """
import logging, os, sys
import balloons.report as report
from balloons.errors import ReportError
from balloons.lake.storage import local
mode, args = sys.argv[1], sys.argv[2:]
secret, token, key_secret = (os.environ[n] for n in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                                        "BALLOONS_S3_SECRET_ACCESS_KEY"))
signature = os.environ["PLANTED_SIGNATURE"]

def leaky_render_all(warehouse_path, months, years, out_dir, **options):
    log = logging.getLogger("balloons.report")
    log.warning("uploading with key %s to s3://AKIA:%s@bucket/r", secret, key_secret)
    log.warning(f"session {token} url https://b/r.pdf?X-Amz-Signature={signature}")
    if mode == "fail":
        raise ReportError(f"upload to https://b/r.pdf?X-Amz-Signature={signature} refused for {secret}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{month}.pdf" for month in months] + [out_dir / f"copy-{key_secret}.pdf"]
    for path in paths:
        path.write_bytes(b"%PDF-1.4 stand-in")
    return paths

report.render_all = leaky_render_all
from flows.cli import main

sys.argv = ["balloons", *args]
main()
"""


def _text_of_every_output(data: Path, prefect_home: Path) -> dict[str, str]:
    """Every file balloons or Prefect wrote, as text: Parquet and DuckDB decoded row by row."""
    import duckdb
    import pyarrow.parquet as pq

    texts: dict[str, str] = {}
    for path in [*data.rglob("*"), *prefect_home.rglob("*")]:
        if not path.is_file() or path.is_relative_to(data / "raw"):
            continue
        if path.suffix == ".parquet":
            texts[str(path)] = str(pq.read_table(path).to_pylist())
        elif path.suffix == ".db":  # Prefect's SQLite database, read through SQLite (its WAL included)
            import sqlite3

            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                texts[str(path)] = "\n".join(con.iterdump())
            finally:
                con.close()
        elif path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            try:
                names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
                texts[str(path)] = str({n: con.execute(f'select * from "{n}"').fetchall() for n in names})
            finally:
                con.close()
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


# October's three files: every stage of a run (ingest, warehouse, reports) with little data
OCTOBER = ("incursions/synthetic/vsat/2025-10.jsonl", "closures/notam/2025-10.notam", "flights/synthetic/EYVI/2025-10")


@pytest.mark.slow
def test_planted_secrets_reach_no_output(tmp_path: Path, prefect_server: PrefectServer) -> None:
    """The real CLI in fresh processes, reporting to the session's Prefect server; every output,
    this client's PREFECT_HOME and the server's home (its database included) are searched."""
    data, prefect_home = tmp_path / "data", tmp_path / "prefect"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_", "BALLOONS_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_API_URL=prefect_server.url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_SESSION_TOKEN=TOKEN,
        BALLOONS_S3_SECRET_ACCESS_KEY=KEY_SECRET,
        PLANTED_SIGNATURE=SIGNATURE,
    )

    def balloons(mode: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", _LEAKY_CLI, mode, *args, "--data-dir", str(data)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    runs = {"sample": balloons("ok", "sample")}
    for path in sorted((data / "raw").rglob("*"), reverse=True):
        if path.is_file() and not path.relative_to(data / "raw").as_posix().startswith(OCTOBER):
            path.unlink()
    runs |= {
        "run": balloons("ok", "-v", "run"),
        "failing run": balloons("fail", "-v", "run", "--all-reports"),
        "status": balloons("ok", "status"),
        "status json": balloons("ok", "status", "--format", "json"),
    }
    assert [r.returncode for r in runs.values()] == [0, 0, 1, 0, 0], {k: r.stderr[-3000:] for k, r in runs.items()}
    errors = [line for line in runs["failing run"].stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: upload to https://b/r.pdf?X-Amz-Signature=*** refused for ***"]
    assert "error:      ReportError: upload to" in runs["status"].stdout

    outputs = {
        f"{name} {stream}": getattr(run, stream) for name, run in runs.items() for stream in ("stdout", "stderr")
    }
    outputs.update(_text_of_every_output(data, prefect_home))
    outputs.update(_text_of_every_output(data, prefect_server.home))
    database = str(prefect_server.database())
    # the leaks happened and were masked where they landed: run logs, state messages, artifacts, status.json
    for text in ("s3://***@bucket/r", "session ***", "X-Amz-Signature=***", "copy-***.pdf"):
        assert text in outputs[database], text
    assert "refused for ***" in outputs[str(data / "status.json")]
    assert "uploading with key *** to s3://***@bucket/r" in outputs["run stderr"]
    leaks = {name: [s for s in PLANTED if s in text] for name, text in outputs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_a_served_runs_flow_bundle_carries_no_secret() -> None:
    """`balloons serve` pickles the flow with our modules by value: the registered secrets must not
    travel in that bundle (nor may a lock make it unpicklable)."""
    import cloudpickle
    from prefect.bundles import _pickle_local_modules_by_value

    from balloons.redact import protect
    from flows.nightly import nightly_flow

    planted = "Zq8-served-bundle-secret-value"
    protect({planted})
    with _pickle_local_modules_by_value(nightly_flow):
        bundle = cloudpickle.dumps(nightly_flow)
    assert planted.encode() not in bundle
    assert b"balloons.redact" in bundle or b"redact" in bundle  # the module did travel by value
