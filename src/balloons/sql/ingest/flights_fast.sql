-- Flight rows of a plain CSV batch that the fast path accepts: only rows in the common,
-- unambiguous form, whose values then equal what `validate.flight` gives. Input: `fields`
-- (flights_split.sql) and `zones` (icao, zone). Times stay wall times here; `bulk.py` turns
-- them into instants hour by hour. Wall times far outside the accepted range (years 1 or 9999)
-- are left for the exact path, so the hour arithmetic never leaves the calendar.
create or replace temp table checked as
with source as (
    select
        line,
        coalesce(airport, '') as airport,
        coalesce(direction, '') as direction,
        coalesce(flight_number, '') as flight_number,
        coalesce(scheduled_at, '') as scheduled_at,
        coalesce(status, '') as status,
        coalesce(aircraft_type, '') as aircraft_type,
        coalesce(seats, '') as seats,
        coalesce(passengers, '') as passengers,
        coalesce(other_airport, '') as other_airport,
        coalesce(airline, '') as airline
    from fields
),

parts as (
    select
        source.*,
        regexp_full_match(
            scheduled_at,
            '\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?'
        ) as iso,
        substr(scheduled_at, 17, 1) = ':' as has_seconds,
        case when regexp_full_match(seats, '[0-9]{1,4}') then seats::integer end as seats_n,
        case when regexp_full_match(passengers, '[0-9]{1,4}') then passengers::integer end as passengers_n
    from source
),

times as (
    select
        parts.*,
        substr(scheduled_at, case when has_seconds then 20 else 17 end) as tz
    from parts
),

typed as (
    select
        parts.line,
        upper(parts.airport) as airport,
        zones.zone,
        lower(parts.direction) as direction,
        upper(parts.flight_number) as flight_number,
        case when parts.iso then try_strptime(
            substr(parts.scheduled_at, 1, 10) || ' ' || substr(parts.scheduled_at, 12, 5)
            || case when parts.has_seconds then substr(parts.scheduled_at, 17, 3) else ':00' end,
            '%Y-%m-%d %H:%M:%S') end as wall,
        case
            when not parts.iso or parts.tz = '' then null
            when parts.tz = 'Z' then 0
            else (case when parts.tz[1] = '-' then -1 else 1 end)
                 * (parts.tz[2:3]::integer * 60 + parts.tz[5:6]::integer)
        end as offset_min,
        coalesce(nullif(lower(parts.status), ''), 'scheduled') as status,
        nullif(upper(parts.aircraft_type), '') as aircraft_type,
        parts.seats_n as seats,
        parts.passengers_n as passengers,
        nullif(upper(parts.other_airport), '') as other_airport,
        nullif(parts.airline, '') as airline,
        regexp_full_match(parts.airport, '[A-Za-z0-9]{4}') and zones.icao is not null
        and regexp_full_match(parts.direction, '[A-Za-z]+') and list_contains($directions, lower(parts.direction))
        and regexp_full_match(parts.flight_number, '[A-Za-z0-9]+( [A-Za-z0-9]+)*')
        and (parts.status = '' or (regexp_full_match(parts.status, '[A-Za-z]+')
                                   and list_contains($statuses, lower(parts.status))))
        and (parts.aircraft_type = '' or regexp_full_match(parts.aircraft_type, '[A-Za-z0-9]+'))
        and (parts.seats = '' or parts.seats_n <= $max_seats)
        and (parts.passengers = '' or parts.passengers_n <= $max_seats)
        and (parts.seats_n is null or parts.passengers_n is null or parts.passengers_n <= parts.seats_n)
        and (parts.other_airport = '' or regexp_full_match(parts.other_airport, '[A-Za-z0-9]+'))
        and (parts.airline = ''
             or regexp_full_match(parts.airline, '[\p{L}\p{N}](?:[^\x00-\x1f"\\]*[\p{L}\p{N}.)])?'))
        as fast
    from times as parts
    left join zones on zones.icao = upper(parts.airport)
)

select * exclude (fast)
from typed
where fast
  and wall is not null
  and wall between $earliest_wall and $latest_wall
