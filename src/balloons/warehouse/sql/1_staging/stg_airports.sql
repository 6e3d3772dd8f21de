-- Airports that appear in closures or flights (registered by the build from airportsdata):
-- rename and cast only.
create or replace temp view stg_airports as
with source as (
    select * from src_airports
),
renamed as (
    select
        icao as icao,
        name as name,
        lat::double as lat,
        lon::double as lon,
        tz as tz
    from source
)
select * from renamed;
