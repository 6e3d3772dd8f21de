-- Incursions, step 2 (after instants.sql placed detected_at): each record typed, with its id and
-- content hash, or the first rule it breaks (in the order below). Positions must be WGS84 and in
-- the watched region (Lithuania and its neighbours): a point outside is almost always a swapped or
-- mistyped coordinate.
create or replace temp table ruled as
with typed as (
    select
        {source}.*,
        number_value(lat, _comma) as _lat,
        number_value(lon, _comma) as _lon,
        number_value(altitude_m, _comma) as _altitude,
        try_cast(coalesce(balloons, '1') as bigint) as _balloons
    from {source}
)

select
    _pos,
    _file,
    source_line,
    _op,
    _ref,
    _raw,
    coalesce(
        _field_reason,
        number_reason('lat', lat, _comma),
        number_reason('lon', lon, _comma),
        case when (lat is null) != (lon is null) then 'lat and lon must be given together' end,
        case
            when not (_lat between -90 and 90 and _lon between -180 and 180)
                then 'lat ' || _lat || ' / lon ' || _lon || ' is not a WGS84 position'
            when not (_lat between {region_lat_low} and {region_lat_high} and _lon between {region_lon_low} and {region_lon_high})
                then 'lat ' || _lat || ' / lon ' || _lon || ' is outside the watched region'
                || case when _lon between {region_lat_low} and {region_lat_high} then ' (lat and lon swapped?)' else '' end
        end,
        number_reason('altitude_m', altitude_m, _comma),
        case when not _altitude between -500 and 30000 then 'altitude_m ' || _altitude || ' is outside -500..30000 m' end,
        detected_at_reason,
        count_reason('balloons', coalesce(balloons, '1'), 1, {max_balloons}),
        choice_reason('kind', kind, {kinds}, 'balloon')
    ) as _reason,
    detected_at_utc as detected_at,
    try_cast(_balloons as int) as balloons,
    choice_value(kind, 'balloon') as kind,
    municipality,
    _lat as lat,
    _lon as lon,
    _altitude as altitude_m,
    source,
    source_id,
    notes
from typed;


-- The identity of an incursion: (source, source_id) when the publisher gave an id, else the
-- content of the sighting; see docs/ingest.md.
create or replace temp view identified as
select
    case
        when _reason is null and source_id is not null
            then left(sha1(concat_ws(chr(31), 'incursion', canon(source), source_id)), 16)
        when _reason is null
            then left(
                sha1(
                    concat_ws(
                        chr(31), 'sighting', canon_ts(detected_at), kind, canon(municipality), canon(lat), canon(lon),
                        canon(balloons)
                    )
                ),
                16
            )
    end as event_id,
    *,
    case
        when _reason is null
            then sha1(
                concat_ws(
                    chr(31),
                    canon_ts(detected_at), canon(balloons), canon(kind), canon(municipality), canon(lat), canon(lon),
                    canon(altitude_m), canon(source), canon(source_id), canon(notes)
                )
            )
    end as content_hash
from ruled;
