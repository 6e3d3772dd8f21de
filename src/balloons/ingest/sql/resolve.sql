-- The current record of every key, derived from the contributions of the files that still
-- deliver it. Input: `contributions` (one table's contributions for the months at hand, with
-- `_row`, their position, and `delivery`, the rank of the run that delivered their file).
-- Order: later delivery, then later path, then later line. The latest contribution of a key
-- decides its content; of the unbroken streak of that same content at the end, the row shown
-- (with its lineage) is the one with the first path and line, so the same facts delivered by
-- several files show the same lineage whatever order they came in. A NOTAMR or NOTAMC withdraws every
-- closure of the NOTAM it names, whichever file, run or order delivered it (so history converges on a
-- fresh run; an operation from another country's NOTAM office, by the aerodrome it names, withdraws
-- nothing here): withdrawn contributions take no part in the order, so a key's current record is its
-- latest contribution not withdrawn (a NOTAMR whose window starts when the one it replaces did
-- keeps that key), and a key whose every contribution is withdrawn has no current record.
-- Output: the status of every contribution that is not landed (the current record): duplicate
-- (same content as the contribution before it, or as the current record) or superseded (any
-- other). Every contribution not listed is landed, NOTAMC rows included: in a month of new keys,
-- each delivered once and none withdrawn, nothing is listed.
with ops as (
    select distinct
        _ref,
        {airport} as airport
    from contributions
    where _op in ('R', 'C')
),

contributed as (
    select
        _row,
        {id} as key,
        content_hash,
        delivery,
        source_file,
        coalesce(source_line, 0) as line,
        {notam_id} as notam_id,
        {airport} as airport
    from contributions
    where _op is distinct from 'C'
),

-- A NOTAM's number is in the series of the NOTAM office that issued it, so an operation names a
-- NOTAM of its own country: of an aerodrome with the same ICAO nationality letters (its first
-- two), or of any when it names no aerodrome.
withdrawn as (
    select
        contributed._row
    from contributed
    semi join ops
        on contributed.notam_id = ops._ref
        and (ops.airport is null or left(contributed.airport, 2) = left(ops.airport, 2))
),

records as (
    select
        contributed.*
    from contributed
    anti join withdrawn using (_row)
),

-- Most keys have one contribution: it is the current record. Only keys with several go through
-- the windows.
repeated as (
    select
        key
    from records
    group by key
    having count(*) > 1
),

many as (
    select
        records.*
    from records
    semi join repeated using (key)
),

ordered as (
    select
        records.*,
        coalesce(
            records.content_hash = lag(records.content_hash) over (
                partition by records.key order by records.delivery, records.source_file, records.line
            ),
            false
        ) as repeats
    from many as records
),

streaks as (
    select
        marked.*,
        max(marked.streak) over (partition by marked.key) = marked.streak as final
    from (
        select
            ordered.*,
            sum(case when ordered.repeats then 0 else 1 end) over (
                partition by ordered.key order by ordered.delivery, ordered.source_file, ordered.line
                rows between unbounded preceding and current row
            ) as streak
        from ordered
    ) as marked
),

shown as (
    select
        streaks.*,
        streaks.final and row_number() over (
            partition by streaks.key, streaks.final order by streaks.source_file, streaks.line, streaks.delivery
        ) = 1 as first_of_final
    from streaks
)

select
    shown._row,
    case
        when shown.final or shown.repeats then 'duplicate'
        else 'superseded'
    end as _status
from shown
where not shown.first_of_final

union all

select
    withdrawn._row,
    'superseded' as _status
from withdrawn
