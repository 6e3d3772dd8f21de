-- The distinct hours the fast path must place in time: local wall hours per zone (rows without
-- an offset), and the UTC hours of every row (for its month in the configured zone).
select distinct
    checked.zone,
    date_trunc('hour', checked.wall) as hour
from checked
where checked.offset_min is null
