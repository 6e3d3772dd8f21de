"""Prefect wiring for balloons: flows, tasks, deployments and the command line.

Importing this package changes nothing: the Prefect defaults balloons wants (no telemetry, a
patient temporary-server start, library loggers in run logs) are set by the command line
(`flows.cli.prefect_defaults`) before it imports Prefect.

Modules that define flows do not use `from __future__ import annotations`: served and worker runs
unpickle the flow in another process and validate its parameters there, and string annotations
cannot be resolved in that copy of the function ("Ingest_FlowModel is not fully defined").
"""
