-- Closures with what the staged rows do not say outright: the elapsed minutes, whether the row is
-- synthetic (lineage.sql), and the cause. A stated cause wins; otherwise the kind of incursion
-- int_closure_links ties to the closure (balloon before drone before other); else unknown.
create or replace temp view int_closures as
with staged as (
    select * from stg_closures
),
linked_kinds as (
    select
        links.closure_id as closure_id,
        bool_or(links.kind = 'balloon') as any_balloon,
        bool_or(links.kind = 'drone') as any_drone,
        bool_or(links.kind = 'other') as any_other
    from int_closure_links as links
    group by links.closure_id
),
caused as (
    select
        staged.closure_id as closure_id,
        staged.airport as airport,
        staged.closed_from as closed_from,
        staged.closed_until as closed_until,
        staged.month as month,
        (epoch(staged.closed_until) - epoch(staged.closed_from)) / 60.0 as duration_min,
        staged.reason as reason,
        staged.notam_id as notam_id,
        staged.reported_flights as reported_flights,
        staged.reported_passengers as reported_passengers,
        staged.source as source,
        staged.notes as notes,
        staged.schedule as schedule,
        staged.window_index as window_index,
        staged.schedule_in_text as schedule_in_text,
        staged.until_estimated as until_estimated,
        staged.scope as scope,
        case
            when staged.stated_cause is distinct from 'unknown' and staged.stated_cause is not null
                then staged.stated_cause
            when linked_kinds.any_balloon then 'balloons'
            when linked_kinds.any_drone then 'drones'
            when linked_kinds.any_other then 'other'
            else 'unknown'
        end as cause,
        staged.source_file as source_file,
        is_synthetic(staged.source_file) as synthetic,
        staged.source_line as source_line,
        staged.run_id as run_id,
        staged.ingested_at as ingested_at
    from staged
    left join linked_kinds on linked_kinds.closure_id = staged.closure_id
)
select * from caused;
