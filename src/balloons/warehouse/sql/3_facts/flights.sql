create or replace table flights as
with staged as (
    select * from stg_flights
)
select
    flight_id,
    airport,
    direction,
    flight_number,
    scheduled_at,
    month,
    status,
    aircraft_type,
    seats,
    passengers,
    other_airport,
    airline,
    source_file,
    is_synthetic(source_file) as synthetic,
    source_line,
    run_id,
    ingested_at
from staged
order by airport, scheduled_at, flight_id;

comment on table flights is 'One row per scheduled movement (arrival or departure) at an airport.';
comment on column flights.flight_id is 'Stable id: hash of (airport, direction, flight_number, scheduled_at).';
comment on column flights.airport is 'ICAO code of the airport the movement is at.';
comment on column flights.direction is 'arrival or departure.';
comment on column flights.flight_number is 'Flight number as published (e.g. FR2863).';
comment on column flights.scheduled_at is 'Scheduled time of the movement at this airport (UTC instant).';
comment on column flights.month is 'Month of scheduled_at in local time, ''YYYY-MM''.';
comment on column flights.status is 'scheduled, operated, delayed, cancelled, diverted or returned.';
comment on column flights.aircraft_type is 'ICAO aircraft type designator (e.g. B738, AT76).';
comment on column flights.seats is 'Seats on board, when known.';
comment on column flights.passengers is 'Passengers booked or on board, when known.';
comment on column flights.other_airport is 'The other end of the flight (origin of an arrival, destination of a departure).';
comment on column flights.airline is 'Operating airline.';
comment on column flights.source_file is 'Lineage: raw file the row came from, relative to raw/.';
comment on column flights.synthetic is 'True when the row comes from a raw file in a folder named synthetic (as the shipped sample''s incursions and flights): made up, not observed. Reports built on such rows say so.';
comment on column flights.source_line is 'Lineage: line of the raw file.';
comment on column flights.run_id is 'Lineage: the ingest run that read source_file for this row (a run reading a copy whose path sorts first takes over the lineage of rows it did not change).';
comment on column flights.ingested_at is 'Lineage: when that run ingested it (UTC).';
