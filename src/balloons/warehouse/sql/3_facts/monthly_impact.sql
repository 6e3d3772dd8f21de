create or replace table monthly_impact as
with minutes as (
    select
        windows.month as month,
        windows.airport as airport,
        sum(windows.new_closed_minutes) filter (where windows.in_headline) as closed_minutes
    from int_closure_windows as windows
    group by windows.month, windows.airport
),
impact as (
    select
        month as month,
        airport as airport,
        count(*) filter (where in_headline) as closures,
        count(*) filter (where not in_headline) as closures_excluded,
        coalesce(sum(flights_affected) filter (where in_headline), 0)::bigint as flights_affected,
        coalesce(sum(passengers_affected) filter (where in_headline), 0)::bigint as passengers_affected,
        coalesce(sum(passengers_low) filter (where in_headline), 0)::bigint as passengers_low,
        coalesce(sum(passengers_high) filter (where in_headline), 0)::bigint as passengers_high,
        coalesce(sum(flights_unestimated) filter (where in_headline), 0)::bigint as flights_unestimated,
        sum(reported_flights) filter (where in_headline)::bigint as reported_flights,
        sum(reported_passengers) filter (where in_headline)::bigint as reported_passengers
    from closure_impact
    group by month, airport
)
select
    impact.month as month,
    impact.airport as airport,
    impact.closures as closures,
    coalesce(minutes.closed_minutes, 0) as closed_minutes,
    impact.flights_affected as flights_affected,
    impact.passengers_affected as passengers_affected,
    impact.passengers_low as passengers_low,
    impact.passengers_high as passengers_high,
    impact.flights_unestimated as flights_unestimated,
    impact.reported_flights as reported_flights,
    impact.reported_passengers as reported_passengers,
    impact.closures_excluded as closures_excluded
from impact
join minutes on minutes.month = impact.month and minutes.airport = impact.airport
order by month, airport;

comment on table monthly_impact is 'Headline closures and their cost per local month (of closed_from) and airport: sums of closure_impact over rows with in_headline (scope not partial, cause in BALLOONS_HEADLINE_CAUSES, default balloons and unknown).';
comment on column monthly_impact.month is 'Local month of closed_from, ''YYYY-MM''.';
comment on column monthly_impact.airport is 'ICAO code.';
comment on column monthly_impact.closures is 'Number of headline closures starting in the month (a scheduled NOTAM counts once per active window).';
comment on column monthly_impact.closed_minutes is 'Minutes the airport was closed by at least one headline closure (overlaps counted once; no buffer).';
comment on column monthly_impact.flights_affected is 'Flights hit (sum of closure_impact.flights_affected over headline closures).';
comment on column monthly_impact.passengers_affected is 'Best estimate of passengers hit (sum of the rounded per-closure figures).';
comment on column monthly_impact.passengers_low is 'Low band of passengers hit.';
comment on column monthly_impact.passengers_high is 'High band of passengers hit.';
comment on column monthly_impact.flights_unestimated is 'Flights hit whose passengers could not be estimated.';
comment on column monthly_impact.reported_flights is 'Sum of reported flights over the headline closures that have a report (NULL when none has).';
comment on column monthly_impact.reported_passengers is 'Sum of reported passengers over the headline closures that have a report (NULL when none has).';
comment on column monthly_impact.closures_excluded is 'Closures starting in the month left out of the figures above (partial scope, a cause not counted, or a NOTAM''s window not started by the lake''s last ingest); see closure_impact.in_headline.';
