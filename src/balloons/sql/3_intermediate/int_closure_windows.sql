-- Each closure's window (plus the after-reopening buffer) and the part of it the closure owns:
-- where windows of one airport overlap, the earlier closed_from (then the smaller closure_id)
-- owns the overlap. Owned intervals are disjoint, so a flight falls in at most one of them.
create or replace temp view int_closure_windows as
with windows as (
    select
        closures.closure_id as closure_id,
        closures.airport as airport,
        closures.closed_from as closed_from,
        closures.closed_until + to_minutes((select buffer_after_min from params)) as window_until
    from closures
),
ordered as (
    select
        windows.*,
        max(windows.window_until) over (
            partition by windows.airport
            order by windows.closed_from, windows.closure_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_until
    from windows
),
owned as (
    select
        closure_id as closure_id,
        airport as airport,
        greatest(closed_from, coalesce(earlier_until, closed_from)) as owned_from,
        window_until as owned_until
    from ordered
)
select * from owned
where owned_from < owned_until;
