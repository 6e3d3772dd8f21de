create or replace table rpt_closures as
with settings as (
    select
        timezone as timezone
    from params
),
impact as (
    select
        closure_impact.closure_id as closure_id,
        closure_impact.month as month,
        closure_impact.airport as airport,
        closure_impact.closed_from as closed_from,
        timezone(settings.timezone, closure_impact.closed_from) as closed_from_local,
        timezone(settings.timezone, closure_impact.closed_until) as closed_until_local,
        closure_impact.duration_min as duration_min,
        closure_impact.flights_affected as flights_affected,
        closure_impact.cancelled as cancelled,
        closure_impact.diverted as diverted,
        closure_impact.delayed as delayed,
        closure_impact.returned as returned,
        closure_impact.other as other,
        closure_impact.passengers_affected as passengers_affected,
        closure_impact.passengers_low as passengers_low,
        closure_impact.passengers_high as passengers_high,
        closure_impact.flights_unestimated as flights_unestimated,
        closure_impact.reported_flights as reported_flights,
        closure_impact.reported_passengers as reported_passengers,
        closure_impact.in_headline as in_headline,
        closures.until_estimated as until_estimated,
        flight_months.month is not null as flights_held
    from closure_impact
    join closures using (closure_id)
    cross join settings
    left join (select distinct month from flights) as flight_months on flight_months.month = closure_impact.month
)
select * from impact
order by closed_from, airport;

comment on table rpt_closures is 'Report model: every closure as the closure tables, timeline and flights-by-status chart show it, in local time (rpt_provenance.timezone), in time order.';
comment on column rpt_closures.closure_id is 'The closure (see closures).';
comment on column rpt_closures.month is 'Local month of closed_from, ''YYYY-MM''.';
comment on column rpt_closures.airport is 'ICAO code of the closed airport.';
comment on column rpt_closures.closed_from is 'Start of the closure (UTC instant), the table''s order.';
comment on column rpt_closures.closed_from_local is 'Start of the closure, local wall-clock time.';
comment on column rpt_closures.closed_until_local is 'End of the closure, local wall-clock time.';
comment on column rpt_closures.duration_min is 'Real elapsed minutes of the closure.';
comment on column rpt_closures.flights_affected is 'Flights computed (closure_impact.flights_affected).';
comment on column rpt_closures.cancelled is 'Of those, cancelled.';
comment on column rpt_closures.diverted is 'Of those, diverted.';
comment on column rpt_closures.delayed is 'Of those, delayed.';
comment on column rpt_closures.returned is 'Of those, returned.';
comment on column rpt_closures.other is 'Of those, with another status (scheduled, operated).';
comment on column rpt_closures.passengers_affected is 'Passengers computed, best estimate.';
comment on column rpt_closures.passengers_low is 'Low band of passengers computed.';
comment on column rpt_closures.passengers_high is 'High band of passengers computed.';
comment on column rpt_closures.flights_unestimated is 'Flights hit whose passengers could not be estimated (closure_impact.flights_unestimated).';
comment on column rpt_closures.reported_flights is 'Flights affected as reported (NULL when not reported).';
comment on column rpt_closures.reported_passengers is 'Passengers affected as reported (NULL when not reported).';
comment on column rpt_closures.in_headline is 'True when the closure counts in the headline figures; the tables mark the others.';
comment on column rpt_closures.until_estimated is 'True when the end is an estimate (closures.until_estimated); the tables show it as ~HH:MM.';
comment on column rpt_closures.flights_held is 'True when the warehouse holds flights scheduled in the closure''s month (any airport): when it holds none, the tables say no flights are held instead of showing zero flights and passengers hit.';
