-- Fast-path flight rows in the staged shape, with the ids and content hashes `identity.py`
-- gives: sha1 over the same canonical JSON. Input: `checked` (flights_fast.sql), `wall_offsets`
-- (zone, local hour → minutes east of UTC; null where the hour holds a clock change) and
-- `local_offsets` (UTC hour → minutes east of UTC in the configured zone, for the month).
-- Instants are naive UTC here. Rows without an offset or outside the time bounds are left for the
-- exact path, which names the reason.
with instants as (
    select
        checked.*,
        checked.wall - to_minutes(coalesce(checked.offset_min, wall_offsets.offset_min)) as scheduled_utc
    from checked
    left join wall_offsets
        on wall_offsets.zone = checked.zone
        and wall_offsets.hour = date_trunc('hour', checked.wall)
        and checked.offset_min is null
),

bounded as (
    select
        instants.*,
        instants.scheduled_utc + to_minutes(local_offsets.offset_min) as local_wall
    from instants
    join local_offsets on local_offsets.hour = date_trunc('hour', instants.scheduled_utc)
    where instants.scheduled_utc >= $earliest
      and instants.scheduled_utc <= $latest
      and local_offsets.offset_min is not null
)

select
    sha1({id_json})[1:16] as flight_id,
    airport,
    direction,
    flight_number,
    scheduled_utc as scheduled_at,
    status,
    aircraft_type,
    seats,
    passengers,
    other_airport,
    airline,
    sha1({content_json}) as content_hash,
    line as source_line,
    strftime(local_wall, '%Y-%m') as month
from bounded
