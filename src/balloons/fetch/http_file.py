"""`http_file`: one file at a URL, in the raw contract (CSV, CSV.gz, JSON, JSON lines, NOTAM text).

An optional bearer token comes from the environment variable named by `token_env`. The last
ETag and Last-Modified are sent back (`If-None-Match`, `If-Modified-Since`), so an unchanged file
is answered with 304 and neither downloaded nor written again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from balloons.errors import FetchError
from balloons.fetch.cursor import Cursor
from balloons.fetch.fetched import Fetched, Part, require
from balloons.fetch.http import Http, safe_url
from balloons.fetch.sources import HttpFileSource
from balloons.ingest.rawfile import file_format

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"

CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/gzip": "csv.gz",
}


def fetch(
    source: HttpFileSource, http: Http, *, start: datetime, end: datetime, cursor: Cursor | None, conditional: bool
) -> Fetched:
    headers: dict[str, str] = {}
    if source.token_env:
        headers["Authorization"] = f"Bearer {require(source.token, source.token_env, key='token_env')}"
    if conditional and cursor is not None:
        if cursor.etag:
            headers["If-None-Match"] = cursor.etag
        if cursor.last_modified:
            headers["If-Modified-Since"] = cursor.last_modified
    response = http.request("GET", source.url, headers=headers, ok=(200, 304))
    etag = response.headers.get("ETag") or (cursor.etag if cursor else None)
    modified = response.headers.get("Last-Modified") or (cursor.last_modified if cursor else None)
    url = http.shown(source.url)
    answered = http.shown(str(response.request.url))  # where a redirect led
    if response.status_code == 304:
        return Fetched((), "", url, 304, start, end, (answered,), etag, modified)
    if not response.content.strip():  # a feed with nothing in it today: nothing to keep
        log.warning("url=%s answered with an empty body; nothing kept", answered)
        return Fetched((), "", url, response.status_code, start, end, (answered,), etag, modified)
    _check_body(
        response.content, response.headers.get("Content-Type", ""), answered, declared=source.format is not None
    )
    ext = format_of(source, response.headers.get("Content-Type", ""))
    if ext == "csv.gz" and not response.content.startswith(GZIP_MAGIC):
        # a .gz file served with `Content-Encoding: gzip` reaches us inflated: it is kept as what it is
        log.info("url=%s: the answer came inflated (Content-Encoding), kept as .csv", answered)
        ext = "csv"
    return Fetched(
        (Part("", response.content, start, end),),
        ext,
        url,
        response.status_code,
        start,
        end,
        (answered,),
        etag,
        modified,
    )


WEB_PAGE = (b"<!doctype", b"<html", b"<?xml", b"<!--", b"<head", b"<body")


def _check_body(content: bytes, content_type: str, url: str, *, declared: bool) -> None:
    """FetchError for an answer that is a web page (a login or error page answered with 200),
    which would be kept for good and quarantined by every ingest: its body starts as one, or it
    says it is one (`text/html`) and the source declares no format of its own."""
    head = content[:512].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    html = content_type.split(";")[0].strip().lower() == "text/html"
    if head.startswith(WEB_PAGE) or (html and not declared):
        raise FetchError(f"{url} answered with a web page (a login or error page?), not the file; nothing kept")


def format_of(source: HttpFileSource, content_type: str) -> str:
    """The declared format, else the URL's file suffix, else the Content-Type."""
    if source.format:
        return "jsonl" if source.format == "ndjson" else source.format
    suffix = file_format(urlsplit(source.url).path)
    if suffix is not None:
        return suffix.lstrip(".")
    mime = content_type.split(";")[0].strip().lower()
    if mime in CONTENT_TYPES:
        return CONTENT_TYPES[mime]
    raise FetchError(
        f"cannot tell the format of {safe_url(source.url)} (Content-Type {mime or 'none'}); "
        "set format = csv, json, jsonl or notam"
    )
