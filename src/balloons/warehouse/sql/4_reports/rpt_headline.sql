create or replace table rpt_headline as
with settings as (
    select
        timezone as timezone
    from params
),
reported as (
    select * from stg_figures_reported
),
incursion_days as (
    select
        timezone(settings.timezone, incursions.detected_at)::date as day,
        incursions.balloons as balloons
    from incursions
    cross join settings
),
closure_days as (
    select
        timezone(settings.timezone, closure_impact.closed_from)::date as day,
        closure_impact.flights_affected as flights_affected,
        closure_impact.passengers_affected as passengers_affected,
        closure_impact.passengers_low as passengers_low,
        closure_impact.passengers_high as passengers_high,
        closure_impact.flights_unestimated as flights_unestimated,
        closure_impact.duration_min as duration_min
    from closure_impact
    cross join settings
    where closure_impact.in_headline
),
any_closure_days as (
    select distinct
        timezone(settings.timezone, closure_impact.closed_from)::date as day
    from closure_impact
    cross join settings
),
flight_days as (
    select distinct
        timezone(settings.timezone, flights.scheduled_at)::date as day
    from flights
    cross join settings
),
per_figure as (
    select
        reported.*,
        reported.metric in ('balloons', 'incursions') as from_incursions,
        (select count(*) from incursion_days where incursion_days.day between reported.first_day and reported.last_day)
            as incursions,
        (select coalesce(sum(incursion_days.balloons), 0) from incursion_days
            where incursion_days.day between reported.first_day and reported.last_day) as balloons,
        (select count(*) from closure_days where closure_days.day between reported.first_day and reported.last_day)
            as closures,
        (select coalesce(sum(closure_days.flights_affected), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as flights_affected,
        (select coalesce(sum(closure_days.passengers_affected), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as passengers_affected,
        (select coalesce(sum(closure_days.passengers_low), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as passengers_low,
        (select coalesce(sum(closure_days.passengers_high), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as passengers_high,
        (select coalesce(sum(closure_days.flights_unestimated), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as flights_unestimated,
        (select coalesce(sum(closure_days.duration_min), 0) from closure_days
            where closure_days.day between reported.first_day and reported.last_day) as closed_minutes,
        (select min(incursion_days.day) from incursion_days
            where incursion_days.day between reported.first_day and reported.last_day) as first_incursion_day,
        (select max(incursion_days.day) from incursion_days
            where incursion_days.day between reported.first_day and reported.last_day) as last_incursion_day,
        (select min(flight_days.day) from flight_days
            where flight_days.day between reported.first_day and reported.last_day) as first_flight_day,
        (select max(flight_days.day) from flight_days
            where flight_days.day between reported.first_day and reported.last_day) as last_flight_day,
        (select min(any_closure_days.day) from any_closure_days
            where any_closure_days.day between reported.first_day and reported.last_day) as first_closure_day,
        (select max(any_closure_days.day) from any_closure_days
            where any_closure_days.day between reported.first_day and reported.last_day) as last_closure_day
    from reported
),
headline as (
    select
        period as period,
        first_day as first_day,
        last_day as last_day,
        metric as metric,
        qualifier as qualifier,
        reported as reported,
        case metric
            when 'balloons' then balloons
            when 'incursions' then incursions
            when 'closures' then closures
            when 'flights_affected' then flights_affected
            when 'passengers_affected' then passengers_affected
            when 'hours_closed' then round(closed_minutes / 60, 1)
        end::double as computed,
        case when metric = 'passengers_affected' then passengers_low end::double as computed_low,
        case when metric = 'passengers_affected' then passengers_high end::double as computed_high,
        case when metric = 'passengers_affected' then flights_unestimated else 0 end as flights_unestimated,
        case
            when from_incursions then first_incursion_day
            when metric in ('closures', 'hours_closed') then least(first_flight_day, first_closure_day)
            else first_flight_day
        end as records_from,
        case
            when from_incursions then last_incursion_day
            when metric in ('closures', 'hours_closed') then greatest(last_flight_day, last_closure_day)
            else last_flight_day
        end as records_until,
        what as what,
        source as source
    from per_figure
)
select * from headline
order by first_day, last_day, metric, source;

comment on table rpt_headline is 'Report model: every headline figure officials reported (package data figures_reported.csv, with its source) beside the same figure computed from the warehouse over the same local days: balloons and incursion records from incursions, closures, flights, passengers and hours from headline closures (closure_impact, by the local day a closure starts).';
comment on column rpt_headline.period is 'The period as the source gives it.';
comment on column rpt_headline.first_day is 'First local day of the period.';
comment on column rpt_headline.last_day is 'Last local day of the period.';
comment on column rpt_headline.metric is 'What is counted: balloons, incursions (records), closures, flights_affected, passengers_affected or hours_closed.';
comment on column rpt_headline.qualifier is 'How the source states the figure: over, about, or NULL (exactly).';
comment on column rpt_headline.reported is 'The figure as reported.';
comment on column rpt_headline.computed is 'The same figure computed from the warehouse over the period (hours: each headline closure''s own length, to 0.1 h).';
comment on column rpt_headline.computed_low is 'Passengers: low band of the computed figure (NULL for other figures).';
comment on column rpt_headline.computed_high is 'Passengers: high band of the computed figure (NULL for other figures).';
comment on column rpt_headline.flights_unestimated is 'Passengers: flights hit in the period whose passengers could not be estimated (left out of the computed figure, never counted as zero); 0 for other figures.';
comment on column rpt_headline.records_from is 'First local day of the period on which the warehouse holds records the figure is computed from (incursion records for balloons and incursions; flights or closures for closures and hours; flights for flights and passengers); NULL when it holds none, and the computed figure says nothing.';
comment on column rpt_headline.records_until is 'Last such local day: records that begin later or end sooner than the period compute a smaller figure.';
comment on column rpt_headline.what is 'What the source says it counts.';
comment on column rpt_headline.source is 'Who reported it, and where.';
