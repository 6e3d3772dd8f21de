create or replace table build_info as
select
    fingerprint,
    lake_files,
    last_ingest
from stg_build_info;

comment on table build_info is 'One row describing this build: the lake state it was built from. A nightly run whose lake fingerprint matches skips the rebuild.';
comment on column build_info.fingerprint is 'SHA-256 over the lake files (path, size, modification time), the build parameters, the balloons version and the SQL models.';
comment on column build_info.lake_files is 'Number of lake files the build read.';
comment on column build_info.last_ingest is 'When the newest data in it was ingested (UTC).';
