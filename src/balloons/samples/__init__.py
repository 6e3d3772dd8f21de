"""Raw-data generators, apart from the pipeline (which never imports them): `shipped` writes the
sample under data/raw (`balloons sample`), `scale` writes N synthetic flights with proportional
closures and incursions (`balloons sample --scale N`). Both are deterministic by seed."""
