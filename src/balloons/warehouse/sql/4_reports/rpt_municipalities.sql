create or replace table rpt_municipalities as
with named as (
    select
        month as month,
        coalesce(municipality, '(not given)') as municipality
    from incursions
),
counted as (
    select
        month as month,
        municipality as municipality,
        count(*) as incursions
    from named
    group by month, municipality
)
select * from counted
order by month, municipality;

comment on table rpt_municipalities is 'Report model: the map page''s side chart, incursion records per municipality and local month.';
comment on column rpt_municipalities.month is 'Local month, ''YYYY-MM''.';
comment on column rpt_municipalities.municipality is 'Municipality as the publisher wrote it; ''(not given)'' when it did not.';
comment on column rpt_municipalities.incursions is 'Incursion records.';
