create or replace table ingest_log as
with source as (
    select * from stg_ingest_log
)
select
    path,
    table_name,
    sha256,
    size_bytes,
    rows_read,
    rows_landed,
    rows_quarantined,
    rows_duplicate,
    rows_superseded,
    rows_skipped,
    run_id,
    ingested_at
from source
order by ingested_at, path;

comment on table ingest_log is 'Per raw file and ingest run: what was read and where each record went. rows_read = rows_landed + rows_quarantined + rows_duplicate + rows_superseded + rows_skipped.';
comment on column ingest_log.path is 'Raw file, relative to raw/.';
comment on column ingest_log.table_name is 'Table the file feeds: incursions, closures or flights.';
comment on column ingest_log.sha256 is 'SHA-256 of the file''s bytes; an unchanged digest means the file is not read again.';
comment on column ingest_log.size_bytes is 'Size of the raw file when it was read; with its modification time, lets later runs skip re-hashing unchanged files.';
comment on column ingest_log.rows_read is 'Records read: CSV/JSON records, or NOTAM messages (a NOTAM landing as several schedule windows counts once); an unreadable file counts as one.';
comment on column ingest_log.rows_landed is 'Records whose content is now in the lake (a NOTAMC counts: its withdrawal landed).';
comment on column ingest_log.rows_quarantined is 'Records sent to quarantine.';
comment on column ingest_log.rows_duplicate is 'Records already in the lake (or earlier in the run) with the same key and content.';
comment on column ingest_log.rows_superseded is 'Records replaced within the run by a later record with the same key or by a NOTAMR/NOTAMC.';
comment on column ingest_log.rows_skipped is 'NOTAM messages read that are not aerodrome closures (runway, taxiway, airspace, ...): counted, not landed.';
comment on column ingest_log.run_id is 'Ingest run id.';
comment on column ingest_log.ingested_at is 'When the run ingested the file (UTC).';
