create or replace table rpt_incursions_by_hour as
with settings as (
    select
        timezone as timezone
    from params
),
hours as (
    select
        incursions.month as month,
        hour(timezone(settings.timezone, incursions.detected_at)) as hour,
        count(*) as incursions
    from incursions
    cross join settings
    group by incursions.month, hour
)
select * from hours
order by month, hour;

comment on table rpt_incursions_by_hour is 'Report model: the time-of-day page, incursion records per local hour of day and month (hours without records have no row).';
comment on column rpt_incursions_by_hour.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_incursions_by_hour.hour is 'Local hour of day, 0-23 (rpt_provenance.timezone).';
comment on column rpt_incursions_by_hour.incursions is 'Incursion records detected in that hour of the day, over the month.';
