create or replace table rpt_hours_closed as
with closed as (
    select
        month as month,
        airport as airport,
        closed_minutes / 60 as hours_closed
    from monthly_impact
)
select * from closed
order by month, airport;

comment on table rpt_hours_closed is 'Report model: the yearly report''s chart, hours each airport was closed by headline closures per local month.';
comment on column rpt_hours_closed.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_hours_closed.airport is 'ICAO code.';
comment on column rpt_hours_closed.hours_closed is 'Hours closed (monthly_impact.closed_minutes / 60; overlaps counted once).';
