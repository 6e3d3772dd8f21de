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
comment on column quarantine.raw_record is 'The record as read: the JSON of its fields (a CSV row, a JSON record), a JSONL line or a CSV line that does not split into the header''s fields as written, a NOTAM message''s text; for a file quarantined whole, its first bytes, or empty when it (or its folder) could not be read.';
comment on column quarantine.run_id is 'Ingest run that quarantined it.';
comment on column quarantine.ingested_at is 'When (UTC).';
