"""What a closure closes (scope) and why (cause), read from its words.

Scope (`SCOPES`): `partial` when the text names exceptions or only some traffic (EXC, EXCEPT, CIV
FLTS, CIVILIAN, MIL, VFR, IFR, PPR, PRIVATE, GA, VTOL, HEL, TRAINING, ... NOT APPLY, PERMITTED),
except an exception of emergency flights alone (`EXC EMERG, HOSP AND SAR FLTS`: the standard
wording of a full closure, through which no scheduled flight operates). Words of the reason the
text gives (`DUE TO MIL EXER`, `DUE TO HEL CRASH`: up to the end of its clause, a comma, a bracket
or words of an exception such as FOR, ONLY, AVBL), a ban of a direction (`NO DEP PERMITTED`), the
direction left open (`DEP PERMITTED`, but not `ONLY LDG PERMITTED`) and `UNLESS OTHERWISE ADVISED`
name no exception, nor do flights permitted or exempted that are emergency flights alone (`ONLY
EMERG FLTS PERMITTED`), days excluded from a schedule (`DAILY 1800-2000 EXC SUN`), every kind of
traffic named (`CIV AND MIL`, `IFR/VFR`) or a military exercise under way (`FOR MIL EXER`); a
closure to one kind of traffic (`CLSD FOR SKED FLTS`, `CARGO`, `NIGHT`), `EXEMPT` and `SUBJ TO`
make it partial, as does a closure to aircraft of some weight, size or equipment (`MTOW`, `ABOVE
5700KG`, `WINGSPAN`, `WITHOUT TRANSPONDER`). Else `arrivals` for CLSD FOR/TO (ACFT) LDG or ARR (or
INBOUND), or departures left open;
`departures` for TKOF or DEP, or landings left open; both (in either order, joined by /, AND, &
or a comma; or one closed and the other banned): full; else `full`.

Cause (`CAUSES`): `balloons` for BALLOON(S) or HYBRID (the hybrid attack is the balloons) and the
Lithuanian `balion…`, `hibrid…`; `drones` for UAS, UAV, DRONE(S), RPAS and Lithuanian `dron…`,
`bepilot…` (`bepiloč…` in its other forms); `other` when the text gives another reason (a
report's `reason` column is one; a NOTAM E) text gives one with DUE, DUE TO, BECAUSE, `dėl`);
`unknown` when it gives none (or says unknown, `nežinoma`, `nenustatyta`).
"""

from __future__ import annotations

import re

from balloons.schema import CLOSURE_CAUSES as CAUSES
from balloons.schema import CLOSURE_SCOPES as SCOPES

__all__ = ["CAUSES", "SCOPES", "cause_of", "scope_of", "stated_cause"]

_WEIGHT = r"\d+([ .,]\d+)*\s*(KGS?|T|TONNES?|TONS?|LBS?|POUNDS?)\b"
_COMPARED = (
    r"(\b(ABOVE|ABV|OVER|EXCEEDING|IN\s+EXCESS\s+OF|MORE\s+THAN|GREATER\s+THAN|HEAVIER\s+THAN|BELOW|BLW|UNDER|LESS\s+THAN|"
    r"UP\s+TO)|[<>]=?)"
)
_AND_BEYOND = (
    r"\s*(AND|OR)\s+(ABOVE|ABV|MORE|OVER|HEAVIER|BELOW|BLW|LESS|UNDER|LIGHTER|HIGHER|LOWER|LARGER|SMALLER|BIGGER)\b"
)
_WEIGHT_LIMIT = (
    # the aircraft's weight as a limit: `ACFT ABOVE 5.7 T`, `ACFT > 5700 KG`, `ACFT 5700 KG AND ABOVE`,
    # `ACFT OF 5.7 T OR MORE`, `MASS OF 5700KG`; not any weight (`20 KG OF CIGARETTES`, a balloon's
    # `PAYLOAD UP TO 10 KG`, `STAND 14T`)
    rf"\b(ACFT|AIRCRAFT|MTOW|MTOM|MASS|WEIGHT)\b[^.;,()]{{0,30}}?({_COMPARED}\s*{_WEIGHT}|\b{_WEIGHT}{_AND_BEYOND})"
    rf"|\b(ACFT|AIRCRAFT|MASS|WEIGHT)\s+(OF\s+)?{_WEIGHT}"
)
_EQUIPMENT = (
    r"(TRANSPONDERS?|XPDR|SSR|TCAS|ACAS|ADS[- ]?B|RADIOS?(?!\s+(CONTACT|COM\w*|FREQ\w*))"
    r"|8[.,]33(\s*KHZ)?(\s+CHANNEL\w*)?|MODE[- ][A-Z](/[A-Z])?)"
    r"(?![A-Z])"
)
_CRAFT = r"(ACFT|AIRCRAFT|FLTS?|FLIGHTS?|TFC|TRAFFIC)"
_EQUIPMENT_LACKING = (
    # aircraft whose equipment is lacking or out of service, as those a closure is for or to
    # (`FOR ACFT WITHOUT SERVICEABLE TRANSPONDER`, `TO TFC W/O 8.33`, `FOR ACFT WITH TCAS U/S`,
    # `FOR NON MODE-S ACFT`, `FOR NORDO ACFT`); not the hazard a closure describes (`DUE TO BALLOONS,
    # TFC WITHOUT TRANSPONDER OBSERVED`, `BALLOONS WITHOUT SSR`)
    rf"\b(FOR|TO)\s+(ALL\s+)?("
    rf"{_CRAFT}\s+(WITHOUT|W/OUT|W/O|WO|WITH\s+NO|NOT\s+(EQUIPPED|FITTED)\s+WITH"
    rf"|WITH\s+(INOPERATIVE|INOP|UNSERVICEABLE|U/S))\s+([A-Z/-]+\s+){{0,3}}?{_EQUIPMENT}"
    rf"|{_CRAFT}\s+WITH\s+{_EQUIPMENT}\s+(U/S|INOPERATIVE|INOP|UNSERVICEABLE|FAILURE|FAILED)(?![A-Z])"
    rf"|NON[- ]?{_EQUIPMENT}[- ]?(EQUIPPED\s+)?{_CRAFT}\b|{_EQUIPMENT}[- ]?LESS\s+{_CRAFT}\b"
    rf"|{_CRAFT}\s+(NOT|NON)[- ]?{_EQUIPMENT}[- ]EQUIPPED\b"
    rf"|NORDO\b|{_CRAFT}\s+NORDO\b)"
)
_LISTED = r"\s*(,|/|-|&|AND|OR|TO|THRU|THROUGH)\s*"
_CATEGORY_LIMIT = (
    # aircraft of some approach category or aerodrome reference code (`CAT C AND ABOVE`, `CODE 4E`,
    # `CAT A AND B`); not an ILS category (`CAT II`: no letter A to F) nor every aircraft, a list from
    # A reaching D or further (`CAT A AND ABOVE`, `CAT A, B, C AND D`, `CAT A-E`, `CAT A THRU E`)
    rf"\b(CAT|CATEGORY|CODE(\s+LETTER)?)\s+\d?(?!A({_AND_BEYOND}|({_LISTED}[B-F]\b)*{_LISTED}[D-F]\b(?!{_LISTED}[A-F]\b)))"
    r"[A-F]\b"
)
_SIZE_LIMIT = (
    r"\b(MTOW|MTOM|MAX\w*\s+(TAKE[- ]?OFF\s+|TKOF\s+)?(WEIGHT|MASS)|WINGSPAN|WING\s+SPAN)\b"
    rf"|\bSPAN\s+(OF\s+)?{_COMPARED}"
)
_HEAVY = (
    # a weight right after what is closed, with no aircraft named (`CLSD FOR OVER 12500 LBS`,
    # `CLSD TO TFC 5700 KG AND ABOVE`, `CLSD ABOVE 5.7 T`)
    r"\b(CLSD|CLOSED)\s+((FOR|TO)\s+)?((ALL\s+)?(TFC|TRAFFIC|FLTS?|FLIGHTS?|OPS|OPERATIONS)\s+)?"
    r"((OF|WITH|WEIGHING)\s+)?"
    rf"({_COMPARED}\s*{_WEIGHT}|{_WEIGHT}{_AND_BEYOND})"
)
_PARTIAL = re.compile(
    r"\b(EXC|EXCEPT|EXCL|CIV|CIVIL|CIVILIAN|MIL|MILITARY|VFR|IFR|PPR|PRIVATE|GA|VTOL|HEL|HELICOPTERS?|"
    r"TRAINING|GLIDERS?|NON[- ]?SKED|NOT\s+APPLY|NOT\s+APPLICABLE|PERMITTED|UNLESS|EXEMPT\w*|SUBJ|SUBJECT)\b"
    # closed to one kind of traffic
    r"|\b(CLSD|CLOSED)\s+(FOR|TO)\s+(SKED|CARGO|PAX|PASSENGER|COMMERCIAL|NIGHT|INTL|INTERNATIONAL|DOMESTIC|JET|"
    r"FIXED|GEN|GENERAL)\b"
    rf"|{_HEAVY}"
)
_LIMIT = re.compile(f"{_EQUIPMENT_LACKING}|{_WEIGHT_LIMIT}|{_CATEGORY_LIMIT}|{_SIZE_LIMIT}")
"""Aircraft of some weight, size, category or equipment: a limit when said in the sentence that
closes the aerodrome (`_limited`)."""
_SENTENCE_END = re.compile(r";|\.(?!\d)")
_CLOSES = re.compile(r"\b(CLSD|CLOSED)\b")
_PART_CLOSED = re.compile(
    r"\b(RWYS?|RUNWAYS?|TWYS?|TAXIWAYS?|APRONS?|APN|STANDS?|GATES?|HELIPADS?|PARKING)\b"
    r"(\s+(?!(AND|AD|AERODROME|AIRPORT)\b)[A-Z0-9][A-Z0-9/-]*){0,3}\s+(CLSD|CLOSED)\b[^,;]*"
)
"""A part of the aerodrome closed, to the end of its clause (`TWY C CLSD FOR ACFT WITH WINGSPAN …`,
`STAND 5 CLSD`): a limit there is that part's."""
_EXCEPTION = re.compile(r"\b(EXC|EXCEPT|EXCL)\b([^.;)]*?)(?=\b(?:DUE|BECAUSE|OWING)\b|[.;)]|$)")
"""An exception clause: EXC and what follows it up to the end of its sentence, or to the reason
the text gives (`EXC EMERG FLTS DUE TO BALLOONS`)."""
_EMERGENCY = frozenset(
    [
        "EMERG",
        "EMERGENCY",
        "EMERGENCIES",
        "HOSP",
        "HOSPITAL",
        "MEDEVAC",
        "MEDICAL",
        "HEMS",
        "AMBULANCE",
        "SAR",
        "SEARCH",
        "RESCUE",
        "DISTRESS",
        "FIRE",
        "FIREFIGHTING",
        "FIGHTING",
        "HUMANITARIAN",
        "LIFEGUARD",
        "EVACUATION",
    ]
)
_EMERGENCY_FILLER = frozenset(
    [
        "FLT",
        "FLTS",
        "FLIGHT",
        "FLIGHTS",
        "ACFT",
        "AIRCRAFT",
        "OPS",
        "OPERATIONS",
        "LDG",
        "LANDING",
        "LANDINGS",
        "AND",
        "OR",
        "IN",
        "WITH",
        "FOR",
        "H24",
        "ALTN",
        "ALTERNATE",
        "DIVERSION",
        "DIVERSIONS",
        "ON",
        "OF",
        "MISSION",
        "MISSIONS",
        "SITUATION",
        "SITUATIONS",
        "CASE",
        "CASES",
        "ENGAGED",
        "STS",
        "AIR",
        "HEL",
        "ONLY",
        "ARE",
        "IS",
        "ALL",
        "A",
        "AN",
        "DECLARING",
        "DECLARED",
    ]
)


_DAYS = frozenset(
    ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "HOL", "AND", "DAILY", "H24"]
    + ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
)


_EMERGENCY_ALLOWED = re.compile(
    r"(?:^|(?<=[.;,]))[^.;,]*?\b(?:PERMITTED|ALLOWED|EXEMPT\w*|NOT\s+APPLY\s+TO|NOT\s+APPLICABLE\s+TO)\b[^.;,]*"
)
"""A clause that permits some flights, or says a closure does not apply to some: emergency-only
ones (`ONLY EMERG FLTS PERMITTED`, `… DOES NOT APPLY TO SAR FLTS`) are no exception."""
_SAYING_SO = frozenset(
    ["PERMITTED", "ALLOWED", "EXEMPT", "EXEMPTED", "NOT", "APPLY", "APPLICABLE", "TO", "THIS", "RESTRICTION"]
    + ["DOES", "IS", "CLOSURE"]
)


def _emergency_allowed(clause: re.Match[str]) -> str:
    """The clause, or nothing when the flights it permits (or exempts) are emergency flights alone."""
    words = set(re.findall(r"[A-Z0-9]+", clause.group(0)))
    emergency = words & _EMERGENCY and words <= _EMERGENCY | _EMERGENCY_FILLER | _SAYING_SO
    return " " if emergency else clause.group(0)


def _emergency_only(clause: re.Match[str]) -> str:
    """The exception clause, or nothing when it names emergency flights and nothing else, or
    days and times excluded from a schedule (`DAILY 1800-2000 EXC SUN`), no traffic at all."""
    words = set(re.findall(r"[A-Z0-9]+", clause.group(2)))
    if words and all(w in _DAYS or w.isdigit() for w in words):
        return " "
    return " " if words & _EMERGENCY and words <= _EMERGENCY | _EMERGENCY_FILLER else clause.group(0)


_LANDING = r"(LDG|LANDINGS?|ARR|ARRIVALS?|ARRIVING|INBOUND|INCOMING)"
_TAKEOFF = r"(TKOF|TAKE[- ]?OFFS?|TAKING[- ]?OFF|DEP|DEPARTURES?|DEPARTING|OUTBOUND|OUTGOING)"
_EITHER = rf"({_LANDING}|{_TAKEOFF})"
_CLOSED_TO = r"\b(CLSD|CLOSED)\s+(FOR|TO)\s+((ALL\s+)?(ACFT|AIRCRAFT|FLTS?|FLIGHTS?|TFC|TRAFFIC)\s+)?"
"""Closed for or to, and what the direction is of (`CLSD FOR ACFT LDG`)."""
_ARRIVALS = re.compile(rf"{_CLOSED_TO}({_TAKEOFF}\s*(/|AND)\s*)?{_LANDING}\b|\b{_LANDING}\s+(CLSD|CLOSED)\b")
_DEPARTURES = re.compile(rf"{_CLOSED_TO}({_LANDING}\s*(/|AND)\s*)?{_TAKEOFF}\b|\b{_TAKEOFF}\s+(CLSD|CLOSED)\b")
_STATE_OF_EMERGENCY = re.compile(r"\b(IN\s+(A\s+)?)?STATE\s+OF\s+EMERG\w*|\bIN\s+(AN?\s+)?EMERG\w*\s+STATE\b")
"""Aircraft in a state of emergency are emergency flights (STATE alone is an exception: `EXC STATE
ACFT`)."""
_JOIN = r"\s*(/|AND|OR|&|,)\s*"
_LEFT_OPEN = r"(?!\s+(FLTS\s+|OPS\s+)?(ARE\s+|IS\s+)?(PERMITTED|ALLOWED|CONTINUE))"
_BOTH = re.compile(rf"{_LANDING}{_JOIN}{_TAKEOFF}{_LEFT_OPEN}|{_TAKEOFF}{_JOIN}{_LANDING}{_LEFT_OPEN}")
_REASON = re.compile(
    # the reason given, up to the end of its sentence or clause, or to words of an exception
    r"\b(DUE|BECAUSE|OWING|REASON|RESULT)\b"
    r"(?:(?!\b(?:EXC|EXCEPT|EXCL|ONLY|UNLESS|PERMITTED|FOR|AVBL|AVAILABLE|ALLOWED|EXEMPT\w*)\b"
    r"|\b[A-Z]+\s+(?:FLTS|TFC|ACFT)\s+(?:ONLY|EXEMPT\w*)\b)[^.;,()])*"
    # and its aside in brackets (`DUE TO BALLOONS (UNIDENTIFIED ACFT WITHOUT TRANSPONDER)`)
    r"(?:\((?:(?!\b(?:ONLY|EXC|EXCEPT|EXCL|EXEMPT\w*|PERMITTED|ALLOWED|UNLESS)\b)[^().;])*\))?"
    # a military exercise, training under way: what happens, not who may fly
    r"|\b(MIL|MILITARY)\s+(EXER\w*|ACT\w*|DRILL\w*)|\bTRAINING\s+IN\s+PROGRESS\b"
)
_PERMITTED = r"\s+(FLTS\s+)?(ARE\s+|IS\s+)?PERMITTED\b"
_NOT_PERMITTED = r"\s+(FLTS\s+)?(ARE\s+|IS\s+)?NOT\s+PERMITTED\b"
_BANNED_LANDING = re.compile(rf"\bNO\s+{_LANDING}{_PERMITTED}|\b{_LANDING}{_NOT_PERMITTED}")
_BANNED_TAKEOFF = re.compile(rf"\bNO\s+{_TAKEOFF}{_PERMITTED}|\b{_TAKEOFF}{_NOT_PERMITTED}")
_BANNED_BOTH = re.compile(rf"\bNO\s+{_EITHER}{_JOIN}{_EITHER}{_PERMITTED}")
_FOR_EMERGENCIES = r"(?!\s+(ONLY\s+)?FOR\s+(ACFT\s+IN\s+)?EMERG)"
_OPEN_LANDING = re.compile(rf"(?<!\bNO\s)(?<!\bONLY\s)(?<!EMERG\s)\b{_LANDING}{_PERMITTED}{_FOR_EMERGENCIES}")
_OPEN_TAKEOFF = re.compile(rf"(?<!\bNO\s)(?<!\bONLY\s)(?<!EMERG\s)\b{_TAKEOFF}{_PERMITTED}{_FOR_EMERGENCIES}")
_NO_EXCEPTION = re.compile(
    # a ban or the direction left open, which name no exception, and `UNLESS OTHERWISE ADVISED`
    rf"\bNO\s+{_EITHER}{_PERMITTED}|\b{_EITHER}{_NOT_PERMITTED}"
    rf"|(?<!\bONLY\s)\b{_EITHER}{_PERMITTED}"
    r"|\bUNLESS\s+OTHERWISE\s+(ADVISED|INSTRUCTED|NOTIFIED)\b"
    # every kind of traffic named: no exception
    r"|\b(CIV|CIVIL|CIVILIAN)\s*(AND|/|&)\s*(MIL|MILITARY)\b|\b(MIL|MILITARY)\s*(AND|/|&)\s*(CIV|CIVIL|CIVILIAN)\b"
    r"|\b(IFR\s*(AND|/|&)\s*VFR|VFR\s*(AND|/|&)\s*IFR|SKED\s*(AND|/|&)\s*NON[- ]?SKED)\b"
    # what a closure includes is no exception (`TO ALL ACFT INCLUDING NORDO ACFT`, `INCLUDING HEL`)
    r"|\b(INCLUDING|INCL)\b(?:(?!\b(?:EXC|EXCEPT|EXCL|ONLY|UNLESS)\b|,\s*(?:\w+\s+){1,3}(?:ARE\s+|IS\s+)?"
    r"(?:PERMITTED|ALLOWED|EXEMPT\w*)\b)[^.;()])*"
    r"|\b(NO|NIL)\s+(ACFT\s+)?(FLTS?|OPS|TFC|TRAFFIC)\s+(ARE\s+|IS\s+)?PERMITTED\b|\bFLTS\s+(ARE\s+)?NOT\s+PERMITTED\b"
)

_BALLOONS = re.compile(r"\bBALLOONS?\b|\bHYBRID\b|BALION|HIBRID", re.IGNORECASE)
_DRONES = re.compile(r"\b(UAS|UAV|UAVS|RPAS|DRONES?)\b|DRON|BEPILOT|BEPILOČ", re.IGNORECASE)
_UNKNOWN = re.compile(r"^\s*(UNKNOWN|UNK|N/?A|NE[ŽZ]INOMA|NENUSTATYTA|[-?.\s]*)\s*$", re.IGNORECASE)
_GIVEN = re.compile(r"\b(DUE|BECAUSE|OWING|D[ĖE]L)\b", re.IGNORECASE)


def scope_of(text: str) -> str:
    """The scope of a closure described by `text` (a NOTAM E) item or a report)."""
    upper = _STATE_OF_EMERGENCY.sub(" EMERGENCY", text.upper())
    upper = _EXCEPTION.sub(_emergency_only, _REASON.sub(" ", upper))
    upper = _EMERGENCY_ALLOWED.sub(_emergency_allowed, upper)
    named = _NO_EXCEPTION.sub(" ", upper)
    if _PARTIAL.search(named) or _limited(named):
        return "partial"
    # a closure of one direction: named closed, or the other named open (`DEP PERMITTED`)
    arrivals = bool(_ARRIVALS.search(upper) or _OPEN_TAKEOFF.search(upper))
    departures = bool(_DEPARTURES.search(upper) or _OPEN_LANDING.search(upper))
    # a ban of the other direction too (`CLSD FOR ARR. NO DEP PERMITTED`): both
    arrivals |= departures and bool(_BANNED_LANDING.search(upper))
    departures |= arrivals and bool(_BANNED_TAKEOFF.search(upper))
    if _BOTH.search(upper) or _BANNED_BOTH.search(upper) or arrivals == departures:
        return "full"
    return "arrivals" if arrivals else "departures"


def _limited(text: str) -> bool:
    """True when the sentence closing the aerodrome limits it to some aircraft, after the word
    that closes it (`AD CLSD 0800-1000, 1400-1600 FOR ACFT WITHOUT TCAS`); what comes before it
    (`DISABLED B747 (MTOW 396 T) ON RWY, AD CLSD`) and another sentence (`AD CLSD. NORDO ACFT
    SQUAWK 7600`) are information, and so is a sentence closing a part of the aerodrome."""
    for sentence in _SENTENCE_END.split(text):
        aerodrome = _PART_CLOSED.sub(lambda m: " " * len(m[0]), sentence)
        closes = _CLOSES.search(aerodrome)
        if closes and _LIMIT.search(aerodrome, closes.end()):
            return True
    return False


def cause_of(text: str | None, *, stated: bool = False) -> str:
    """The cause `text` gives; `unknown` for none. `stated`: the text is a reason (a report's
    `reason` column), so any other reason is `other`; otherwise (a NOTAM E) text) only one
    introduced by DUE / BECAUSE / `dėl` is."""
    if not text or _UNKNOWN.match(text):
        return "unknown"
    if _BALLOONS.search(text):
        return "balloons"
    if _DRONES.search(text):
        return "drones"
    return "other" if stated or _GIVEN.search(text) else "unknown"


def stated_cause(reason: str) -> str:
    """The cause a report's `reason` column gives (`cause_of` with `stated`): the SQL that checks
    closures calls it by this name (`ingest/sql/checked_closures.sql`), so a report and a NOTAM
    giving the same words get the same cause."""
    return cause_of(reason, stated=True)
