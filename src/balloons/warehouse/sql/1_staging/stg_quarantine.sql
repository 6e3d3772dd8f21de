-- The lake's quarantine: rename and cast only.
create or replace temp view stg_quarantine as
with source as (
    select * from src_quarantine
),
renamed as (
    select
        table_name as table_name,
        source_file as source_file,
        source_line as source_line,
        reason as reason,
        raw_record as raw_record,
        run_id as run_id,
        ingested_at::timestamptz as ingested_at
    from source
)
select * from renamed;
