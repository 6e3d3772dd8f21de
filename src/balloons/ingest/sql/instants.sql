-- One time column `{col}` of the view `{source}` to a UTC instant and its refusal reason (see macros.sql).
-- Text with an offset or `Z` is that instant. Wall-clock text is read in the zone `{zone}` (a
-- column of `fields`): per distinct (zone, wall hour), the offset when every wall time of the
-- hour names exactly one instant; rows in an hour where the clocks change are placed one by one
-- (a wall time in the spring-forward gap is refused, one in the autumn fall-back hour takes the
-- earlier instant). Walls far outside the accepted range are refused without a zone lookup.
-- `{latest}` and `{future_days}` are expressions over the record (a NOTAM's windows may lie further
-- ahead than a row of a table: see validate.NOTAM_AHEAD_DAYS); `{latest_wall}` is past both.
create or replace temp table zone_hours_{col} as
select
    zone,
    hour,
    steady_offset(zone, hour) as start_offset,
    steady_offset(zone, hour + interval 3599 second) as end_offset
from (
    -- the hour of a wall time is in its first 13 characters (YYYY-MM-DDThh): each distinct
    -- (zone, first 13 characters) once, not every record's
    select distinct
        zone,
        try_cast(left(head, 10) || ' ' || substr(head, 12, 2) || ':00:00' as timestamp) as hour
    from (select distinct {zone} as zone, left({col}, 13) as head from {source})
    where hour between date_trunc('hour', {earliest_wall}) and {latest_wall}
);

create or replace temp view {target} as
with walls as (
    select
        {source}.*,
        wall_of({source}.{col}) as _wall,
        stated_offset({source}.{col}) as _stated
    from {source}
),

parts as (
    select
        walls.*,
        zone_hours.start_offset is not distinct from zone_hours.end_offset
        and zone_hours.start_offset is not null as _steady,
        zone_hours.start_offset as _offset
    from walls
    left join zone_hours_{col} as zone_hours
        on zone_hours.zone = walls.{zone} and zone_hours.hour = date_trunc('hour', walls._wall)
),

placed as (
    select
        parts.*,
        case
            when _wall is null or _stated = -100000 then null
            when _stated is not null then _wall - to_minutes(_stated)
            when _wall not between {earliest_wall} and {latest_wall} then _wall
            when _steady then _wall - to_minutes(_offset)
            else list_min(wall_instants({zone}, _wall))::timestamp
        end as _utc
    from parts
)

select
    * exclude (_wall, _stated, _steady, _offset, _utc),
    _utc as {col}_utc,
    case
        when _utc between {earliest} and {latest} then null
        when {col} is null then '{col} is missing'
        when not is_iso({col}) then '{col} ' || quoted({col}) || ' is not an ISO 8601 date and time (YYYY-MM-DDThh:mm)'
        when _wall is null or _stated = -100000 then '{col} ' || quoted({col}) || ' is not a real date and time'
        when _utc is null
            then '{col} ' || strftime(_wall, '%Y-%m-%dT%H:%M:%S')
            || case when epoch_us(_wall) % 1000000 <> 0 then '.' || lpad((epoch_us(_wall) % 1000000)::varchar, 6, '0') else '' end
            || ' does not exist in ' || {zone}
            || ' (clocks jump forward)'
        when _utc < {earliest} then '{col} ' || quoted({col}) || ' is before 2000 (a typo or an epoch default?)'
        when _utc > {latest} then '{col} ' || quoted({col}) || ' is more than ' || {future_days} || ' day(s) in the future'
    end as {col}_reason
from placed;
