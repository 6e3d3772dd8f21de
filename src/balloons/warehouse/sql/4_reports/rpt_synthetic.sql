create or replace table rpt_synthetic as
with flagged as (
    select
        'incursions' as table_name,
        incursions.month as month
    from incursions
    where incursions.synthetic
    union all
    select
        'closures' as table_name,
        closures.month as month
    from closures
    where closures.synthetic
    union all
    select
        'flights' as table_name,
        flights.month as month
    from flights
    where flights.synthetic
),
months as (
    select distinct
        table_name as table_name,
        month as month
    from flagged
)
select * from months
order by table_name, month;

comment on table rpt_synthetic is 'Report model: the local months in which a table holds synthetic rows (its synthetic column); a report resting on any says so in a red box.';
comment on column rpt_synthetic.table_name is 'incursions, closures or flights.';
comment on column rpt_synthetic.month is 'Local month, ''YYYY-MM''.';
