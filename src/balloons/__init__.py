"""balloons: balloon incursions from Belarus, the airport closures they cause, and what those cost.

The package is a plain library (no Prefect): `flows/` wires it into Prefect flows and the CLI.
"""

__version__ = "0.1.0"
