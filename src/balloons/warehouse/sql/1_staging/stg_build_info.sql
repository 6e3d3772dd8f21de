-- The one row describing this build (registered by the build): rename and cast only.
create or replace temp view stg_build_info as
with source as (
    select * from src_build_info
),
renamed as (
    select
        fingerprint as fingerprint,
        lake_files as lake_files,
        last_ingest::timestamptz as last_ingest
    from source
)
select * from renamed;
