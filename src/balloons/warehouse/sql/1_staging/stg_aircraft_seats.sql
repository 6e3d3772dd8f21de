-- Seat counts per aircraft type (registered by the build from openap and balloons' own table):
-- rename and cast only.
create or replace temp view stg_aircraft_seats as
with source as (
    select * from src_aircraft_seats
),
renamed as (
    select
        aircraft_type as aircraft_type,
        seats_low as seats_low,
        seats_typical as seats_typical,
        seats_max as seats_max,
        source as source
    from source
)
select * from renamed;
