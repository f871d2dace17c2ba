"""The audit at scale: build time, size and peak memory of `certledger audit` (HTML and
JSON) on demo ledgers of several sizes, beside the replay of the same ledger (the flat
baseline: one pass over the candidate streams, nothing kept).

Each figure is one CLI process of its own, start-up included: its wall time, its CPU time
(user + system: what it costs on a machine shared with other work) and its peak memory, that
process's own maximum resident set (`wait4`), not the benchmark's.

Run: python -m bench.bench_audit [CANDIDATES ...]        (default: 5000 20000)
     python -m bench.bench_audit --store LEDGER.db [...]  (ledgers already built, e.g. by
     `certledger --store LEDGER.db demo --candidates N`)
     ... --baseline DIR  also runs the HTML audit of the source tree in DIR (an earlier
     revision: `git archive REV | tar -x -C DIR`), the same ledger, the same run
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import demo_ledger, events_in, machine, report, run_measured


def certledger(source: Path | None = None) -> list[str]:
    """The command, from this tree or from the source tree `source`."""
    first = f"import sys; sys.path.insert(0, {str(source)!r}); " if source else ""
    return [sys.executable, "-c", first + "from cli.main import main; main()"]


def measure(
    args: list[str], stdout: int | None = subprocess.DEVNULL, source: Path | None = None
) -> tuple[str, float]:
    """Run `certledger ARGS`: its wall and CPU times, and its own peak resident memory (MiB)."""
    run = run_measured(
        [*certledger(source), *args],
        check=False,
        stdout=stdout,
        env={**os.environ, "CERTLEDGER_ACTOR": "bench"},
    )
    if run.returncode:
        raise SystemExit(f"certledger {' '.join(args)} failed ({run.returncode}): {run.stderr}")
    return f"{run.seconds:.1f} s ({run.cpu:.1f} s CPU)", run.peak_mib


def candidates_in(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic = 'CandidateEnrolled'"
        ).fetchone()
    return int(count)


def one(path: Path, baseline: Path | None) -> list[tuple[str, str]]:
    store = ["--store", str(path), "--read-only"]
    candidates = candidates_in(path)
    with tempfile.TemporaryDirectory() as folder:
        page, document = Path(folder) / "audit.html", Path(folder) / "audit.json"
        html_time, html_memory = measure([*store, "audit", "--format", "html", "-o", str(page)])
        json_time, json_memory = measure([*store, "audit", "-o", str(document)])
        replay_time, replay_memory = measure([*store, "replay", "--format", "csv"])
        html_size, json_size = page.stat().st_size, document.stat().st_size
        before: list[tuple[str, str]] = []
        if baseline is not None:
            page.unlink()
            old_time, old_memory = measure(
                [*store, "audit", "--format", "html", "-o", str(page)], source=baseline
            )
            before.append(
                (
                    f"{candidates:,} candidates: audit --format html, {baseline.name} (baseline)",
                    f"{old_time}, page {page.stat().st_size / 2**20:.1f} MiB, "
                    f"peak {old_memory:.0f} MiB",
                )
            )
    label = f"{candidates:,} candidates"
    return [
        *before,
        (f"{label}: ledger", f"{events_in(path):,} events, {path.stat().st_size / 2**20:.0f} MiB"),
        (
            f"{label}: audit --format html",
            f"{html_time}, page {html_size / 2**20:.1f} MiB, peak {html_memory:.0f} MiB",
        ),
        (
            f"{label}: audit (JSON)",
            f"{json_time}, {json_size / 2**20:.1f} MiB, peak {json_memory:.0f} MiB",
        ),
        (
            f"{label}: replay --format csv (baseline)",
            f"{replay_time}, peak {replay_memory:.0f} MiB",
        ),
    ]


def main(argv: list[str]) -> None:
    paths: list[Path] = []
    sizes: list[int] = []
    baseline: Path | None = None
    args = iter(argv)
    for arg in args:
        if arg == "--store":
            paths.append(Path(next(args)))
        elif arg == "--baseline":
            baseline = Path(next(args)).resolve()
        else:
            sizes.append(int(arg))
    if not paths and not sizes:
        sizes = [5000, 20000]
    paths += [demo_ledger(n) for n in sizes]
    rows = [("machine", machine())]
    for path in paths:
        rows += one(path, baseline)
    report("certledger audit at scale (SQLite; each figure one process, start-up included)", rows)


if __name__ == "__main__":
    main(sys.argv[1:])
