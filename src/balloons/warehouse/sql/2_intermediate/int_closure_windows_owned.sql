-- The part of each closure's window it owns, per flight direction it closes: full closures close
-- arrivals and departures, arrivals-only and departures-only closures one direction, partial
-- closures both (shown, never in headline figures). Within one airport, direction and lane
-- (int_closure_windows.in_headline) the earlier closed_from (then the smaller closure_id) owns an
-- overlap. Owned intervals are disjoint per airport, direction and lane, so a flight falls in at
-- most one of them per lane; a closure wholly inside earlier ones owns an empty interval.
create or replace temp view int_closure_windows_owned as
with directions as (
    select
        unnest(['arrival', 'departure']) as direction
),
windows as (
    select
        windows.closure_id as closure_id,
        windows.airport as airport,
        directions.direction as direction,
        windows.in_headline as in_headline,
        windows.closed_from as closed_from,
        windows.window_until as window_until
    from int_closure_windows as windows
    cross join directions
    where windows.scope in ('full', 'partial')
        or (windows.scope = 'arrivals' and directions.direction = 'arrival')
        or (windows.scope = 'departures' and directions.direction = 'departure')
),
ordered as (
    select
        windows.*,
        max(windows.window_until) over earlier as earlier_window_until
    from windows
    window earlier as (
        partition by windows.airport, windows.direction, windows.in_headline
        order by windows.closed_from, windows.closure_id
        rows between unbounded preceding and 1 preceding
    )
),
owned as (
    select
        closure_id as closure_id,
        airport as airport,
        direction as direction,
        in_headline as in_headline,
        greatest(closed_from, coalesce(earlier_window_until, closed_from)) as owned_from,
        window_until as owned_until
    from ordered
)
select * from owned;
