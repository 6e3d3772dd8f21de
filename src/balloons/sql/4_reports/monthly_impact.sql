create or replace table monthly_impact as
with minutes as (
    select
        windows.month as month,
        windows.airport as airport,
        sum(windows.new_closed_minutes) as closed_minutes
    from int_closure_windows as windows
    group by windows.month, windows.airport
),
impact as (
    select
        month as month,
        airport as airport,
        count(*) as closures,
        sum(flights_affected)::bigint as flights_affected,
        sum(passengers_affected)::bigint as passengers_affected,
        sum(passengers_low)::bigint as passengers_low,
        sum(passengers_high)::bigint as passengers_high,
        sum(flights_unestimated)::bigint as flights_unestimated,
        sum(reported_flights)::bigint as reported_flights,
        sum(reported_passengers)::bigint as reported_passengers
    from closure_impact
    group by month, airport
)
select
    impact.month as month,
    impact.airport as airport,
    impact.closures as closures,
    minutes.closed_minutes as closed_minutes,
    impact.flights_affected as flights_affected,
    impact.passengers_affected as passengers_affected,
    impact.passengers_low as passengers_low,
    impact.passengers_high as passengers_high,
    impact.flights_unestimated as flights_unestimated,
    impact.reported_flights as reported_flights,
    impact.reported_passengers as reported_passengers
from impact
join minutes on minutes.month = impact.month and minutes.airport = impact.airport
order by month, airport;

comment on table monthly_impact is 'Closures and their cost per local month (of closed_from) and airport; sums of closure_impact.';
comment on column monthly_impact.month is 'Local month of closed_from, ''YYYY-MM''.';
comment on column monthly_impact.airport is 'ICAO code.';
comment on column monthly_impact.closures is 'Number of closures starting in the month.';
comment on column monthly_impact.closed_minutes is 'Minutes the airport was closed by at least one of them (overlaps counted once; no buffer).';
comment on column monthly_impact.flights_affected is 'Flights hit (sum of closure_impact.flights_affected).';
comment on column monthly_impact.passengers_affected is 'Best estimate of passengers hit (sum of the rounded per-closure figures).';
comment on column monthly_impact.passengers_low is 'Low band of passengers hit.';
comment on column monthly_impact.passengers_high is 'High band of passengers hit.';
comment on column monthly_impact.flights_unestimated is 'Flights hit whose passengers could not be estimated.';
comment on column monthly_impact.reported_flights is 'Sum of reported flights over the closures that have a report (NULL when none has).';
comment on column monthly_impact.reported_passengers is 'Sum of reported passengers over the closures that have a report (NULL when none has).';
