-- Flights hit by a closure: closed_from <= scheduled_at < closed_until (+ buffer), in a direction
-- the closure closes, found with an ASOF join on the disjoint owned intervals, so each flight
-- counts once per lane (headline closures, other closures). Sort-based, no cross join: flights
-- are first narrowed (hash join) to the airport-days some window of a lane touches, so only those
-- are sorted for the ASOF join.
create or replace temp view int_flights_affected as
with owned as (
    select
        *
    from int_closure_windows_owned
    where owned_from < owned_until
),
window_days as (
    select distinct
        windows.airport as airport,
        windows.in_headline as in_headline,
        unnest(range(
            (epoch(windows.owned_from) // 86400)::bigint,
            (epoch(windows.owned_until) // 86400)::bigint + 1
        )) as utc_day
    from owned as windows
),
candidates as (
    select
        flights.*,
        window_days.in_headline as in_headline
    from stg_flights as flights
    join window_days
        on window_days.airport = flights.airport
        and window_days.utc_day = (epoch(flights.scheduled_at) // 86400)::bigint
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
