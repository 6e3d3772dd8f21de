create or replace table closures as
with caused as (
    select * from int_closures
)
select
    closure_id,
    airport,
    closed_from,
    closed_until,
    month,
    duration_min,
    reason,
    notam_id,
    reported_flights,
    reported_passengers,
    source,
    notes,
    schedule,
    window_index,
    schedule_in_text,
    until_estimated,
    scope,
    cause,
    source_file,
    synthetic,
    source_line,
    run_id,
    ingested_at
from caused
order by closed_from, airport;

comment on table closures is 'One row per airport closure (from CSV/JSON reports or ICAO NOTAMs), keyed by airport and start instant; a NOTAM with a D) schedule gives one row per active window.';
comment on column closures.closure_id is 'Stable id: hash of (airport, closed_from).';
comment on column closures.airport is 'ICAO code of the closed airport (EYVI Vilnius, EYKA Kaunas, ...).';
comment on column closures.closed_from is 'Start of the closure (UTC instant).';
comment on column closures.closed_until is 'End of the closure, exclusive (UTC instant).';
comment on column closures.month is 'Month of closed_from in local time, ''YYYY-MM''.';
comment on column closures.duration_min is 'Real elapsed minutes between closed_from and closed_until (a closure across the autumn DST change counts the repeated hour).';
comment on column closures.reason is 'Why it closed (report text or NOTAM E) item).';
comment on column closures.notam_id is 'ICAO NOTAM number (series/number/year) announcing it, when known.';
comment on column closures.reported_flights is 'Flights affected as reported by officials or the press (NULL when not reported).';
comment on column closures.reported_passengers is 'Passengers affected as reported (NULL when not reported).';
comment on column closures.source is 'Where the record comes from (URL of the report, or NOTAM).';
comment on column closures.notes is 'Notes, e.g. estimated times or how the reported figures break down.';
comment on column closures.schedule is 'The NOTAM D) schedule text the window comes from (or the times read from E) when there is no D)); NULL when there is none.';
comment on column closures.window_index is 'Position (0, 1, ...) of this window among the active windows of its NOTAM, in time order; 0 for a closure with one window.';
comment on column closures.schedule_in_text is 'True when E) mentions times that could not be read unambiguously as a schedule: the row is the whole B)-C) period.';
comment on column closures.until_estimated is 'True when the end is an estimate (NOTAM C) ... EST, or a report saying so).';
comment on column closures.scope is 'What closed: full; arrivals (CLSD FOR LDG / ARR); departures (FOR TKOF / DEP); partial (exceptions such as EXC MIL, CIV FLTS, VFR, PPR). Partial closures are kept but left out of headline totals.';
comment on column closures.cause is 'balloons, drones, other or unknown: from the reason text (BALLOON, HYBRID, Lithuanian balion-/hibrid- -> balloons; UAS, UAV, DRONE, Lithuanian dron-/bepilot-/bepiloč- -> drones; any other reason in a report, or in a NOTAM E) given with DUE/BECAUSE/del -> other), else from the kind of incursion closure_triggers links to it, else unknown; a CSV/JSON cause column wins.';
comment on column closures.source_file is 'Lineage: raw file the row came from, relative to raw/.';
comment on column closures.synthetic is 'True when the row comes from a raw file in a folder named synthetic (as the shipped sample''s incursions and flights): made up, not observed. Reports built on such rows say so.';
comment on column closures.source_line is 'Lineage: line of the raw file, or NOTAM number within it.';
comment on column closures.run_id is 'Lineage: the ingest run that read source_file for this row (a run reading a copy whose path sorts first takes over the lineage of rows it did not change).';
comment on column closures.ingested_at is 'Lineage: when that run ingested it (UTC).';
