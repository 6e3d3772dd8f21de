"""NOTAM D) schedules → the active UTC windows inside [B, C).

Forms read (ICAO Doc 8126 style, times UTC): `DAILY` / `DLY`; days of the month and day ranges
(`04 05 09-12`), month-name dates (`AUG 28`, `APR 14 22 29 MAY 06`), weekday lists and ranges
(`FRI SAT`, `SUN-FRI`, `MON-WED FRI`), several time ranges per day (`0725-1015 1130-1425`),
`HHMM TO HHMM`, `H24`, windows crossing midnight (`2200-0330`: the day names the start), `SR` /
`SS` with `PLUS` / `MINUS` minutes (sunrise / sunset at the aerodrome), `EXC` exclusions, groups
separated by commas. Days without a month are in B)'s month (or the last month named) and roll
into the next month (and year) when they go down, or when the first is before B)'s day and the
next month's is not after C) (`02 04` from 30 August to 10 September); a month name is its first occurrence from B)'s
month on, so one before B)'s month is in the following year. An excluded day number that is one
of the group's own dates (`05-20 0600-1400 EXC 10`) names that date, and later day numbers count
on from it; one of a daily or weekday group names the one month between B) and C) it falls in,
and is refused when it falls in several (`DAILY … EXC 10` over March to May: which 10th?).
Anything else raises ScheduleError: a schedule is never guessed.
"""

from __future__ import annotations

import calendar
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
SunTimes = Callable[[date], tuple[datetime, datetime]]
Window = tuple[datetime, datetime]

_WORD = re.compile(r"\d+|[A-Z]+|[-,;&/.]|\S")


NO_DAY = date.min
"""An excluded day number that names no date of its group (it excludes nothing)."""


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says where."""


@dataclass(frozen=True)
class _At:
    """A time of day: minutes after midnight, or sunrise / sunset shifted by minutes."""

    minutes: int = 0
    sun: str | None = None

    def on(self, day: date, sun: SunTimes | None) -> datetime:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if self.sun is None:
            return midnight + timedelta(minutes=self.minutes)
        if sun is None:
            raise ScheduleError("SR/SS needs the aerodrome's coordinates, which are unknown")
        try:
            rise, set_ = sun(day)
        except ValueError as exc:
            raise ScheduleError(str(exc)) from exc
        return (rise if self.sun == "SR" else set_) + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class _Unplaced:
    """An excluded day or day range of a daily or weekday group, with the spans of days it may name
    (one per month between the day before B) and C)); which one it names is told once the whole
    schedule is read (`_Parser.place`)."""

    shown: str
    spans: list[set[date]]
    at: int


@dataclass
class _Group:
    dates: set[date] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)
    every_day: bool = False
    times: list[tuple[_At, _At]] = field(default_factory=list)
    except_dates: set[date] = field(default_factory=set)
    except_weekdays: set[int] = field(default_factory=set)
    unplaced: list[_Unplaced] = field(default_factory=list)

    def has_days(self) -> bool:
        return bool(self.dates or self.weekdays or self.every_day)

    def active(self, day: date) -> bool:
        if day in self.except_dates or day.weekday() in self.except_weekdays:
            return False
        if not self.has_days():
            return True
        return self.every_day or day in self.dates or day.weekday() in self.weekdays


class _Parser:
    def __init__(self, text: str, start: datetime, end: datetime, sun: SunTimes | None = None) -> None:
        self.words: list[str] = _WORD.findall(text.upper())
        self.at = 0
        self.year, self.month = start.year, start.month
        self.first = (start.year, start.month)
        self.start, self.end = start.date(), end.date()
        self.start_at, self.end_at = start, end
        self.sun = sun
        self.month_named = False
        self.last_day = 0
        self.groups: list[_Group] = [_Group()]
        self.excluding = False

    # --- reading words -------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> str | None:
        index = self.at + ahead
        return self.words[index] if index < len(self.words) else None

    def take(self) -> str:
        word = self.words[self.at]
        self.at += 1
        return word

    def fail(self, why: str, at: int | None = None) -> ScheduleError:
        return ScheduleError(f"{why} (at word {self.at if at is None else at} of {' '.join(self.words)!r})")

    # --- grammar -------------------------------------------------------------------------------
    @property
    def group(self) -> _Group:
        return self.groups[-1]

    def day_group(self) -> _Group:
        """The group a day word belongs to: a new one once the current one has its times."""
        if self.group.times and not self.excluding:
            self.groups.append(_Group())
        return self.group

    def parse(self) -> list[_Group]:
        while self.peek() is not None:
            word = self.peek()
            assert word is not None
            if word in (",", ";"):
                self.take()
                if self.group.except_dates or self.group.except_weekdays or self.group.unplaced:
                    self.excluding = False
            elif word in ("AND", "&", "."):
                self.take()
            elif word in MONTHS:
                self.day_group()
                self.set_month(MONTHS.index(self.take()) + 1)
            elif word.isdigit() and len(word) <= 2:
                self.days()
            elif word in WEEKDAYS:
                self.weekdays()
            elif word in ("DAILY", "DLY"):
                self.take()
                group = self.day_group()
                group.every_day = group.every_day or not (group.dates or group.weekdays)
            elif word in ("EXC", "EXCEPT"):
                self.take()
                self.excluding = True
            elif word == "H" and self.peek(1) == "24":
                self.at += 2
                self.add_times(_At(0), _At(24 * 60))
            elif (word.isdigit() and len(word) == 4) or word in ("SR", "SS"):
                begin = self.time_of_day()
                if self.peek() not in ("-", "TO"):
                    raise self.fail(f"time {word} has no end time")
                self.take()
                self.add_times(begin, self.time_of_day())
            else:
                raise self.fail(f"{word!r} is not a schedule word")
        if not any(group.times for group in self.groups):
            raise self.fail("no time range")
        if not self.group.times:
            raise self.fail("days without a time range at the end")
        for group in self.groups:
            for unplaced in group.unplaced:
                self.place(group, unplaced)
        return self.groups

    def add_times(self, begin: _At, end: _At) -> None:
        self.group.times.append((begin, end))
        self.excluding = False

    def set_month(self, month: int) -> None:
        """A month name is its first occurrence from B)'s month on (so JAN after a DEC B) is next year)."""
        self.year = self.first[0] + (1 if month < self.first[1] else 0)
        self.month = month
        self.month_named = True
        self.last_day = 0

    def date_of(self, day: int) -> date:
        try:
            return date(self.year, self.month, day)
        except ValueError as exc:
            raise self.fail(f"{MONTHS[self.month - 1]} {day} {self.year} is not a date") from exc

    def next_month(self) -> None:
        self.year, self.month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)

    def day_number(self) -> date:
        day = int(self.take())
        if not 1 <= day <= 31:
            raise self.fail(f"day {day} is not a day of the month")
        if day < self.last_day or self._before_b(day):
            self.next_month()
        self.last_day = day
        return self.date_of(day)

    def _before_b(self, day: int) -> bool:
        """True for the first day number of B)'s month (none named) that falls before B) there, as
        do the day numbers that follow it, and within [B, C) the month after (`02 04` from 30 August
        to 10 September: 2 and 4 September; `29 30` from 30 August stays in August)."""
        if self.last_day or self.month_named or (self.year, self.month) != self.first or day >= self.start.day:
            return False
        ahead = self.at
        while ahead < len(self.words) and (self.words[ahead] in ("-", ",") or self.words[ahead].isdigit()):
            word = self.words[ahead]
            if word.isdigit() and len(word) <= 2 and int(word) >= self.start.day:
                return False
            if word.isdigit() and len(word) > 2:  # a time: the days end here
                break
            ahead += 1
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        try:
            return date(year, month, day) <= self.end
        except ValueError:
            return False

    def excluded_day(self, group: _Group) -> date | None:
        """The date an excluded day number names, where reading it as any other day number would
        name the wrong one (None: read it so). Of a group that lists its own dates (`05-20 EXC
        10`, `25-05 EXC 28`): the first of them with that day, not one of a later month (a day
        number going down rolls into the next month); `NO_DAY` when none has it and the month at
        hand has no such day (`01-30 EXC 31` in April: it excludes nothing). A group of every day
        or of weekdays: `unanchored_exclusion`."""
        word = self.peek() or ""
        if not (self.excluding and word.isdigit() and len(word) <= 2):
            return None
        number = int(word)
        own = sorted(day for day in group.dates if day.day == number)
        if own:
            self.take()
            return own[0]
        if not group.dates:
            return None
        try:
            date(self.year, self.month, number)
        except ValueError:
            self.take()
            return NO_DAY
        return None

    def unanchored_exclusion(self, group: _Group) -> bool:
        """Read an excluded day or day range of a group of every day or of weekdays before any
        month is named (`DAILY 0600-1400 EXC 10`, `MON-FRI … EXC 10-12`): it names the days of the
        one month between B) and C) in which it falls (from 15 March to 20 April, `EXC 10` is 10
        April). When it falls in several, which one is meant cannot be told: ScheduleError, never
        a guess. True when it was read here."""
        word = self.peek() or ""
        if not (self.excluding and word.isdigit() and len(word) <= 2) or group.dates or self.month_named:
            return False
        first = last = int(self.take())
        if self.peek() in ("-", "TO") and (self.peek(1) or "").isdigit() and len(self.peek(1) or "") <= 2:
            self.take()
            last = int(self.take())
        if not (1 <= first <= 31 and 1 <= last <= 31):
            raise self.fail(f"day {first if not 1 <= first <= 31 else last} is not a day of the month")
        # from the day before B), whose night may be under way at B) (`DAILY 2200-0330 EXC 04` or
        # `EXC 04-05` from 5 October 01:00 to the 7th: the 4th, the 4th and 5th)
        shown = f"{first}-{last}" if last != first else str(first)
        group.unplaced.append(_Unplaced(shown, self._spans(first, last, self.start - timedelta(days=1)), self.at))
        return True

    def place(self, group: _Group, unplaced: _Unplaced) -> None:
        """Exclude the days `unplaced` names, the schedule read: days holding no window of the
        group between B) and C) (C)'s day when its window opens after C), a day the group does not
        fly) give way to days that hold one, and then the day before B) alone to a later month's."""
        spans = unplaced.spans
        if len(spans) > 1:
            spans = [span for span in spans if any(self._holds_window(group, day) for day in span)]
        if len(spans) > 1:
            spans = [span for span in spans if span != {self.start - timedelta(days=1)}]
        if len(spans) > 1:
            why = f"EXC {unplaced.shown} falls in more than one month between B) and C): name the month"
            raise self.fail(why, unplaced.at)
        group.except_dates.update(*spans)

    def _holds_window(self, group: _Group, day: date) -> bool:
        """Whether `group` has a window starting on `day` that lies partly within [B, C); True
        when that cannot be told (times of the sun where the sun's times are unknown)."""
        if not group.active(day):
            return False
        for begin, finish in group.times:
            try:
                opens, closes = begin.on(day, self.sun), finish.on(day, self.sun)
                if closes <= opens:
                    closes = finish.on(day + timedelta(days=1), self.sun)
            except ScheduleError:
                return True
            if opens < self.end_at and closes > self.start_at:
                return True
        return False

    def _spans(self, first: int, last: int, earliest: date) -> list[set[date]]:
        """The days first..last of each month that fall between `earliest` and C)."""
        spans = []
        year, month = (self.start.year - 1, 12) if self.start.month == 1 else (self.start.year, self.start.month - 1)
        while (year, month) <= (self.end.year, self.end.month):
            following = (year + 1, 1) if month == 12 else (year, month + 1)
            with contextlib.suppress(ValueError):  # a month without the first day has no such span
                opens = date(year, month, first)
                # a range's last day past its month's end ends with the month (`EXC 28-31` in February)
                ending = (year, month) if last >= first else following
                closes = date(*ending, min(last, calendar.monthrange(*ending)[1]))
                days = {opens + timedelta(days=i) for i in range((closes - opens).days + 1)}
                inside = {d for d in days if earliest <= d <= self.end}
                if inside:
                    spans.append(inside)
            year, month = following
        return spans

    def days(self) -> None:
        group = self.day_group()
        if self.unanchored_exclusion(group):
            return
        own = self.excluded_day(group)
        if own == NO_DAY:
            return
        if own is not None:  # later day numbers count on from it
            self.year, self.month, self.last_day = own.year, own.month, own.day
            first = own
        else:
            first = self.day_number()
        last = first
        if self.peek() in ("-", "TO") and (self.peek(1) or "").isdigit() and len(self.peek(1) or "") <= 2:
            self.take()
            last = self.day_number()
        elif self.peek() in ("-", "TO") and self.peek(1) in MONTHS:
            self.take()
            self.set_month(MONTHS.index(self.take()) + 1)
            if not (self.peek() or "").isdigit():
                raise self.fail("a date range must end with a day")
            last = self.day_number()
        if last < first:
            raise self.fail(f"day range ends before it starts ({first} - {last})")
        target = group.except_dates if self.excluding else group.dates
        day = first
        while day <= last:
            target.add(day)
            day += timedelta(days=1)

    def weekdays(self) -> None:
        group = self.day_group()
        first = WEEKDAYS.index(self.take())
        chosen = {first}
        if self.peek() in ("-", "TO") and self.peek(1) in WEEKDAYS:
            self.take()
            last = WEEKDAYS.index(self.take())
            chosen = {(first + step) % 7 for step in range((last - first) % 7 + 1)}
        (group.except_weekdays if self.excluding else group.weekdays).update(chosen)

    def time_of_day(self) -> _At:
        word = self.take() if self.peek() is not None else ""
        if word in ("SR", "SS"):
            shift = 0
            if self.peek() in ("PLUS", "MINUS"):
                sign = 1 if self.take() == "PLUS" else -1
                amount = self.peek() or ""
                if not amount.isdigit() or len(amount) > 3:
                    raise self.fail(f"{word} PLUS/MINUS needs minutes")
                shift = sign * int(self.take())
            return _At(shift, word)
        if not (word.isdigit() and len(word) == 4):
            raise self.fail(f"{word!r} is not a time HHMM")
        hours, minutes = int(word[:2]), int(word[2:])
        if minutes > 59 or hours > 24 or (hours == 24 and minutes):
            raise self.fail(f"{word} is not a time of day")
        return _At(hours * 60 + minutes)


def windows(
    text: str, *, start: datetime, end: datetime, sun: SunTimes | None = None, most: int | None = None
) -> list[Window]:
    """The active windows of schedule `text` inside [start, end), ordered, merged where they
    touch or overlap; a window under way at `start` (a night that began the day before) is active
    from `start`, one still going at `end` until `end`. Raises ScheduleError when the text cannot
    be read, gives no window, or gives more than `most` (found as they are made, so a hostile
    schedule costs no more)."""
    if end <= start:
        raise ScheduleError("C) is not after B)")
    groups = _Parser(text, start, end, sun).parse()
    found: list[Window] = []
    day = start.date() - timedelta(days=1)  # a night under way at B) is active from B)
    while day <= end.date():
        for group in groups:
            if not group.active(day):
                continue
            for begin, finish in group.times:
                opens, closes = begin.on(day, sun), finish.on(day, sun)
                if closes <= opens:
                    closes = finish.on(day + timedelta(days=1), sun)
                opens, closes = max(opens, start), min(closes, end)
                if opens < closes:
                    found.append((opens, closes))
                if most is not None and len(found) > most:
                    raise ScheduleError(f"it gives more than {most:,} active windows (BALLOONS_MAX_NOTAM_WINDOWS)")
        day += timedelta(days=1)
    merged: list[Window] = []
    for opens, closes in sorted(found):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    if not merged:
        raise ScheduleError(f"schedule {text!r} gives no active window between B) and C)")
    return merged
