create or replace table closure_triggers as
with linked as (
    select
        *
    from int_closure_links
)
select
    closures.closure_id as closure_id,
    closures.airport as airport,
    closures.closed_from as closed_from,
    closures.closed_until as closed_until,
    linked.event_id is not null as linked,
    linked.event_id as event_id,
    linked.detected_at as detected_at,
    round((epoch(closures.closed_from) - epoch(linked.detected_at)) / 60.0, 1) as minutes_before_closure,
    round(linked.distance_km, 2) as distance_km,
    linked.balloons as balloons
from closures
left join linked on linked.closure_id = closures.closure_id
order by closures.closed_from, closures.airport, linked.detected_at, linked.event_id;

comment on table closure_triggers is 'Each closure with the incursions that plausibly caused it: within BALLOONS_TRIGGER_RADIUS_KM of the airport, from BALLOONS_TRIGGER_LEAD_MIN before closed_from until closed_until. A closure with no such incursion has one row with linked = false (a data gap worth seeing).';
comment on column closure_triggers.closure_id is 'The closure.';
comment on column closure_triggers.airport is 'ICAO code of the closed airport.';
comment on column closure_triggers.closed_from is 'Start of the closure (UTC instant).';
comment on column closure_triggers.closed_until is 'End of the closure (UTC instant).';
comment on column closure_triggers.linked is 'True when an incursion is linked on this row; false for a closure with none.';
comment on column closure_triggers.event_id is 'The linked incursion (see incursions), NULL when none.';
comment on column closure_triggers.detected_at is 'When the linked incursion was detected (UTC instant).';
comment on column closure_triggers.minutes_before_closure is 'closed_from minus detected_at in minutes (negative: detected while closed).';
comment on column closure_triggers.distance_km is 'Great-circle distance from the airport, km.';
comment on column closure_triggers.balloons is 'Balloons in the linked incursion record.';
