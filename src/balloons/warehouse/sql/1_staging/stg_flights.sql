-- Flights as landed in the lake: rename and cast only.
create or replace temp view stg_flights as
with source as (
    select * from src_flights
),
renamed as (
    select
        flight_id as flight_id,
        airport as airport,
        direction as direction,
        flight_number as flight_number,
        scheduled_at::timestamptz as scheduled_at,
        month as month,
        status as status,
        aircraft_type as aircraft_type,
        seats::integer as seats,
        passengers::integer as passengers,
        other_airport as other_airport,
        airline as airline,
        source_file as source_file,
        source_line as source_line,
        run_id as run_id,
        ingested_at::timestamptz as ingested_at
    from source
)
select * from renamed;
