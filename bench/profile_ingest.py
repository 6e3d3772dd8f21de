"""Where ingest spends its time: py-spy samples a bulk ingest, and the samples are summarised by
the innermost line of balloons code on each stack (the statement that called into DuckDB, Arrow or
Parquet). Writes bench/profile.md.

    python -m bench.profile_ingest [--rows N]
"""

from __future__ import annotations

import argparse
import collections
import linecache
import subprocess
import sys
import tempfile
from pathlib import Path

from balloons.samples import scale

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
import airportsdata
from balloons.ingest import ingest
from balloons.ingest.validate import Context
ctx = Context(zone=ZoneInfo("Europe/Vilnius"), airports=airportsdata.load("ICAO"), now=datetime.now(UTC))
ingest(Path(sys.argv[1]) / "raw", Path(sys.argv[1]) / "lake", ctx=ctx, run_id="profile")
"""


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
        scale.write(work / "raw", args.rows)
        folded = work / "profile.txt"
        spy = Path(sys.executable).parent / "py-spy"
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
                sys.executable,
                "-c",
                CHILD,
                str(work),
            ],
            check=True,
            capture_output=True,
        )
        rows = summarise(folded, args.top)
    lines = [
        f"# Ingest profile: {args.rows:,} flights (py-spy, 200 Hz)\n",
        "Each row is the innermost line of balloons code on the sampled stacks, so time spent inside "
        "DuckDB, Arrow or Parquet counts against the line that called it. "
        "Regenerate with `python -m bench.profile_ingest`.\n",
        "| share | where | code |",
        "|---|---|---|",
    ]
    lines += [f"| {share:.1f} % | `{frame}` | `{code}` |" for share, frame, code in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
