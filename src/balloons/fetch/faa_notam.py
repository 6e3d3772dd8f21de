"""`faa_notam`: NOTAMs for ICAO locations from the FAA NOTAM API, kept as ICAO NOTAM text.

`GET {url}?icaoLocation=EYVI&responseFormat=geoJson&pageSize=..&pageNum=..` with the `client_id`
and `client_secret` request headers (FAA API portal, NOTAM API v1). Each item is a GeoJSON feature;
`properties.coreNOTAMData.notam` holds the number, type and text, and
`properties.coreNOTAMData.notamTranslation[]` the `ICAO` translation whose `formattedText` is the
items Q) ... E). One `.notam` file per fetch holds every NOTAM as `(A1234/25 NOTAMN` + items + `)`,
the form `notam.py` reads.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from balloons.errors import FetchError
from balloons.fetch.cursor import Cursor
from balloons.fetch.fetched import Fetched, Part, require
from balloons.fetch.http import Http, TooLarge, safe_url
from balloons.fetch.sources import FaaNotamSource

log = logging.getLogger(__name__)

_HEADER = re.compile(r"^\s*\(?\s*(?P<header>[A-Z]\d{4}/\d{2}\s*NOTAM[NRC](?:\s+[A-Z]\d{4}/\d{2})?)")
MAX_NOTAMS = 10_000
"""NOTAMs of one location fetched at most (pages of `page_size`): an answer claiming more is not
believed (a server that always says there is another page would keep a run going for ever)."""

_ID = re.compile(r"^[A-Z]\d{4}/\d{2}\Z")


def fetch(
    source: FaaNotamSource, http: Http, *, start: datetime, end: datetime, cursor: Cursor | None, conditional: bool
) -> Fetched:
    headers = {
        "client_id": require(source.client_id, source.client_id_env, key="client_id_env"),
        "client_secret": require(source.client_secret, source.client_secret_env, key="client_secret_env"),
    }
    items: list[Any] = []
    requests: list[str] = []
    status = None
    size = 0
    for location in source.locations:
        page = 1
        while True:
            if (page - 1) * source.page_size >= MAX_NOTAMS:
                raise TooLarge(
                    f"the FAA NOTAM API has more than {MAX_NOTAMS:,} NOTAMs for {location} "
                    f"({page - 1} pages of {source.page_size} and more): no aerodrome has that many; not kept"
                )
            params = {
                "icaoLocation": location,
                "responseFormat": "geoJson",
                "pageSize": str(source.page_size),
                "pageNum": str(page),
            }
            response = http.request("GET", source.url, params=params, headers=headers)
            status = response.status_code
            requests.append(http.shown(str(response.request.url)))
            size += len(response.content)
            if size > http.max_bytes:
                raise TooLarge(
                    f"the FAA NOTAM API's answers are over {http.max_bytes:,} bytes (BALLOONS_FETCH_MAX_BYTES)"
                )
            document = _json(response.content, source.url)
            found = document.get("items")
            if not isinstance(found, list):
                raise FetchError(
                    f"the FAA NOTAM API answer for {location} has no items list (not the documented geoJson shape)"
                )
            items.extend(found)
            total_pages = document.get("totalPages")
            if not isinstance(total_pages, int) or page >= total_pages or not found:
                break
            page += 1
    text, skipped = notam_text(items)
    if skipped:
        log.info("source=%s notams_skipped=%d (no ICAO number or text)", source.name, skipped)
    parts = (Part("", text.encode("utf-8"), start, end),) if text else ()
    return Fetched(
        parts,
        "notam",
        http.shown(source.url),
        status,
        start,
        end,
        tuple(requests),
        notes={"notams": len(items) - skipped, "skipped": skipped},
    )


def _json(content: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError as exc:
        raise FetchError(
            f"the FAA NOTAM API at {safe_url(url)} did not answer with JSON ({type(exc).__name__})"
        ) from None
    if not isinstance(document, dict):
        raise FetchError(
            f"the FAA NOTAM API at {safe_url(url)} answered with a {type(document).__name__}, not the documented object"
        )
    return document


def notam_text(items: list[Any]) -> tuple[str, int]:
    """ICAO NOTAM text of geoJson items, sorted by NOTAM id, and how many items had none."""
    blocks: dict[str, str] = {}
    skipped = 0
    for item in items:
        block = icao_notam(item)
        if block is None:
            skipped += 1
            continue
        blocks.setdefault(block[0], block[1])
    return "\n\n".join(blocks[key] for key in sorted(blocks)) + ("\n" if blocks else ""), skipped


def icao_notam(item: Any) -> tuple[str, str] | None:
    """(id, `(header items)`) of one item, or None when it carries no ICAO number or text."""
    try:
        core = item["properties"]["coreNOTAMData"]
        notam = core["notam"]
    except (KeyError, TypeError):
        return None
    if not isinstance(notam, dict):
        return None
    translations = core.get("notamTranslation") or []
    formatted = next(
        (
            t.get("formattedText")
            for t in translations
            if isinstance(t, dict) and t.get("type") == "ICAO" and t.get("formattedText")
        ),
        None,
    )
    text = str(notam.get("text") or "")
    body = str(formatted or text).strip()
    header = None
    for candidate in (body, text):
        match = _HEADER.match(candidate)
        if match:
            header = " ".join(match.group("header").split())
            if candidate is body:
                body = body[match.end() :].strip()
            break
    if header is None:
        number = str(notam.get("number") or "")
        notam_id = number if _ID.match(number) else f"{notam.get('series') or ''}{number}"
        op = str(notam.get("type") or "N").upper()[:1]
        if not _ID.match(notam_id) or op != "N":
            return None  # a replacement or cancellation must name its NOTAM, which only the text carries
        header = f"{notam_id} NOTAMN"
    if not body:
        return None
    return header.split()[0], f"({header}\n{body.rstrip()})"
