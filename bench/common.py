"""Shared helpers of the benchmarks: the machine, synthetic ledgers, timing."""

from __future__ import annotations

import io
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from ledger.demo import generate, write_csv
from ledger.referential import default_referential_text, parse_referential

DATA = Path(__file__).resolve().parent / ".data"
"""Ledgers built once and reused between runs (not committed)."""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def demo_ledger(candidates: int, seed: int = 1) -> Path:
    """A demo ledger on SQLite, built once (about 39 events per candidate)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"demo-{candidates}-{seed}.db"
    if not path.exists():
        partial = path.with_suffix(".partial.db")
        for leftover in DATA.glob(partial.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        app = Ledger(str(partial), create=True)
        app.initialise(by="bench")
        generate(app, candidates, seed)
        events = app.recorder.max_notification_id()
        app.close()
        partial.rename(path)
        print(f"  built {path.name}: {events} events in {time.perf_counter() - started:.0f} s")
    return path


def demo_csv(candidates: int, seed: int = 1) -> bytes:
    """The demo's commands as an import file (the same rows `demo` records)."""
    ref = parse_referential(default_referential_text())
    out = io.StringIO()
    write_csv(out, ref, candidates, seed, now=datetime.now(UTC))
    return out.getvalue().encode("utf-8")


_FORK = (
    "import os, sys\n"
    "fd = int(sys.argv[1])\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.close(fd)\n"
    "    os.execvp(sys.argv[2], sys.argv[2:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "os.write(fd, f'{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}'.encode())\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)
"""Runs a command and reports its own peak RSS and CPU time (`wait4`). Linux carries a
process's peak RSS across `exec`: a command spawned straight from the benchmark (large once
it holds the rows it compares against) would report the benchmark's size as its own. Forked
from this fresh, small interpreter, it reports only its own."""


@dataclass
class Measured:
    """A command run in a process of its own: its output, wall time, CPU time and own peak
    memory."""

    stdout: str
    seconds: float
    peak_mib: float
    cpu: float
    stderr: str
    returncode: int


def run_measured(
    argv: list[str],
    *,
    check: bool = True,
    stdout: Any = subprocess.PIPE,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run a command in a process of its own (through `_FORK`): its wall time (start-up
    included, and the few milliseconds of the small interpreter that forks it), its CPU
    time and its own peak RSS."""
    read, write = os.pipe()
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", _FORK, str(write), *argv],
            stdout=stdout,
            stderr=err,
            pass_fds=(write,),
            env=env,
            cwd=cwd,
        )
        os.close(write)
        out = child.stdout.read() if child.stdout is not None else b""
        child.wait()
        seconds = time.perf_counter() - started
        with os.fdopen(read, "rb") as report:
            measured = report.read().split()
        err.seek(0)
        error = err.read().decode("utf-8", "replace")
    if check and (child.returncode != 0 or not measured):
        raise RuntimeError(f"{' '.join(argv)}: exit {child.returncode}: {error!r}")
    peak, cpu = (int(measured[0]), float(measured[1])) if measured else (0, 0.0)
    return Measured(out.decode("utf-8"), seconds, peak / 1024, cpu, error, child.returncode)


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0])


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of `runs` timings of `work` (seconds)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


AS_OF = date(2019, 12, 31)


def report(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
