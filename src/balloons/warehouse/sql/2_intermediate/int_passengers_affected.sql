-- Passengers per affected flight: the reported count, else seats x load factor, else the aircraft
-- type's typical seats x load factor, else unknown (NULL, never zero). Bands: low uses the load
-- factor minus the band and the type's low seat count; high the load factor plus the band and its
-- maximum. Computed after the join, so only affected flights are estimated.
create or replace temp view int_passengers_affected as
with factors as (
    select
        load_factor as best_factor,
        greatest(load_factor - load_factor_band, 0.05) as low_factor,
        least(load_factor + load_factor_band, 1.0) as high_factor
    from params
),
typed as (
    select
        affected.*,
        aircraft_seats.seats_low as type_seats_low,
        aircraft_seats.seats_typical as type_seats_typical,
        aircraft_seats.seats_max as type_seats_max
    from int_flights_affected as affected
    left join stg_aircraft_seats as aircraft_seats on aircraft_seats.aircraft_type = affected.aircraft_type
),
estimated as (
    select
        typed.*,
        case
            when typed.passengers is not null then 'passengers'
            when typed.seats is not null then 'seats'
            when typed.type_seats_typical is not null then 'aircraft_type'
            else 'unknown'
        end as passengers_basis,
        case
            when typed.passengers is not null then typed.passengers
            when typed.seats is not null then typed.seats * factors.best_factor
            else typed.type_seats_typical * factors.best_factor
        end as passengers_best,
        case
            when typed.passengers is not null then typed.passengers
            when typed.seats is not null then typed.seats * factors.low_factor
            else typed.type_seats_low * factors.low_factor
        end as passengers_low,
        case
            when typed.passengers is not null then typed.passengers
            when typed.seats is not null then typed.seats * factors.high_factor
            else typed.type_seats_max * factors.high_factor
        end as passengers_high
    from typed, factors
)
select * from estimated;
