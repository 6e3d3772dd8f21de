"""Settings: every numeric setting is finite and bounded, a bad value is one `Error:` line naming the
setting and its range before anything starts, and no URL setting may carry credentials."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from balloons.errors import ConfigError
from balloons.settings import Settings, allowed_range, env_name, load_settings, numeric_fields
from flows.cli import cli

README = Path(__file__).parent.parent / "README.md"

# The documented ranges, written out: changing a bound means changing this table and the README.
RANGES = {
    "load_factor": "a finite number > 0 and <= 1",
    "buffer_after_min": "an integer >= 0 and <= 1440",
    "report_workers": "an integer >= 1 and <= 32",
    "trigger_radius_km": "a finite number > 0 and <= 1000",
    "trigger_lead_min": "an integer >= 0 and <= 1440",
    "max_closure_days": "a finite number > 0 and <= 366",
}


def bounds(field: str) -> dict[str, float]:
    return {
        name: getattr(item, name)
        for item in Settings.model_fields[field].metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(item, name)
    }


def is_int(field: str) -> bool:
    return allowed_range(field).startswith("an integer")


def refused_values(field: str) -> list[str]:
    """Values outside the field's range: non-finite, just past each bound, absurdly large."""
    b = bounds(field)
    low, high = b.get("ge", b.get("gt")), b.get("le", b.get("lt"))
    assert low is not None and high is not None
    step = 1 if is_int(field) else 1e-9 * max(1.0, abs(high))
    values = [
        "inf",
        "-inf",
        "nan",
        "NaN",
        "1e400",
        "-1e400",
        "abc",
        "",
        str(low if "gt" in b else low - step),
        str(high if "lt" in b else high + step),
        "9" * 5000,
    ]
    if is_int(field):
        values += ["1e3", "１０", "0x10", f"{low}.5", f"{low}.0"]  # `10.0` too (found by a fresh-eyes trial)
    return values


def accepted_values(field: str) -> list[str]:
    b = bounds(field)
    low, high = b.get("ge", b.get("gt")), b.get("le", b.get("lt"))
    assert low is not None and high is not None
    values = [str(Settings.model_fields[field].default)]
    if "ge" in b:
        values.append(str(low))
    if "le" in b:
        values.append(str(high))
    return values


def test_the_documented_ranges_are_the_model_ranges() -> None:
    assert {name: allowed_range(name) for name in RANGES} == RANGES


@pytest.mark.parametrize("field", sorted(numeric_fields()))
def test_every_numeric_setting_is_bounded_and_finite(field: str) -> None:
    b = bounds(field)
    assert {"ge", "gt"} & b.keys(), f"{field} has no lower bound: add ge= or gt= to its Field"
    assert {"le", "lt"} & b.keys(), f"{field} has no upper bound: add le= or lt= to its Field"
    assert all(math.isfinite(v) for v in b.values())
    assert Settings.model_config.get("allow_inf_nan") is False


@pytest.mark.parametrize(("field", "value"), [(f, v) for f in sorted(numeric_fields()) for v in refused_values(f)])
def test_out_of_range_value_is_one_line_naming_the_setting_and_range(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str
) -> None:
    monkeypatch.setenv(env_name(field), value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert env_name(field) in message and allowed_range(field) in message
    assert "\n" not in message and len(message) < 300
    assert caught.value.__cause__ is None


def test_a_number_written_with_underscores_is_refused_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a fresh-eyes trial: `1_000` was refused as out of 0..1440, which it is not."""
    monkeypatch.setenv("BALLOONS_BUFFER_AFTER_MIN", "1_000")
    with pytest.raises(ConfigError, match=r"<= 1440 written in plain digits \(no '_'\)"):
        load_settings()


@pytest.mark.parametrize(("field", "value"), [(f, v) for f in sorted(numeric_fields()) for v in accepted_values(f)])
def test_values_in_range_are_accepted(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    monkeypatch.setenv(env_name(field), value)
    assert getattr(load_settings(), field) == float(value)


@pytest.mark.parametrize("field", sorted(numeric_fields()))
def test_readme_documents_each_range(field: str) -> None:
    rows = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("|") and f"`{env_name(field)}`" in line
    ]
    assert rows, f"README settings table has no row for {env_name(field)}"
    assert allowed_range(field).removeprefix("a finite ").removeprefix("an ") in rows[0], rows[0]


SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"

CREDENTIAL_URLS = [
    ("BALLOONS_LAKE_URL", f"s3://AKIAEXAMPLE:{SECRET}@bucket/x"),
    ("BALLOONS_LAKE_URL", f"s3://{SECRET}@bucket/x"),
    ("BALLOONS_LAKE_URL", f"s3://bucket/x?secret={SECRET}"),
    ("BALLOONS_LAKE_URL", f"s3://bucket/x?X-Amz-Signature={SECRET}&X-Amz-Credential=AKIA"),
    ("BALLOONS_S3_ENDPOINT_URL", f"http://minio:{SECRET}@127.0.0.1:9000"),
    ("BALLOONS_S3_ENDPOINT_URL", f"https://127.0.0.1:9000/?access_key=AKIA&secret_key={SECRET}"),
    ("BALLOONS_S3_ENDPOINT_URL", f"https://127.0.0.1:9000/?token={SECRET}"),
    ("BALLOONS_LAKE_URL", f"s3://bucket/x?AWSAccessKeyId=AKIA1&Signature={SECRET}&Expires=1"),
    ("BALLOONS_LAKE_URL", f"s3://bucket/x?versionId=1&Password={SECRET}"),
]


@pytest.mark.parametrize(("variable", "url"), CREDENTIAL_URLS)
def test_credentials_in_a_url_setting_are_refused_without_echoing_them(
    monkeypatch: pytest.MonkeyPatch, variable: str, url: str
) -> None:
    monkeypatch.setenv(variable, url)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert variable in message and "AWS_SECRET_ACCESS_KEY" in message
    assert SECRET not in message and "AKIA" not in message and "\n" not in message
    assert (
        caught.value.__cause__ is None
        and caught.value.__context__ is None
        or SECRET not in repr(caught.value.__context__)
    )


@pytest.mark.parametrize(
    "url", ["s3://bucket/prefix", "s3://bucket", "/srv/lake", "relative/lake", "s3://bucket/a=b/c?versionId=3"]
)
def test_plain_lake_urls_are_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("BALLOONS_LAKE_URL", url)
    assert load_settings().lake_url == url


# One process runs every command with one bad setting and reports whether Prefect got imported.
_EVERY_COMMAND = """
import json, sys
import click
from click.testing import CliRunner
from flows.cli import cli
out = {}
for name, command in sorted(cli.commands.items()):
    args = [name] + ["x" for p in command.params if isinstance(p, click.Argument) and p.required]
    if any(p.name == "data_dir" for p in command.params):
        args += ["--data-dir", sys.argv[1]]
    result = CliRunner().invoke(cli, args)
    out[name] = [result.exit_code, result.output]
out["prefect imported"] = "prefect" in sys.modules
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BALLOONS_MAX_CLOSURE_DAYS", "inf"),
        ("BALLOONS_LAKE_URL", f"s3://K:{SECRET}@b/x"),
        ("BALLOONS_SOURCES", "/nowhere/sources.toml"),  # was found missing only once a run had fetched nothing
    ],
)
def test_every_command_refuses_a_bad_setting_before_prefect_starts(tmp_path: Path, variable: str, value: str) -> None:
    (tmp_path / "raw").mkdir()
    env = {**os.environ, variable: value}
    done = subprocess.run(
        [sys.executable, "-c", _EVERY_COMMAND, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(done.stdout)
    assert results.pop("prefect imported") is False
    assert set(results) == set(cli.commands)
    for name, (code, output) in results.items():
        assert code == 1, (name, output)
        assert output.startswith("Error: ") and output.count("\n") == 1, (name, output)
        assert variable in output and SECRET not in output, (name, output)
    assert not (tmp_path / "status.json").exists()


def test_help_still_works_with_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    monkeypatch.setenv("BALLOONS_MAX_CLOSURE_DAYS", "nan")
    for name in cli.commands:
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0, name
    assert isinstance(cli.commands["run"], click.Command)


WAITING = sorted(name for name, command in cli.commands.items() if any(p.name == "wait" for p in command.params))


@pytest.mark.parametrize(("command", "value"), [(c, v) for c in WAITING for v in ("nan", "inf", "-1", "86401")])
def test_wait_option_is_a_finite_bounded_number(tmp_path: Path, command: str, value: str) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [command, "--wait", value, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "Error: Invalid value for '--wait'" in result.output
    assert not (tmp_path / "warehouse.duckdb").exists() and not (tmp_path / ".balloons.lock").exists()


@pytest.mark.parametrize("args", [["status"], ["query", "select 1"], ["dictionary"]])
def test_a_command_resolves_its_settings_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]) -> None:
    """Settings are built once at the edge and passed down, not re-read by the command."""
    from click.testing import CliRunner

    import flows.cli

    built: list[Settings] = []

    def counting(**overrides: object) -> Settings:
        built.append(load_settings(**overrides))
        return built[-1]

    monkeypatch.setattr(flows.cli, "load_settings", counting)
    CliRunner().invoke(cli, [*args, "--data-dir", str(tmp_path)])
    assert [s.data_dir for s in built] == [tmp_path.absolute()]


def test_build_params_take_their_defaults_and_values_from_settings() -> None:
    from balloons.warehouse import Params

    assert Params.from_settings(Settings()) == Params()
    tuned = Settings(timezone="UTC", load_factor=0.5, trigger_lead_min=30, headline_causes="drones")
    params = Params.from_settings(tuned)
    assert (params.timezone, params.load_factor, params.trigger_lead_min, params.headline_causes) == (
        "UTC",
        0.5,
        30,
        "drones",
    )
    assert Params().load_factor == Settings.model_fields["load_factor"].default


@pytest.mark.parametrize("zone", ["localtime", "posix/Europe/Vilnius"])
def test_a_timezone_the_engine_cannot_use_is_refused(zone: str) -> None:
    """Python's zoneinfo takes these names, the engine's DuckDB (ICU) does not: accepted, they
    quarantined every raw file whole (found by review)."""
    with pytest.raises(ConfigError, match="BALLOONS_TIMEZONE"):
        load_settings(timezone=zone)


def test_a_rule_s_message_reads_without_pydantic_s_prefix() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(timezone="Mars/Olympus")
    assert str(refused.value) == (
        "Invalid setting BALLOONS_TIMEZONE: unknown IANA timezone 'Mars/Olympus'. Fix it and run again."
    )


def test_a_sources_file_named_on_purpose_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BALLOONS_SOURCES: the sources file .* does not exist"):
        load_settings(sources=tmp_path / "sources.toml")
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    assert load_settings(sources=tmp_path / "sources.toml").sources_path == tmp_path / "sources.toml"
    assert load_settings(data_dir=tmp_path / "elsewhere").sources_path == tmp_path / "elsewhere" / "sources.toml"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BALLOONS_DATA_DIR", "", "BALLOONS_DATA_DIR: it is empty"),
        ("BALLOONS_DATA_DIR", "  ", "BALLOONS_DATA_DIR: it is empty"),
        ("BALLOONS_SOURCES", "/", "BALLOONS_SOURCES: / is a folder, not a sources file"),
        ("BALLOONS_SOURCES", "", "BALLOONS_SOURCES: it is empty"),
        (
            "BALLOONS_S3_ENDPOINT_URL",
            "notaurl",
            "BALLOONS_S3_ENDPOINT_URL: 'notaurl' is not an http:// or https:// URL",
        ),
        ("BALLOONS_S3_ENDPOINT_URL", "https://", "is not an http:// or https:// URL"),
        ("BALLOONS_S3_ENDPOINT_URL", "http://127.0.0.1:abc", "its port is no number"),
    ],
)
def test_an_empty_data_dir_a_folder_for_sources_and_an_endpoint_that_is_no_url_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    """Found by a fresh-eyes trial: BALLOONS_DATA_DIR= became the current folder, a folder given as
    BALLOONS_SOURCES 'did not exist', and any endpoint text was taken."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()
    if variable != "BALLOONS_S3_ENDPOINT_URL":
        monkeypatch.delenv(variable)
    for given, taken in (("HTTPS://minio:9000", "HTTPS://minio:9000"), ("http://a:9000", "http://a:9000"), ("", None)):
        monkeypatch.setenv("BALLOONS_S3_ENDPOINT_URL", given)
        assert load_settings().s3_endpoint_url == taken  # an empty endpoint is unset, as before


@pytest.mark.parametrize("url", ["ftp://host/lake", "S3://bucket/lake", "gs://bucket/lake"])
def test_a_lake_url_that_is_neither_a_path_nor_s3_is_refused(url: str) -> None:
    """Another scheme became a relative local folder (`./ftp:/host/lake`) holding a new lake."""
    with pytest.raises(ConfigError, match="BALLOONS_LAKE_URL"):
        load_settings(lake_url=url)


@pytest.mark.parametrize(
    ("name", "value"), [("MAX_CLOSURE_DAYS", "1_0"), ("TRIGGER_RADIUS_KM", "1_000"), ("LOAD_FACTOR", "0.1_5")]
)
def test_number_settings_are_plain_decimals(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in raw files, `1_000` is not a number (Python's int() would read it)."""
    monkeypatch.setenv(f"BALLOONS_{name}", value)
    with pytest.raises(ConfigError, match=f"BALLOONS_{name}"):
        load_settings()


def test_checking_the_time_zone_imports_no_pandas() -> None:
    """The engine's zones are read as a list: binding the name to a query would make DuckDB import
    pandas, half a second of every command."""
    code = (
        "import sys\nfrom balloons.settings import load_settings\n"
        "assert load_settings(timezone='Europe/Kyiv').timezone == 'Europe/Kyiv'\n"
        "print('pandas' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALLOONS_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "False"
