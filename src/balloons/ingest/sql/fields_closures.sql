-- Closures, step 1: trimmed text, the airport's zone, and the first field over the length limit.
create or replace temp view fields as
select
    decoded._pos,
    decoded._file,
    decoded.source_line,
    decoded._op,
    decoded._ref,
    decoded._raw,
    decoded._comma,
    coalesce(
        too_long('airport', decoded.airport),
        too_long('closed_from', decoded.closed_from),
        too_long('closed_until', decoded.closed_until),
        too_long('reason', decoded.reason),
        too_long('notam_id', decoded.notam_id),
        too_long('reported_flights', decoded.reported_flights),
        too_long('reported_passengers', decoded.reported_passengers),
        too_long('source', decoded.source),
        too_long('notes', decoded.notes),
        too_long('scope', decoded.scope),
        too_long('cause', decoded.cause),
        too_long('until_estimated', decoded.until_estimated),
        too_long('schedule', decoded.schedule),
        too_long('window_index', decoded.window_index),
        too_long('schedule_in_text', decoded.schedule_in_text)
    ) as _too_long,
    txt(decoded.airport) as airport,
    txt(decoded.closed_from) as closed_from,
    txt(decoded.closed_until) as closed_until,
    txt(decoded.reason) as reason,
    txt(decoded.notam_id) as notam_id,
    txt(decoded.reported_flights) as reported_flights,
    txt(decoded.reported_passengers) as reported_passengers,
    txt(decoded.source) as source,
    txt(decoded.notes) as notes,
    txt(decoded.scope) as scope,
    txt(decoded.cause) as cause,
    txt(decoded.until_estimated) as until_estimated,
    txt(decoded.schedule) as schedule,
    txt(decoded.window_index) as window_index,
    txt(decoded.schedule_in_text) as schedule_in_text,
    airports.zone as zone
from decoded
left join (
    -- each distinct airport text once, not every record's
    select given.airport, airports.zone
    from (select distinct airport from decoded) as given
    join airports
        on airports.icao = upper(txt(given.airport))
) as airports
    on airports.airport = decoded.airport;
