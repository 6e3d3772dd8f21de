create or replace table rpt_months as
with incursion_months as (
    select
        month as month,
        incursions as incursions,
        balloons as balloons
    from monthly_incursions
),
impact_months as (
    select
        month as month,
        sum(closures) as closures,
        sum(closed_minutes) as closed_minutes,
        sum(flights_affected) as flights_affected,
        sum(passengers_affected) as passengers_affected,
        sum(passengers_low) as passengers_low,
        sum(passengers_high) as passengers_high,
        sum(flights_unestimated) as flights_unestimated
    from monthly_impact
    group by month
),
flight_months as (
    select
        month as month,
        count(*) as flights_held
    from flights
    group by month
),
months as (
    select
        coalesce(incursion_months.month, impact_months.month) as month,
        coalesce(incursion_months.incursions, 0)::bigint as incursions,
        coalesce(incursion_months.balloons, 0)::bigint as balloons,
        coalesce(impact_months.closures, 0)::bigint as closures,
        coalesce(impact_months.closed_minutes, 0)::double as closed_minutes,
        coalesce(impact_months.flights_affected, 0)::bigint as flights_affected,
        coalesce(impact_months.passengers_affected, 0)::bigint as passengers_affected,
        coalesce(impact_months.passengers_low, 0)::bigint as passengers_low,
        coalesce(impact_months.passengers_high, 0)::bigint as passengers_high,
        coalesce(impact_months.flights_unestimated, 0)::bigint as flights_unestimated,
        coalesce(flight_months.flights_held, 0)::bigint as flights_held
    from incursion_months
    full outer join impact_months on impact_months.month = incursion_months.month
    left join flight_months on flight_months.month = coalesce(incursion_months.month, impact_months.month)
)
select * from months
order by month;

comment on table rpt_months is 'Report model: the headline figures per local month (summary tables, yearly table, Prefect summaries); a report sums its rows over the months it covers. One row per month of monthly_incursions or monthly_impact.';
comment on column rpt_months.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_months.incursions is 'Incursion records (monthly_incursions.incursions; 0 outside its months).';
comment on column rpt_months.balloons is 'Balloons over those records.';
comment on column rpt_months.closures is 'Headline closures starting in the month, all airports (monthly_impact.closures).';
comment on column rpt_months.closed_minutes is 'Minutes closed, summed over airports (monthly_impact.closed_minutes).';
comment on column rpt_months.flights_affected is 'Flights hit by headline closures, all airports.';
comment on column rpt_months.passengers_affected is 'Best estimate of passengers hit, all airports.';
comment on column rpt_months.passengers_low is 'Low band of passengers hit.';
comment on column rpt_months.passengers_high is 'High band of passengers hit.';
comment on column rpt_months.flights_unestimated is 'Flights hit whose passengers could not be estimated (monthly_impact.flights_unestimated): unknown, never counted as zero passengers.';
comment on column rpt_months.flights_held is 'Flights the warehouse holds scheduled in the month (any airport): with closures but none held, the reports say no flights are held instead of showing zero flights and passengers hit.';
