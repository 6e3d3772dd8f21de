create or replace table incursions as
with staged as (
    select * from stg_incursions
)
select
    event_id,
    detected_at,
    month,
    balloons,
    kind,
    municipality,
    lat,
    lon,
    altitude_m,
    source,
    source_id,
    notes,
    source_file,
    is_synthetic(source_file) as synthetic,
    source_line,
    run_id,
    ingested_at
from staged
order by detected_at, event_id;

comment on table incursions is 'One row per incursion record (a sighting or radar track of balloons, drones or other objects), deduplicated by identity key.';
comment on column incursions.event_id is 'Stable id: hash of (source, source_id), or of the sighting''s content when the publisher gave no id.';
comment on column incursions.detected_at is 'When it was detected (UTC instant; shown in the session time zone).';
comment on column incursions.month is 'Month of detected_at in local time (BALLOONS_TIMEZONE, Europe/Vilnius), ''YYYY-MM''.';
comment on column incursions.balloons is 'Number of objects in this record (>= 1).';
comment on column incursions.kind is 'balloon, drone or other.';
comment on column incursions.municipality is 'Municipality where it was detected, as the publisher wrote it.';
comment on column incursions.lat is 'Latitude, WGS84 degrees.';
comment on column incursions.lon is 'Longitude, WGS84 degrees.';
comment on column incursions.altitude_m is 'Altitude in metres, when known (radar tracks).';
comment on column incursions.source is 'Publisher of the record (e.g. NKVC, VSAT).';
comment on column incursions.source_id is 'The publisher''s own id of the record.';
comment on column incursions.notes is 'Free text from the publisher.';
comment on column incursions.source_file is 'Lineage: raw file the row came from, relative to raw/.';
comment on column incursions.synthetic is 'True when the row comes from a raw file in a folder named synthetic (as the shipped sample''s incursions and flights): made up, not observed. Reports built on such rows say so.';
comment on column incursions.source_line is 'Lineage: line (CSV, JSONL), element (JSON) of the raw file.';
comment on column incursions.run_id is 'Lineage: the ingest run that read source_file for this row (a run reading a copy whose path sorts first takes over the lineage of rows it did not change).';
comment on column incursions.ingested_at is 'Lineage: when that run ingested it (UTC).';
