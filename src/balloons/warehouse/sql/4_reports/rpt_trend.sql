create or replace table rpt_trend as
with impact_months as (
    select
        month as month,
        sum(passengers_affected) as passengers_affected,
        sum(passengers_low) as passengers_low,
        sum(passengers_high) as passengers_high,
        sum(flights_unestimated) as flights_unestimated
    from monthly_impact
    group by month
),
trend as (
    select
        incursion_months.month as month,
        incursion_months.incursions as incursions,
        incursion_months.balloons as balloons,
        coalesce(impact_months.passengers_affected, 0)::bigint as passengers_affected,
        coalesce(impact_months.passengers_low, 0)::bigint as passengers_low,
        coalesce(impact_months.passengers_high, 0)::bigint as passengers_high,
        coalesce(impact_months.flights_unestimated, 0)::bigint as flights_unestimated
    from monthly_incursions as incursion_months
    left join impact_months on impact_months.month = incursion_months.month
)
select * from trend
order by month;

comment on table rpt_trend is 'Report model: the trend page, one row per month of monthly_incursions (first to last month with incursion records, none skipped) with the passengers affected that month.';
comment on column rpt_trend.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_trend.incursions is 'Incursion records in the month.';
comment on column rpt_trend.balloons is 'Balloons over those records.';
comment on column rpt_trend.passengers_affected is 'Best estimate of passengers hit by headline closures (0 in a month without).';
comment on column rpt_trend.passengers_low is 'Low band of passengers hit.';
comment on column rpt_trend.passengers_high is 'High band of passengers hit.';
comment on column rpt_trend.flights_unestimated is 'Flights hit that month whose passengers could not be estimated: unknown, never counted as zero.';
