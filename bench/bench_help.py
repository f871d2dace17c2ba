"""`certledger --help` wall time (imports kept lazy), against a bare `python -c pass`.

Run: python bench/bench_help.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

from bench.common import machine, report


def wall(argv: list[str], runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    command = shutil.which("certledger") or sys.executable
    argv = (
        [command, "--help"]
        if command != sys.executable
        else [sys.executable, "-c", "from cli.main import main; main()", "--help"]
    )
    help_ms = wall(argv)
    bare_ms = wall([sys.executable, "-c", "pass"])
    report(
        "certledger --help",
        [
            ("machine", machine()),
            ("certledger --help (median of 15)", f"{help_ms:.0f} ms (target < 250 ms)"),
            ("python -c pass (median of 15)", f"{bare_ms:.0f} ms"),
            ("ratio", f"{help_ms / bare_ms:.1f}x"),
        ],
    )


if __name__ == "__main__":
    main()
