-- One month of one table's run: the status of every staged row. Input: `new` (staged rows of
-- the month with `_file`, the rank of their raw file by path, and `_row`, their position), `old` (the month's lake rows:
-- id, content_hash, source_file), $cleanup (raw files whose earlier rows are taken back).
-- In (file, line) order a row repeating the content of the row before it (with the same id) is
-- a duplicate; the last other row wins and the rest are superseded; a winner equal to the row
-- the lake already holds is a duplicate too.
with ordered as (
    select
        _row,
        _file,
        source_line,
        {id},
        content_hash,
        lag(content_hash) over (partition by {id} order by _file, source_line) as previous_hash
    from new
),

marked as (
    select
        *,
        coalesce(content_hash = previous_hash, false) as repeats
    from ordered
),

ranked as (
    select
        *,
        row_number() over (partition by {id}, repeats order by _file desc, source_line desc) as from_last
    from marked
),

held as (
    select
        {id},
        content_hash
    from old
    where not list_contains($cleanup, source_file)
)

select
    ranked._row,
    ranked._file,
    case
        when ranked.repeats then 'duplicate'
        when ranked.from_last > 1 then 'superseded'
        when held.content_hash = ranked.content_hash then 'duplicate'
        else 'landed'
    end as _status
from ranked
left join held using ({id})
