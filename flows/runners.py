"""Task runners: threads on this machine by default, or a Dask cluster through prefect-dask.

`--runner dask` starts a LocalCluster of *thread* workers in this process; `--runner dask=ADDRESS`
uses an existing cluster (`dask scheduler` + `dask worker` on other machines). Process workers
would each try to start a temporary Prefect server: with a real cluster, point every worker at the
same Prefect server (PREFECT_API_URL), as docs/scale.md describes.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from balloons.errors import ConfigError


def task_runner(spec: str) -> TaskRunner:  # type: ignore[type-arg]
    """'default' (threads), 'dask' (a local thread cluster) or 'dask=tcp://host:8786'."""
    if spec in ("", "default", "threads"):
        return ThreadPoolTaskRunner(max_workers=4)
    if spec == "dask" or spec.startswith("dask="):
        from prefect_dask import DaskTaskRunner

        address = spec.partition("=")[2]
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": False,
                                              "dashboard_address": None})
    raise ConfigError(f"Unknown runner {spec!r}; use default, dask, or dask=tcp://HOST:PORT.")
