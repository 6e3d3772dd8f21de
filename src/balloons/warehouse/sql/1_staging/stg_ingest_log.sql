-- The lake's ingest log: rename and cast only (logs written before NOTAM skips were counted
-- read as zero skipped).
create or replace temp view stg_ingest_log as
with source as (
    select * from src_ingest_log
),
renamed as (
    select
        path as path,
        table_name as table_name,
        sha256 as sha256,
        size_bytes as size_bytes,
        rows_read as rows_read,
        rows_landed as rows_landed,
        rows_quarantined as rows_quarantined,
        rows_duplicate as rows_duplicate,
        rows_superseded as rows_superseded,
        coalesce(rows_skipped, 0) as rows_skipped,
        run_id as run_id,
        ingested_at::timestamptz as ingested_at
    from source
)
select * from renamed;
