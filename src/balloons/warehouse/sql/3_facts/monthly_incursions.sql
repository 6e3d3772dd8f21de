create or replace table monthly_incursions as
with bounds as (
    select
        min(month) as first_month,
        max(month) as last_month
    from incursions
),
calendar as (
    select
        strftime(month_start, '%Y-%m') as month
    from bounds,
        range(
            strptime(bounds.first_month, '%Y-%m'),
            strptime(bounds.last_month, '%Y-%m') + interval 1 month,
            interval 1 month
        ) as months(month_start)
),
counted as (
    select
        month as month,
        count(*) as incursions,
        sum(balloons) as balloons
    from incursions
    group by month
),
filled as (
    select
        calendar.month as month,
        coalesce(counted.incursions, 0)::bigint as incursions,
        coalesce(counted.balloons, 0)::bigint as balloons
    from calendar
    left join counted on counted.month = calendar.month
)
select * from filled
order by month;

comment on table monthly_incursions is 'Incursions per local month (Europe/Vilnius), one row per month from the first to the last month with data, months without records as zero.';
comment on column monthly_incursions.month is 'Local month, ''YYYY-MM''.';
comment on column monthly_incursions.incursions is 'Number of incursion records in the month.';
comment on column monthly_incursions.balloons is 'Sum of balloons (objects) over those records.';
