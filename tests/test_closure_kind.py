"""Scope and cause of closures: the words (closure_kind) and what impact makes of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_warehouse, write

from balloons import warehouse
from balloons.ingest.closure_kind import cause_of, scope_of


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("AD CLSD DUE TO BALLOONS IN THE VICINITY OF THE AERODROME.", "full"),
        ("AD CLSD FOR LDG, DAILY 0100-0145 LMT.", "arrivals"),
        ("AD CLSD TO ARR", "arrivals"),
        ("AD CLSD FOR TKOF", "departures"),
        ("AD CLSD FOR DEP DUE WIP", "departures"),
        ("AD CLSD FOR LDG/TKOF TO ALL FLTS.", "full"),
        ("AD CLSD TO ALL FLTS, DUE EMERG DRILL.", "full"),
        ("AD CLSD TO ALL CIV FLTS, EXC MIL AIZ FLTS .", "partial"),
        ("AD CLSD FOR LDG/TKOF TO ALL FLTS, EXC SKED COMMERCIAL FLTS", "partial"),
        ("AD CLSD TO PRIVATE FLTS. THE FLW FLTS PERMITTED", "partial"),
        ("AD CLSD TO VFR FLTS", "partial"),
        ("AD CLSD, PPR 24 HR", "partial"),
        ("AP CLSD V-22 VTOL", "partial"),
        # an exception of emergency flights alone leaves a full closure (found by a fresh-eyes trial)
        ("AD CLSD DUE TO BALLOONS EXC EMERG, HOSP AND SAR FLTS.", "full"),
        ("AD CLSD EXCEPT HEMS AND SAR OPS", "full"),
        ("AD CLSD EXC EMERGENCY LDG", "full"),
        ("AERODROME CLOSED EXCEPT FOR EMERGENCY AND SEARCH AND RESCUE FLIGHTS", "full"),
        ("AD CLSD EXC FOR EMERG FLTS", "full"),
        ("AD CLSD EXC EMERG FLTS H24", "full"),
        ("AD CLSD EXC EMERG LDG AND ALTN", "full"),
        ("AD CLSD EXC EMERG FLTS DUE TO BALLOONS", "full"),
        ("AD CLSD EXC EMERG FLTS H24 DUE TO BALLOONS", "full"),
        ("AD CLSD EXC FIRE FIGHTING FLTS", "full"),
        ("AD CLSD EXC MIL FLTS DUE TO BALLOONS", "partial"),
        ("AD CLSD FOR LDG EXC ACFT IN EMERG", "arrivals"),
        ("AD CLSD EXC EMERG FLTS AND MIL FLTS.", "partial"),
        ("AD CLSD EXC STATE ACFT, HOSP FLTS AND FLTS APV BY ATC", "partial"),
        ("AD CLSD EXC SKED COMMERCIAL FLTS, MEDEVAC FLTS,", "partial"),
        ("AD CLSD EXC LDG", "partial"),
        ("AD CLSD. EXC EMERG. PPR", "partial"),
        # both directions in either order; reasons, bans and the open direction name no exception
        # (found by a fresh-eyes trial: each was departures or partial, out of the headline)
        ("AD CLSD FOR TKOF AND LDG DUE TO BALLOONS.", "full"),
        ("AD CLSD FOR DEP AND ARR", "full"),
        ("AD CLSD FOR TKOF/LDG", "full"),
        ("AD CLSD DUE TO BALLOONS. NO DEP PERMITTED.", "full"),
        ("AD CLSD DUE TO MIL EXER.", "full"),
        ("AD CLSD DUE TO HEL CRASH ON RWY", "full"),
        ("AD CLSD DUE TO IFR CONDITIONS", "full"),
        ("AD CLSD DUE TO GA ACFT ACCIDENT", "full"),
        ("AD CLSD DUE TO BALLOONS. UNLESS OTHERWISE ADVISED BY ATC", "full"),
        ("AD CLSD FOR ARR. DEP PERMITTED.", "arrivals"),
        ("AD CLSD DUE TO WIP EXC MIL FLTS", "partial"),
        ("AD CLSD DUE TO BALLOONS ONLY HEL FLTS PERMITTED", "partial"),
        ("AD CLSD. ONLY MIL FLTS PERMITTED", "partial"),
        ("AD CLSD UNLESS PPR", "partial"),
        # the re-check of those (found by a second fresh-eyes trial): a reason ends at a comma, a
        # bracket or words of an exception; only traffic bans, not direction bans, are exceptions
        ("AD CLSD DUE TO BALLOONS, MIL FLTS ONLY", "partial"),
        ("AD CLSD DUE TO BALLOONS FOR CIV FLTS", "partial"),
        ("AD CLSD DUE TO BALLOONS, AD AVBL FOR MIL AND SAR FLTS", "partial"),
        ("AD CLSD DUE TO BALLOONS, GA FLTS ALLOWED WITH PPR", "partial"),
        ("AD CLSD DUE TO BALLOONS (CIV FLTS ONLY AFFECTED)", "partial"),
        ("AD CLSD. NO VFR FLTS PERMITTED", "partial"),
        ("AD CLSD. ONLY LDG PERMITTED", "partial"),
        ("AD CLSD FOR ALL TFC. DEP PERMITTED", "arrivals"),
        ("AD CLSD. LDG PERMITTED", "departures"),
        ("AD CLSD FOR ARR. NO DEP PERMITTED", "full"),
        ("AD CLSD FOR ARR & DEP", "full"),
        ("AD CLSD FOR ARR, DEP", "full"),
        ("CLOSED FOR LANDING, TAKE-OFF", "full"),
        # a third trial: no flights at all, emergency landings, both directions banned, the
        # direction left open after a comma
        ("AD CLSD. NO FLTS PERMITTED", "full"),
        ("AD CLSD. NIL OPS PERMITTED", "full"),
        ("AD CLSD. EMERG LDG PERMITTED", "full"),
        ("AD CLSD. ARR PERMITTED FOR EMERG ONLY", "full"),
        ("AD CLSD DUE TO BALLOONS. NO TKOF OR LDG PERMITTED", "full"),
        ("AD CLSD FOR ARR, DEP PERMITTED", "arrivals"),
        ("AD CLSD FOR DEP, ARR PERMITTED", "departures"),
        # emergency flights permitted in other words; days excluded; every kind of traffic; a
        # reason without DUE; an exception after a reason without punctuation; one kind of traffic
        ("AD CLSD. ONLY EMERG FLTS PERMITTED", "full"),
        ("AD CLSD DUE TO BALLOONS. THIS RESTRICTION DOES NOT APPLY TO SAR FLTS", "full"),
        ("AD CLSD EXC FLT WITH STS/HOSP, STS/SAR, STS/MEDEVAC", "full"),
        ("AD CLSD EXC AIR AMBULANCE FLTS", "full"),
        ("AD CLSD DAILY 1800-2000 EXC SUN", "full"),
        ("AD CLSD MON-FRI EXC HOL", "full"),
        ("AD CLSD TO CIV AND MIL TFC DUE TO BALLOONS", "full"),
        ("AD CLSD TO IFR/VFR TFC", "full"),
        ("AD CLSD FOR MIL EXER", "full"),
        ("AD CLSD. REASON: MIL EXER", "full"),
        ("AD CLSD DUE TO BALLOONS MIL FLTS ONLY", "partial"),
        ("AD CLSD DUE TO BALLOONS - MIL FLTS EXEMPT", "partial"),
        ("AD CLSD FOR SKED FLTS", "partial"),
        ("AD CLSD. OPS SUBJ TO ATC APPROVAL", "partial"),
        ("AD CLSD FOR INBOUND TFC", "arrivals"),
        # the direction of the aircraft named, weight, size and equipment, a state of emergency
        ("AD CLSD FOR ACFT LDG", "arrivals"),
        ("AD CLSD TO ACFT ARR", "arrivals"),
        ("AD CLSD FOR ACFT TKOF", "departures"),
        ("AD CLOSED FOR FLIGHTS DEPARTING", "departures"),
        ("AD CLSD FOR ACFT LDG AND TKOF", "full"),
        ("AD CLSD FOR ACFT WITH MTOW ABOVE 5700KG", "partial"),
        ("AD CLSD FOR ACFT WITHOUT TRANSPONDER", "partial"),
        ("AD CLSD FOR ACFT WITH WINGSPAN OVER 36M", "partial"),
        ("AD CLSD EXC ACFT IN STATE OF EMERGENCY", "full"),
        ("AD CLSD EXC ACFT IN A STATE OF EMERGENCY AND HOSP FLTS", "full"),
        # found by a re-check of those: words near them that name no exception
        ("AD CLSD TO ACFT LANDING OR TAKING OFF", "full"),
        ("AD CLSD FOR ALL ACFT LDG", "arrivals"),
        ("AD CLSD FOR ALL FLIGHTS DEPARTING", "departures"),
        ("AD CLSD DUE TO HOT AIR BALLOONS. TRANSPONDER MANDATORY IN CTR", "full"),
        ("AD CLSD. ACFT STAND 14T", "full"),
        ("AD CLSD. BALLOONS CARRYING 20 KG OF CIGARETTES OBS", "full"),
        ("AD CLSD FOR ACFT ABOVE 5.7 T", "partial"),
        ("AD CLSD FOR ACFT NOT EQUIPPED WITH MODE S TRANSPONDER", "partial"),
        ("AD CLSD. NOT APPLICABLE TO ACFT IN STATE OF EMERGENCY", "full"),
        ("AD CLSD EXC ACFT IN EMERGENCY STATE", "full"),
        # …and by a re-check of those fixes: the other ways a weight or equipment is a limit
        ("AD CLSD FOR ACFT 5700 KG AND ABOVE", "partial"),
        ("AD CLSD FOR ACFT OF 5.7 T OR MORE", "partial"),
        ("AD CLSD FOR ACFT > 5700 KG", "partial"),
        ("AD CLSD FOR ACFT WITH MASS OF 5700KG AND MORE", "partial"),
        ("AD CLSD FOR ACFT WITHOUT SERVICEABLE TRANSPONDER", "partial"),
        ("AD CLSD FOR ACFT WITHOUT MODE A/C", "partial"),
        ("AD CLSD FOR ACFT WITHOUT SSR", "partial"),
        ("AD CLSD FOR ACFT WITH TRANSPONDER U/S", "partial"),
        ("AD CLSD FOR ACFT WITH INOPERATIVE TRANSPONDER", "partial"),
        ("AD CLSD EXC EMERG STATE AND HOSP FLTS", "partial"),  # state aircraft
        ("AD CLSD EXC EMERGENCY STATE ACFT", "partial"),
        ("AD CLSD. RWY 14/32 AND TWY T CLSD. SFC-5000FT", "full"),
        ("AD CLSD. OBST ABOVE 1000 FT OVER 5 NM", "full"),
        # …and by a third: a reason's words (a balloon's payload, radar targets), more wordings
        ("AD CLSD DUE TO BALLOONS (RADAR TRACKS WITHOUT SSR)", "full"),
        ("AD CLSD DUE TO BALLOONS. OBJECTS WITHOUT SSR DETECTED", "full"),
        ("AD CLSD DUE TO POWER FAILURE, TRANSPONDER U/S", "full"),
        ("AD CLSD. DME TRANSPONDER U/S", "full"),
        ("AD CLSD. BALLOONS CARRYING UP TO 20 KG OF CIGARETTES", "full"),
        ("AD CLSD DUE TO BALLOONS. PAYLOAD OVER 2 KG", "full"),
        ("AD CLSD FOR ACFT MORE THAN 5700KGS", "partial"),
        ("AD CLSD FOR ACFT IN EXCESS OF 5 700 KG", "partial"),
        ("AD CLSD FOR NON MODE-S ACFT", "partial"),
        ("AD CLSD FOR ACFT WITHOUT MODE-S TRANSPONDER", "partial"),
        ("AD CLSD EXC ACFT IN AN EMERGENCY", "full"),
        ("AD CLSD EXC ACFT DECLARING AN EMERGENCY", "full"),
        ("AD CLSD DUE TO BALLOONS. EMERG, HOSP AND SAR FLTS EXEMPTED", "full"),
        ("AD CLSD. MIL FLTS EXEMPTED", "partial"),
        # …and wordings the last note listed as missed: other equipment, categories, weights alone
        ("AD CLSD FOR ACFT WITHOUT TCAS", "partial"),
        ("AD CLSD FOR ACFT WITHOUT RADIO", "partial"),
        ("AD CLSD FOR ACFT WITHOUT ADS-B", "partial"),
        ("AD CLSD FOR NORDO ACFT", "partial"),
        # …the short forms of "without" the note after listed (rules revision 9)
        ("AD CLSD FOR ACFT WO TRANSPONDER", "partial"),
        ("AD CLSD FOR ACFT W/O 8.33 KHZ", "partial"),
        ("AD CLSD FOR ACFT WITH NO ADS-B", "partial"),
        ("AD CLSD FOR ACFT NOT FITTED WITH MODE S", "partial"),
        ("AD CLSD TO TFC WITHOUT TRANSPONDER", "partial"),
        ("AD CLSD DUE TO BALLOON TFC WITHOUT TRANSPONDER", "full"),
        ("AD CLSD DUE TO BALLOONS W/O TRANSPONDER", "full"),
        ("AD CLSD. ACFT WO TRANSPONDER CTC TWR", "full"),
        # equipment lacking limits a closure only as those it is for or to; else it is the hazard
        ("AD CLSD DUE TO BALLOONS, TFC W/O TRANSPONDER OBSERVED IN THE AREA", "full"),
        ("AD CLSD, UNIDENTIFIED TFC WITHOUT TRANSPONDER IN CTR", "full"),
        ("AD CLSD DUE TO UNIDENTIFIED OBJECTS, TRAFFIC WITH NO TRANSPONDER DETECTED", "full"),
        ("AD CLSD H24 DUE TO UAS ACTIVITY, TFC WO TRANSPONDER PROHIBITED IN CTR", "full"),
        ("AD CLSD DUE TO ATC RADAR U/S, ACFT WITH NO TRANSPONDER CANNOT BE IDENTIFIED", "full"),
        ("AD CLSD FOR DEP DUE TO BALLOONS, TFC W/O TRANSPONDER", "departures"),
        ("AD CLSD FOR NON-TRANSPONDER TFC", "partial"),
        ("AD CLSD FOR TFC WITH TRANSPONDER U/S", "partial"),
        ("AD CLSD FOR FLIGHTS WITHOUT TRANSPONDER", "partial"),
        ("AD CLSD FOR ACFT W/OUT TRANSPONDER", "partial"),
        ("AD CLSD FOR ALL ACFT WITHOUT TCAS", "partial"),
        ("AD CLSD FOR ACFT NOT SSR EQUIPPED", "partial"),
        ("AD CLSD FOR ACFT NON-TRANSPONDER EQUIPPED", "partial"),
        ("AD CLSD FOR CAT C AND ABOVE", "partial"),
        ("AD CLSD FOR CODE E ACFT", "partial"),
        ("AD CLSD FOR CAT D/E ACFT", "partial"),
        ("AD CLSD FOR OVER 12500 LBS", "partial"),
        ("AD CLSD FOR OVER 12 500 LBS", "partial"),
        ("AD CLSD ABOVE 5.7 T", "partial"),
        ("AD CLSD DUE TO BALLOONS. ILS CAT II NOT AVBL", "full"),
        ("AD CLSD DUE TO BALLOONS. RADIO FREQ 118.2 U/S", "full"),
        ("AD CLSD DUE TO BALLOONS CARRYING OVER 20 KG", "full"),
        ("AD CLSD. CODE RED", "full"),
        # …and by a re-check of those: whom the closure includes, information after it, weights
        # of other things, and more wordings of a limit
        ("AD CLSD TO ALL ACFT CAT A AND ABOVE", "full"),
        ("AD CLSD DUE TO BALLOONS. ALL CAT A AND ABOVE ACFT", "full"),
        ("AD CLSD TO ALL ACFT INCLUDING NORDO ACFT", "full"),
        ("AD CLSD TO ALL ACFT INCLUDING ACFT WITHOUT RADIO", "full"),
        ("AD CLSD TO ALL ACFT INCLUDING HEL EXC MIL", "partial"),
        ("AD CLSD. SMUGGLING BALLOONS CARRYING UP TO 2 T OF CONTRABAND", "full"),
        ("AD CLSD (SMUGGLING BALLOONS CARRYING UP TO 2 T OF CONTRABAND)", "full"),
        ("AD CLSD. WX BALLOONS UP TO 2000 KG RELEASED", "full"),
        ("AD CLSD. UNEXPLODED ORDNANCE OVER 1000 LBS FOUND", "full"),
        ("AD CLSD. CRANE OVER 5 T ERECTED NEAR THR 27", "full"),
        ("AD CLSD. UP TO 5 T OF DEBRIS ON RWY", "full"),
        ("AD CLSD. RWY 09/27 CAT C AND ABOVE APCH PROC NOT AVBL", "full"),
        ("AD CLSD DUE TO BALLOONS. DE-ICING NOT AVBL FOR CODE E ACFT", "full"),
        ("AD CLSD. CODE C ACFT STAND 5 CLSD", "full"),
        ("AD CLSD. NORDO ACFT SQUAWK 7600", "full"),
        ("AD CLSD. ACFT WITHOUT RADIO CONTACT CTC TWR", "full"),
        ("AD CLSD. TCAS RA EXPECTED. ACFT WITHOUT TCAS", "full"),
        ("AD CLSD DUE TO BALLOONS. RFFS CAT A AND ABOVE NOT AVBL", "full"),
        ("AD CLSD. VOR/DME CAT B AND ABOVE APCH SUSPENDED", "full"),
        ("AD CLSD DUE TO BALLOONS. RWY 14 MAX WINGSPAN 36M", "full"),
        ("AD CLSD FOR CAT C/D/E", "partial"),
        ("AD CLSD FOR CAT D AND E", "partial"),
        ("AD CLSD FOR CAT C, D AND E", "partial"),
        ("AD CLSD FOR CAT C-E ACFT", "partial"),
        ("AD CLSD FOR ACFT CODE 4E", "partial"),
        ("AD CLSD FOR ACFT CODE LETTER E AND F", "partial"),
        ("AD CLSD FOR NORDO", "partial"),
        ("AD CLSD TO NORDO TFC", "partial"),
        ("AD CLSD FOR 5700 KG AND ABOVE", "partial"),
        ("AD CLSD TO TFC 5.7 T AND ABOVE", "partial"),
        ("AD CLSD FOR OVER 12500 POUNDS", "partial"),
        ("AD CLSD FOR ACFT WITH TCAS U/S", "partial"),
        ("AD CLSD FOR ACFT WITH RADIO INOP", "partial"),
        ("AD CLSD FOR ACFT WITHOUT 8.33 KHZ", "partial"),
        ("AD CLSD FOR TRANSPONDER-LESS ACFT", "partial"),
        ("AD CLSD FOR ACFT WITH SPAN MORE THAN 36 M", "partial"),
        # …and by a re-check of that: the closing sentence is the unit (times, days and brackets in
        # it), a part of the aerodrome closed is not the aerodrome, and more wordings
        ("AD CLSD 0800-1000, 1400-1600 FOR ACFT WITHOUT TCAS", "partial"),
        ("AD CLSD MON, WED, FRI FOR ACFT ABOVE 5700 KG", "partial"),
        ("AD CLSD, FOR ACFT ABOVE 5700 KG", "partial"),
        ("AD CLSD FOR ACFT (MTOW ABOVE 5700 KG)", "partial"),
        ("AD CLSD TO ACFT (CAT C AND ABOVE)", "partial"),
        ("ACFT ABOVE 5700 KG: AD CLSD", "full"),  # before the closing word: read as information (a known miss)
        ("AD CLSD TO OPS ABOVE 5700 KG", "partial"),
        ("AD CLSD FOR ACFT ABV 5700KG", "partial"),
        ("AD CLSD FOR ALL TFC INCLUDING OVERFLIGHTS, VFR FLTS ALLOWED", "partial"),
        ("AD CLSD DUE TO BALLOONS. TWY C CLSD FOR ACFT WITH WINGSPAN MORE THAN 36M", "full"),
        ("AD CLSD. RWY 09/27 CLSD FOR ACFT ABOVE 5700 KG", "full"),
        ("AD CLSD. APRON 2 CLSD FOR CODE E ACFT", "full"),
        ("AD CLSD AND NORDO PROC APPLY", "full"),
        ("AD CLSD FOR ALL ACFT CAT A, B, C AND D", "full"),
        ("AD CLSD FOR ALL ACFT CAT A-E", "full"),
        ("AD CLSD FOR CAT A AND ABV", "full"),
        ("AD CLSD TO ALL ACFT INCL NORDO ACFT", "full"),
        ("AD CLSD TO ALL ACFT INCL HEL", "full"),
        # …and by a third: what follows the closing word counts, information and asides do not
        ("AD CLSD DUE TO HOT AIR BALLOONS, ACFT WITHOUT RADIO CONTACT CTC ACC 132.1", "full"),
        ("AD CLSD DUE TO BALLOONS, NORDO ACFT SQUAWK 7600 AND PROCEED TO ALTN", "full"),
        ("AD CLSD (NORDO ACFT SQUAWK 7600)", "full"),
        ("AD CLSD DUE TO BALLOONS (UNIDENTIFIED ACFT WITHOUT TRANSPONDER)", "full"),
        ("DISABLED B747 (MTOW 396 T) ON RWY 09/27, AD CLSD", "full"),
        ("AD CLSD TO ALL TFC INCLUDING VFR, IFR AND MIL", "full"),
        ("AD CLSD TO ALL ACFT INCLUDING GA, MIL AND HEL", "full"),
        ("AD CLSD FOR ALL FLTS (INCLUDING HEL, MIL AND STATE ACFT)", "full"),
        ("AD CLSD FOR ACFT CAT A AND B", "partial"),
        ("AD CLSD FOR ACFT CAT A-C", "partial"),
        ("AD CLSD FOR ALL ACFT CAT A THRU E", "full"),
        ("TWY A AND AD CLSD FOR ACFT WITHOUT TRANSPONDER", "partial"),
        ("RWY 09/27 AND AD CLSD FOR ACFT ABOVE 5700 KG", "partial"),
        ("AD CLSD FOR ACFT NORDO", "partial"),
        ("AD CLSD, RWY 09/27 CLSD FOR ACFT ABOVE 5700 KG", "full"),
        ("AD CLSD FOR ACFT WITH RADIO FAILURE", "partial"),
    ],
)
def test_scope(text: str, scope: str) -> None:
    assert scope_of(text) == scope


@pytest.mark.parametrize(
    "hostile",
    [
        "AD CLSD INCLUDING X," + "A" * 10_000,
        "AD CLSD. RWY " + "/" * 10_000,
        "AD CLSD " + "CLSD " * 2_000,
        "AD CLSD INCL " + "A, " * 3_000,
        "AD CLSD DUE TO X (" + "A " * 4_000,
    ],
    ids=["incl-long-word", "rwy-slashes", "clsd-repeated", "incl-long-list", "open-bracket"],
)
def test_a_hostile_text_is_read_at_once(hostile: str) -> None:
    """Found by re-checks: `RWY` and slashes, and INCL before a long word, backtracked for hours
    (no timed assertion here: a pattern that backtracks again makes this test never end, which
    fails CI by its time limit)."""
    assert scope_of(hostile) == "full"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("AD CLSD DUE TO BALLOONS IN THE VICINITY OF THE AERODROME.", "balloons"),
        ("suspected smuggling balloons from Belarus", "balloons"),
        ("hibridinė ataka", "balloons"),
        ("HYBRID ATTACK", "balloons"),
        ("kontrabandiniai balionai", "balloons"),
        ("AD CLSD DUE UAS ACTIVITY", "drones"),
        ("DRONE SIGHTED", "drones"),
        ("pastebėti dronai", "drones"),
        ("bepilotis orlaivis", "drones"),
        ("AD CLSD DUE WIP.", "other"),
        ("uždaryta dėl rūko", "other"),
        ("AD CLSD.", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_cause_from_notam_text(text: str | None, cause: str) -> None:
    assert cause_of(text) == cause


REASONS = [
    ("balionai iš Baltarusijos", "balloons"),
    ("dronas virš oro uosto", "drones"),
    ("Dėl bepiločių orlaivių", "drones"),  # the plural and genitive spell it bepiloč-
    ("bepilotis orlaivis", "drones"),
    ("techninis gedimas", "other"),
    ("fog", "other"),
    ("nežinoma", "unknown"),
    ("unknown", "unknown"),
    ("-", "unknown"),
    ("unknown\u00a0", "unknown"),  # a no-break space is space (DuckDB's own regex took it as a letter)
    (None, "unknown"),
]


@pytest.mark.parametrize(("reason", "cause"), REASONS)
def test_cause_from_a_reports_reason(reason: str | None, cause: str) -> None:
    assert cause_of(reason, stated=True) == cause


def test_a_reports_reason_lands_with_the_cause_cause_of_gives(tmp_path: Path, ctx) -> None:
    """Found by a fresh-eyes trial: the SQL that reads a CSV's reason had its own copy of the words,
    without `bepiloč…` (drones), so a report and a NOTAM giving the same reason differed; a re-check
    found DuckDB's regex engine still read space and word edges otherwise. The SQL now calls the
    one rule."""
    rows = "".join(
        f"EYVI,2025-10-{day + 1:02d}T20:00,2025-10-{day + 1:02d}T21:00,{reason or ''},full\n"
        for day, (reason, _) in enumerate(REASONS)
    )
    path = build(tmp_path, ctx, rows)
    assert [cause for (cause,) in q(path, "select cause from closures order by closed_from")] == [
        cause for _, cause in REASONS
    ]


FLIGHTS = (
    "airport,direction,flight_number,scheduled_at,status,aircraft_type,seats,passengers\n"
    "EYVI,arrival,A1,2025-10-04T20:30,diverted,,,100\n"
    "EYVI,departure,D1,2025-10-04T21:00,cancelled,,,50\n"
)


def build(tmp_path: Path, ctx, closures: str, **params: object) -> Path:
    write(tmp_path, "closures/c.csv", "airport,closed_from,closed_until,reason,scope\n" + closures)
    write(tmp_path, "flights/f.csv", FLIGHTS)
    return build_warehouse(tmp_path, ctx, **params)


def q(path: Path, sql: str) -> list[tuple]:
    return warehouse.query(path, sql)[1]


@pytest.mark.parametrize(
    ("scope", "flights", "passengers", "arrivals", "departures"),
    [("full", 2, 150, 1, 1), ("arrivals", 1, 100, 1, 0), ("departures", 1, 50, 0, 1)],
)
def test_impact_counts_only_the_directions_a_closure_closes(
    tmp_path: Path, ctx, scope: str, flights: int, passengers: int, arrivals: int, departures: int
) -> None:
    path = build(tmp_path, ctx, f"EYVI,2025-10-04T20:00,2025-10-04T22:00,balloons,{scope}\n")
    assert q(
        path,
        "select scope, flights_affected, passengers_affected, arrivals, departures, in_headline from closure_impact",
    ) == [(scope, flights, passengers, arrivals, departures, True)]
    assert q(path, "select closures, flights_affected, passengers_affected from monthly_impact") == [
        (1, flights, passengers)
    ]


def test_partial_closures_are_shown_but_not_in_headline_totals(tmp_path: Path, ctx) -> None:
    path = build(
        tmp_path,
        ctx,
        "EYVI,2025-10-04T20:00,2025-10-04T21:00,balloons,arrivals\n"
        "EYVI,2025-10-04T20:10,2025-10-04T22:00,balloons,partial\n",
    )
    assert q(path, "select scope, flights_affected, in_headline from closure_impact order by scope") == [
        ("arrivals", 1, True),
        ("partial", 2, False),
    ]
    assert q(
        path,
        "select closures, closures_excluded, closed_minutes, flights_affected, passengers_affected from monthly_impact",
    ) == [(1, 1, 60.0, 1, 100)]


def test_headline_causes_are_a_setting(tmp_path: Path, ctx) -> None:
    closures = (
        "EYVI,2025-10-04T20:00,2025-10-04T20:45,AD CLSD DUE WIP,full\n"
        "EYVI,2025-10-04T20:45,2025-10-04T22:00,nežinoma,full\n"
    )
    default = build(tmp_path / "a", ctx, closures)
    assert q(default, "select cause, in_headline, flights_affected from closure_impact order by closed_from") == [
        ("other", False, 1),
        ("unknown", True, 1),
    ]
    assert q(default, "select closures, flights_affected from monthly_impact") == [(1, 1)]
    wide = build(tmp_path / "b", ctx, closures, headline_causes="balloons,unknown,other")
    assert q(wide, "select closures, flights_affected, passengers_affected from monthly_impact") == [(2, 2, 150)]


def test_an_unknown_cause_linked_to_a_balloon_incursion_is_balloons(tmp_path: Path, ctx) -> None:
    write(
        tmp_path,
        "incursions/i.jsonl",
        '{"detected_at": "2025-10-04T19:30", "lat": 54.70, "lon": 25.30, "source_id": "near", "kind": "balloon"}\n',
    )
    path = build(
        tmp_path,
        ctx,
        "EYVI,2025-10-04T20:00,2025-10-04T22:00,,full\nEYVI,2025-10-05T20:00,2025-10-05T22:00,,full\n",
    )
    assert q(path, "select day(closed_from), cause from closures order by closed_from") == [
        (4, "balloons"),
        (5, "unknown"),
    ]


def test_headline_causes_setting_is_validated() -> None:
    from balloons.errors import ConfigError
    from balloons.settings import load_settings

    assert load_settings(headline_causes=" Balloons , drones ").headline_causes == "balloons,drones"
    with pytest.raises(ConfigError, match="BALLOONS_HEADLINE_CAUSES"):
        load_settings(headline_causes="balloons,aliens")
