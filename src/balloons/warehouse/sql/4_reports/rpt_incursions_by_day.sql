create or replace table rpt_incursions_by_day as
with settings as (
    select
        timezone as timezone
    from params
),
days as (
    select
        incursions.month as month,
        timezone(settings.timezone, incursions.detected_at)::date as day,
        count(*) as incursions
    from incursions
    cross join settings
    group by incursions.month, day
)
select * from days
order by month, day;

comment on table rpt_incursions_by_day is 'Report model: the day-by-day page, incursion records per local day (days without records have no row).';
comment on column rpt_incursions_by_day.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_incursions_by_day.day is 'Local calendar day (rpt_provenance.timezone).';
comment on column rpt_incursions_by_day.incursions is 'Incursion records detected that day.';
