create or replace table rpt_provenance as
with build as (
    select
        fingerprint as fingerprint,
        last_ingest as last_ingest
    from build_info
),
settings as (
    select
        timezone as timezone,
        trigger_radius_km as trigger_radius_km
    from params
),
provenance as (
    select
        build.fingerprint as fingerprint,
        build.last_ingest as last_ingest,
        settings.timezone as timezone,
        settings.trigger_radius_km as trigger_radius_km
    from build
    cross join settings
)
select * from provenance;

comment on table rpt_provenance is 'Report model, one row: what every report page states about its data (the warehouse fingerprint a PDF records, when the data was last ingested, the local time zone of the figures).';
comment on column rpt_provenance.fingerprint is 'The warehouse fingerprint (build_info.fingerprint); each PDF records it to know when it is stale.';
comment on column rpt_provenance.last_ingest is 'When the newest data was ingested (UTC); the PDFs'' metadata dates.';
comment on column rpt_provenance.timezone is 'The time zone (BALLOONS_TIMEZONE) of local months and the rpt_ models'' local times.';
comment on column rpt_provenance.trigger_radius_km is 'The trigger radius (BALLOONS_TRIGGER_RADIUS_KM) the build linked incursions to closures with.';
