"""Time a command and the peak memory of its whole process tree, from a small watcher process.

`run(cmd, ...)` starts `python bench/measure.py` (a fresh interpreter of a few tens of MiB), which
starts `cmd`, samples the resident memory of cmd and all its descendants every 200 ms (psutil, a
Prefect dependency), waits, and reports as JSON:
- seconds: wall time from start to exit of cmd (the watcher's own start-up excluded);
- tree_peak_bytes: the largest sampled sum of RSS over the tree (what the machine had to hold);
- largest_process_bytes: `getrusage(RUSAGE_CHILDREN).ru_maxrss`, the peak of the largest single
  descendant that was waited for (exact, never sampled). Measured in a fresh watcher, because
  ru_maxrss survives fork + exec and would carry a big parent's size into the figure.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_S = 0.2  # psutil walks all of /proc for the tree; 50 ms cost ~5 % of a core


@dataclass(frozen=True)
class Measured:
    seconds: float
    tree_peak_bytes: int
    largest_process_bytes: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def peak_bytes(self) -> int:
        """The larger of the two peaks: sampling can miss a short spike, ru_maxrss sees one process."""
        return max(self.tree_peak_bytes, self.largest_process_bytes)

    def last_error_line(self) -> str:
        lines = [line for line in (self.stderr + "\n" + self.stdout).splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"exit code {self.returncode}"


def run(cmd: list[str], *, env: dict[str, str], cwd: Path, logs: Path) -> Measured:
    """Run `cmd` under the watcher; its stdout and stderr go to `logs`.{out,err} and come back too."""
    logs.parent.mkdir(parents=True, exist_ok=True)
    out, err = logs.with_suffix(".out"), logs.with_suffix(".err")
    report = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(cwd), str(out), str(err), *cmd],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    facts = json.loads(report.stdout.strip().splitlines()[-1])
    return Measured(
        seconds=facts["seconds"],
        tree_peak_bytes=facts["tree_peak_bytes"],
        largest_process_bytes=facts["largest_process_bytes"],
        returncode=facts["returncode"],
        stdout=out.read_text(encoding="utf-8", errors="replace"),
        stderr=err.read_text(encoding="utf-8", errors="replace"),
    )


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # it ended between listing and reading
            total += process.memory_info().rss
    return total


def _watch() -> None:
    cwd, out, err, *cmd = sys.argv[1:]
    peak = 0
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=stderr, env=os.environ)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            try:
                root = psutil.Process(child.pid)
            except psutil.Error:
                return  # already gone
            while not done.wait(SAMPLE_S):
                peak = max(peak, _tree_rss(root))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = child.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    facts = {"seconds": seconds, "tree_peak_bytes": peak, "largest_process_bytes": largest, "returncode": code}
    print(json.dumps(facts))


if __name__ == "__main__":
    _watch()
