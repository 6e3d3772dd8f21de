-- Flights hit by a closure: closed_from <= scheduled_at < closed_until (+ buffer), found with an
-- ASOF join on the disjoint owned intervals, so each flight counts once.
create or replace temp view int_flights_affected as
with matched as (
    select
        windows.closure_id as closure_id,
        flights.*
    from int_flight_passengers as flights
    asof join int_closure_windows as windows
        on flights.airport = windows.airport
        and flights.scheduled_at >= windows.owned_from
    where flights.scheduled_at < windows.owned_until
)
select * from matched;
