"""Fetching: pull records from where they are published into immutable raw files.

`sources.py` reads the declared sources (TOML), `http.py` is the one polite HTTP edge (timeouts,
Retry-After, secrets redacted), `http_file.py`, `faa_notam.py` and `opensky.py` are the source
kinds, `rawstore.py` writes payloads and their sidecars under raw/, `cursor.py` keeps each source's
last window, and `run.py` fetches one source end to end. No Prefect here: flows/fetch.py wires it.
"""
