"""Generate the sample raw data: a labelled reconstruction of June-December 2025.

Closures are the real 2025 shutdowns of Vilnius (EYVI) and Kaunas (EYKA) from public reporting
(package data `closures_reported.csv`, sources kept), plus one closure of the reported
three-closure night of 3-4 December whose times were never published (marked estimated).
Incursions and flights are synthetic, seeded, and shaped to the published figures: 315 balloons
from June to mid-December, 71 incursion records in October, over 320 flights and about 45,000
passengers hit. The same seed always gives byte-identical files.

The synthetic files lie under a folder named `synthetic/` (`incursions/synthetic/…`,
`flights/synthetic/…`): the warehouse marks every row from such a file `synthetic`, and the
reports say so.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from balloons.errors import ConfigError
from balloons.ingest.columns import COLUMNS

log = logging.getLogger(__name__)

SEED = 20251004
VILNIUS = ZoneInfo("Europe/Vilnius")
FIRST_DAY = date(2025, 6, 1)
LAST_FLIGHT_DAY = date(2025, 12, 31)
LAST_INCURSION_DAY = date(2025, 12, 17)
TOTAL_BALLOONS = 315
RECORDS_PER_MONTH = {6: 12, 7: 18, 8: 24, 9: 30, 10: 71, 11: 58, 12: 27}
AIRPORTS = {"EYVI": (54.6341, 25.2858), "EYKA": (54.9639, 24.0848)}

# Flights hit per closure and how they were hit, from the notes of closures_reported.csv.
# Counts marked (est.) have no published total: they are sized from the closure's length.
# Keys: (airport, local start). Values: (flights, cancelled, diverted, returned); the rest delayed.
IMPACT = {
    ("EYVI", "2025-10-04T22:16"): (30, 6, 8, 0),
    ("EYVI", "2025-10-21T22:23"): (30, 10, 14, 1),
    ("EYVI", "2025-10-24T20:31"): (37, 9, 12, 0),
    ("EYKA", "2025-10-24T20:36"): (3, 1, 2, 0),
    ("EYVI", "2025-10-25T21:32"): (26, 7, 6, 0),  # (est.)
    ("EYVI", "2025-10-26T21:42"): (47, 13, 14, 0),
    ("EYVI", "2025-10-30T20:05"): (20, 5, 5, 0),
    ("EYVI", "2025-11-20T18:38"): (10, 4, 0, 0),
    ("EYVI", "2025-11-23T18:55"): (22, 10, 6, 0),  # (est.) 13-18 cancelled, 6-10 diverted that night
    ("EYVI", "2025-11-24T01:40"): (5, 3, 2, 0),  # (est.)
    ("EYVI", "2025-11-28T23:15"): (22, 3, 9, 0),
    ("EYVI", "2025-11-30T18:09"): (50, 31, 10, 0),
    ("EYVI", "2025-12-03T19:36"): (9, 3, 2, 0),  # (est.)
    ("EYVI", "2025-12-03T23:10"): (6, 2, 2, 0),  # (est.) times estimated too
    ("EYVI", "2025-12-06T18:06"): (8, 2, 2, 0),  # (est.)
}
ESTIMATED_CLOSURE = {
    "airport_icao": "EYVI",
    "closure_start_local": "2025-12-03T23:10",
    "closure_end_local": "2025-12-04T00:35",
    "flights_affected": "",
    "passengers_affected": "",
    "notes": "times estimated: the second of three closures reported that night, no times published",
    "until_estimated": "true",
    "source_url": "https://www.tportal.hr/vijesti/clanak/zracna-luka-u-vilniusu-ponovno-otvorena-nakon-incidenta-sa-sumnjivim-balonima-20251203",
}
NOTAM_MONTH = "2025-10"

# airline code, airline, weight at EYVI, weight at EYKA, destinations, (type, seats) choices
Airline = tuple[str, str, int, int, list[str], list[tuple[str, int]]]
AIRLINES: list[Airline] = [
    ("FR", "Ryanair", 10, 6, ["EGSS", "EIDW", "LIME", "LEBL", "EDDB", "EPKK", "LPPT"], [("B738", 189), ("B38M", 197)]),
    (
        "W6",
        "Wizz Air",
        8,
        3,
        ["EGGW", "ENGM", "LIRF", "EDDL", "LTFJ", "LCLK"],
        [("A320", 180), ("A321", 230), ("A21N", 239)],
    ),
    ("BT", "airBaltic", 9, 2, ["EVRA", "EETN", "EKCH", "EHAM", "ESSA"], [("BCS3", 145)]),
    ("LO", "LOT Polish Airlines", 4, 0, ["EPWA"], [("DH8D", 78), ("E195", 112)]),
    ("LH", "Lufthansa", 3, 0, ["EDDF", "EDDM"], [("A320", 168), ("CRJ9", 90)]),
    ("SK", "SAS", 2, 0, ["EKCH", "ESSA"], [("CRJ9", 90), ("A20N", 180)]),
    ("AY", "Finnair", 2, 0, ["EFHK"], [("AT76", 72)]),
    ("TK", "Turkish Airlines", 2, 0, ["LTFM"], [("A321", 195), ("B38M", 151)]),
    ("KL", "KLM", 1, 0, ["EHAM"], [("E190", 100)]),
    ("DY", "Norwegian", 1, 0, ["ENGM"], [("B738", 186)]),
]
ROTATIONS = {"EYVI": 46, "EYKA": 9}

MUNICIPALITIES = [
    # name, lat, lon, weight: along the Belarus border and around Vilnius
    ("Šalčininkų r.", 54.31, 25.38, 8),
    ("Vilniaus r.", 54.72, 25.50, 9),
    ("Vilniaus m.", 54.69, 25.28, 4),
    ("Varėnos r.", 54.22, 24.57, 6),
    ("Trakų r.", 54.64, 24.93, 4),
    ("Švenčionių r.", 55.13, 26.16, 5),
    ("Ignalinos r.", 55.35, 26.16, 3),
    ("Druskininkų sav.", 54.02, 23.97, 3),
    ("Lazdijų r.", 54.23, 23.52, 2),
    ("Elektrėnų sav.", 54.79, 24.66, 2),
    ("Širvintų r.", 55.05, 24.95, 2),
    ("Kaišiadorių r.", 54.86, 24.45, 1),
    ("Kauno r.", 54.95, 23.95, 1),
]
NEAR = {"EYVI": ["Vilniaus m.", "Vilniaus r.", "Trakų r.", "Šalčininkų r."], "EYKA": ["Kauno r.", "Kaišiadorių r."]}
NIGHT_HOURS = [18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 9, 14]
NIGHT_WEIGHTS = [4, 7, 10, 12, 12, 11, 9, 7, 5, 3, 2, 1, 1, 1]


@dataclass(frozen=True)
class Closure:
    airport: str
    start: datetime  # local, naive
    end: datetime
    reported_flights: str
    reported_passengers: str
    notes: str
    source: str
    notam_id: str
    estimated: bool = False
    """Times estimated, not published: the raw row says so (`until_estimated`), and the reports mark it."""


@dataclass
class Incursion:
    at: datetime  # local, naive
    municipality: str
    lat: float
    lon: float
    balloons: int = 1
    source: str = "NKVC"
    source_id: str = ""
    altitude_m: int | None = None


def closures() -> list[Closure]:
    """The 15 closures of 2025: reported ones plus the estimated one of 3-4 December."""
    text = resources.files("balloons.data").joinpath("closures_reported.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["closure_start_local"] < "2026"]
    rows.append(ESTIMATED_CLOSURE)
    out = []
    notam_number = 1801
    for row in sorted(rows, key=lambda r: (r["closure_start_local"], r["airport_icao"])):
        start = datetime.fromisoformat(row["closure_start_local"])
        notam_id = ""
        if row["closure_start_local"].startswith(NOTAM_MONTH):
            notam_id = f"A{notam_number}/25"
            notam_number += 1
        out.append(
            Closure(
                row["airport_icao"],
                start,
                datetime.fromisoformat(row["closure_end_local"]),
                row["flights_affected"],
                row["passengers_affected"],
                row["notes"],
                row["source_url"],
                notam_id,
                row.get("until_estimated") == "true",
            )
        )
    return out


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=VILNIUS).astimezone(UTC)


def _csv_text(header: list[str], rows: Sequence[Sequence[object]], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def closures_csv(items: list[Closure]) -> str:
    header = [
        "airport",
        "closed_from",
        "closed_until",
        "reason",
        "notam_id",
        "reported_flights",
        "reported_passengers",
        "source",
        "notes",
        "until_estimated",
    ]
    rows = [
        [
            c.airport,
            c.start.isoformat(timespec="minutes"),
            c.end.isoformat(timespec="minutes"),
            "suspected smuggling balloons from Belarus",
            c.notam_id,
            c.reported_flights,
            c.reported_passengers,
            c.source,
            c.notes,
            "true" if c.estimated else "",
        ]
        for c in items
    ]
    return _csv_text(header, rows)


def notam_text(items: list[Closure]) -> str:
    """ICAO NOTAMs (times UTC) for the closures that have a NOTAM id, plus one that is not a closure."""
    blocks = []
    for c in items:
        if not c.notam_id:
            continue
        lat, lon = AIRPORTS[c.airport]
        blocks.append(
            f"({c.notam_id} NOTAMN\n"
            f"Q) EYVL/QFALC/IV/NBO/A/000/999/{int(lat):02d}{round(lat % 1 * 60):02d}N"
            f"{int(lon):03d}{round(lon % 1 * 60):02d}E005\n"
            f"A) {c.airport} B) {_utc(c.start):%y%m%d%H%M} C) {_utc(c.end):%y%m%d%H%M}\n"
            f"E) AD CLSD DUE TO BALLOONS IN THE VICINITY OF THE AERODROME.)\n"
        )
    blocks.append(
        "(A1799/25 NOTAMN\nQ) EYVL/QRTCA/IV/BO/W/000/065/5430N02600E050\nA) EYVL "
        "B) 2510010000 C) 2512312359\nE) TEMPORARY RESTRICTED AREA EYR60 ALONG THE STATE BORDER "
        "WITH BELARUS ACTIVATED.)\n"
    )
    return "\n".join(blocks)


def _point(rng: random.Random, name: str) -> tuple[str, float, float]:
    for muni, lat, lon, _weight in MUNICIPALITIES:
        if muni == name:
            return muni, round(lat + rng.uniform(-0.08, 0.08), 4), round(lon + rng.uniform(-0.12, 0.12), 4)
    raise KeyError(name)


def _random_point(rng: random.Random) -> tuple[str, float, float]:
    names = [m[0] for m in MUNICIPALITIES]
    weights = [m[3] for m in MUNICIPALITIES]
    return _point(rng, rng.choices(names, weights)[0])


def incursions(rng: random.Random, items: list[Closure]) -> list[Incursion]:
    """Synthetic incursion records meeting the monthly quotas and the balloon total exactly."""
    events: list[Incursion] = []
    per_closure = {10: 5, 11: 5, 12: 3}
    for c in items:
        for _ in range(per_closure[c.start.month]):
            at = (
                c.start
                - timedelta(minutes=100)
                + timedelta(seconds=rng.randrange(int((c.end - c.start).total_seconds()) + 6000))
            )
            muni, lat, lon = _point(rng, rng.choice(NEAR[c.airport]))
            events.append(Incursion(at.replace(microsecond=0), muni, lat, lon))
    # month edges and the autumn DST night, in local time
    for stamp, muni in (
        ("2025-10-31T23:40", "Šalčininkų r."),
        ("2025-11-01T00:30", "Varėnos r."),
        ("2025-10-26T03:30", "Vilniaus r."),
    ):
        _, lat, lon = _point(rng, muni)
        events.append(Incursion(datetime.fromisoformat(stamp), muni, lat, lon))
    for month, quota in RECORDS_PER_MONTH.items():
        have = sum(1 for e in events if e.at.month == month)
        last_day = LAST_INCURSION_DAY.day if month == 12 else (date(2025, month % 12 + 1, 1) - timedelta(days=1)).day
        for _ in range(quota - have):
            day = date(2025, month, rng.randint(1, last_day))
            hour = rng.choices(NIGHT_HOURS, NIGHT_WEIGHTS)[0]
            at = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
            if at.date() > LAST_INCURSION_DAY or at.month != month or _ambiguous_or_missing(at):
                at = datetime.combine(day, time(21, rng.randrange(60)))
            muni, lat, lon = _random_point(rng)
            events.append(Incursion(at, muni, lat, lon))
    events.sort(key=lambda e: (e.at, e.municipality, e.lat))
    for _ in range(TOTAL_BALLOONS - len(events)):
        rng.choice(events).balloons += 1
    for number, event in enumerate(events, start=1):
        if event.at.month in (10, 11) and number % 3 == 0:
            event.source, event.source_id = "VSAT", f"VSAT-R-{25000 + number}"
            event.altitude_m = rng.randrange(300, 3000, 50)
        else:
            event.source_id = f"NKVC-25-{number:04d}"
    return events


def _ambiguous_or_missing(local: datetime) -> bool:
    return local.date() == date(2025, 10, 26) and local.hour == 3


def incursion_files(events: list[Incursion]) -> dict[str, bytes]:
    """NKVC's spreadsheet export (`;`, decimal commas, BOM) and VSAT's radar feed (JSONL, UTC)."""
    nkvc = [e for e in events if e.source == "NKVC"]
    rows = [
        [
            e.at.isoformat(timespec="minutes"),
            e.balloons,
            "balloon",
            e.municipality,
            f"{e.lat:.4f}".replace(".", ","),
            f"{e.lon:.4f}".replace(".", ","),
            e.source,
            e.source_id,
            "",
        ]
        for e in nkvc
    ]
    # records a person would mistype: each lands in quarantine with its reason
    rows += [
        [
            "2025-09-31T22:10",
            1,
            "balloon",
            "Varėnos r.",
            "54,2200",
            "24,5700",
            "NKVC",
            "NKVC-25-9001",
            "impossible date",
        ],
        [
            "2025-08-14T23:05",
            1,
            "balloon",
            "Šalčininkų r.",
            "25,3800",
            "54,3100",
            "NKVC",
            "NKVC-25-9002",
            "lat and lon swapped",
        ],
        ["2025-07-19T21:40", 0, "balloon", "Trakų r.", "54,6400", "24,9300", "NKVC", "NKVC-25-9003", "zero balloons"],
    ]
    header = ["detected_at", "balloons", "kind", "municipality", "lat", "lon", "source", "source_id", "notes"]
    files = {
        "incursions/synthetic/nkvc/incursions-2025.csv": ("\ufeff" + _csv_text(header, rows, delimiter=";")).encode(
            "utf-8"
        )
    }
    by_month: dict[str, list[str]] = {}
    for e in events:
        if e.source != "VSAT":
            continue
        record = {
            "detected_at": _utc(e.at).isoformat().replace("+00:00", "Z"),
            "balloons": e.balloons,
            "kind": "balloon",
            "municipality": e.municipality,
            "lat": e.lat,
            "lon": e.lon,
            "altitude_m": e.altitude_m,
            "source": "VSAT",
            "source_id": e.source_id,
        }
        by_month.setdefault(f"{e.at:%Y-%m}", []).append(json.dumps(record, ensure_ascii=False))
    for month, lines in sorted(by_month.items()):
        files[f"incursions/synthetic/vsat/{month}.jsonl"] = ("\n".join(lines) + "\n").encode("utf-8")
    # VSAT re-sent part of November: four exact repeats and one corrected balloon count
    november = by_month.get("2025-11", [])
    resend = november[:4]
    if len(november) > 4:
        first = json.loads(november[4])
        earlier = dict(first, balloons=first["balloons"] + 1)
        files["incursions/synthetic/vsat/2025-11.jsonl"] = files["incursions/synthetic/vsat/2025-11.jsonl"].replace(
            november[4].encode("utf-8"), json.dumps(earlier, ensure_ascii=False).encode("utf-8")
        )
        resend.append(november[4])
    files["incursions/synthetic/vsat/resend-2025-11.jsonl"] = ("\n".join(resend) + "\n").encode("utf-8")
    return files


@dataclass(frozen=True)
class Rotation:
    airline: str
    name: str
    other: str
    aircraft: tuple[str, int]
    number: int
    arrive: time
    depart: time
    days: frozenset[int]


def rotations(rng: random.Random, airport: str) -> list[Rotation]:
    """A fixed daily timetable: based aircraft overnight, others turn around within an hour."""

    def weight(airline: Airline) -> int:
        return airline[2] if airport == "EYVI" else airline[3]

    carriers = [a for a in AIRLINES if weight(a)]
    out = []
    for index in range(ROTATIONS[airport]):
        code, name, _vi, _ka, places, fleet = rng.choices(carriers, [weight(a) for a in carriers])[0]
        aircraft = rng.choice(fleet)
        if rng.random() < 0.35:  # based: home late at night, out early in the morning
            arrive = time(rng.choice([21, 22, 22, 23, 23, 0]), rng.randrange(0, 60, 5))
            depart = time(rng.choice([5, 6, 6, 7]), rng.randrange(0, 60, 5))
        else:
            minutes = rng.randrange(7 * 60, 23 * 60, 5)
            arrive = time(minutes // 60, minutes % 60)
            turn = min(minutes + rng.choice([35, 45, 55, 70]), 23 * 60 + 55)
            depart = time(turn // 60, turn % 60)
        days = frozenset(range(7)) if rng.random() < 0.6 else frozenset(rng.sample(range(7), 4))
        column = 2 if airport == "EYVI" else 3
        out.append(
            Rotation(code, name, rng.choice(places), aircraft, 1000 + 2 * index + 10 * column, arrive, depart, days)
        )
    return out


def _flight_row(
    rng: random.Random,
    airport: str,
    direction: str,
    number: str,
    local: datetime,
    status: str,
    rotation: Rotation,
    *,
    share: float,
) -> list[object]:
    aircraft, seats = rotation.aircraft
    passengers = round(seats * min(1.0, max(0.4, rng.gauss(share, 0.07))))
    known = rng.random()
    shown_seats: object = seats if known < 0.9 else ""
    shown_pax: object = passengers if known < 0.7 else ""
    return [
        airport,
        direction,
        number,
        local.isoformat(timespec="minutes"),
        status,
        aircraft,
        shown_seats,
        shown_pax,
        rotation.other,
        rotation.name,
    ]


def flights(rng: random.Random, items: list[Closure]) -> dict[str, list[list[object]]]:
    """Flight rows per (airport, month) file: the daily timetable, then the closure nights."""
    files: dict[str, list[list[object]]] = {}
    windows = {a: [(c.start, c.end, c) for c in items if c.airport == a] for a in AIRPORTS}
    for airport in AIRPORTS:
        table = rotations(rng, airport)
        day = FIRST_DAY
        while day <= LAST_FLIGHT_DAY:
            for r in table:
                if day.weekday() not in r.days:
                    continue
                for direction, clock, number in (
                    ("arrival", r.arrive, r.number),
                    ("departure", r.depart, r.number + 1),
                ):
                    local = datetime.combine(day, clock)
                    if any(s <= local < e for s, e, _ in windows[airport]) or _ambiguous_or_missing(local):
                        continue
                    status = "operated" if rng.random() > 0.05 else "delayed"
                    row = _flight_row(rng, airport, direction, f"{r.airline}{number}", local, status, r, share=0.85)
                    files.setdefault(f"flights/synthetic/{airport}/{day:%Y-%m}.csv.gz", []).append(row)
            day += timedelta(days=1)
        for start, end, closure in windows[airport]:
            key = (airport, start.isoformat(timespec="minutes"))
            total, cancelled, diverted, returned = IMPACT[key]
            statuses = (
                ["cancelled"] * cancelled
                + ["diverted"] * diverted
                + ["returned"] * returned
                + ["delayed"] * (total - cancelled - diverted - returned)
            )
            span = int((end - start).total_seconds() // 60)
            for position, status in enumerate(statuses):
                r = rng.choice(table)
                local = start + timedelta(minutes=(position * span) // total + rng.randrange(max(1, span // total)))
                direction = "arrival" if status in ("diverted", "returned") or rng.random() < 0.5 else "departure"
                flight_no = f"{r.airline}{r.number + 500 + position}"
                if closure.start.date() == date(2025, 11, 30) and position in (10, 30):
                    r = Rotation("", "private", "EPWA", ("C56X", 0), 0, r.arrive, r.depart, r.days)
                    flight_no = f"SP-{'KCA' if position == 10 else 'KCB'}"
                row = _flight_row(rng, airport, direction, flight_no, local.replace(second=0), status, r, share=0.88)
                if r.name == "private":
                    row[6], row[7] = "", ""
                files.setdefault(f"flights/synthetic/{airport}/{local:%Y-%m}.csv.gz", []).append(row)
    return files


def generate(seed: int = SEED) -> dict[str, bytes]:
    """Every sample raw file, by path relative to raw/: deterministic for a given seed."""
    rng = random.Random(seed)
    items = closures()
    files = {
        "closures/reported/closures-2025.csv": closures_csv(items).encode("utf-8"),
        f"closures/notam/{NOTAM_MONTH}.notam": notam_text(items).encode("utf-8"),
    }
    files.update(incursion_files(incursions(rng, items)))
    header = list(COLUMNS["flights"])
    for path, rows in flights(rng, items).items():
        rows.sort(key=lambda row: (str(row[3]), str(row[1]), str(row[2])))
        files[path] = gzip.compress(_csv_text(header, rows).encode("utf-8"), mtime=0)
    return dict(sorted(files.items()))


def write(raw_dir: Path, seed: int = SEED) -> tuple[list[Path], int]:
    """Write the sample under raw_dir (other files there are left alone); returns the paths written
    and how many of the sample's files were there already. Raw
    files are immutable: a file of the sample's name that holds something else (an edited copy), or a
    link, is never written, ConfigError names them; one that holds the sample already is left as it is."""
    files = generate(seed)
    differing = [
        relative
        for relative, content in files.items()
        if (raw_dir / relative).is_symlink()
        or ((raw_dir / relative).exists() and not _holds(raw_dir / relative, content))
    ]
    if differing:
        shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if len(differing) > 5 else "")
        raise ConfigError(
            f"{len(differing)} raw file(s) under {raw_dir} differ from the sample's, or are links, and would be "
            f"written over ({shown}); raw files are never changed: move them away or give another --data-dir."
        )
    written = []
    for relative, content in files.items():
        path = raw_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(content)
            written.append(path)
    log.info("sample files=%d path=%s", len(written), raw_dir)
    return written, len(files) - len(written)


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False
