"""Parse ICAO NOTAM text into closure records, one message at a time, every message accounted for.

A file holds NOTAM messages, each `( header ... )` on one line or many, possibly between AFTN /
teletype heading lines (`ZCZC`, `NNNN`, `GG EYVIYNYX`, `240740 AYPMYNYX`, `ORIGINAL NOTAM`, ...),
with LF, CRLF or CR line ends. A message starts at a line whose first word is a NOTAM header:
`(A1234/25 NOTAMN`, US domestic numbering `(04/118 NOTAMR`, `!JFK 10/193`, with or without the `(`.
It ends at the last `)` before the next message (brackets inside E) are text); heading lines after
that `)` are not part of it.

Items used: Q) (the Q-code says what the NOTAM is about), A) aerodrome (several: each closes),
B) start and C) end (`YYMMDDhhmm` UTC; `EST` marks an estimated end; `PERM` has no end), D)
schedule and E) text.
Each message becomes exactly one of: a `Closure` (one record per active window of D), or of an
unambiguous schedule written only in E)), a NOTAMC / NOTAMR withdrawal, a `Skipped` message (not
an aerodrome closure), or a `BadRecord` with the message's own raw text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import airportsdata

from balloons.errors import RawFileError
from balloons.ingest import schedule
from balloons.ingest.closure_kind import cause_of, scope_of
from balloons.ingest.rawfile import DEFAULT_LIMITS, BadRecord, Record
from balloons.ingest.sun import sunrise_sunset
from balloons.ingest.timestamps import BadValue, parse_notam_time

log = logging.getLogger(__name__)

_ID = r"(?:[A-Z]\d{4}/\d{2}|\d{1,4}/\d{1,4})"
_LOOSE_ID = r"[A-Z]{0,3}\d{1,6}(?:/\d{1,4})?"
_START = re.compile(
    # a header at the start of a line, with or without its bracket (and US domestic `!ABC 12/345`),
    # unless it is closed at once: `(A7700/23 NOTAMN) ISSUED`, quoted in a wrapped E) text
    rf"^[ \t]*(?:\(\s*)?(?:![A-Z0-9]{{3,4}}\s+{_ID}\b|{_ID}\s*NOTAM[NRC]\b(?![ \t]*\)))"
    # a bracketed header anywhere (after a heading, another message's `)`, on a teletype line),
    # when what follows it is a message's: its reference, then an item. A header quoted in E)
    # text, `REPLACES (A0010/25 NOTAMN) ISSUED`, is followed by other words and stays text.
    rf"|\(\s*{_ID}\s*NOTAM[NRC](?=(?:[ \t]+{_ID})?\s+[QABCDEFG]\))"
    # a line opening with a bracket and a header written wrong (`(A0402/2025 NOTAMN`, `(NOTAMN
    # A0402/25`, `(AB402/25`, `NOTAMM`), a message's Q) or A) soon after: a message of its own, to be
    # quarantined with its own text, not words of the E) before it
    rf"|^[ \t]*\((?=\s*(?:{_LOOSE_ID}\s+NOTAM\w*|NOTAM\w*\s+{_LOOSE_ID}|[A-Z]{{1,3}}\d{{1,6}}/\d{{1,4}}\b))"
    r"(?=[^)]{0,300}?(?:^|\s)[QA]\))",
    re.MULTILINE | re.IGNORECASE,
)
"""In any case: a message written in lower case (a hand copy) is a message of its own, read in
upper case (`_message`), not text of the one before it."""
_HEADER = re.compile(
    rf"^\s*\(?\s*(?:!(?P<loc>[A-Z0-9]{{3,4}})\s+)?(?P<id>{_ID})(?![\d/])(?:\s*NOTAM(?P<op>[NRC])\b"
    rf"(?:[ \t]+(?P<ref>{_ID}))?)?"
)
_TELETYPE = re.compile(rf"^[ \t]*(?:ZCZC|NNNN)\b.*?(?=\(\s*{_ID}\s*NOTAM[NRC]|$)|[ \t]+NNNN[ \t]*$", re.MULTILINE)
"""A teletype start or end line (up to a message header on the same line), or an end mark after
a message's `)`."""
_ITEM = re.compile(r"(?:(?<=\s)|^)([QABCDEFG])\)\s*")
_LOWER_ITEM = re.compile(r"(?:(?<=\s)|^)[qabcdefg]\)")
"""An item letter in lower case: the message (a hand copy) is read in upper case."""
_CLOSED_TEXT = re.compile(r"\b(AD|AERODROME|AIRPORT|APT|AP)\s+(AP\s+)?(IS\s+)?(CLSD|CLOSED)\b")
_END = re.compile(r"^(?P<time>\d{10})\s*(?P<est>EST)?$")
_UTC = r"(?:Z|L|\s*UTC)?"
_HEIGHT_UNITS = r"FT|AMSL|AGL|MSL|SFC|METRES|METERS|MTRS?"
_HEIGHT_WORDS = rf"{_HEIGHT_UNITS}|FL|HGT|HEIGHT|ALT|ALTITUDE"
"""Words of a height: their numbers are no times of day."""
_NOT_A_TIME = rf"(?![\d/-])(?!\s*(?:{_HEIGHT_UNITS}|M|KM|NM)\b)"
"""After four digits: a date goes on (`2025-10-06`), a height has its unit (`2000 FT`)."""
_TEXT_TIMES = re.compile(
    rf"(?<![\d/-])(?:(?:BTN|BETWEEN)\s+(\d{{4}}){_UTC}\s*(?:AND|-)\s*(\d{{4}})"
    rf"|(?:(?:FM|FROM)\s+)?(\d{{4}}){_UTC}\s*(?:-|TO|TILL|UNTIL|TIL)\s*(\d{{4}})){_UTC}{_NOT_A_TIME}",
    re.IGNORECASE,
)
"""A time range in E): `1100-1200`, `FM 1800 TO 2000`, `BTN 1800 AND 2000`, `1800Z-2000Z` (and
`1800L-2000L`, local, found to be left unread)."""
_TIME_LIKE = re.compile(
    r"(?<![\d:])\d{1,2}[:.]\d{2}(?![\d:])|(?<![\d/-])\d{4}\s*(?:LT|L|Z|UTC|HRS?)\b|\d{4}-\d{2}-\d{2}[ T]\d{2}:?\d{2}\b"
    r"|\b(?:UNTIL|TIL|TILL|FM|FROM|TO|REOPENING|AT)\s+\d{4}\b|\b\d{6}\s*-\s*\d{6}\b|\b\d{10}\b|\b\d{2}/\d{4}\b"
    r"|\b\d{4}/\d{4}\b|\b\d{1,2}\s*-\s*\d{1,2}\s*(?:UTC|Z)\b|\b\d{1,2}\s+[A-Z]{3}\s+\d{4}\b",
    re.IGNORECASE,
)
"""A time of day in E) in a form `_TEXT_TIMES` does not read (`18:00`, `1800LT`, `2025-10-05 1800`):
flagged, not read."""
_HEIGHTS = re.compile(rf"\b({_HEIGHT_WORDS})\b", re.IGNORECASE)
_TEXT_LOCAL = re.compile(
    r"\b(LT|LMT|LCL|LOC|LOCAL|TIME|EET|EEST|CET|CEST|MSK|GMT)\b|\bUTC\s*[+-]\s*\d|(?<!\d)\d{4}\s*LT?\b",
    re.IGNORECASE,
)
"""Times in E) given in local time, or in an offset of UTC: not read (D) and the rest of a NOTAM
are in UTC)."""
_TEXT_OTHER = re.compile(
    r"\b(H24|SR|SS|HOL|AVBL|AVAILABLE|OPEN|OPR|RWY|RUNWAY|TWY|TAXIWAY|APN|APRON|PERMITTED|ALLOWED|REOPEN\w*|"
    rf"RESUME\w*|ACCEPTED|PROVIDED|HR|HRS|PPR|WINDOW|SVC|ATS|TWR|{_HEIGHT_WORDS})\b"
    r"|\b(EXC|EXCEPT)\s+(BTN\s+|BETWEEN\s+|FM\s+|FROM\s+)?\d{4}",
    re.IGNORECASE,
)
"""Words that make times in E) something other than the closure's schedule (or need D)'s rules):
they may be a runway's or a service's hours, when something is open or permitted, heights, or
times excepted from the closure (`AD CLSD EXC 1800-2000`)."""
_TEXT_DAYS = re.compile(r"\b(DAILY|DLY|EXC|EXCEPT|" + "|".join(schedule.MONTHS + schedule.WEEKDAYS) + r")\b")
_TEXT_JOINERS = re.compile(r"^(\s|AND|,|&)*$")
_TEXT_DAY_PHRASE = re.compile(
    r"(?:\b(?:DAILY|DLY|EXC|" + "|".join(schedule.MONTHS + schedule.WEEKDAYS) + r")\b|(?<![\d/])\d{1,2}(?![\d/])"
    r"|[-,&]|\bAND\b|\s)+$"
)
"""What may stand before a schedule's first time range in E): its days (`DAILY`, `MON-FRI`,
`AUG 28`, `04 05 09-12`)."""
_DOMESTIC_END = re.compile(r"\d{10}-(\d{10}([ \t]*EST)?|PERM)[^\n]*")
_DOMESTIC_TIMES = re.compile(r"(?P<b>\d{10})-(?P<c>\d{10})\s*(?P<est>EST)?\s*$")

Coordinates = Callable[[str], tuple[float, float] | None]


@dataclass(frozen=True)
class Skipped:
    """A NOTAM message that is not about an aerodrome closure: read, counted, not landed."""

    line: int
    notam_id: str


@dataclass(frozen=True)
class Closure:
    """One closure NOTAM: its records, one per active window, landed or quarantined together."""

    line: int
    raw: str
    records: tuple[Record, ...]


Item = Closure | Skipped | BadRecord | Record


def split(text: str) -> Iterator[tuple[int, str]]:
    """Yield (ordinal, message text) per NOTAM message, from its header to the end of its body
    (heading lines after its closing `)` are left out)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TELETYPE.sub("\n", text)
    starts = [m.start() for m in _START.finditer(text)]
    for number, begin in enumerate(starts, start=1):
        stop = starts[number] if number < len(starts) else len(text)
        chunk = text[begin:stop].strip()
        if chunk.startswith("!"):  # US domestic: no brackets; it ends with its times or a blank line
            times = _DOMESTIC_END.search(chunk)
            chunk = chunk[: times.end()] if times else chunk.split("\n\n", 1)[0]
            yield number, chunk
            continue
        close = chunk.rfind(")")
        if close >= 0 and "\n" in chunk[close:] and not chunk[close + 1 :].split("\n", 1)[0].strip():
            chunk = chunk[: close + 1]  # what follows the `)` on later lines is heading text
        yield number, chunk


def items(body: str) -> dict[str, str]:
    """Split a NOTAM body into its lettered items; E) runs to F), G) or the end."""
    found: dict[str, str] = {}
    marks = [(m.group(1), m.start(), m.end()) for m in _ITEM.finditer(body)]
    kept: list[tuple[str, int, int]] = []
    for letter, start, end in marks:
        if any(k[0] == letter for k in kept):
            continue
        if kept and kept[-1][0] in "EFG" and letter not in "FG":
            continue
        kept.append((letter, start, end))
    for position, (letter, _start, end) in enumerate(kept):
        stop = kept[position + 1][1] if position + 1 < len(kept) else len(body)
        found[letter] = " ".join(body[end:stop].split())
    return found


def q_code(q_item: str | None) -> str:
    """The five-letter Q-code of a Q) item (`QFALC`), or '' when there is none."""
    parts = (q_item or "").split("/")
    code = parts[1].strip().upper() if len(parts) > 1 else ""
    return code if len(code) == 5 and code.startswith("Q") else ""


def is_closure(q_item: str | None, e_item: str) -> bool:
    """True when the NOTAM closes an aerodrome: Q-code FA..LC, or FA..XX / no Q-code and an E)
    text saying the aerodrome is closed."""
    code = q_code(q_item)
    if code:
        if code[1:3] == "FA" and code[3:5] == "LC":
            return True
        if code[3:5] != "XX":
            return False
    return bool(_CLOSED_TEXT.search(e_item.upper()))


def _about_aerodrome(q_item: str | None) -> bool:
    """True when a NOTAMC / NOTAMR may concern an aerodrome closure (Q-code subject FA, or none)."""
    code = q_code(q_item)
    return not code or code[1:3] == "FA"


def airport_coordinates(airports: Mapping[str, Mapping[str, Any]]) -> Coordinates:
    """Coordinates of an ICAO code from an airports table (airportsdata's `lat` / `lon`)."""

    def find(icao: str) -> tuple[float, float] | None:
        info = airports.get(icao)
        if not info or info.get("lat") is None or info.get("lon") is None:
            return None
        return float(info["lat"]), float(info["lon"])

    return find


def parse(
    text: str, *, coordinates: Coordinates | None = None, most_windows: int = DEFAULT_LIMITS.notam_windows
) -> Iterator[Item]:
    """Yield one item per NOTAM message in `text` (see the module docstring).

    `coordinates` finds an aerodrome's lat/lon for SR/SS schedules; a NOTAM whose schedule gives more
    than `most_windows` windows is quarantined. Raises RawFileError when the text holds no NOTAM
    message at all.
    """
    found_any = False
    skipped: list[str] = []
    for number, chunk in split(text):
        found_any = True
        item = _message(number, chunk, coordinates, most_windows)
        if isinstance(item, Skipped):
            skipped.append(item.notam_id)
        yield item
    if not found_any:
        raise RawFileError("no NOTAM found: each must start with a header like '(A1234/25 NOTAMN'")
    if skipped:
        log.info("notams_skipped=%d ids=%s (not aerodrome closures)", len(skipped), ",".join(skipped))


def _message(number: int, chunk: str, coordinates: Coordinates | None, most: int) -> Item:
    raw = " ".join(chunk.split())[:2000]
    lower_header = not _HEADER.match(chunk) and _HEADER.match(chunk.upper())
    lower_items = _LOWER_ITEM.search(chunk)
    if lower_header or lower_items:
        log.info("NOTAM message %d is written in lower case; read in upper case", number)
        chunk = chunk.upper()
    header = _HEADER.match(chunk)
    if not header:
        return BadRecord(number, "NOTAM has no series/number and NOTAMN/R/C header", raw)
    notam_id = header.group("id")
    if not header.group("op") and re.match(r"\s*NOTAM", chunk[header.end() :]):
        return BadRecord(number, f"NOTAM {notam_id} is of no known type (NOTAMN, NOTAMR or NOTAMC)", raw)
    if header.group("loc") and not header.group("op"):
        return _domestic(number, chunk[header.end() :], notam_id, header.group("loc"), raw, most)
    body = chunk[header.end() :].rstrip()
    if not body.endswith(")"):
        return BadRecord(number, f"NOTAM {notam_id} is not closed with ')'", raw)
    op, ref = header.group("op") or "N", header.group("ref")
    found = items(body[:-1])
    if "Q" not in found and "E" not in found:
        return BadRecord(number, f"NOTAM {notam_id} has neither a Q) nor an E) item: cannot tell what it is", raw)
    if op in "RC" and ref == notam_id:
        action = "replaces" if op == "R" else "cancels"
        return BadRecord(number, f"NOTAM{op} {notam_id} names itself as the NOTAM it {action}", raw)
    if op in "RC" and ref is None:
        if op == "C":
            return BadRecord(number, f"NOTAMC {notam_id} does not name the NOTAM it cancels", raw)
        log.info("NOTAMR %s names no replaced NOTAM; read as a new NOTAM", notam_id)
        op = "N"
    if op == "C" or (op == "R" and not is_closure(found.get("Q"), found.get("E", ""))):
        if not _about_aerodrome(found.get("Q")):
            return Skipped(number, notam_id)
        fields = {"notam_id": notam_id, "source": "NOTAM"}
        if len(aerodromes := found.get("A", "").upper().split()) == 1:
            fields["airport"] = aerodromes[0]  # whose NOTAM office's series `ref` is in (resolve.sql)
        return Record(number, fields, op="C", ref=ref)
    if not is_closure(found.get("Q"), found.get("E", "")):
        return Skipped(number, notam_id)
    return _closure(number, notam_id, found, raw, op, ref, coordinates, most)


def _closure(
    number: int,
    notam_id: str,
    found: dict[str, str],
    raw: str,
    op: str,
    ref: str | None,
    coordinates: Coordinates | None,
    most: int,
) -> Closure | BadRecord:
    for letter, meaning in (("A", "aerodrome"), ("B", "start time"), ("C", "end time")):
        if not found.get(letter):
            return BadRecord(number, f"NOTAM {notam_id} has no {letter}) item ({meaning})", raw)
    end_text = found["C"].upper()
    if end_text.startswith("PERM"):
        return BadRecord(number, f"NOTAM {notam_id} closes the aerodrome permanently (C) PERM)", raw)
    end = _END.match(end_text)
    if not end:
        return BadRecord(number, f"NOTAM {notam_id} C) {found['C']!r} is not YYMMDDhhmm [EST]", raw)
    try:
        start_at = parse_notam_time(found["B"], field="B)")
        end_at = parse_notam_time(end.group("time"), field="C)")
    except BadValue as exc:
        return BadRecord(number, f"NOTAM {notam_id}: {exc}", raw)
    # A) may name several aerodromes: each closes, with the same windows (SR/SS at each one's own)
    airports = list(dict.fromkeys(found["A"].upper().split()))
    text = found.get("E", "")
    schedule_text = found.get("D")
    in_text = False
    notes = ["end time estimated (EST)"] if end.group("est") else []
    if not schedule_text:
        text_spans, schedule_text, in_text = _text_schedule(text, start_at, end_at, most)
        if schedule_text and not in_text:
            notes.append("schedule taken from E)")
    records: list[Record] = []
    for airport in airports:
        if found.get("D") and end_at > start_at:
            try:
                sun = _sun(airport, found.get("Q"), coordinates)
                spans = schedule.windows(found["D"], start=start_at, end=end_at, sun=sun, most=most)
            except schedule.ScheduleError as exc:
                shown = found["D"] if len(found["D"]) <= 200 else found["D"][:200] + "…"
                return BadRecord(number, f"NOTAM {notam_id} schedule D) {shown!r} cannot be read: {exc}", raw)
        elif found.get("D"):
            spans = [(start_at, end_at)]  # refused by the rule every closure meets (C) after B))
        else:
            spans = text_spans
        common = {
            "airport": airport,
            "reason": text,
            "notam_id": notam_id,
            "source": "NOTAM",
            "schedule": schedule_text or "",
            "schedule_in_text": str(in_text).lower(),
            "until_estimated": str(bool(end.group("est"))).lower(),
            "scope": scope_of(text),
            "cause": cause_of(text),
        }
        if notes:
            common["notes"] = "; ".join(notes)
        records += [
            Record(
                number,
                {
                    **common,
                    "closed_from": opens.isoformat(),
                    "closed_until": closes.isoformat(),
                    "window_index": str(index),
                },
                op=op,
                ref=ref,
            )
            for index, (opens, closes) in enumerate(spans)
        ]
    return Closure(number, raw, tuple(records))


def _text_schedule(
    text: str, start: datetime, end: datetime, most: int
) -> tuple[list[tuple[datetime, datetime]], str, bool]:
    """Windows of a schedule written only in E): (windows, the schedule as written, in_text).

    Read when unambiguous: E) holds only time ranges (`1100-1200 AND 1500-1600`, `FM 1800 TO
    2000`, `BTN 1800 AND 2000`, UTC) and B)-C) spans at most a day; or its days stand right before
    the ranges as D) writes them (`DAILY 2000-0300`, `MON-FRI 0800-1000`) and D)'s rules read them.
    Times in local time (`LT`, `LMT`, `1800L`, `EEST`), in a text naming a runway, taxiway or apron,
    next to `AVBL`/`OPEN`/`SR`/`H24` and the like, or anything else: the closure is [B, C) and
    in_text is True."""
    spans = list(_TEXT_TIMES.finditer(text))
    if not spans:  # times in a form not read (`18:00-20:00`, `1800LT`) are flagged, not ignored
        times = None if _HEIGHTS.search(text) else _TIME_LIKE.search(text)  # `FM 1000 TO 2000 FT`: heights
        return [(start, end)], times.group(0) if times else "", bool(times)
    upper = text.upper()
    ranges = " ".join(f"{m.group(1) or m.group(3)}-{m.group(2) or m.group(4)}" for m in spans)
    joiners = [upper[a.end() : b.start()] for a, b in zip(spans, spans[1:], strict=False)]
    written = text[spans[0].start() : spans[-1].end()]
    readable = (
        not _TEXT_LOCAL.search(upper)
        and not _TEXT_OTHER.search(upper)
        and all(_TEXT_JOINERS.match(j) or _TEXT_DAY_PHRASE.match(j) for j in joiners)
    )
    days = _TEXT_DAY_PHRASE.search(upper[: spans[0].start()])
    day_words = bool(_TEXT_DAYS.search(days.group(0))) if days else False
    try:
        if readable and day_words and days is not None and not _TEXT_DAYS.search(upper[spans[-1].end() :]):
            phrase = upper[days.start() : spans[-1].end()]
            phrase = _TEXT_TIMES.sub(lambda m: f"{m.group(1) or m.group(3)}-{m.group(2) or m.group(4)}", phrase)
            return schedule.windows(phrase, start=start, end=end, most=most), " ".join(phrase.split()), False
        if readable and not _TEXT_DAYS.search(upper) and (end - start).total_seconds() <= 86400:
            return schedule.windows(ranges, start=start, end=end, most=most), written, False
    except schedule.ScheduleError:
        pass
    return [(start, end)], written, True


def _sun(airport: str, q_item: str | None, coordinates: Coordinates | None) -> schedule.SunTimes | None:
    """Sunrise/sunset at the aerodrome (airports table), else at the Q) item's position."""
    point = coordinates(airport) if coordinates else None
    if point is None:
        point = _q_point(q_item)
    if point is None:
        return None
    lat, lon = point

    def times(day: date) -> tuple[datetime, datetime]:
        return sunrise_sunset(day, lat=lat, lon=lon)

    return times


def _q_point(q_item: str | None) -> tuple[float, float] | None:
    match = re.search(r"(\d{2})(\d{2})([NS])(\d{3})(\d{2})([EW])", q_item or "")
    if not match:
        return None
    lat = (int(match.group(1)) + int(match.group(2)) / 60) * (1 if match.group(3) == "N" else -1)
    lon = (int(match.group(4)) + int(match.group(5)) / 60) * (1 if match.group(6) == "E" else -1)
    return lat, lon


@lru_cache(maxsize=1)
def _us_locations() -> dict[str, str]:
    """FAA location identifier → ICAO code (airportsdata's LID table), loaded when first needed."""
    return {lid: str(row["icao"]) for lid, row in airportsdata.load("LID").items() if row.get("icao")}


def _icao_of_us_location(location: str) -> str:
    """The ICAO code of a US domestic NOTAM's location: the FAA's table (`ANC` is PANC, `HNL`
    PHNL), else K + a three-letter location (the contiguous states)."""
    known = _us_locations().get(location)
    if known:
        return known
    return "K" + location if len(location) == 3 else location


def _domestic(number: int, rest: str, notam_id: str, location: str, raw: str, most: int) -> Item:
    """A US domestic NOTAM (`!JFK 10/193 JFK AD AP CLSD 2310170300-2310171000`): closures of the
    whole aerodrome land (the ICAO code from the FAA location, `_icao_of_us_location`); anything
    else is skipped."""
    words = " ".join(rest.split())
    if not _CLOSED_TEXT.search(words.upper()) or re.search(r"\b(RWY|TWY|APRON|RAMP)\b", words.upper()):
        return Skipped(number, notam_id)
    times = _DOMESTIC_TIMES.search(words)
    if not times:
        return BadRecord(number, f"NOTAM {notam_id} has no start-end times YYMMDDhhmm-YYMMDDhhmm", raw)
    text = words[: times.start()].strip()
    found = {
        "A": _icao_of_us_location(location),
        "B": times.group("b"),
        "C": times.group("c") + (" EST" if times.group("est") else ""),
        "E": text,
    }
    return _closure(number, notam_id, found, raw, "N", None, None, most)
