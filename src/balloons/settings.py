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
    # fetching (issue 17): where sources are declared, and how patient each request is
    sources: Path | None = Field(
        default=None, description="TOML file declaring the sources to fetch [default: <data dir>/sources.toml]."
    )
    fetch_timeout_s: float = Field(default=30.0, gt=0, le=600, description="Timeout of one HTTP request.")
    fetch_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed source fetch (backoff 3 s, 12 s, 48 s, ...)."
    )

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

    @property
    def sources_path(self) -> Path:
        return self.sources.expanduser().absolute() if self.sources else self.data_dir / "sources.toml"

    @property
    def cursor_dir(self) -> Path:
        """Per-source fetch cursors, beside the lake (never inside raw/, never in the lake)."""
        return self.data_dir / "cursors"


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
