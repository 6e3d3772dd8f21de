"""One typed Settings object, read from `BALLOONS_*` environment variables at the edge.

Library functions never read the environment: the CLI or a flow builds `Settings` once and
passes values down.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from balloons.errors import ConfigError


class Settings(BaseSettings):
    """Everything a balloons run can be configured with (environment prefix `BALLOONS_`)."""

    model_config = SettingsConfigDict(env_prefix="BALLOONS_", frozen=True, extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Holds raw/, lake/, warehouse.duckdb and reports/.",
    )
    timezone: str = Field(
        default="Europe/Vilnius",
        description="Local time for incursion timestamps without offset and for months.",
    )
    load_factor: float = Field(
        default=0.8, gt=0, le=1, description="Share of seats taken when passengers are unknown."
    )
    buffer_after_min: int = Field(
        default=0, ge=0, le=24 * 60, description="Minutes added after each reopening."
    )
    report_workers: int = Field(
        default=2, ge=1, le=32, description="Processes that render PDFs when more than two are due (1: none)."
    )
    trigger_radius_km: float = Field(
        default=30.0, gt=0, description="Incursions within this distance of an airport can trigger it."
    )
    trigger_lead_min: int = Field(
        default=120, ge=0, description="Incursions this long before a closure can trigger it."
    )
    max_closure_days: float = Field(
        default=7.0, gt=0, description="Closures longer than this are quarantined as absurd."
    )
    lake_url: str | None = Field(
        default=None, description="Lake location: a local path or s3://bucket/prefix [default: <data dir>/lake]."
    )
    s3_endpoint_url: str | None = Field(default=None, description="Overrides AWS_ENDPOINT_URL.")
    s3_region: str | None = Field(default=None, description="Overrides AWS_REGION.")
    s3_access_key_id: SecretStr | None = Field(default=None, description="Overrides AWS_ACCESS_KEY_ID.")
    s3_secret_access_key: SecretStr | None = Field(default=None, description="Overrides AWS_SECRET_ACCESS_KEY.")

    # --- ingest resource limits (issue 14): past one, a raw file (or record) is quarantined -------
    max_decompressed_bytes: int = Field(
        default=16 << 30, ge=1 << 20, le=1 << 40,
        description="Bytes a .gz raw file may inflate to (streamed, so memory stays flat).",
    )
    max_decompression_ratio: int = Field(
        default=100, ge=10, le=100_000,
        description="Inflated / compressed bytes beyond which a .gz file is a bomb (checked past 16 MiB).",
    )
    max_record_file_bytes: int = Field(
        default=256 << 20, ge=1 << 10, le=4 << 30,
        description="Bytes (inflated) of a file read record by record (JSON, NOTAM, quoted CSV), held in memory.",
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
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

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


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus explicit overrides (None values are ignored).

    Raises ConfigError with a one-line message when a value is invalid.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(
            f"Invalid setting BALLOONS_{where.upper()}: {first['msg']}. Fix it and run again."
        ) from exc
    return settings.model_copy(update={"data_dir": settings.data_dir.expanduser().absolute()})
