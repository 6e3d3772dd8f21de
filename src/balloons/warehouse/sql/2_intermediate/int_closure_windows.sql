-- Each closure's window (plus the after-reopening buffer), whether it counts in headline figures,
-- and the minutes it adds to the time its airport was closed. A closure is in the headline when
-- its scope is not partial, its cause is one of params.headline_causes, and it had started when the
-- lake last took in data (build_info.last_ingest): a NOTAM's windows still to come at that time are
-- announced, not closures that happened, and stay out of the figures until a later ingest. Headline and other
-- closures are two lanes that never share overlaps: where windows of one airport and lane overlap,
-- the earlier closed_from (then the smaller closure_id) owns the overlap, so new_closed_minutes
-- counts overlapping minutes once.
create or replace temp view int_closure_windows as
with classified as (
    select
        closures.closure_id as closure_id,
        closures.airport as airport,
        closures.month as month,
        closures.scope as scope,
        closures.cause as cause,
        closures.scope <> 'partial'
            and list_contains(string_split((select headline_causes from params), ','), closures.cause)
            and closures.closed_from <= coalesce((select last_ingest from stg_build_info), closures.closed_from)
            as in_headline,
        closures.closed_from as closed_from,
        closures.closed_until as closed_until,
        closures.closed_until + to_minutes((select buffer_after_min from params)) as window_until
    from int_closures as closures
),
ordered as (
    select
        classified.*,
        max(classified.closed_until) over earlier as earlier_closed_until
    from classified
    window earlier as (
        partition by classified.airport, classified.in_headline
        order by classified.closed_from, classified.closure_id
        rows between unbounded preceding and 1 preceding
    )
),
minutes as (
    select
        ordered.* exclude (earlier_closed_until),
        greatest(
            epoch(closed_until) - epoch(greatest(closed_from, coalesce(earlier_closed_until, closed_from))),
            0
        ) / 60.0 as new_closed_minutes
    from ordered
)
select * from minutes;
