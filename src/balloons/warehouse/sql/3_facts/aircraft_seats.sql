create or replace table aircraft_seats as
select
    aircraft_type,
    seats_low,
    seats_typical,
    seats_max,
    source
from stg_aircraft_seats
order by aircraft_type;

comment on table aircraft_seats is 'Seat counts per aircraft type used when a flight has neither passengers nor seats: openap (jets) plus balloons'' own table for types openap lacks (turboprops, A220).';
comment on column aircraft_seats.aircraft_type is 'ICAO aircraft type designator.';
comment on column aircraft_seats.seats_low is 'Low end of common cabin layouts (openap pax.low).';
comment on column aircraft_seats.seats_typical is 'Typical seats (openap pax.high), used for the best estimate.';
comment on column aircraft_seats.seats_max is 'Maximum seats (openap pax.max), used for the high band.';
comment on column aircraft_seats.source is 'Where the numbers come from.';
