-- Every record checked (a view over `ruled`), with the partition month of each valid one: 'YYYY-MM'
-- of `{col}` in the configured zone, per UTC hour when the zone's offset holds for the whole hour
-- (the hours around the records' wall hours, from `zone_hours_{col}`), else row by row.
create or replace temp table utc_hours as
select
    hour,
    case
        when offset_at({local_zone}, hour) = offset_at({local_zone}, hour + interval 3599 second)
            then strftime(hour + to_minutes(offset_at({local_zone}, hour)), '%Y-%m')
    end as month
from (
    select unnest(generate_series(min(hour) - interval 2 day, max(hour) + interval 2 day, interval 1 hour)) as hour
    from zone_hours_{col}
);

create or replace temp view checked as
select
    identified.*,
    case
        when identified._reason is not null then null
        when utc_hours.month is not null then utc_hours.month
        else strftime(timezone({local_zone}, identified.{col}::timestamptz), '%Y-%m')
    end as month
from identified
left join utc_hours
    on utc_hours.hour = date_trunc('hour', identified.{col});
