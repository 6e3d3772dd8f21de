create or replace table rpt_airports as
with closed as (
    select distinct
        airport as airport
    from closures
),
located as (
    select
        airports.icao as icao,
        airports.lon as lon,
        airports.lat as lat
    from airports
    join closed on closed.airport = airports.icao
    where airports.lat is not null
)
select * from located
order by icao;

comment on table rpt_airports is 'Report model: the airports the map marks with their trigger radius: those with any closure and a known position.';
comment on column rpt_airports.icao is 'ICAO code.';
comment on column rpt_airports.lon is 'Longitude, WGS84 degrees.';
comment on column rpt_airports.lat is 'Latitude, WGS84 degrees.';
