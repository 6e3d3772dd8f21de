-- Closures and the incursions that plausibly caused them: within trigger_radius_km of the airport,
-- from trigger_lead_min before closed_from until closed_until. The one linking rule: closures
-- (cause, through int_closures) and closure_triggers both read it.
create or replace temp view int_closure_links as
with settings as (
    select
        trigger_radius_km as radius_km,
        trigger_lead_min as lead_min
    from params
),
candidates as (
    select
        closures.closure_id as closure_id,
        incursions.event_id as event_id,
        incursions.detected_at as detected_at,
        incursions.balloons as balloons,
        incursions.kind as kind,
        2 * 6371.0088 * asin(sqrt(
            pow(sin(radians(incursions.lat - airports.lat) / 2), 2)
            + cos(radians(airports.lat)) * cos(radians(incursions.lat))
            * pow(sin(radians(incursions.lon - airports.lon) / 2), 2)
        )) as distance_km
    from stg_closures as closures
    join stg_airports as airports on airports.icao = closures.airport
    cross join settings
    join stg_incursions as incursions
        on incursions.detected_at >= closures.closed_from - to_minutes(settings.lead_min)
        and incursions.detected_at < closures.closed_until
    where incursions.lat is not null
),
linked as (
    select
        candidates.*
    from candidates, settings
    where candidates.distance_km <= settings.radius_km
)
select * from linked;
