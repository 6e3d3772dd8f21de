-- Incursions, step 1: trimmed text, the zone wall-clock times are read in (the configured one),
-- and the first field over the length limit.
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
        too_long('detected_at', decoded.detected_at),
        too_long('balloons', decoded.balloons),
        too_long('kind', decoded.kind),
        too_long('municipality', decoded.municipality),
        too_long('lat', decoded.lat),
        too_long('lon', decoded.lon),
        too_long('altitude_m', decoded.altitude_m),
        too_long('source', decoded.source),
        too_long('source_id', decoded.source_id),
        too_long('notes', decoded.notes)
    ) as _too_long,
    txt(decoded.detected_at) as detected_at,
    txt(decoded.balloons) as balloons,
    txt(decoded.kind) as kind,
    txt(decoded.municipality) as municipality,
    txt(decoded.lat) as lat,
    txt(decoded.lon) as lon,
    txt(decoded.altitude_m) as altitude_m,
    txt(decoded.source) as source,
    txt(decoded.source_id) as source_id,
    txt(decoded.notes) as notes,
    {local_zone} as zone
from decoded;
