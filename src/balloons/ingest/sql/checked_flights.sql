-- Flights, step 2 (after instants.sql placed scheduled_at): each record typed, with its id and
-- content hash, or the first rule it breaks (in the order below).
create or replace temp table ruled as
with typed as (
    select
        {source}.*,
        try_cast(seats as bigint) as _seats,
        try_cast(passengers as bigint) as _passengers
    from {source}
)

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
        case when flight_number is null then 'flight_number is missing' end,
        count_reason('seats', seats, 0, {max_seats}),
        count_reason('passengers', passengers, 0, {max_seats}),
        case when _passengers > _seats then 'passengers ' || _passengers || ' exceed seats ' || _seats end,
        choice_reason('direction', direction, {directions}, null),
        scheduled_at_reason,
        choice_reason('status', status, {statuses}, 'scheduled')
    ) as _reason,
    upper(airport) as airport,
    lower(direction) as direction,
    upper(single_spaced(flight_number)) as flight_number,
    scheduled_at_utc as scheduled_at,
    choice_value(status, 'scheduled') as status,
    upper(aircraft_type) as aircraft_type,
    try_cast(_seats as int) as seats,
    try_cast(_passengers as int) as passengers,
    upper(other_airport) as other_airport,
    airline
from typed;


-- The identity of a flight: (airport, direction, flight_number, scheduled_at); see docs/ingest.md.
create or replace temp view identified as
select
    case
        when _reason is null
            then left(sha1(concat_ws(chr(31), 'flight', airport, direction, flight_number, canon_ts(scheduled_at))), 16)
    end as flight_id,
    *,
    case
        when _reason is null
            then sha1(
                concat_ws(
                    chr(31),
                    canon(airport), canon(direction), canon(flight_number), canon_ts(scheduled_at), canon(status),
                    canon(aircraft_type), canon(seats), canon(passengers), canon(other_airport), canon(airline)
                )
            )
    end as content_hash
from ruled;
