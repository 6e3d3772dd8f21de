"""Where ingest spends its time: py-spy samples `balloons ingest` of the bench's local-time flights
file (bench/generate.py), as a user runs it, and the samples are summarised by the innermost line
of balloons code on each stack (the statement that called into DuckDB, Arrow or Parquet). Writes
bench/profile.md.

    python -m bench.profile_ingest [--rows N]
"""

from __future__ import annotations

import argparse
import collections
import linecache
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import generate

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def innermost_balloons_frame(stack: str) -> str:
    """The last `name (balloons/file.py:line)` frame of a folded stack, else the stack's root."""
    frames = stack.split(";")
    ours = [f for f in frames if "(balloons/" in f]
    return ours[-1] if ours else "(start-up: imports, interpreter)"


def summarise(folded: Path, top: int) -> list[tuple[float, str, str]]:
    counts: collections.Counter[str] = collections.Counter()
    for line in folded.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if n.isdigit():  # py-spy's raw format: "frame;frame;... count"
            counts[innermost_balloons_frame(stack)] += int(n)
    total = sum(counts.values())
    out = []
    for frame, n in counts.most_common(top):
        code = ""
        if "(balloons/" in frame:
            where = frame.rsplit("(", 1)[1].rstrip(")")
            path, _, number = where.rpartition(":")
            code = linecache.getline(str(REPO / "src" / path), int(number)).strip()
        out.append((100 * n / total, frame, code))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "profile.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate.write(work / "raw" / "flights" / "bench" / "local.csv", args.rows, utc=False)
        folded = work / "profile.txt"
        spy = BIN / "py-spy"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BALLOONS_") and k != "PREFECT_API_URL"}
        subprocess.run(
            [
                str(spy),
                "record",
                "--format",
                "raw",
                "--rate",
                "200",
                "--subprocesses",
                "-o",
                str(folded),
                "--",
                str(BIN / "balloons"),
                "ingest",
                "--data-dir",
                str(work),
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        rows = summarise(folded, args.top)
    lines = [
        f"# Ingest profile: `balloons ingest` of {args.rows:,} local-time flights (py-spy, 200 Hz)\n",
        "Each row is the innermost line of balloons code on the sampled stacks, so time spent inside "
        "DuckDB, Arrow or Parquet counts against the line that called it; samples of every thread "
        "count, so work done in two threads at once counts twice. "
        "Regenerate with `python -m bench.profile_ingest`.\n",
        "| share | where | code |",
        "|---|---|---|",
    ]
    lines += [f"| {share:.1f} % | `{frame}` | `{code}` |" for share, frame, code in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
