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
-- the local days on which the warehouse holds records of each kind a figure is computed from
record_days as (
    select distinct
        timezone(settings.timezone, incursions.detected_at)::date as day,
        'incursions' as kind
    from incursions
    cross join settings
    union all
    select distinct
        timezone(settings.timezone, flights.scheduled_at)::date as day,
        'flights' as kind
    from flights
    cross join settings
    union all
    select distinct
        timezone(settings.timezone, closure_impact.closed_from)::date as day,
        'closures' as kind
    from closure_impact
    cross join settings
),
periods as (
    select distinct
        first_day,
        last_day
    from reported
),
-- each period's records, one aggregate per source (a join of the periods with each source's days)
incursions_in as (
    select
        periods.first_day,
        periods.last_day,
        count(incursion_days.day) as incursions,
        coalesce(sum(incursion_days.balloons), 0) as balloons
    from periods
    left join incursion_days on incursion_days.day between periods.first_day and periods.last_day
    group by all
),
closures_in as (
    select
        periods.first_day,
        periods.last_day,
        count(closure_days.day) as closures,
        coalesce(sum(closure_days.flights_affected), 0) as flights_affected,
        coalesce(sum(closure_days.passengers_affected), 0) as passengers_affected,
        coalesce(sum(closure_days.passengers_low), 0) as passengers_low,
        coalesce(sum(closure_days.passengers_high), 0) as passengers_high,
        coalesce(sum(closure_days.flights_unestimated), 0) as flights_unestimated,
        coalesce(sum(closure_days.duration_min), 0) as closed_minutes
    from periods
    left join closure_days on closure_days.day between periods.first_day and periods.last_day
    group by all
),
held_in as (
    select
        periods.first_day,
        periods.last_day,
        min(record_days.day) filter (where record_days.kind = 'incursions') as first_incursion_day,
        max(record_days.day) filter (where record_days.kind = 'incursions') as last_incursion_day,
        min(record_days.day) filter (where record_days.kind = 'flights') as first_flight_day,
        max(record_days.day) filter (where record_days.kind = 'flights') as last_flight_day,
        min(record_days.day) filter (where record_days.kind = 'closures') as first_closure_day,
        max(record_days.day) filter (where record_days.kind = 'closures') as last_closure_day
    from periods
    left join record_days on record_days.day between periods.first_day and periods.last_day
    group by all
),
per_figure as (
    select
        reported.*,
        reported.metric in ('balloons', 'incursions') as from_incursions,
        incursions_in.* exclude (first_day, last_day),
        closures_in.* exclude (first_day, last_day),
        held_in.* exclude (first_day, last_day)
    from reported
    join incursions_in using (first_day, last_day)
    join closures_in using (first_day, last_day)
    join held_in using (first_day, last_day)
),
held as (
    select
        per_figure.*,
        case
            when from_incursions then first_incursion_day
            when metric in ('closures', 'hours_closed') then least(first_flight_day, first_closure_day)
            else first_flight_day
        end as records_from,
        case
            when from_incursions then last_incursion_day
            when metric in ('closures', 'hours_closed') then greatest(last_flight_day, last_closure_day)
            else last_flight_day
        end as records_until
    from per_figure
),
-- a period the warehouse holds no records on computes nothing (NULL), not zero
headline as (
    select
        period as period,
        first_day as first_day,
        last_day as last_day,
        metric as metric,
        qualifier as qualifier,
        reported as reported,
        case
            when records_from is null then null
            when metric = 'balloons' then balloons
            when metric = 'incursions' then incursions
            when metric = 'closures' then closures
            when metric = 'flights_affected' then flights_affected
            when metric = 'passengers_affected' then passengers_affected
            when metric = 'hours_closed' then round(closed_minutes / 60, 1)
        end::double as computed,
        case when metric = 'passengers_affected' and records_from is not null then passengers_low end::double
            as computed_low,
        case when metric = 'passengers_affected' and records_from is not null then passengers_high end::double
            as computed_high,
        case when metric = 'passengers_affected' then flights_unestimated else 0 end as flights_unestimated,
        records_from as records_from,
        records_until as records_until,
        what as what,
        source as source
    from held
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
comment on column rpt_headline.computed is 'The same figure computed from the warehouse over the period (hours: each headline closure''s own length, to 0.1 h); NULL when the warehouse holds no records on the period (records_from).';
comment on column rpt_headline.computed_low is 'Passengers: low band of the computed figure (NULL for other figures).';
comment on column rpt_headline.computed_high is 'Passengers: high band of the computed figure (NULL for other figures).';
comment on column rpt_headline.flights_unestimated is 'Passengers: flights hit in the period whose passengers could not be estimated (left out of the computed figure, never counted as zero); 0 for other figures.';
comment on column rpt_headline.records_from is 'First local day of the period on which the warehouse holds records the figure is computed from (incursion records for balloons and incursions; flights or closures for closures and hours; flights for flights and passengers); NULL when it holds none, and the computed figure says nothing.';
comment on column rpt_headline.records_until is 'Last such local day: records that begin later or end sooner than the period compute a smaller figure.';
comment on column rpt_headline.what is 'What the source says it counts.';
comment on column rpt_headline.source is 'Who reported it, and where.';
