-- Per-flight estimates are summed as decimals: exact, so the rounded totals do not depend on the
-- order rows arrive in (a double sum can land either side of .5).
create or replace table closure_impact as
with per_closure as (
    select
        closure_id as closure_id,
        count(*) as flights_affected,
        count(*) filter (where direction = 'arrival') as arrivals,
        count(*) filter (where direction = 'departure') as departures,
        count(*) filter (where status = 'cancelled') as cancelled,
        count(*) filter (where status = 'diverted') as diverted,
        count(*) filter (where status = 'delayed') as delayed,
        count(*) filter (where status = 'returned') as returned,
        count(*) filter (where status not in ('cancelled', 'diverted', 'delayed', 'returned')) as other,
        sum(passengers_best::decimal(18, 6)) as passengers_best,
        sum(passengers_low::decimal(18, 6)) as passengers_low,
        sum(passengers_high::decimal(18, 6)) as passengers_high,
        count(*) filter (where passengers_basis = 'unknown') as flights_unestimated
    from int_passengers_affected
    group by closure_id
),
joined as (
    select
        closures.closure_id as closure_id,
        closures.airport as airport,
        closures.closed_from as closed_from,
        closures.closed_until as closed_until,
        closures.month as month,
        closures.duration_min as duration_min,
        closures.notam_id as notam_id,
        closures.window_index as window_index,
        closures.scope as scope,
        closures.cause as cause,
        windows.in_headline as in_headline,
        coalesce(per_closure.flights_affected, 0) as flights_affected,
        coalesce(per_closure.arrivals, 0) as arrivals,
        coalesce(per_closure.departures, 0) as departures,
        coalesce(per_closure.cancelled, 0) as cancelled,
        coalesce(per_closure.diverted, 0) as diverted,
        coalesce(per_closure.delayed, 0) as delayed,
        coalesce(per_closure.returned, 0) as returned,
        coalesce(per_closure.other, 0) as other,
        coalesce(round(per_closure.passengers_best), 0)::bigint as passengers_affected,
        coalesce(round(per_closure.passengers_low), 0)::bigint as passengers_low,
        coalesce(round(per_closure.passengers_high), 0)::bigint as passengers_high,
        coalesce(per_closure.flights_unestimated, 0) as flights_unestimated,
        closures.reported_flights as reported_flights,
        closures.reported_passengers as reported_passengers
    from closures
    join int_closure_windows as windows on windows.closure_id = closures.closure_id
    left join per_closure on per_closure.closure_id = closures.closure_id
)
select * from joined
order by closed_from, airport;

comment on table closure_impact is 'Per closure: the flights it hit (closed_from <= scheduled_at < closed_until + BALLOONS_BUFFER_AFTER_MIN, in the directions its scope closes; overlapping closures: the earliest owns the flight) and the passengers on them, beside the reported figures. Only rows with in_headline count in monthly_impact and the reports'' headline figures.';
comment on column closure_impact.closure_id is 'The closure (see closures).';
comment on column closure_impact.airport is 'ICAO code of the closed airport.';
comment on column closure_impact.closed_from is 'Start of the closure (UTC instant).';
comment on column closure_impact.closed_until is 'End of the closure, exclusive (UTC instant).';
comment on column closure_impact.month is 'Local month of closed_from, ''YYYY-MM''.';
comment on column closure_impact.duration_min is 'Real elapsed minutes of the closure.';
comment on column closure_impact.notam_id is 'NOTAM announcing the closure, when known.';
comment on column closure_impact.window_index is 'Position of this window among its NOTAM''s active windows (0 when it has one).';
comment on column closure_impact.scope is 'full, arrivals (only arrivals are counted), departures (only departures), partial (both counted, never in headline figures).';
comment on column closure_impact.cause is 'balloons, drones, other or unknown (see closures.cause).';
comment on column closure_impact.in_headline is 'True when the closure counts in headline figures (monthly_impact, report totals): scope not partial, cause in BALLOONS_HEADLINE_CAUSES (default balloons,unknown), and started by the lake''s last ingest (build_info.last_ingest; a NOTAM''s windows still to come then are announced, not happened). Other closures are kept and shown, and own their flights among themselves only.';
comment on column closure_impact.flights_affected is 'Flights scheduled at the airport inside the closure window in a direction it closes, each counted once (once among headline closures, once among the others).';
comment on column closure_impact.arrivals is 'Of those, arrivals.';
comment on column closure_impact.departures is 'Of those, departures.';
comment on column closure_impact.cancelled is 'Affected flights with status cancelled.';
comment on column closure_impact.diverted is 'Affected flights with status diverted.';
comment on column closure_impact.delayed is 'Affected flights with status delayed.';
comment on column closure_impact.returned is 'Affected flights with status returned.';
comment on column closure_impact.other is 'Affected flights with another status (scheduled, operated).';
comment on column closure_impact.passengers_affected is 'Best estimate of passengers on the affected flights (actual counts where known), rounded; excludes flights_unestimated.';
comment on column closure_impact.passengers_low is 'Low band of passengers (load factor minus the band, low seat layouts), rounded.';
comment on column closure_impact.passengers_high is 'High band of passengers (load factor plus the band, maximum seat layouts), rounded.';
comment on column closure_impact.flights_unestimated is 'Affected flights with no passengers, no seats and an unknown aircraft type: not counted as zero passengers, just not estimated.';
comment on column closure_impact.reported_flights is 'Flights affected as officials or the press reported (NULL when not reported).';
comment on column closure_impact.reported_passengers is 'Passengers affected as reported (NULL when not reported).';
