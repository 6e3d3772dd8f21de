-- Fast-path flight rows in the staged shape, with the ids and content hashes `identity.py`
-- gives: sha1 over the same canonical JSON. Input: `checked` (flights_fast.sql plus the UTC
-- `instant` and the `local_wall` in the configured zone). Rows outside the time bounds are left
-- for the exact path, which names the reason.
with bounded as (
    select * from checked
    where instant is not null
      and instant >= $earliest
      and instant <= $latest
),

keyed as (
    select
        *,
        instant::timestamp as scheduled_at
    from bounded
)

select
    sha1('["flight","' || airport || '","' || direction || '","' || flight_number || '","'
         || strftime(scheduled_at, '%Y-%m-%dT%H:%M:%S') || '+00:00"]')[1:16] as flight_id,
    airport,
    direction,
    flight_number,
    instant as scheduled_at,
    status,
    aircraft_type,
    seats,
    passengers,
    other_airport,
    airline,
    sha1({content_json}) as content_hash,
    line as source_line,
    strftime(local_wall, '%Y-%m') as month
from keyed
