-- Incursions as landed in the lake: rename and cast only.
create or replace temp view stg_incursions as
with source as (
    select * from src_incursions
),
renamed as (
    select
        event_id as event_id,
        detected_at::timestamptz as detected_at,
        month as month,
        balloons::integer as balloons,
        kind as kind,
        municipality as municipality,
        lat as lat,
        lon as lon,
        altitude_m as altitude_m,
        source as source,
        source_id as source_id,
        notes as notes,
        source_file as source_file,
        source_line as source_line,
        run_id as run_id,
        ingested_at::timestamptz as ingested_at
    from source
)
select * from renamed;
