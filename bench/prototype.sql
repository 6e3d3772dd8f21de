-- The lean prototype issue 16 measured at 0.40× COPY on its machine, as one DuckDB statement: a
-- typed read_csv, UTC offsets per (airport, hour), validation as SQL predicates, the two sha1 of
-- balloons' id and content hash, and a month-partitioned COPY. `make bench` runs it in a fresh
-- `duckdb` CLI process on the local-time file, beside DuckDB's COPY and `balloons ingest`, to show
-- what the issue's own design reaches on this machine.
--
-- It is the friendliest form of the work: a typed reader trusts every field (a bad one stops the
-- whole statement), the only rules are the ones below, the refused rows are dropped rather than
-- kept in a quarantine, and one dataset is written (balloons writes the file's contributions and
-- the current partitions). So it is a ceiling for the engine, not a rival to it.
--
-- {csv}, {zones} (a CSV of icao,tz from airportsdata) and {out} are filled in by bench/__main__.py.
copy (
    with flights as (
        select *
        from read_csv(
            '{csv}',
            header = true,
            columns = {
                'airport': 'varchar', 'direction': 'varchar', 'flight_number': 'varchar',
                'scheduled_at': 'timestamp', 'status': 'varchar', 'seats': 'integer',
                'passengers': 'integer', 'other_airport': 'varchar', 'airline': 'varchar'
            }
        )
    ),

    zones as (
        select icao, tz from read_csv('{zones}', header = true, columns = {'icao': 'varchar', 'tz': 'varchar'})
    ),

    -- a wall hour's offset to UTC (of the earlier instant when the hour shows twice, as balloons
    -- reads it), and whether the hour never happened (a spring-forward gap)
    hours as (
        select
            airport,
            hour,
            timezone('UTC', case when timezone(tz, instant - interval 1 hour) = hour then instant - interval 1 hour else instant end)
            - hour as offset_utc,
            timezone(tz, instant) <> hour as missing
        from (
            select wall.airport, wall.hour, zones.tz, timezone(zones.tz, wall.hour) as instant
            from (select distinct airport, date_trunc('hour', scheduled_at) as hour from flights) as wall
            inner join zones on zones.icao = wall.airport
        )
    ),

    checked as (
        select
            flights.*,
            flights.scheduled_at + hours.offset_utc as scheduled_utc,
            case
                when hours.offset_utc is null then 'unknown airport'
                when hours.missing then 'local time does not exist'
                when flights.flight_number is null then 'flight_number is missing'
                when flights.seats is null or flights.seats < 0 then 'seats'
                when flights.passengers < 0 or flights.passengers > flights.seats then 'passengers'
                when flights.direction not in ('arrival', 'departure') then 'direction'
                when flights.status not in ('scheduled', 'operated', 'cancelled', 'diverted', 'delayed') then 'status'
            end as reason
        from flights
        left join hours on hours.airport = flights.airport and hours.hour = date_trunc('hour', flights.scheduled_at)
    ),

    stamped as (
        select *, epoch_us(scheduled_utc)::varchar as utc_text from checked where reason is null
    )

    -- balloons' own id and content hash (docs/ingest.md, "Identity"), so the ids agree
    select
        left(sha1(concat_ws(chr(31), 'flight', airport, direction, flight_number, utc_text)), 16) as flight_id,
        sha1(
            concat_ws(
                chr(31),
                coalesce(airport, ''), coalesce(direction, ''), coalesce(flight_number, ''), utc_text,
                coalesce(status, ''), '', coalesce(seats::varchar, ''), coalesce(passengers::varchar, ''),
                coalesce(other_airport, ''), coalesce(airline, '')
            )
        ) as content_hash,
        airport,
        direction,
        flight_number,
        scheduled_utc as scheduled_at,
        status,
        seats,
        passengers,
        other_airport,
        airline,
        strftime(scheduled_utc, '%Y-%m') as month
    from stamped
) to '{out}' (format parquet, partition_by (month));
