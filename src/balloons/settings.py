"""One typed Settings object, read from `BALLOONS_*` environment variables at the edge.

Library functions never read the environment: the CLI or a flow builds `Settings` once and
passes values down.

Every numeric setting is finite and bounded: declare it with `Field(ge=/gt=…, le=/lt=…)` (the model
refuses inf and nan, and `tests/test_settings.py` fails on a numeric field without both bounds);
`allowed_range()` words the bounds for error messages and the README. No setting may carry
credentials in a URL: they belong in the AWS variables or a SecretStr setting.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from balloons.errors import ConfigError
from balloons.redact import url_has_credentials
from balloons.schema import CLOSURE_CAUSES

ENV_PREFIX = "BALLOONS_"
FETCH_MAX_BYTES = 512 << 20
"""Default of `Settings.fetch_max_bytes`: the largest answer one fetch request may bring."""


@lru_cache(maxsize=1)
def _engine_zones() -> frozenset[str]:
    """The time zone names the engine's DuckDB knows, read once per process. Read as a list, not
    by binding the name to a query: DuckDB imports pandas (about half a second) on the first query
    with a bound parameter, which every command would then pay."""
    import duckdb

    with duckdb.connect() as con:
        return frozenset(name for (name,) in con.execute("select name from pg_timezone_names()").fetchall())


def _engine_knows(zone: str) -> bool:
    """Python's zoneinfo and the engine's DuckDB both know `zone`."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return zone in _engine_zones()


class Settings(BaseSettings):
    """Everything a balloons run can be configured with (environment prefix `BALLOONS_`)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", allow_inf_nan=False)

    data_dir: Path = Field(
        default=Path("data"),
        description="Holds raw/, lake/, warehouse.duckdb and reports/.",
    )
    timezone: str = Field(
        default="Europe/Vilnius",
        description="Local time for incursion timestamps without offset and for months.",
    )
    load_factor: float = Field(default=0.8, gt=0, le=1, description="Share of seats taken when passengers are unknown.")
    buffer_after_min: int = Field(default=0, ge=0, le=24 * 60, description="Minutes added after each reopening.")
    report_workers: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Processes that render PDFs: the run's own, and up to this many minus one more (1: only its own).",
    )
    trigger_radius_km: float = Field(
        default=30.0, gt=0, le=1000, description="Incursions within this distance of an airport can trigger it."
    )
    trigger_lead_min: int = Field(
        default=120, ge=0, le=24 * 60, description="Incursions this long before a closure can trigger it."
    )
    max_closure_days: float = Field(
        default=7.0, gt=0, le=366, description="Closures longer than this are quarantined as absurd."
    )
    headline_causes: str = Field(
        default="balloons,unknown",
        description="Closure causes counted in headline figures (comma-separated: balloons, drones, other, unknown).",
    )
    lake_url: str | None = Field(
        default=None, description="Lake location: a local path or s3://bucket/prefix [default: <data dir>/lake]."
    )
    s3_endpoint_url: str | None = Field(default=None, description="Overrides AWS_ENDPOINT_URL.")
    s3_region: str | None = Field(default=None, description="Overrides AWS_REGION.")
    s3_access_key_id: SecretStr | None = Field(default=None, description="Overrides AWS_ACCESS_KEY_ID.")
    s3_secret_access_key: SecretStr | None = Field(default=None, description="Overrides AWS_SECRET_ACCESS_KEY.")
    # fetching (issue 17): where sources are declared, and how patient each request is
    sources: Path | None = Field(
        default=None, description="TOML file declaring the sources to fetch [default: <data dir>/sources.toml]."
    )
    fetch_timeout_s: float = Field(default=30.0, gt=0, le=600, description="Timeout of one HTTP request.")
    fetch_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed source fetch (backoff 3 s, 12 s, 48 s, ...)."
    )
    fetch_max_bytes: int = Field(
        default=FETCH_MAX_BYTES,
        ge=1 << 10,
        le=4 << 30,
        description="Bytes one fetched answer may have (held in memory); past it, the source fails.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_numbers(cls, value: object, info: ValidationInfo) -> object:
        """Numbers are plain decimals, as in raw files: `1_000` (which Python would read) is refused."""
        field = cls.model_fields[info.field_name] if info.field_name else None
        if field is not None and field.annotation in (int, float) and isinstance(value, str) and "_" in value:
            raise PydanticCustomError(
                "plain_number", "{value!r} is not a plain number (no underscores)", {"value": value}
            )
        whole = re.fullmatch(r"\s*[+-]?[0-9]+\s*", value) if isinstance(value, str) else True
        if field is not None and field.annotation is int and not whole:  # `10.0` is none, as in raw files
            raise PydanticCustomError("plain_number", "{value!r} is not a whole number", {"value": value})
        return value

    @field_validator("*")
    @classmethod
    def _no_credentials_in_urls(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str | Path) and url_has_credentials(str(value)):
            raise PydanticCustomError(
                "credentials_in_url",
                "{setting} holds credentials inside a URL, which would end up in logs and run "
                "records; remove them from the URL and give them as AWS_ACCESS_KEY_ID / "
                "AWS_SECRET_ACCESS_KEY (or BALLOONS_S3_ACCESS_KEY_ID / BALLOONS_S3_SECRET_ACCESS_KEY)",
                {"setting": env_name(str(info.field_name))},
            )
        return value

    # --- ingest resource limits (issue 14): past one, a raw file (or record) is quarantined -------
    max_decompressed_bytes: int = Field(
        default=16 << 30,
        ge=1 << 20,
        le=1 << 40,
        description="Bytes a .gz raw file may inflate to (streamed, so memory stays flat).",
    )
    max_decompression_ratio: int = Field(
        default=100,
        ge=10,
        le=100_000,
        description="Inflated / compressed bytes beyond which a .gz file is a bomb (checked past 16 MiB).",
    )
    max_record_file_bytes: int = Field(
        default=128 << 20,
        ge=1 << 10,
        le=4 << 30,
        description="Bytes (inflated) of a file read record by record (JSON, NOTAM, quoted CSV), held in memory;"
        " for a NOTAM file, bytes of the records its windows give.",
    )
    max_notam_windows: int = Field(
        default=2_000,
        ge=1,
        le=1_000_000,
        description="Most active windows one NOTAM's schedule may give; past it the NOTAM is quarantined.",
    )
    max_line_bytes: int = Field(
        default=1 << 20, ge=256, le=1 << 30, description="Longest line of a CSV or JSONL file, in bytes."
    )
    max_field_chars: int = Field(
        default=10_000, ge=64, le=1 << 24, description="Longest single value of a record, in characters."
    )
    max_json_depth: int = Field(
        default=32, ge=2, le=500, description="Deepest nesting of arrays and objects in a JSON value."
    )
    max_number_digits: int = Field(
        default=30, ge=10, le=1_000, description="Most characters a number in a raw value may have."
    )
    # --- end of ingest resource limits -----------------------------------------------------------

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        """Known to Python and to the engine's DuckDB (ICU), which places wall-clock times in it:
        Python alone also takes names such as `localtime` or `posix/Europe/Vilnius`."""
        if not _engine_knows(value):
            raise ValueError(f"unknown IANA timezone {value!r}")
        return value

    @field_validator("sources")
    @classmethod
    def _declared_sources_exist(cls, value: Path | None) -> Path | None:
        """A sources file named on purpose must be there: else every run would start, fetch
        nothing and fail at the end (without the setting, a missing <data dir>/sources.toml means
        no sources)."""
        if value is not None and value.expanduser().is_dir():
            raise ValueError(f"{value} is a folder, not a sources file (TOML); name the file or unset the setting")
        if value is not None and not value.expanduser().is_file():
            raise ValueError(f"the sources file {value} does not exist; create it or unset the setting")
        return value

    @field_validator("data_dir", "sources", mode="before")
    @classmethod
    def _path_given(cls, value: object, info: ValidationInfo) -> object:
        """An empty value is no path (Path('') would be the current folder, not the default)."""
        if isinstance(value, str) and not value.strip():
            default = "./data" if info.field_name == "data_dir" else "<data dir>/sources.toml"
            raise ValueError(f"it is empty; unset it for the default {default}, or give a path")
        return value

    @field_validator("s3_endpoint_url", mode="before")
    @classmethod
    def _endpoint_is_a_url(cls, value: object) -> object:
        """An http(s) URL with a host; empty means unset (AWS_ENDPOINT_URL, else AWS's own)."""
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            parts = urlsplit(value)
            try:
                parts.port  # noqa: B018 - a port that is no number raises
            except ValueError:
                raise ValueError(f"{value!r} is not an http:// or https:// URL (its port is no number)") from None
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value

    @field_validator("lake_url")
    @classmethod
    def _path_or_s3(cls, value: str | None) -> str | None:
        """A local path or s3://bucket/prefix: another scheme (ftp://, gs://, S3://) would be taken
        for a relative local folder."""
        if value and "://" in value and not value.startswith("s3://"):
            raise ValueError(f"{value!r} is neither a local path nor s3://bucket/prefix")
        return value

    @field_validator("headline_causes")
    @classmethod
    def _known_causes(cls, value: str) -> str:
        causes = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [c for c in causes if c not in CLOSURE_CAUSES]
        if not causes or unknown:
            raise ValueError(f"causes must be some of {', '.join(CLOSURE_CAUSES)}, not {value!r}")
        return ",".join(causes)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lake_dir(self) -> Path:
        """The local lake folder (when BALLOONS_LAKE_URL is not an s3:// URL)."""
        if self.lake_url and not self.lake_url.startswith("s3://"):
            return Path(self.lake_url).expanduser().absolute()
        return self.data_dir / "lake"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / ".balloons.lock"

    @property
    def sources_path(self) -> Path:
        return self.sources.expanduser().absolute() if self.sources else self.data_dir / "sources.toml"

    @property
    def cursor_dir(self) -> Path:
        """Per-source fetch cursors, beside the lake (never inside raw/, never in the lake)."""
        return self.data_dir / "cursors"


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _numeric_type(annotation: Any) -> type | None:
    """int or float for `int`, `float`, `int | None`, `float | None`; else None."""
    kinds = {a for a in (get_args(annotation) or (annotation,)) if a is not type(None)}
    return kinds.pop() if len(kinds) == 1 and kinds <= {int, float} else None


def numeric_fields() -> dict[str, FieldInfo]:
    """The Settings fields holding an int or a float (optional or not)."""
    return {name: info for name, info in Settings.model_fields.items() if _numeric_type(info.annotation)}


def allowed_range(field: str) -> str:
    """The allowed values of a numeric setting in words, e.g. 'an integer >= 0 and <= 1440'."""
    info = Settings.model_fields[field]
    kind = "an integer" if _numeric_type(info.annotation) is int else "a finite number"
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    bounds = [
        f"{signs[name]} {_number(getattr(item, name))}"
        for item in info.metadata
        for name in signs
        if hasattr(item, name)
    ]
    return f"{kind} {' and '.join(bounds)}" if bounds else kind


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _message(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "credentials_in_url":
        return f"{error['msg']}."  # the value is never shown: it holds the credentials
    if where in numeric_fields():
        given = str(error.get("input", ""))
        shown = given if len(given) <= 24 else f"{given[:20]}..."
        digits = " written in plain digits (no '_')" if "_" in given else ""
        wanted = f"{allowed_range(where)}{digits}"
        return f"Invalid setting {env_name(where)}={shown!r}: must be {wanted}. Fix it and run again."
    message = error["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's ValueError
    return f"Invalid setting {env_name(where or 'settings')}: {message}. Fix it and run again."


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus explicit overrides (None values are ignored).

    Raises ConfigError with a one-line message when a value is invalid; the message names the
    setting and, for numbers, its allowed range, and never repeats a URL that holds credentials.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        # from None: the ValidationError's own text repeats every input value, credentials included
        raise ConfigError(_message(exc.errors()[0])) from None
    return settings.model_copy(update={"data_dir": settings.data_dir.expanduser().absolute()})
