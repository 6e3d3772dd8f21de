from datetime import UTC, datetime
from pathlib import Path

import airportsdata
import pytest
from hypothesis import given
from hypothesis import strategies as st

from balloons.errors import RawFileError
from balloons.ingest.notam import Closure, Skipped, airport_coordinates, is_closure, items, parse, split
from balloons.ingest.rawfile import BadRecord, Record
from balloons.ingest.schedule import ScheduleError, windows

Q = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005"
MULTILINE = f"""GG EYVIYNYX
(A1801/25 NOTAMN
{Q}
A) EYVI B) 2510041916 C) 2510050150
E) AD CLSD DUE TO BALLOONS (RADAR TRACKS).)
"""


def one(text: str) -> Closure:
    (item,) = parse(text)
    assert isinstance(item, Closure), item
    return item


def spans(item: Closure) -> list[tuple[str, str]]:
    return [(r.fields["closed_from"][:16], r.fields["closed_until"][:16]) for r in item.records]


def test_multiline_closure() -> None:
    (rec,) = one(MULTILINE).records
    assert rec.fields["airport"] == "EYVI"
    assert rec.fields["closed_from"] == "2025-10-04T19:16:00+00:00"
    assert rec.fields["closed_until"] == "2025-10-05T01:50:00+00:00"
    assert rec.fields["notam_id"] == "A1801/25"
    assert rec.fields["reason"] == "AD CLSD DUE TO BALLOONS (RADAR TRACKS)."
    assert (rec.fields["window_index"], rec.fields["schedule"], rec.fields["scope"]) == ("0", "", "full")


def test_one_line_and_est_end() -> None:
    (rec,) = one(f"(A0002/25 NOTAMN {Q} A) EYKA B) 2510241736 C) 2510242335 EST E) AD CLSD.)").records
    assert rec.fields["until_estimated"] == "true"
    assert rec.fields["notes"] == "end time estimated (EST)"
    assert rec.fields["airport"] == "EYKA"


def test_each_active_window_is_its_own_record() -> None:
    item = one(
        f"(A0651/15 NOTAMN {Q}\nA) EYVI B) 1603252200 C) 1603262245\nD) DAILY 2200-2245\n"
        "E) AD CLSD FOR LDG, DAILY 0100-0145 LMT.)"
    )
    assert spans(item) == [("2016-03-25T22:00", "2016-03-25T22:45"), ("2016-03-26T22:00", "2016-03-26T22:45")]
    assert [r.fields["window_index"] for r in item.records] == ["0", "1"]
    assert {r.fields["schedule"] for r in item.records} == {"DAILY 2200-2245"}
    assert {r.fields["scope"] for r in item.records} == {"arrivals"}
    assert {r.fields["notam_id"] for r in item.records} == {"A0651/15"}


def test_unreadable_schedule_quarantines_the_notam_naming_it() -> None:
    (item,) = parse(
        f"(A0001/25 NOTAMN {Q} A) EYVI B) 2510041900 C) 2510100300 D) MON-FRI EXC HOL 2000-0300 E) AD CLSD.)"
    )
    assert isinstance(item, BadRecord)
    assert "schedule D) 'MON-FRI EXC HOL 2000-0300'" in item.reason
    assert item.raw.startswith("(A0001/25 NOTAMN")


@pytest.mark.parametrize(
    ("e", "expected", "in_text"),
    [
        (
            "AD CLSD DUE TO STAFF SHORTAGES1100-1200 AND 1500-1600",
            [("2018-09-23T11:00", "2018-09-23T12:00"), ("2018-09-23T15:00", "2018-09-23T16:00")],
            "false",
        ),
        ("AD CLSD 1100-1200 LMT", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD MON 1100-1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD", [("2018-09-23T08:00", "2018-09-23T18:00")], "false"),
        # other ways to write times (found by a fresh-eyes trial: read as no schedule at all)
        ("AD CLSD FM 1100 TO 1200 DUE TO BALLOONS", [("2018-09-23T11:00", "2018-09-23T12:00")], "false"),
        ("AD CLSD BTN 1100 AND 1200", [("2018-09-23T11:00", "2018-09-23T12:00")], "false"),
        ("AD CLSD 1100Z-1200Z", [("2018-09-23T11:00", "2018-09-23T12:00")], "false"),
        # local times are not read as UTC (found by a fresh-eyes trial)
        ("AD CLSD 1100-1200 LT", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100-1200 (LT)", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100L-1200L", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100-1200 EEST", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        # the re-check (found by a second fresh-eyes trial): offsets of UTC and local words are
        # local; dates and heights are no times; times in forms not read are flagged
        ("AD CLSD 1100-1200 UTC+3", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100-1200 GMT+3", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100-1200 LCL", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100-1200 VILNIUS TIME", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD FROM 2018-09-23 1100 TO 2018-09-23 1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 11:00-12:00 UTC", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100LT-1200LT", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD DUE TO BALLOONS BTN 1000 AND 2000 FT AMSL", [("2018-09-23T08:00", "2018-09-23T18:00")], "false"),
        ("AD CLSD FM 1000 TO 2000 FT", [("2018-09-23T08:00", "2018-09-23T18:00")], "false"),
        # a third trial: times excepted, when something is open or permitted, heights in metres;
        # times in other forms are flagged
        ("AD CLSD EXC 1100-1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD. FLTS PERMITTED 1100-1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD. REOPENED 1100-1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD DUE TO BALLOONS. ATS HR 0500-2100", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD DUE TO BALLOONS OBS BTN 1000 AND 2000 METRES", [("2018-09-23T08:00", "2018-09-23T18:00")], "false"),
        ("AD CLSD UNTIL 1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 231100-231200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
        ("AD CLSD 1100/1200", [("2018-09-23T08:00", "2018-09-23T18:00")], "true"),
    ],
)
def test_schedule_written_only_in_e(e: str, expected: list[tuple[str, str]], in_text: str) -> None:
    item = one(f"(C5256/18 NOTAMN {Q} A) EGKA B) 1809230800 C) 1809231800 E) {e})")
    assert spans(item) == expected
    assert {r.fields["schedule_in_text"] for r in item.records} == {in_text}


@pytest.mark.parametrize(
    ("e", "expected", "in_text"),
    [
        (
            "AD CLSD DAILY 2000-0300 DUE TO BALLOONS.",
            [(f"2025-07-{d:02d}T20:00", f"2025-07-{d + 1:02d}T03:00") for d in range(25, 30)],
            "false",
        ),
        (
            "AD CLSD MON-FRI 2000-0300.",
            [("2025-07-25T20:00", "2025-07-26T03:00")]
            + [(f"2025-07-{d}T20:00", f"2025-07-{d + 1}T03:00") for d in (28, 29)],
            "false",
        ),
        # days after the times, a runway, or bare day numbers: not unambiguous, so [B, C) and flagged
        ("AD CLSD DAILY 2000-0300 EXC 27.", [("2025-07-25T20:00", "2025-07-30T03:00")], "true"),
        ("RWY 01/19 CLSD DAILY 2000-2100. AD CLSD.", [("2025-07-25T20:00", "2025-07-30T03:00")], "true"),
        ("AD CLSD 26 28 2000-0300.", [("2025-07-25T20:00", "2025-07-30T03:00")], "true"),
        ("AD CLSD 2000-0300.", [("2025-07-25T20:00", "2025-07-30T03:00")], "true"),
    ],
)
def test_a_schedule_with_days_written_only_in_e(e: str, expected: list[tuple[str, str]], in_text: str) -> None:
    """Found by a fresh-eyes trial: `DAILY 2000-0300` in E) over five days landed as one closure of
    almost five days, counted in the headline; days written as D) writes them are read by D)'s rules."""
    item = one(f"(A0001/25 NOTAMN {Q} A) EYVI B) 2507252000 C) 2507300300 E) {e})")
    assert spans(item) == expected
    assert {r.fields["schedule_in_text"] for r in item.records} == {in_text}


def test_sunrise_schedule_uses_the_airport_position() -> None:
    text = f"(A0009/25 NOTAMN {Q} A) EYVI B) 2506210000 C) 2506220000 D) SR MINUS15-SS PLUS30 E) AD CLSD.)"
    (item,) = parse(text, coordinates=airport_coordinates(airportsdata.load("ICAO")))
    assert isinstance(item, Closure)
    # Vilnius on 21 June 2025: sunrise 04:42 and sunset 22:00 local (EEST, UTC+3), within a minute or two
    assert spans(item) == [("2025-06-21T01:26", "2025-06-21T19:29")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"(A0003/25 NOTAMN {Q} A) EYVI B) 2510041916 E) AD CLSD.)", "no C) item"),
        (f"(A0004/25 NOTAMN {Q} A) EYVI B) 2510041916 C) PERM E) AD CLSD.)", "permanently"),
        (f"(A0005/25 NOTAMN {Q} A) EYVI B) 2513041916 C) 2510050150 E) AD CLSD.)", "not a real date"),
        (f"(A0006/25 NOTAMN {Q} A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.", "not closed"),
        (
            "(A0007/25 NOTAMC Q) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 E) AD OPEN.)",
            "does not name",
        ),
    ],
)
def test_broken_notams_are_bad_records_with_their_own_text(text: str, reason: str) -> None:
    (rec,) = parse(text)
    assert isinstance(rec, BadRecord) and reason in rec.reason
    assert rec.raw == " ".join(text.split())


def test_cancellation_and_replacement_keep_their_reference() -> None:
    text = (
        f"(A0011/25 NOTAMR A0010/25\n{Q}\nA) EYVI B) 2510041916 C) 2510050330\nE) AD CLSD.)\n"
        "(A0012/25 NOTAMC A0011/25\nQ) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2510050000\nE) AD OPEN.)"
    )
    replace, cancel = parse(text)
    assert isinstance(replace, Closure)
    (window,) = replace.records
    assert (window.op, window.ref) == ("R", "A0010/25")
    assert window.fields["closed_until"] == "2025-10-05T03:30:00+00:00"
    assert isinstance(cancel, Record) and (cancel.op, cancel.ref) == ("C", "A0011/25")


def test_non_closures_are_skipped_not_dropped() -> None:
    text = (
        "(A1799/25 NOTAMN Q) EYVL/QRTCA/IV/BO/W/000/065/5430N02600E050 A) EYVL B) 2510010000 "
        "C) 2512312359 E) RESTRICTED AREA ACTIVATED.)"
    )
    assert list(parse(text)) == [Skipped(1, "A1799/25")]


@pytest.mark.parametrize(
    ("q", "e", "closed"),
    [
        ("EYVL/QFALC/IV", "", True),
        ("EYVL/QFAXX/IV", "AD CLSD", True),
        ("EYVL/QFAXX/IV", "TWY B CLSD", False),
        ("EYVL/QMRLC/IV", "RWY 01/19 CLSD", False),
        (None, "AERODROME CLOSED", True),
        ("LLLL/QFALT/IV", "CIRCUIT AND APCH WHILE THE AD IS CLSD", False),
    ],
)
def test_is_closure(q: str | None, e: str, closed: bool) -> None:
    assert is_closure(q, e) is closed


def test_text_without_notams_is_an_unreadable_file() -> None:
    with pytest.raises(RawFileError, match="no NOTAM"):
        list(parse("just some words"))


def test_items_e_text_may_contain_item_like_words() -> None:
    found = items("Q) X/QFALC A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD SEE A) ABOVE F) SFC G) UNL")
    assert found["E"] == "AD CLSD SEE A) ABOVE"
    assert found["G"] == "UNL"


def test_split_survives_heading_lines_line_ends_and_us_numbering() -> None:
    messages = [
        f"(A0001/25 NOTAMN {Q} A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD (SEE REF(A)).)",
        f"(04/118 NOTAMR {Q} A) EYVI B) 2510051916 C) 2510060150 E) AD CLSD.)",
        "!JFK 10/193 JFK AD AP CLSD 2310170300-2310171000",
        f"(A0002/25 NOTAMN {Q}\r\nA) EYKA B) 2510041916 C) 2510050150\r\nE) AD CLSD.)",
    ]
    text = (
        "ZCZC ABC123\rGG EYVIYNYX\r240740 AYPMYNYX\r" + messages[0] + "\rNNNN\r\n\r\nORIGINAL NOTAM\n"
        "RQR LTAA A1750/26\n"
        + messages[1]
        + "\n\n"
        + messages[2]
        + "\nNOTAM REPLACED BY A0225/26\n"
        + messages[3]
        + "\n"
    )
    chunks = [chunk for _, chunk in split(text)]
    assert [" ".join(c.split()) for c in chunks] == [" ".join(m.split()) for m in messages]
    kinds = [type(item).__name__ for item in parse(text)]
    assert kinds == ["Closure", "Closure", "Closure", "Closure"]
    jfk = [item for item in parse(text) if isinstance(item, Closure)][2].records[0].fields
    assert (jfk["airport"], jfk["notam_id"], jfk["closed_from"][:16]) == ("KJFK", "10/193", "2023-10-17T03:00")


def test_a_message_that_cannot_be_parsed_keeps_its_own_text() -> None:
    text = (
        f"(A0001/25 NOTAMN {Q} A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.)\n"
        f"(A0002/25 NOTAMN {Q} A) EYVI B) 2510041916 C) NEVER E) AD CLSD.)\n"
    )
    first, second = parse(text)
    assert isinstance(first, Closure)
    assert isinstance(second, BadRecord) and second.raw.startswith("(A0002/25 NOTAMN") and "NEVER" in second.raw


# --- the real corpus (57 NOTAMs from other projects' test data, never copied into this repository) -----

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "notams"
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/reference/notams/ is absent")
AIRPORTS = airportsdata.load("ICAO")

# file -> (closures, skipped, bad) messages
ACCOUNT = {
    "avwx-egll.notam": (2, 3, 0),
    "avwx-feed-cases.notam": (0, 6, 0),
    "avwx-kjfk.notam": (0, 2, 0),
    "avwx-phnl.notam": (1, 6, 0),
    "pynotam-israel.notam": (15, 16, 1),
    "rocketroutes-egka.notam": (1, 0, 0),
    "svoop-notam.notam": (0, 4, 0),
}

# notam id -> (scope, number of windows, first window, last window)
GOLDEN = {
    "A7477/23": ("full", 14, ("2023-10-04T22:00", "2023-10-05T03:30"), ("2023-10-26T22:00", "2023-10-27T03:30")),
    "A7811/23": ("full", 1, ("2023-10-31T23:30", "2023-11-01T04:00"), ("2023-10-31T23:30", "2023-11-01T04:00")),
    "04/118": ("partial", 1, ("2023-04-16T22:33", "2023-12-31T23:00"), ("2023-04-16T22:33", "2023-12-31T23:00")),
    "A0652/15": ("full", 1, ("2015-12-18T16:00", "2015-12-18T20:55"), ("2015-12-18T16:00", "2015-12-18T20:55")),
    "A1028/15": ("full", 1, ("2015-11-20T16:00", "2015-11-20T20:55"), ("2015-11-20T16:00", "2015-11-20T20:55")),
    "A0651/15": ("arrivals", 2, ("2016-03-25T22:00", "2016-03-25T22:45"), ("2016-03-26T22:00", "2016-03-26T22:45")),
    "A0947/15": ("partial", 1, ("2016-05-10T03:00", "2016-05-13T15:00"), ("2016-05-10T03:00", "2016-05-13T15:00")),
    "A1165/15": ("full", 1, ("2015-10-12T06:30", "2015-10-12T09:30"), ("2015-10-12T06:30", "2015-10-12T09:30")),
    "A1166/15": ("full", 1, ("2015-10-23T07:10", "2015-10-23T07:45"), ("2015-10-23T07:10", "2015-10-23T07:45")),
    "A1181/15": ("partial", 1, ("2015-10-07T12:00", "2015-10-07T12:30"), ("2015-10-07T12:00", "2015-10-07T12:30")),
    "A0946/15": ("partial", 10, ("2015-10-18T05:00", "2015-10-18T15:30"), ("2015-10-29T06:00", "2015-10-29T12:30")),
    "A1059/15": ("full", 3, ("2015-08-28T15:00", "2015-08-28T19:55"), ("2015-10-23T15:00", "2015-10-23T19:55")),
    "A0653/15": ("full", 3, ("2016-01-15T16:00", "2016-01-15T20:55"), ("2016-03-11T16:00", "2016-03-11T20:55")),
    "A0650/15": ("arrivals", 152, ("2015-10-25T23:00", "2015-10-25T23:45"), ("2016-03-24T23:00", "2016-03-24T23:45")),
    "C1920/15": ("full", 19, ("2015-10-18T07:25", "2015-10-18T10:15"), ("2015-10-29T08:25", "2015-10-29T11:15")),
    "C1921/15": ("full", 19, ("2015-10-18T07:25", "2015-10-18T10:15"), ("2015-10-29T08:25", "2015-10-29T11:15")),
    "C1899/15": ("partial", 1, ("2015-09-07T06:20", "2015-12-31T20:59"), ("2015-09-07T06:20", "2015-12-31T20:59")),
    "C0120/15": ("partial", 1, ("2015-01-22T08:50", "2015-12-31T21:59"), ("2015-01-22T08:50", "2015-12-31T21:59")),
    "C5256/18": ("full", 2, ("2018-09-23T11:00", "2018-09-23T12:00"), ("2018-09-23T15:00", "2018-09-23T16:00")),
}


def corpus_items() -> dict[str, list[object]]:
    return {
        path.name: list(parse(path.read_bytes().decode("utf-8"), coordinates=airport_coordinates(AIRPORTS)))
        for path in sorted(CORPUS.glob("*.notam"))
    }


@corpus
def test_corpus_every_message_is_accounted_for() -> None:
    found = corpus_items()
    account = {
        name: (
            sum(isinstance(i, Closure) for i in got),
            sum(isinstance(i, Skipped) for i in got),
            sum(isinstance(i, BadRecord) for i in got),
        )
        for name, got in found.items()
    }
    assert account == ACCOUNT
    assert sum(len(got) for got in found.values()) == 57
    (bad,) = [i for got in found.values() for i in got if isinstance(i, BadRecord)]
    assert "A0957/15" in bad.reason and "PERM" in bad.reason and bad.raw.startswith("(A0957/15 NOTAMN")


@corpus
def test_corpus_windows_and_scopes() -> None:
    closures = {
        i.records[0].fields["notam_id"]: i for got in corpus_items().values() for i in got if isinstance(i, Closure)
    }
    assert set(closures) == set(GOLDEN)
    for notam_id, (scope, count, first, last) in GOLDEN.items():
        windows = spans(closures[notam_id])
        assert (notam_id, len(windows), windows[0], windows[-1]) == (notam_id, count, first, last)
        assert {r.fields["scope"] for r in closures[notam_id].records} == {scope}, notam_id
        assert [r.fields["window_index"] for r in closures[notam_id].records] == [str(n) for n in range(count)]


@corpus
def test_corpus_runway_and_taxiway_closures_never_become_airport_closures() -> None:
    skipped = {i.notam_id for got in corpus_items().values() for i in got if isinstance(i, Skipped)}
    assert {
        "A6965/23",
        "A7544/23",
        "A7545/23",
        "01/230",
        "10/193",
        "10/222",
        "10/206",
        "10/218",
        "A1083/15",
        "A0835/15",
        "A1138/15",
        "A0920/15",
        "A1168/15",
    } <= skipped


# --- properties: splitting never loses or merges messages; schedules fail only with ScheduleError ---

HEADINGS = st.sampled_from(
    [
        "",
        "ZCZC ABC123",
        "NNNN",
        "GG EYVIYNYX EYKAYNYX",
        "240740 AYPMYNYX",
        "ORIGINAL NOTAM",
        "RQR LTAA A1750/26",
        "NOTAM REPLACED BY A0225/26",
        "   ",
    ]
)
E_TEXTS = st.sampled_from(
    [
        "AD CLSD.",
        "AD CLSD (SEE REF(A)).",
        "RWY 01/19 CLSD\nDUE WIP.",
        "AD CLSD\nC) NOT AN ITEM",
        "TWY A CLSD (BTN B) AND C))",
    ]
)


@given(
    parts=st.lists(
        st.tuples(HEADINGS, st.sampled_from(["A", "C", "M"]), st.integers(1, 9999), E_TEXTS), min_size=1, max_size=6
    ),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_split_keeps_every_message_whatever_surrounds_it(parts: list[tuple[str, str, int, str]], eol: str) -> None:
    messages = [
        f"({series}{number:04d}/25 NOTAMN\n{Q}\nA) EYVI B) 2510041916 C) 2510050150\nE) {e})"
        for _, series, number, e in parts
    ]
    text = eol.join(
        f"{heading}\n\n{message}".replace("\n", eol) for (heading, *_), message in zip(parts, messages, strict=True)
    )
    assert [" ".join(chunk.split()) for _, chunk in split(text)] == [" ".join(m.split()) for m in messages]
    assert len(list(parse(text))) == len(messages)


@given(text=st.text(alphabet="0123456789 -,ABCDEFGHIJKLMNOPRSTUVWXY", max_size=80))
def test_schedule_reader_fails_only_with_schedule_errors(text: str) -> None:
    """Any text gives ordered, disjoint windows inside [B, C), or a ScheduleError saying why."""
    start, end = datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC)
    try:
        found = windows(text, start=start, end=end)
    except ScheduleError as exc:
        assert str(exc)
        return
    assert found
    assert all(start <= opens < closes <= end for opens, closes in found)
    assert all(a[1] < b[0] for a, b in zip(found, found[1:], strict=False))


def test_times_in_e_next_to_other_words_are_not_a_schedule() -> None:
    item = one(f"(A0400/25 NOTAMN {Q} A) EYVI B) 2510040600 C) 2510041800 E) AD CLSD, RWY 01 AVBL 0800-1000.)")
    assert spans(item) == [("2025-10-04T06:00", "2025-10-04T18:00")]
    assert item.records[0].fields["schedule_in_text"] == "true"


@pytest.mark.parametrize(
    "header",
    ["(A0402/2025 NOTAMN", "(A0402/25 NOTAMM", "(A0402 NOTAMN", "(AB402/25", "(A10402/25", "(NOTAMN A0402/25"],
)
def test_a_message_with_a_header_written_wrong_is_its_own_not_words_of_the_one_before(header: str) -> None:
    """Found by a fresh-eyes trial: such a message became E) text of the message before it, whose
    cause then read `balloons` from it; nothing was quarantined."""
    first = f"(A0401/25 NOTAMN\n{Q}\nA) EYVI B) 2507201800 C) 2507202000\nE) AD CLSD DUE WIP.)\n"
    second = f"{header}\n{Q}\nA) EYVI B) 2507211800 C) 2507212000\nE) AD CLSD DUE TO BALLOONS.)\n"
    closure, bad = parse(first + second)
    assert isinstance(closure, Closure) and closure.records[0].fields["reason"] == "AD CLSD DUE WIP."
    assert isinstance(bad, BadRecord) and bad.raw == " ".join(second.split())


def test_a_message_without_q_or_e_is_quarantined_not_skipped() -> None:
    (item,) = parse("(A0500/25 NOTAMN garbage in the body)")
    assert isinstance(item, BadRecord) and "neither a Q) nor an E)" in item.reason
    assert item.raw == "(A0500/25 NOTAMN garbage in the body)"


def test_a_message_that_starts_mid_line_is_a_message_of_its_own() -> None:
    """Found by a fresh-eyes trial: a second NOTAM on the line of the first was read as part of
    the first's E) text: neither landed nor counted. A header quoted in E) text is text (a second
    review found a first version of this split it off)."""
    second = "(A3002/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5453N02506E005 A) EYKA B) 2507030000 C) 2507030200 E) AD CLSD DUE TO BALLOONS.)"
    first = "(A3001/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2507020000 C) 2507020200 E) AD CLSD DUE TO BALLOONS.)"
    for text in (f"{first} {second}\n", f"{first}{second}\n"):
        found = list(parse(text))
        assert [(type(i).__name__, i.records[0].fields["notam_id"]) for i in found] == [
            ("Closure", "A3001/25"),
            ("Closure", "A3002/25"),
        ], text
        assert found[0].records[0].fields["airport"] == "EYVI" and found[1].records[0].fields["airport"] == "EYKA"
    quoting = first.replace("BALLOONS.)", "BALLOONS. THIS NOTAM REPLACES (A0010/25 NOTAMN) ISSUED EARLIER.)")
    (only,) = parse(f"{quoting}\n")
    assert isinstance(only, Closure) and "REPLACES (A0010/25 NOTAMN) ISSUED" in only.raw


def test_a_message_in_lower_case_is_a_message_of_its_own() -> None:
    """Found by a fresh-eyes trial: a message written in lower case was read as E) text of the
    one before it, neither landed nor counted."""
    first = f"(A3001/25 NOTAMN {Q} A) EYVI B) 2510011000 C) 2510011200 E) AD CLSD DUE TO BALLOONS.)"
    second = f"(A3002/25 NOTAMN {Q} A) EYVI B) 2510021000 C) 2510021200 E) AD CLSD DUE TO BALLOONS.)".lower()
    found = list(parse(f"{first}\r\n{second}\r\n"))
    assert [i.records[0].fields["notam_id"] for i in found if isinstance(i, Closure)] == ["A3001/25", "A3002/25"]
    assert found[0].records[0].fields["reason"] == "AD CLSD DUE TO BALLOONS."
    assert found[1].raw == second and found[1].records[0].fields["closed_from"] == "2025-10-02T10:00:00+00:00"
    items_only = f"(A3003/25 NOTAMN {Q.lower()} a) eyvi b) 2510031000 c) 2510031200 e) ad clsd.)"
    (mixed,) = parse(items_only)
    assert isinstance(mixed, Closure) and mixed.records[0].fields["airport"] == "EYVI"
    some = f"(A3004/25 NOTAMN {Q} a) eyvi b) 2510041000 c) 2510061200 d) daily 1000-1200 E) AD CLSD.)"
    (partly,) = parse(some)
    assert isinstance(partly, Closure) and len(partly.records) == 3


def test_every_aerodrome_a_notam_names_closes() -> None:
    """Found by a fresh-eyes trial: `A) EYVI EYKA` closed EYVI alone; EYKA was dropped silently."""
    item = one(f"(A3016/25 NOTAMN {Q} A) EYVI EYKA B) 2510161000 C) 2510170300 D) DAILY 1000-1200 E) AD CLSD.)")
    assert [(r.fields["airport"], r.fields["closed_from"][:13], r.fields["window_index"]) for r in item.records] == [
        ("EYVI", "2025-10-16T10", "0"),
        ("EYKA", "2025-10-16T10", "0"),
    ]


def test_a_us_domestic_location_is_its_icao_code() -> None:
    """Found by a fresh-eyes trial: Anchorage (ANC) became KANC; it is PANC."""
    codes = [
        one(f"!{loc} 11/001 {loc} AD AP CLSD 2511010300-2511011000").records[0].fields["airport"]
        for loc in ("ANC", "HNL", "JFK")
    ]
    assert codes == ["PANC", "PHNL", "KJFK"]


def test_a_message_on_a_teletype_line_is_kept() -> None:
    """A second review: `ZCZC AAA001 (A0021/25 NOTAMN` lost the message, uncounted."""
    text = (
        "ZCZC AAA001 (A0021/25 NOTAMN\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\n"
        "A) EYVI B) 2507020000 C) 2507020200 E) AD CLSD DUE TO BALLOONS.)\nNNNN\n"
    )
    (item,) = parse(text)
    assert isinstance(item, Closure) and item.records[0].fields["notam_id"] == "A0021/25"


def test_headings_teletype_lines_and_quoted_headers() -> None:
    """A third review: a message after a heading on its own line (`GG EYVIYNYX (A…`) was lost in
    the one before it; a header quoted in a wrapped E) text split a NOTAM; a teletype line's own
    text, `ZCZC AAA002 (PRIORITY)`, or an end mark after `)` became part of a NOTAM."""
    body = "Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2507020000 C) 2507020200\n"
    first = (
        f"(A3001/25 NOTAMN\n{body}E) AD CLSD DUE TO BALLOONS. THIS NOTAM REPLACES\n(A3000/25 NOTAMN) ISSUED EARLIER.)"
    )
    second = f"(A3002/25 NOTAMN\n{body}E) AD CLSD (DUE WIP) (A2999/25 NOTAMN REFERS).)"
    text = f"GG EYVIYNYX {first} NNNN\nZCZC AAA002 (PRIORITY)\nGG EYVIYNYX {second}\nNNNN\n"
    found = list(parse(text))
    assert [(type(i).__name__, i.records[0].fields["notam_id"]) for i in found] == [
        ("Closure", "A3001/25"),
        ("Closure", "A3002/25"),
    ]
    assert found[0].records[0].fields["reason"].endswith("REPLACES (A3000/25 NOTAMN) ISSUED EARLIER.")
    assert found[1].records[0].fields["reason"] == "AD CLSD (DUE WIP) (A2999/25 NOTAMN REFERS)."
