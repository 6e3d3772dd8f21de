"""What a closure closes (scope) and why (cause), read from its words.

Scope (`SCOPES`): `partial` when the text names exceptions or only some traffic (EXC, EXCEPT, CIV
FLTS, CIVILIAN, MIL, VFR, IFR, PPR, PRIVATE, GA, VTOL, HEL, TRAINING, ... NOT APPLY, PERMITTED),
except an exception of emergency flights alone (`EXC EMERG, HOSP AND SAR FLTS`: the standard
wording of a full closure, through which no scheduled flight operates). Words of the reason the
text gives (`DUE TO MIL EXER`, `DUE TO HEL CRASH`), a ban (`NO DEP PERMITTED`), the traffic
left open by a closure of one direction (`CLSD FOR ARR. DEP PERMITTED`) and `UNLESS OTHERWISE
ADVISED` name no exception. Else `arrivals` for CLSD FOR/TO LDG or ARR, `departures` for TKOF or
DEP (both, in either order: full); else `full`.

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

__all__ = ["CAUSES", "SCOPES", "cause_of", "scope_of"]

_PARTIAL = re.compile(
    r"\b(EXC|EXCEPT|EXCL|CIV|CIVIL|CIVILIAN|MIL|MILITARY|VFR|IFR|PPR|PRIVATE|GA|VTOL|HEL|HELICOPTERS?|"
    r"TRAINING|GLIDERS?|NON[- ]?SKED|NOT\s+APPLY|PERMITTED|UNLESS)\b"
)
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
    ]
)


def _emergency_only(clause: re.Match[str]) -> str:
    """The exception clause, or nothing when it names emergency flights and nothing else."""
    words = set(re.findall(r"[A-Z0-9]+", clause.group(2)))
    return " " if words & _EMERGENCY and words <= _EMERGENCY | _EMERGENCY_FILLER else clause.group(0)


_LANDING = r"(LDG|LANDINGS?|ARR|ARRIVALS?|ARRIVING)"
_TAKEOFF = r"(TKOF|TAKE[- ]?OFFS?|DEP|DEPARTURES?|DEPARTING)"
_EITHER = rf"({_LANDING}|{_TAKEOFF})"
_ARRIVALS = re.compile(
    rf"\b(CLSD|CLOSED)\s+(FOR|TO)\s+({_TAKEOFF}\s*(/|AND)\s*)?{_LANDING}\b|\b{_LANDING}\s+(CLSD|CLOSED)\b"
)
_DEPARTURES = re.compile(
    rf"\b(CLSD|CLOSED)\s+(FOR|TO)\s+({_LANDING}\s*(/|AND)\s*)?{_TAKEOFF}\b|\b{_TAKEOFF}\s+(CLSD|CLOSED)\b"
)
_BOTH = re.compile(rf"{_LANDING}\s*(/|AND)\s*{_TAKEOFF}|{_TAKEOFF}\s*(/|AND)\s*{_LANDING}")
_NO_EXCEPTION = re.compile(
    # the reason given, up to the end of its sentence or to an exception after it
    r"\b(DUE|BECAUSE|OWING)\b(?:(?!\b(?:EXC|EXCEPT|EXCL|ONLY|UNLESS|PERMITTED)\b)[^.;)])*"
    rf"|\bNO\s+([A-Z]+\s+){{0,3}}PERMITTED\b|\bNOT\s+PERMITTED\b|\b{_EITHER}\s+(FLTS\s+)?(ARE\s+|IS\s+)?PERMITTED\b"
    r"|\bUNLESS\s+OTHERWISE\s+(ADVISED|INSTRUCTED|NOTIFIED)\b"
)

_BALLOONS = re.compile(r"\bBALLOONS?\b|\bHYBRID\b|BALION|HIBRID", re.IGNORECASE)
_DRONES = re.compile(r"\b(UAS|UAV|UAVS|RPAS|DRONES?)\b|DRON|BEPILOT|BEPILOČ", re.IGNORECASE)
_UNKNOWN = re.compile(r"^\s*(UNKNOWN|UNK|N/?A|NE[ŽZ]INOMA|NENUSTATYTA|[-?.\s]*)\s*$", re.IGNORECASE)
_GIVEN = re.compile(r"\b(DUE|BECAUSE|OWING|D[ĖE]L)\b", re.IGNORECASE)


def scope_of(text: str) -> str:
    """The scope of a closure described by `text` (a NOTAM E) item or a report)."""
    upper = _EXCEPTION.sub(_emergency_only, text.upper())
    if _PARTIAL.search(_NO_EXCEPTION.sub(" ", upper)):
        return "partial"
    arrivals = bool(_ARRIVALS.search(upper))
    departures = bool(_DEPARTURES.search(upper))
    if _BOTH.search(upper) or arrivals == departures:
        return "full"
    return "arrivals" if arrivals else "departures"


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
