-- The lines of a plain CSV batch split into the canonical flight columns. Input: `batch` (line
-- number, text); `bulk.fields_sql` picks the columns at the header's positions. Lines of another
-- width are left out: the exact path reports them. Materialised on its own, because DuckDB
-- recomputes the split list for every column a later query reads.
create or replace temp table fields as
with split as (
    select
        line,
        string_split(text, $delimiter) as f
    from batch
)

select
    line,
    {fields}
from split
where len(f) = $width
