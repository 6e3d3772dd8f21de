-- The reported figures a closure's current record carries when it has none of its own: a NOTAM
-- gives no figures, so a NOTAM about a closure a report gave figures for (delivered later, so the
-- current record) would otherwise wipe them. The figures come from the latest contribution of the
-- same key that gives any (same order as resolve.sql), with where they come from.
-- Input: `contributions` (as resolve.sql) and `current_rows` (the `_row` of each current record).
-- Output: per current record to fill, its `_row`, the figures and a note naming their source.
with reported as (
    select
        closure_id,
        reported_flights,
        reported_passengers,
        coalesce(nullif(source, ''), source_file) as given_by,
        row_number() over (
            partition by closure_id order by delivery desc, source_file desc, coalesce(source_line, 0) desc
        ) as latest
    from contributions
    where _op is distinct from 'C'
        and (reported_flights is not null or reported_passengers is not null)
)

select
    contributions._row,
    reported.reported_flights,
    reported.reported_passengers,
    'reported figures from ' || reported.given_by as note
from contributions
semi join current_rows using (_row)
inner join reported
    on contributions.closure_id = reported.closure_id
    and reported.latest = 1
where contributions.reported_flights is null
    and contributions.reported_passengers is null
order by contributions._row
