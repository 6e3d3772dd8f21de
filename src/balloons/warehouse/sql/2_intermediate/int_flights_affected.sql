-- Flights hit by a closure: closed_from <= scheduled_at < closed_until (+ buffer), in a direction
-- the closure closes, found with an ASOF join on the disjoint owned intervals, so each flight
-- counts once per lane (headline closures, other closures). Sort-based, no cross join: flights
-- are first narrowed (hash join) to the airport-hours some window of a lane touches, so only those
-- are sorted for the ASOF join.
create or replace temp view int_flights_affected as
with owned as (
    select
        *
    from int_closure_windows_owned
    where owned_from < owned_until
),
window_hours as (
    select distinct
        windows.airport as airport,
        windows.in_headline as in_headline,
        unnest(range(
            epoch_us(windows.owned_from) // 3600000000,
            epoch_us(windows.owned_until) // 3600000000 + 1
        )) as utc_hour
    from owned as windows
),
candidates as (
    select
        flights.airport,
        flights.direction,
        flights.scheduled_at,
        flights.flight_id,
        flights.status,
        flights.aircraft_type,
        flights.seats,
        flights.passengers,
        window_hours.in_headline as in_headline
    from stg_flights as flights
    join window_hours
        on window_hours.airport = flights.airport
        and window_hours.utc_hour = epoch_us(flights.scheduled_at) // 3600000000
),
matched as (
    select
        windows.closure_id as closure_id,
        candidates.flight_id as flight_id,
        candidates.direction as direction,
        candidates.status as status,
        candidates.aircraft_type as aircraft_type,
        candidates.seats as seats,
        candidates.passengers as passengers
    from candidates
    asof join owned as windows
        on candidates.airport = windows.airport
        and candidates.direction = windows.direction
        and candidates.in_headline = windows.in_headline
        and candidates.scheduled_at >= windows.owned_from
    where candidates.scheduled_at < windows.owned_until
)
select * from matched;
