-- Value rules shared by the validation models (fields.sql, instants.sql, checked_<table>.sql).
-- Every check returns the quarantine reason, or null when the value passes; a model's reason is
-- the first non-null check in its order. `{field_chars}` and `{number_digits}` are the BALLOONS_MAX_* limits,
-- substituted as numbers by the engine before these macros are created.

-- Text as a value: surrounding ASCII whitespace dropped, empty means absent. (Most values have
-- none: only their first character and their last byte are looked at, nothing is copied.)
create or replace temp macro txt(v) as
    case
        when v = '' then null
        when ascii(v) <= 32 or ends_with(v, ' ') or ends_with(v, chr(9)) or ends_with(v, chr(10))
            or ends_with(v, chr(11)) or ends_with(v, chr(12)) or ends_with(v, chr(13))
            then nullif(trim(v, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)), '')
        else v
    end;

-- Runs of whitespace inside a value as one space (`\s`: space, tab, line feed, form feed, carriage
-- return); most values hold none and are only looked at.
create or replace temp macro single_spaced(v) as
    case
        when contains(v, ' ') or contains(v, chr(9)) or contains(v, chr(10)) or contains(v, chr(12))
            or contains(v, chr(13))
            then array_to_string(string_split_regex(v, '\s+'), ' ')
        else v
    end;

-- A raw value quoted in a reason, shortened past 40 characters.
create or replace temp macro quoted(v) as
    '''' || (case when length(v) <= 40 then v else left(v, 40) || '…' end) || '''';

create or replace temp macro too_long(name, v) as
    case
        when length(v) > {field_chars}
            then name || ' holds ' || format('{:,}', length(v)) || ' characters, over the '
            || format('{:,}', {field_chars}) || ' a value may have (BALLOONS_MAX_FIELD_CHARS)'
    end;

-- What any field may not be, whatever its column: longer than the limit, or holding a NUL byte
-- (a file may be text with a stray one; the record holding it is refused, not the whole file), or
-- U+FFFD, what a byte of no character in the file's encoding was read as (rawfile.decode).
create or replace temp macro field_reason(name, v) as
    coalesce(
        too_long(name, v),
        case when contains(v, chr(0)) then name || ' holds a NUL byte, which no text value may hold' end,
        case
            when contains(v, chr(65533))
                then name || ' holds a byte that is no character in the file''s encoding (shown as U+FFFD)'
        end
    );

create or replace temp macro too_many_digits(name, v) as
    case
        when length(v) > {number_digits}
            then name || ' ' || quoted(v) || ' has ' || format('{:,}', length(v)) || ' characters, over the '
            || {number_digits} || ' a number may have (BALLOONS_MAX_NUMBER_DIGITS)'
    end;

-- Numbers are ASCII only: no `1_000`, no full-width digits, no spaces inside.
create or replace temp macro is_decimal(v) as
    regexp_full_match(v, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?');

create or replace temp macro is_integer(v) as regexp_full_match(v, '[+-]?[0-9]+');

-- A whole number within [low, high].
create or replace temp macro count_reason(name, v, low, high) as
    case
        when v is null then null
        when length(v) <= 18 and is_integer(v) and v::bigint between low and high then null
        when too_many_digits(name, v) is not null then too_many_digits(name, v)
        when not is_integer(v) and is_decimal(replace(v, ',', '.'))
            then name || ' ' || quoted(v) || ' must be a whole number in ASCII digits'
        when not is_integer(v) then name || ' ' || quoted(v) || ' is not a whole number (ASCII digits, optional sign)'
        when v::double < low then name || ' ' || quoted(v) || ' must be at least ' || low
        when v::double > high then name || ' ' || quoted(v) || ' is implausibly large (over ' || format('{:,}', high) || ')'
    end;

-- A decimal number; `;`-separated files may write a decimal comma.
create or replace temp macro decimal_text(v, comma) as case when comma then replace(v, ',', '.') else v end;

create or replace temp macro number_reason(name, v, comma) as
    case
        when v is null then null
        when too_many_digits(name, decimal_text(v, comma)) is not null then too_many_digits(name, decimal_text(v, comma))
        when not is_decimal(decimal_text(v, comma))
            then name || ' ' || quoted(v) || ' is not a number (ASCII digits, optional sign, ''.'' decimals)'
        when try_cast(decimal_text(v, comma) as double) is null or isinf(try_cast(decimal_text(v, comma) as double))
            then name || ' ' || quoted(v) || ' is not a finite number'
    end;

create or replace temp macro number_value(v, comma) as try_cast(decimal_text(v, comma) as double);

-- An airport must be given and known (`zone`: its zone from the airports table, null when unknown).
create or replace temp macro airport_reason(airport, zone) as
    case
        when airport is null then 'airport is missing'
        when zone is null then 'airport ' || quoted(airport) || ' is not a known ICAO airport code'
    end;

-- One of `allowed` (any case); `fallback` when absent (null: the value is required).
create or replace temp macro choice_reason(name, v, allowed, fallback) as
    case
        when v is null and fallback is null then name || ' is missing'
        when v is not null and not list_contains(allowed, lower(v))
            then name || ' ' || quoted(v) || ' is not one of ' || array_to_string(allowed, ', ')
    end;

create or replace temp macro choice_value(v, fallback) as coalesce(lower(v), fallback);

create or replace temp macro flag_reason(name, v) as
    case
        when v is not null and lower(v) not in ('true', 'false', '1', '0', 'yes', 'no')
            then name || ' ' || quoted(v) || ' is not true or false'
    end;

create or replace temp macro flag_value(v) as coalesce(lower(v) in ('true', '1', 'yes'), false);

-- Instants: ISO 8601 date and time, with an offset (`+hh:mm`, `+hhmm` or `+hh`, as DuckDB and
-- PostgreSQL write it) or `Z` (that instant) or without one (wall clock time in a zone: see
-- instant_utc). Seconds may have up to nine decimals; past six (microseconds) they are cut off.
create or replace temp macro is_iso(v) as
    regexp_full_match(v, '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?', 'i');

-- The wall-clock part of the text: what follows the date and its separator.
create or replace temp macro wall_time(v) as regexp_extract(v, '^.{11}(\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)', 1);

-- The date and wall-clock time as a timestamp; null when it is not a real date and time. The two
-- most common forms, without an offset and with `Z`, are read without the general parse (last).
create or replace temp macro wall_of(v) as
    case
        when regexp_full_match(v, '\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?')
            then try_cast(v as timestamp)
        when regexp_full_match(v, '\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?[Zz]')
            then try_cast(left(v, -1) as timestamp)
        when is_iso(v) and regexp_full_match(wall_time(v), '([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?')
            then try_cast(left(v, 10) || ' ' || wall_time(v) as timestamp)
    end;

-- Minutes east of UTC the text states (`Z` is 0), null when it states none; -100000 when the
-- offset is not a real one (24 hours or more, 60 minutes or more).
create or replace temp macro stated_offset(v) as
    case
        when upper(right(v, 1)) = 'Z' then 0
        when not (contains(substr(v, 17), '+') or contains(substr(v, 17), '-')) then null
        when regexp_matches(v, '[+-]\d{2}(:?\d{2})?$')
            then list_transform(
                [regexp_extract(v, '([+-])(\d{2})(:?(\d{2}))?$', ['sign', 'hours', 'colon', 'minutes'])],
                o -> case
                    when o.hours::int < 24 and coalesce(nullif(o.minutes, ''), '0')::int < 60
                        then (case when o.sign = '-' then -1 else 1 end)
                        * (o.hours::int * 60 + coalesce(nullif(o.minutes, ''), '0')::int)
                    else -100000
                end
            )[1]
    end;

-- The instants a wall-clock time `w` names in zone `z` (ICU): none in a spring-forward gap, two
-- in an autumn fall-back hour.
create or replace temp macro wall_instants(z, w) as
    list_transform(
        [timezone(z, w)],
        guess -> list_filter(list_transform(range(-4, 5), k -> guess + to_minutes(k * 30)), c -> timezone(z, c) = w)
    )[1];

-- Minutes east of UTC of `w` in `z` when it names exactly one instant, else null.
create or replace temp macro steady_offset(z, w) as
    list_transform(
        [wall_instants(z, w)],
        found -> case when len(found) = 1 then (epoch_us(w) - epoch_us(found[1]::timestamp)) // 60000000 end
    )[1];

-- Minutes east of UTC in zone `z` at the UTC instant `t` (naive).
create or replace temp macro offset_at(z, t) as
    (epoch_us(timezone(z, t::timestamptz)) - epoch_us(t)) // 60000000;

-- Identity and content hashes: sha1 over values joined by the unit separator (0x1F); see
-- docs/ingest.md for each table's canonical form.
create or replace temp macro canon_ts(t) as epoch_us(t)::varchar;
create or replace temp macro canon(v) as coalesce(v::varchar, '');

