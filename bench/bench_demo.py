"""The demo at growing sizes: time per candidate (linear means flat) and the process's own
peak memory (bounded means flat), for `demo` (recording) and `demo --csv` (writing).

Each run is `certledger demo` in a process of its own on a fresh SQLite store (or a fresh
file); wall time and peak RSS come from `wait4` on that process alone.

Run: python -m bench.bench_demo [--record 250,500,1000] [--csv 1000,5000,20000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.common import machine, report, run_measured


def sizes(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", type=sizes, default=[250, 500, 1000])
    parser.add_argument("--csv", type=sizes, default=[1000, 5000, 20000])
    args = parser.parse_args()
    lines = [("machine", machine())]
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        folder = Path(tmp)
        for n in args.record:
            store = folder / f"demo-{n}.db"
            run = run_measured(
                ["certledger", "--store", str(store), "demo", "--candidates", str(n), "--json"]
            )
            events = json.loads(run.stdout)["events"]
            lines.append(
                (
                    f"demo, {n:,} candidates ({events:,} events)",
                    f"{run.seconds:.1f} s, {run.seconds / n * 1000:.1f} ms per candidate, "
                    f"{events / run.seconds:,.0f} events/s, peak {run.peak_mib:.0f} MiB",
                )
            )
            print(*lines[-1], sep=" -> ", flush=True)
            store.unlink()
        for n in args.csv:
            path = folder / f"demo-{n}.csv"
            run = run_measured(
                ["certledger", "demo", "--candidates", str(n), "--csv", str(path), "--json"]
            )
            rows = json.loads(run.stdout)["rows"]
            lines.append(
                (
                    f"demo --csv, {n:,} candidates ({rows:,} rows)",
                    f"{run.seconds:.1f} s, {run.seconds / n * 1000:.2f} ms per candidate, "
                    f"{path.stat().st_size / 2**20:.0f} MiB file, peak {run.peak_mib:.0f} MiB",
                )
            )
            print(*lines[-1], sep=" -> ", flush=True)
            path.unlink()
    report("demo: time per candidate and peak memory by size, same run", lines)


if __name__ == "__main__":
    main()
