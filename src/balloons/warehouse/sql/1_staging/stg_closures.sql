-- Closures as landed in the lake: rename and cast only (partitions written before the NOTAM
-- schedule columns existed read as one full window whose cause the text did not give).
create or replace temp view stg_closures as
with source as (
    select * from src_closures
),
renamed as (
    select
        closure_id as closure_id,
        airport as airport,
        closed_from::timestamptz as closed_from,
        closed_until::timestamptz as closed_until,
        month as month,
        reason as reason,
        notam_id as notam_id,
        reported_flights as reported_flights,
        reported_passengers as reported_passengers,
        source as source,
        notes as notes,
        schedule as schedule,
        coalesce(window_index, 0) as window_index,
        coalesce(schedule_in_text, false) as schedule_in_text,
        coalesce(until_estimated, false) as until_estimated,
        coalesce(scope, 'full') as scope,
        coalesce(cause, 'unknown') as stated_cause,
        source_file as source_file,
        source_line as source_line,
        run_id as run_id,
        ingested_at::timestamptz as ingested_at
    from source
)
select * from renamed;
