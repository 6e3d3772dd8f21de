-- Flights, step 1: the decoded text of each field trimmed (empty means absent), the airport's
-- zone, and the first field over the length limit.
create or replace temp view fields as
select
    decoded._pos,
    decoded._file,
    decoded.source_line,
    decoded._op,
    decoded._ref,
    decoded._raw,
    decoded._comma,
    coalesce(
        too_long('airport', decoded.airport),
        too_long('direction', decoded.direction),
        too_long('flight_number', decoded.flight_number),
        too_long('scheduled_at', decoded.scheduled_at),
        too_long('status', decoded.status),
        too_long('aircraft_type', decoded.aircraft_type),
        too_long('seats', decoded.seats),
        too_long('passengers', decoded.passengers),
        too_long('other_airport', decoded.other_airport),
        too_long('airline', decoded.airline)
    ) as _too_long,
    txt(decoded.airport) as airport,
    txt(decoded.direction) as direction,
    txt(decoded.flight_number) as flight_number,
    txt(decoded.scheduled_at) as scheduled_at,
    txt(decoded.status) as status,
    txt(decoded.aircraft_type) as aircraft_type,
    txt(decoded.seats) as seats,
    txt(decoded.passengers) as passengers,
    txt(decoded.other_airport) as other_airport,
    txt(decoded.airline) as airline,
    airports.zone as zone
from decoded
left join (
    -- each distinct airport text once, not every record's
    select given.airport, airports.zone
    from (select distinct airport from decoded) as given
    join airports
        on airports.icao = upper(txt(given.airport))
) as airports
    on airports.airport = decoded.airport;
