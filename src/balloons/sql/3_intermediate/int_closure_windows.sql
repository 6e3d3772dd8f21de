-- Each closure's window (plus the after-reopening buffer) and the part of it the closure owns:
-- where windows of one airport overlap, the earlier closed_from (then the smaller closure_id)
-- owns the overlap. Owned intervals are disjoint, so a flight falls in at most one of them; a
-- closure wholly inside earlier ones owns an empty interval (owned_from >= owned_until).
-- new_closed_minutes is the same rule without the buffer: the minutes this closure adds to the
-- time its airport was closed, so overlaps count once.
create or replace temp view int_closure_windows as
with windows as (
    select
        closures.closure_id as closure_id,
        closures.airport as airport,
        closures.month as month,
        closures.closed_from as closed_from,
        closures.closed_until as closed_until,
        closures.closed_until + to_minutes((select buffer_after_min from params)) as window_until
    from closures
),
ordered as (
    select
        windows.*,
        max(windows.window_until) over earlier as earlier_window_until,
        max(windows.closed_until) over earlier as earlier_closed_until
    from windows
    window earlier as (
        partition by windows.airport
        order by windows.closed_from, windows.closure_id
        rows between unbounded preceding and 1 preceding
    )
),
owned as (
    select
        closure_id as closure_id,
        airport as airport,
        month as month,
        greatest(closed_from, coalesce(earlier_window_until, closed_from)) as owned_from,
        window_until as owned_until,
        greatest(
            epoch(closed_until) - epoch(greatest(closed_from, coalesce(earlier_closed_until, closed_from))),
            0
        ) / 60.0 as new_closed_minutes
    from ordered
)
select * from owned;
