-- One rule for made-up data: a raw file inside a folder named `synthetic` (at any depth under
-- raw/<table>/) holds synthetic records, e.g. the shipped sample's incursions and flights.
create or replace temp macro is_synthetic(source_file) as
    regexp_matches(source_file, '(^|/)synthetic/');
