-- Headline figures officials reported (registered by the build from the package's
-- figures_reported.csv, `warehouse/reported.py`): rename and cast only.
create or replace temp view stg_figures_reported as
with source as (
    select * from src_figures_reported
),
renamed as (
    select
        period as period,
        first_day as first_day,
        last_day as last_day,
        metric as metric,
        nullif(qualifier, '') as qualifier,
        value as reported,
        what as what,
        source as source
    from source
)
select * from renamed;
