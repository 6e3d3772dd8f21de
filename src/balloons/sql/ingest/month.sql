-- Every record checked, once materialised, with the partition month of each valid one: 'YYYY-MM'
-- of `{col}` in the configured zone, per UTC hour when the zone's offset holds for the whole hour
-- (the hours around the records' wall hours, from `zone_hours_{col}`), else row by row.
create or replace temp table utc_hours as
select
    hour,
    offset_at({local_zone}, hour) as start_offset,
    offset_at({local_zone}, hour + interval 3599 second) as end_offset
from (
    select unnest(generate_series(min(hour) - interval 2 day, max(hour) + interval 2 day, interval 1 hour)) as hour
    from zone_hours_{col}
);

create or replace temp table checked as
select
    identified.*,
    case
        when identified._reason is not null then null
        when utc_hours.start_offset = utc_hours.end_offset
            then strftime(identified.{col} + to_minutes(utc_hours.start_offset), '%Y-%m')
        else strftime(timezone({local_zone}, identified.{col}::timestamptz), '%Y-%m')
    end as month
from identified
left join utc_hours
    on utc_hours.hour = date_trunc('hour', identified.{col});
