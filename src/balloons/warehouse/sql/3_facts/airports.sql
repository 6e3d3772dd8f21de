create or replace table airports as
select
    icao,
    name,
    lat,
    lon,
    tz
from stg_airports
order by icao;

comment on table airports is 'Airports that appear in closures or flights, from the airportsdata package.';
comment on column airports.icao is 'ICAO code.';
comment on column airports.name is 'Airport name.';
comment on column airports.lat is 'Latitude of the aerodrome reference point, WGS84 degrees.';
comment on column airports.lon is 'Longitude, WGS84 degrees.';
comment on column airports.tz is 'IANA time zone of the airport (used for local times without offset).';
