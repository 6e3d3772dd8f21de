import pytest

from balloons.errors import RawFileError
from balloons.notam import is_closure, items, parse
from balloons.rawfile import BadRecord, Record

MULTILINE = """GG EYVIYNYX
(A1801/25 NOTAMN
Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005
A) EYVI B) 2510041916 C) 2510050150
E) AD CLSD DUE TO BALLOONS (RADAR TRACKS).)
"""


def test_multiline_closure() -> None:
    (rec,) = parse(MULTILINE)
    assert isinstance(rec, Record)
    assert rec.fields["airport"] == "EYVI"
    assert rec.fields["closed_from"] == "2025-10-04T19:16:00+00:00"
    assert rec.fields["closed_until"] == "2025-10-05T01:50:00+00:00"
    assert rec.fields["notam_id"] == "A1801/25"
    assert rec.fields["reason"] == "AD CLSD DUE TO BALLOONS (RADAR TRACKS)."


def test_one_line_and_est_end() -> None:
    text = "(A0002/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5458N02405E005 A) EYKA B) 2510241736 C) 2510242335 EST E) AD CLSD.)"
    (rec,) = parse(text)
    assert isinstance(rec, Record) and rec.fields["notes"] == "end time estimated (EST)"
    assert rec.fields["airport"] == "EYKA"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(A0003/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 E) AD CLSD.)", "no C) item"),
        ("(A0004/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 C) PERM E) AD CLSD.)", "permanently"),
        ("(A0005/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2513041916 C) 2510050150 E) AD CLSD.)", "not a real date"),
        ("(A0006/25 NOTAMN Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.", "not closed"),
        ("(A0007/25 NOTAMR Q) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005 A) EYVI B) 2510041916 C) 2510050150 E) AD CLSD.)", "does not name"),
    ],
)
def test_broken_notams_are_bad_records(text: str, reason: str) -> None:
    (rec,) = parse(text)
    assert isinstance(rec, BadRecord) and reason in rec.reason


def test_cancellation_and_replacement_keep_their_reference() -> None:
    text = (
        "(A0011/25 NOTAMR A0010/25\nQ) EYVL/QFALC/IV/NBO/A/000/999/5438N02517E005\n"
        "A) EYVI B) 2510041916 C) 2510050330\nE) AD CLSD.)\n"
        "(A0012/25 NOTAMC A0011/25\nQ) EYVL/QFAXX/IV/NBO/A/000/999/5438N02517E005\nA) EYVI B) 2510050000\nE) AD OPEN.)"
    )
    replace, cancel = parse(text)
    assert isinstance(replace, Record) and (replace.op, replace.ref) == ("R", "A0010/25")
    assert replace.fields["closed_until"] == "2025-10-05T03:30:00+00:00"
    assert isinstance(cancel, Record) and (cancel.op, cancel.ref) == ("C", "A0011/25")


def test_non_closure_q_codes_are_skipped() -> None:
    text = "(A1799/25 NOTAMN Q) EYVL/QRTCA/IV/BO/W/000/065/5430N02600E050 A) EYVL B) 2510010000 C) 2512312359 E) RESTRICTED AREA ACTIVATED.)"
    assert list(parse(text)) == []


@pytest.mark.parametrize(
    ("q", "e", "closed"),
    [("EYVL/QFALC/IV", "", True), ("EYVL/QFAXX/IV", "AD CLSD", True), ("EYVL/QFAXX/IV", "TWY B CLSD", False),
     ("EYVL/QMRLC/IV", "RWY 01/19 CLSD", False), (None, "AERODROME CLOSED", True)],
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
