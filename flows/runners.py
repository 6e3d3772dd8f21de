"""Task runners: threads on this machine by default, or a Dask cluster through prefect-dask.

`--runner dask` starts a LocalCluster on this machine: process workers when a Prefect server is
configured (PREFECT_API_URL), which every worker process reports to; thread workers otherwise,
because each worker process would start a temporary Prefect server of its own. `--runner
dask=ADDRESS` uses an existing cluster (`dask scheduler` + `dask worker`, each worker with the same
PREFECT_API_URL), as docs/scale.md describes.
"""

from __future__ import annotations

import re
import warnings

from prefect.settings import get_current_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from balloons.errors import ConfigError


def task_runner(spec: str) -> TaskRunner:  # type: ignore[type-arg]
    """'default' (threads), 'dask' (a local cluster) or 'dask=tcp://host:8786'."""
    if spec in ("", "default", "threads"):
        return ThreadPoolTaskRunner(max_workers=4)
    if spec == "dask" or spec.startswith("dask="):
        from prefect_dask import DaskTaskRunner

        # A file's parsed rows (up to BALLOONS' in-memory limit) travel to the task that merges
        # them through the scheduler: Dask warns of each such graph on stderr, the cron output
        # (docs/scale.md says what it costs)
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)

        address = spec.partition("=")[2]
        if address:
            _require_address(address)
            return DaskTaskRunner(address=address)
        processes = bool(get_current_settings().api.url)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": processes, "dashboard_address": None}
        )
    raise ConfigError(f"Unknown runner {spec!r}; use default, dask, or dask=tcp://HOST:PORT.")


SCHEMES = ("tcp", "tls")
"""The address schemes of the Dask communication backends the locked environment can use (ucx
and websockets need packages it does not hold)."""


def _require_address(address: str) -> None:
    """Refuse, before Prefect starts, an address no Dask scheduler can have."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        if scheme not in SCHEMES:
            raise ValueError(f"unknown address scheme {scheme!r}")
        host, port = parse_host_port(location)
        if not host or not re.fullmatch(r"[A-Za-z0-9.\-_\[\]:]+", host):
            raise ValueError(f"{host!r} is not a host name or address" if host else "no host")
        if not 1 <= int(port) <= 65535:
            raise ValueError(f"port {port} is not one from 1 to 65535")
    except ValueError as exc:
        raise ConfigError(
            f"--runner dask={address} is not a Dask scheduler's address ({exc}); give one such as dask=tcp://HOST:8786."
        ) from None
