"""Parse ICAO NOTAM text into closure records.

A file holds one or more NOTAMs, each in `( ... )`, on one line or many. Items used:
header `A1234/25 NOTAMN|NOTAMR ref|NOTAMC ref`, Q) (the Q-code says what the NOTAM is about),
A) aerodrome, B) start and C) end (`YYMMDDhhmm`, UTC; `EST` marks an estimated end; `PERM` has
no end), D) schedule and E) text. Only aerodrome closures become records (Q-code subject FA with
condition LC, or an E) text saying the aerodrome is closed); other NOTAMs are skipped and logged.
A NOTAMC keeps its reference so ingestion can withdraw the cancelled closure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from balloons.errors import RawFileError
from balloons.rawfile import BadRecord, Record
from balloons.timestamps import BadValue, parse_notam_time

log = logging.getLogger(__name__)

_HEADER = re.compile(
    r"^\s*(?P<id>[A-Z]\d{4}/\d{2})\s*NOTAM(?P<op>[NRC])(?:\s+(?P<ref>[A-Z]\d{4}/\d{2}))?",
)
_ITEM = re.compile(r"(?:(?<=\s)|^)([QABCDEFG])\)\s*")
_CLOSED_TEXT = re.compile(r"\b(AD|AERODROME|AIRPORT|APT)\s+(IS\s+)?(CLSD|CLOSED)\b")
_END = re.compile(r"^(?P<time>\d{10})\s*(?P<est>EST)?$")


_START = re.compile(r"\(\s*[A-Z]\d{4}/\d{2}\s*NOTAM[NRC]\b")


def blocks(text: str) -> Iterator[tuple[int, str | None]]:
    """Yield (ordinal, body) per NOTAM: from its `(` and header to the last `)` before the next
    NOTAM; body is None when that `)` is missing. Item letters end in `)` too, so parentheses
    cannot simply be matched."""
    starts = [m.start() for m in _START.finditer(text)]
    for number, begin in enumerate(starts, start=1):
        stop = starts[number] if number < len(starts) else len(text)
        chunk = text[begin + 1:stop].rstrip()
        yield number, chunk[:-1] if chunk.endswith(")") else None


def items(body: str) -> dict[str, str]:
    """Split a NOTAM body into its lettered items; E) runs to F), G) or the end."""
    found: dict[str, str] = {}
    marks = [(m.group(1), m.start(), m.end()) for m in _ITEM.finditer(body)]
    kept: list[tuple[str, int, int]] = []
    for letter, start, end in marks:
        if letter in found or any(k[0] == letter for k in kept):
            continue
        if kept and kept[-1][0] == "E" and letter not in "FG":
            continue
        kept.append((letter, start, end))
    for position, (letter, _start, end) in enumerate(kept):
        stop = kept[position + 1][1] if position + 1 < len(kept) else len(body)
        found[letter] = " ".join(body[end:stop].split())
    return found


def is_closure(q_item: str | None, e_item: str) -> bool:
    """True when the NOTAM closes an aerodrome."""
    if q_item:
        parts = q_item.split("/")
        code = parts[1].strip().upper() if len(parts) > 1 else ""
        if len(code) == 5 and code.startswith("Q"):
            if code[1:3] == "FA" and code[3:5] == "LC":
                return True
            if code[3:5] != "XX":
                return False
    return bool(_CLOSED_TEXT.search(e_item.upper()))


def parse(text: str) -> Iterator[Record | BadRecord]:
    """Yield one closure Record per aerodrome-closure NOTAM, BadRecord for broken ones."""
    skipped = []
    if not _START.search(text):
        raise RawFileError("no NOTAM found: each must start with '(' and a header like "
                           "'A1234/25 NOTAMN'")
    for number, body in blocks(text):
        if body is None:
            yield BadRecord(number, "NOTAM is not closed with ')'", "")
            continue
        raw = " ".join(body.split())[:2000]
        header = _HEADER.match(body)
        if not header:
            yield BadRecord(number, "NOTAM has no series/number and NOTAMN/R/C header", raw)
            continue
        notam_id, op, ref = header.group("id"), header.group("op"), header.group("ref")
        if op in "RC" and not ref:
            yield BadRecord(number, f"NOTAM{op} {notam_id} does not name the NOTAM it refers to", raw)
            continue
        found = items(body[header.end():])
        if op == "C":
            yield Record(number, {"notam_id": notam_id, "source": "NOTAM"}, op="C", ref=ref)
            continue
        if not is_closure(found.get("Q"), found.get("E", "")):
            skipped.append(notam_id)
            continue
        record = _closure(number, notam_id, found, raw)
        yield record if isinstance(record, BadRecord) else Record(
            number, record.fields, op=op, ref=ref
        )
    if skipped:
        log.info("notams_skipped=%d ids=%s (not aerodrome closures)", len(skipped), ",".join(skipped))


def _closure(number: int, notam_id: str, found: dict[str, str], raw: str) -> Record | BadRecord:
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
    notes = ["end time estimated (EST)"] if end.group("est") else []
    if found.get("D"):
        notes.append(f"schedule D) {found['D']}")
    fields = {
        "airport": found["A"].split()[0],
        "closed_from": start_at.isoformat(),
        "closed_until": end_at.isoformat(),
        "reason": found.get("E", ""),
        "notam_id": notam_id,
        "source": "NOTAM",
    }
    if notes:
        fields["notes"] = "; ".join(notes)
    return Record(number, fields)
