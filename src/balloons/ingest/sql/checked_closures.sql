-- Closures, step 2 (after instants.sql placed closed_from and closed_until): each record typed,
-- with its id and content hash, or the first rule it breaks (in the order below). The duration
-- limit applies to the record: for a NOTAM with a schedule, to one active window. A closure's
-- cause, when not given, is read from its reason by closure_kind.stated_cause (a function the
-- engine gives DuckDB, the rule NOTAMs use): balloons, drones, other when a reason is given,
-- unknown when none is.
create or replace temp table ruled as
select
    _pos,
    _file,
    source_line,
    _op,
    _ref,
    _raw,
    coalesce(
        _field_reason,
        airport_reason(airport, zone),
        closed_from_reason,
        closed_until_reason,
        case when closed_until_utc <= closed_from_utc then 'closed_until is not after closed_from' end,
        case
            when closed_until_utc - closed_from_utc > to_microseconds(({max_closure_days} * 86400e6)::bigint)
                then 'closure lasts '
                || printf('%.1f', (epoch_us(closed_until_utc) - epoch_us(closed_from_utc)) / 86400e6)
                || ' days, over the {max_closure_days_text}-day limit (BALLOONS_MAX_CLOSURE_DAYS)'
        end,
        count_reason('reported_flights', reported_flights, 0, {max_reported_flights}),
        count_reason('reported_passengers', reported_passengers, 0, {max_reported_passengers}),
        count_reason('window_index', coalesce(window_index, '0'), 0, {max_window_index}),
        flag_reason('schedule_in_text', schedule_in_text),
        flag_reason('until_estimated', until_estimated),
        choice_reason('scope', scope, {scopes}, 'full'),
        choice_reason('cause', cause, {causes}, 'unknown')
    ) as _reason,
    upper(airport) as airport,
    closed_from_utc as closed_from,
    closed_until_utc as closed_until,
    reason,
    notam_id,
    try_cast(reported_flights as bigint) as reported_flights,
    try_cast(reported_passengers as bigint) as reported_passengers,
    source,
    notes,
    schedule,
    try_cast(coalesce(window_index, '0') as int) as window_index,
    flag_value(schedule_in_text) as schedule_in_text,
    flag_value(until_estimated) as until_estimated,
    choice_value(scope, 'full') as scope,
    coalesce(lower(cause), case when reason is null then 'unknown' else stated_cause(reason) end) as cause
from {source};


-- The identity of a closure: (airport, closed_from), so a NOTAM and a report row for the same
-- closure share an id; see docs/ingest.md.
create or replace temp view identified as
select
    case
        when _reason is null then left(sha1(concat_ws(chr(31), 'closure', airport, canon_ts(closed_from))), 16)
    end as closure_id,
    *,
    case
        when _reason is null
            then sha1(
                concat_ws(
                    chr(31),
                    canon(airport), canon_ts(closed_from), canon_ts(closed_until), canon(reason), canon(notam_id),
                    canon(reported_flights), canon(reported_passengers), canon(source), canon(notes), canon(schedule),
                    canon(window_index), canon(schedule_in_text), canon(until_estimated), canon(scope), canon(cause)
                )
            )
    end as content_hash
from ruled;
