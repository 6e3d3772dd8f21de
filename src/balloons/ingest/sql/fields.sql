-- Every table, step 1: the decoded text of each field trimmed (empty means absent), the first
-- field over the length limit or holding a NUL byte, and the zone wall-clock times are read in:
-- the airport's (closures, flights) or the configured one (incursions). `{texts}` and `{field_reasons}` list the table's
-- fields (`columns.COLUMNS`); `{airport}` is its airport column, `{zone}` the zone.
create or replace temp view fields as
select
    decoded._pos,
    decoded._file,
    decoded.source_line,
    decoded._op,
    decoded._ref,
    decoded._raw,
    decoded._comma,
    decoded._notam,
    coalesce({field_reasons}) as _field_reason,
    {texts},
    {zone} as zone
from decoded
left join (
    -- each distinct airport text once, not every record's (no scan at all for a table without
    -- an airport: its `{airport}` is a null constant)
    select given.airport, airports.zone
    from (select distinct {airport} as airport from decoded where {airport} is not null) as given
    join airports
        on airports.icao = upper(txt(given.airport))
) as airports
    on airports.airport = {airport};
