-- The current record of every key, derived from the contributions of the files that still
-- deliver it. Input: `contributions` (one table's contributions for the months at hand, with
-- `_row`, their position, and `delivery`, the rank of the run that delivered their file).
-- Order: later delivery, then later path, then later line. The latest contribution of a key
-- decides its content; the row shown (with its lineage) is the first of the unbroken streak of
-- that same content at the end, so a re-delivery of the same facts keeps the first delivery's
-- lineage. A NOTAMR or NOTAMC withdraws the closures of the NOTAM it names that come before it:
-- a key whose latest contribution is withdrawn has no current record.
-- Output: every contribution's status: landed (the current record), duplicate (same content as
-- the contribution before it), superseded (any other); NOTAMC rows count as landed.
with records as (
    select
        _row,
        {id} as key,
        content_hash,
        delivery,
        source_file,
        coalesce(source_line, 0) as line,
        {notam_id} as notam_id
    from contributions
    where _op is distinct from 'C'
),

ops as (
    select
        _ref,
        delivery,
        source_file,
        coalesce(source_line, 0) as line
    from contributions
    where _op in ('R', 'C')
),

ordered as (
    select
        records.*,
        coalesce(
            records.content_hash = lag(records.content_hash) over (
                partition by records.key order by records.delivery, records.source_file, records.line
            ),
            false
        ) as repeats,
        row_number() over (
            partition by records.key order by records.delivery desc, records.source_file desc, records.line desc
        ) as from_last
    from records
),

withdrawn as (
    select distinct
        ordered._row
    from ordered
    join ops
        on ops._ref = ordered.notam_id
        and (ops.delivery > ordered.delivery
             or (ops.delivery = ordered.delivery
                 and (ops.source_file > ordered.source_file
                      or (ops.source_file = ordered.source_file and ops.line > ordered.line))))
),

gone as (
    select
        ordered.key
    from ordered
    join withdrawn using (_row)
    where ordered.from_last = 1
),

streaks as (
    select
        ordered.*,
        row_number() over (
            partition by ordered.key, ordered.repeats
            order by ordered.delivery desc, ordered.source_file desc, ordered.line desc
        ) as start_from_last
    from ordered
)

select
    streaks._row,
    case
        when streaks.repeats then 'duplicate'
        when streaks.start_from_last = 1 and gone.key is null then 'landed'
        else 'superseded'
    end as _status
from streaks
left join gone using (key)

union all

select
    _row,
    'landed' as _status
from contributions
where _op = 'C'
