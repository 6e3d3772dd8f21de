create or replace table rpt_incursions as
with settings as (
    select
        timezone as timezone
    from params
),
located as (
    select
        incursions.event_id as event_id,
        incursions.month as month,
        incursions.detected_at as detected_at,
        timezone(settings.timezone, incursions.detected_at) as detected_local,
        incursions.balloons as balloons,
        incursions.lat as lat,
        incursions.lon as lon,
        incursions.municipality as municipality
    from incursions
    cross join settings
)
select * from located
order by detected_at, event_id;

comment on table rpt_incursions is 'Report model: every incursion record as the map shows it (point, size by balloons), in local time (rpt_provenance.timezone), in time order.';
comment on column rpt_incursions.event_id is 'The incursion (see incursions).';
comment on column rpt_incursions.month is 'Local month of detected_at, ''YYYY-MM''.';
comment on column rpt_incursions.detected_at is 'When it was detected (UTC instant), the table''s order.';
comment on column rpt_incursions.detected_local is 'When it was detected, local wall-clock time.';
comment on column rpt_incursions.balloons is 'Number of objects in the record.';
comment on column rpt_incursions.lat is 'Latitude, WGS84 degrees (NULL: not on the map).';
comment on column rpt_incursions.lon is 'Longitude, WGS84 degrees.';
comment on column rpt_incursions.municipality is 'Municipality as the publisher wrote it (NULL when not given).';
