create or replace table quarantine as
with source as (
    select * from stg_quarantine
)
select
    table_name,
    source_file,
    source_line,
    reason,
    raw_record,
    run_id,
    ingested_at
from source
order by source_file, source_line, reason;

comment on table quarantine is 'Records (or whole files) that broke a rule, with the reason; nothing is dropped silently.';
comment on column quarantine.table_name is 'incursions, closures or flights: the table the record was meant for.';
comment on column quarantine.source_file is 'Raw file, relative to raw/.';
comment on column quarantine.source_line is 'Line (CSV, JSONL), element (JSON) or NOTAM number; NULL when the whole file was unreadable.';
comment on column quarantine.reason is 'Which rule it broke, in words.';
comment on column quarantine.raw_record is 'The record as read (JSON of its fields), or the first bytes of an unreadable file.';
comment on column quarantine.run_id is 'Ingest run that quarantined it.';
comment on column quarantine.ingested_at is 'When (UTC).';
