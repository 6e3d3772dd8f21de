-- The partition month of each valid record: 'YYYY-MM' of `{col}` in the configured zone, per
-- distinct UTC hour when the zone's offset holds for the whole hour, else row by row.
create or replace temp table utc_hours as
select
    hour,
    offset_at({local_zone}, hour) as start_offset,
    offset_at({local_zone}, hour + interval 3599 second) as end_offset
from (select distinct date_trunc('hour', {col}) as hour from checked where _reason is null);

create or replace temp table checked as
select
    checked.*,
    case
        when checked._reason is not null then null
        when utc_hours.start_offset = utc_hours.end_offset
            then strftime(checked.{col} + to_minutes(utc_hours.start_offset), '%Y-%m')
        else strftime(timezone({local_zone}, checked.{col}::timestamptz), '%Y-%m')
    end as month
from checked
left join utc_hours
    on utc_hours.hour = date_trunc('hour', checked.{col});
