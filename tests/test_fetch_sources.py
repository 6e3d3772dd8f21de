"""Declared sources: the TOML contract, secrets from the environment, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from balloons.errors import ConfigError
from balloons.fetch.sources import (
    DEFAULT_AIRPORTS,
    FAA_NOTAM_URL,
    OPENSKY_TOKEN_URL,
    Declared,
    FaaNotamSource,
    HttpFileSource,
    OpenSkySource,
    load_sources,
)

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_no_sources(tmp_path: Path) -> None:
    assert load_sources(tmp_path / "sources.toml", {}) == Declared()
    with pytest.raises(ConfigError, match="does not exist"):
        load_sources(tmp_path / "sources.toml", {}, required=True)


def test_each_kind_with_its_keys_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[sources.news]
kind = "http_file"
table = "incursions"
url = "https://example.org/incursions.csv"
token_env = "NEWS_TOKEN"

[sources.faa]
kind = "faa_notam"

[sources.sky]
kind = "opensky"
airports = ["EYVI"]
""",
    )
    sources = load_sources(path, {"NEWS_TOKEN": "t0k", "FAA_CLIENT_ID": "id", "FAA_CLIENT_SECRET": "s3"}).sources
    assert list(sources) == ["faa", "news", "sky"]
    news, faa, sky = sources["news"], sources["faa"], sources["sky"]
    assert isinstance(news, HttpFileSource) and news.table == "incursions" and news.format is None
    assert news.token is not None and news.token.get_secret_value() == "t0k" and "t0k" not in repr(news)
    assert isinstance(faa, FaaNotamSource) and faa.table == "closures" and faa.locations == DEFAULT_AIRPORTS
    assert faa.url == FAA_NOTAM_URL and faa.client_secret is not None
    assert isinstance(sky, OpenSkySource) and sky.table == "flights" and sky.airports == ("EYVI",)
    assert sky.token_url == OPENSKY_TOKEN_URL and sky.client_secret is None  # fails alone when fetched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sources.x]\nkind = "ftp"\ntable = "incursions"\n', "kind must be one of http_file, faa_notam, opensky"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\n', "url: Field required"),
        ('[sources.x]\nkind = "http_file"\ntable = "airports"\nurl = "u"\n', "table must be one of"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "http://h/a.csv"\npassword = "p"\n', "password"),
        ('[sources.x]\nkind = "opensky"\nairports = ["vno"]\n', "airports"),
        ('[sources."../x"]\nkind = "opensky"\n', "source name"),
        ('[sources."nl\\n"]\nkind = "opensky"\n', "source name"),  # a name ending in a line break
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "http://127.0.0.1:99999/a.csv"\n', "url"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "ftp://host/a.csv"\n', "url"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "https://data.example..org/a.csv"\n', "url"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "http://ex\u2603.com/a.csv"\n', "url"),
        (f'[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "http://{"a" * 64}.org/a.csv"\n', "url"),
        ('[sources.x]\nkind = "http_file"\ntable = "incursions"\nurl = "http://xn--a.example/a.csv"\n', "url"),
        ('[sources.x]\nkind = "opensky"\nmax_days = 1\n', "overlap_hours"),  # no run would reach a new day
    ],
)
def test_a_bad_source_table_is_broken_alone_with_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    """Found by a fresh-eyes trial: one mistyped kind stopped every other source from being fetched."""
    good = '[sources.good]\nkind = "http_file"\ntable = "incursions"\nurl = "http://127.0.0.1:1/a.csv"\n\n'
    declared = load_sources(write(tmp_path, good + text), {})
    assert list(declared.sources) == ["good"]
    ((name, why),) = declared.broken.items()
    assert message in why and "\n" not in why
    assert declared.names() == sorted(["good", name])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sources.x\nkind = 1", "not valid TOML"),
        ("[other]\nkey = 1\n", "only [sources.NAME] tables"),
    ],
)
def test_a_bad_sources_file_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")) as caught:
        load_sources(write(tmp_path, text), {})
    assert "\n" not in str(caught.value)


def test_shipped_example_parses_and_declares_every_kind() -> None:
    sources = load_sources(REPO / "data" / "sources.example.toml", {}).sources
    assert {s.kind for s in sources.values()} == {"http_file", "faa_notam", "opensky"}


def test_endpoint_keys_accept_their_common_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[sources.sky]\nkind = "opensky"\nbase_url = "http://127.0.0.1:1/api"\nauth_url = "http://127.0.0.1:1/token"\n',
    )
    sky = load_sources(path, {}).sources["sky"]
    assert isinstance(sky, OpenSkySource)
    assert (sky.url, sky.token_url) == ("http://127.0.0.1:1/api", "http://127.0.0.1:1/token")
