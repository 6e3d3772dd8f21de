"""Declared sources: `[sources.NAME]` tables in a TOML file, each with `kind`, `table` and its own keys.

Secrets never live in the file: it names environment variables (`token_env`, `client_id_env`,
`client_secret_env`) and their values are read from the environment given here, as SecretStr.
A missing variable is not an error here: the source then fails alone when it is fetched.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import httpx
import idna
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from balloons.errors import ConfigError
from balloons.schema import RECORD_TABLES

FAA_NOTAM_URL = "https://external-api.faa.gov/notamapi/v1/notams"
OPENSKY_API_URL = "https://opensky-network.org/api"
OPENSKY_TOKEN_URL = "https://auth.opensky-network.org/auth/realms/opensky-network/protocol/openid-connect/token"
DEFAULT_AIRPORTS = ("EYVI", "EYKA", "EYPA")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
Icao = Annotated[str, Field(pattern=r"^[A-Z]{4}$")]


def _web_address(url: str) -> str:
    """An http(s) URL with a host and a port that can be (`:99999` failed each fetch as a bare
    ValueError, retried as if the network had failed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    _ = parts.port  # raises ValueError for a port out of range
    host = parts.hostname.removesuffix(".")
    try:
        httpx.URL(url)
        if not _ip_address(host):
            idna.encode(host)  # labels empty, over 63 characters, not IDNA; a name over 253
    except (httpx.InvalidURL, idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"host {parts.hostname!r} is no host name ({exc})") from None
    return url


def _ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


WebAddress = Annotated[str, AfterValidator(_web_address)]


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    table: Literal["incursions", "closures", "flights"]
    overlap_hours: float = Field(default=24.0, ge=0, le=24 * 31)
    """The next run starts this long before the end of the last window fetched."""

    def secrets(self) -> list[SecretStr]:
        return [value for value in vars(self).values() if isinstance(value, SecretStr)]


class HttpFileSource(_Source):
    """One file at a URL: CSV, JSON, JSON lines or NOTAM text in the raw contract."""

    kind: Literal["http_file"]
    url: WebAddress
    format: Literal["csv", "csv.gz", "json", "jsonl", "ndjson", "notam"] | None = None
    token_env: str | None = None
    token: SecretStr | None = None


class FaaNotamSource(_Source):
    """NOTAMs for ICAO locations from the FAA NOTAM API (geoJson, ICAO translation)."""

    kind: Literal["faa_notam"]
    table: Literal["closures"] = "closures"
    locations: tuple[Icao, ...] = Field(default=DEFAULT_AIRPORTS, min_length=1)
    url: WebAddress = Field(default=FAA_NOTAM_URL, validation_alias=AliasChoices("url", "base_url"))
    client_id_env: str = "FAA_CLIENT_ID"
    client_secret_env: str = "FAA_CLIENT_SECRET"
    page_size: int = Field(default=1000, ge=1, le=1000)
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None


class OpenSkySource(_Source):
    """Arrivals and departures per airport and UTC day from the OpenSky Network REST API."""

    kind: Literal["opensky"]
    table: Literal["flights"] = "flights"
    airports: tuple[Icao, ...] = Field(default=DEFAULT_AIRPORTS, min_length=1)
    url: WebAddress = Field(default=OPENSKY_API_URL, validation_alias=AliasChoices("url", "base_url", "api_url"))
    token_url: WebAddress = Field(default=OPENSKY_TOKEN_URL, validation_alias=AliasChoices("token_url", "auth_url"))
    client_id_env: str = "OPENSKY_CLIENT_ID"
    client_secret_env: str = "OPENSKY_CLIENT_SECRET"
    lookback_days: int = Field(default=3, ge=1, le=31)
    """Days fetched on a source's first run (no cursor, no --since)."""
    max_days: int = Field(default=31, ge=1, le=366)
    """At most this many days per run; the cursor carries the rest to the next run."""
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _moves_on(self) -> OpenSkySource:
        """A run that may only fetch days of its overlap never reaches a new day."""
        if self.overlap_hours >= self.max_days * 24:
            raise ValueError(
                f"overlap_hours ({self.overlap_hours:g}) must be under max_days × 24 ({self.max_days * 24}), "
                "or no run ever fetches a new day"
            )
        return self


Source = Annotated[HttpFileSource | FaaNotamSource | OpenSkySource, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[Source] = TypeAdapter(Source)
KINDS = ("http_file", "faa_notam", "opensky")
_SECRET_KEYS = {"token_env": "token", "client_id_env": "client_id", "client_secret_env": "client_secret"}


@dataclass(frozen=True)
class Declared:
    """What a sources file declares: the sources that can be fetched, and the `broken` ones (name
    → why its `[sources.NAME]` table cannot be used), each of which fails alone when fetched."""

    sources: dict[str, Source] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted({*self.sources, *self.broken})

    def only(self, name: str) -> Declared:
        """Just the source `name` (usable or broken); nothing when it is not declared."""
        return Declared(
            {k: v for k, v in self.sources.items() if k == name}, {k: v for k, v in self.broken.items() if k == name}
        )


def load_sources(path: Path, environ: Mapping[str, str], *, required: bool = False) -> Declared:
    """The sources declared in `path`, by name (sorted); none when the file does not exist.

    Raises ConfigError for a file that is not TOML or holds anything but `[sources.NAME]` tables, or
    (with `required`) a missing file. A source table that cannot be used (an unknown kind or key, a
    bad name or table, a missing key) is `broken`: the others are still fetched.
    """
    if not path.is_file():
        if required:
            raise ConfigError(f"The sources file {path} does not exist; create it or unset BALLOONS_SOURCES.")
        return Declared()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The sources file {path} is not valid TOML ({exc}); fix it and run again.") from exc
    declared = document.get("sources", {})
    if not isinstance(declared, dict) or set(document) - {"sources"}:
        raise ConfigError(f"The sources file {path} must hold only [sources.NAME] tables.")
    out = Declared()
    for name in sorted(declared):
        try:
            out.sources[name] = parse_source(name, declared[name], environ, where=str(path))
        except ConfigError as exc:
            out.broken[name] = str(exc)
    return out


def parse_source(name: str, table: Any, environ: Mapping[str, str], *, where: str = "sources") -> Source:
    """One `[sources.NAME]` table as a typed source, its secrets read from `environ`."""
    if not _NAME.match(name):
        raise ConfigError(f"{where}: source name {name!r} must be letters, digits, '-' or '_' (at most 64).")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [sources.{name}] must be a table with kind and table keys.")
    if table.get("kind") not in KINDS:
        raise ConfigError(
            f"{where}: [sources.{name}] kind must be one of {', '.join(KINDS)}, not {table.get('kind')!r}."
        )
    given = {key: value for key, value in table.items() if key not in _SECRET_KEYS.values()}
    if given.get("table") is not None and given["table"] not in RECORD_TABLES:
        raise ConfigError(f"{where}: [sources.{name}] table must be one of {', '.join(RECORD_TABLES)}.")
    try:
        source = _ADAPTER.validate_python({**given, "name": name})
        env_names = {key: getattr(source, key) for key in _SECRET_KEYS if getattr(source, key, None)}
        # a value ends with a line break when it comes from a file (a Kubernetes secret, an env
        # file): the credential is the value without it, and a header could not carry it anyway
        values = {
            _SECRET_KEYS[key]: SecretStr(environ[var].strip())
            for key, var in env_names.items()
            if environ.get(var, "").strip()
        }
        return source.model_copy(update=values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"][1:]) or "kind"
        raise ConfigError(f"{where}: [sources.{name}] {key}: {first['msg']}.") from exc
