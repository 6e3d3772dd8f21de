"""Prefect wiring for balloons: flows, tasks, deployments and the command line.

Importing this package sets safe Prefect defaults (unless already set) before Prefect itself is
imported: no telemetry, a temporary-server start-up timeout that survives a busy machine, and the
library's loggers routed into flow-run logs.
"""

import os

_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "balloons",
    # library calls outside a flow run (query, check, tests) just skip the API log handler
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_UI_ENABLED": "false",
}
for _name, _value in _PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
