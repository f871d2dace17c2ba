"""Replay as of a date beside the raw read of the same rows, on the store given (SQLite or
PostgreSQL): events per second count the events replay actually reads (the candidate
streams), and the raw anchor reads exactly those rows with the database's own driver and
decodes their JSON, nothing else. Also: the CLI (`replay --format csv`, start-up included,
median of several runs) and the peak memory of a replay in a process of its own.

Run: python -m bench.bench_replay STORE [RUNS]
     (STORE: an SQLite file or postgresql://…; e.g. a `certledger demo --candidates 20000`)
"""

from __future__ import annotations

import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.common import run_measured
from ledger.application import Ledger

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2019, 12, 31)

CANDIDATE_ROWS = (
    "SELECT {position}, originator_id, originator_version, topic, state FROM {events} "
    "WHERE originator_id IN (SELECT originator_id FROM {events} WHERE topic = ?) "
    "ORDER BY originator_id, originator_version"
)
"""The rows a replay reads: every event of the streams that begin with an enrolment."""


def raw_rows(ledger: Ledger, statement: str, params: Sequence[Any] = ()) -> Iterator[Any]:
    """The rows of a SELECT read with the database's own driver on a connection of its own,
    5,000 at a time (`{events}`, `{position}` and the ledger's tables named as stored)."""
    store = ledger.events
    text = store.dialect.sql(
        store.recorder, statement.replace("{position}", store.dialect.position)
    )
    if store.dialect.kind == "sqlite":
        conn = sqlite3.connect(f"file:{ledger.store.path}?mode=ro", uri=True)
        try:
            cursor = conn.execute(text, tuple(params))
            while rows := cursor.fetchmany(5000):
                yield from rows
        finally:
            conn.close()
        return
    with (
        store.dialect.connect(ledger.store) as conn,  # type: ignore[attr-defined]
        conn.transaction(),
        conn.cursor(name="bench_raw") as cursor,
    ):
        cursor.itersize = 5000
        cursor.execute(text, tuple(params))
        yield from cursor


class Rounds:
    """Measures taken in rounds: each measure once per round, in an order rotated from one
    round to the next, so that the machine speeding up or slowing down during the benchmark
    (a shared host's neighbours, the processor's clock) weighs on every measure alike. A
    share is the median of the rounds' own shares (the anchor and the project's figure of the
    same round), shown with their range: blocks of runs of one measure, then of the other,
    put a drift of the machine between the two (shares 38-61 % on the same store in three
    such runs, 2026-11-30)."""

    def __init__(self) -> None:
        self.measures: dict[str, Callable[[], float]] = {}
        self.seconds: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.counts: dict[str, int] = {}

    def in_process(self, name: str, work: Callable[[], int]) -> None:
        """A measure of CPU time in this process (steadier than wall time on a shared
        machine); `work` returns what it counted."""

        def measure() -> float:
            started = time.process_time()
            self.counts[name] = work()
            return time.process_time() - started

        self.measures[name] = measure

    def by_cli(self, name: str, argv: list[str]) -> None:
        """A measure of a command's wall time (start-up included, output to /dev/null), its
        CPU time (user + system, helpers included) kept beside it."""
        env = environment()

        def measure() -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.cpu.setdefault(name, []).append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            )
            return wall

        self.measures[name] = measure

    def run(self, runs: int) -> Rounds:
        names = list(self.measures)
        for round_ in range(runs):
            turn = round_ % len(names)
            for name in names[turn:] + names[:turn]:
                self.seconds.setdefault(name, []).append(self.measures[name]())
        return self

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def median_cpu(self, name: str) -> float:
        return statistics.median(self.cpu[name])

    def share(self, anchor: str, project: str) -> str:
        """The median of the rounds' shares `anchor / project`, and their range."""
        pairs = zip(self.seconds[anchor], self.seconds[project], strict=True)
        shares = sorted(a / p for a, p in pairs)
        median = statistics.median(shares)
        return f"{median:.0%} (rounds {shares[0]:.0%}-{shares[-1]:.0%})"


def replay_events(store: str) -> int:
    """certledger's replay as of the date, each status made a CSV row: the events read."""
    from projections.replay import replay, status_row

    ledger = Ledger(store, read_only=True)
    read = 0

    def counting(streams: Iterator[list[Any]]) -> Iterator[list[Any]]:
        nonlocal read
        for facts in streams:
            read += len(facts)
            yield facts

    try:
        for status in replay(
            counting(ledger.queries.scan_candidates()),
            ledger.queries.versions(),
            as_of=AS_OF,
            known_at=datetime.now(UTC),
        ):
            status_row(status)
        return read
    finally:
        ledger.close()


def raw_replay_rows(store: str) -> int:
    """The anchor: the same rows, SELECT + JSON decode."""
    ledger = Ledger(store, read_only=True)
    try:
        count = 0
        for row in raw_rows(ledger, CANDIDATE_ROWS, ("CandidateEnrolled",)):
            orjson.loads(row[4])
            count += 1
        return count
    finally:
        ledger.close()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli.main import main; main()", *args]


def environment() -> dict[str, str]:
    """The CLI's environment, bytecode written as an installed package has it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def compiled() -> None:
    """Every module of the project compiled once, as `pip install` leaves it."""
    for package in ("ledger", "projections", "cli"):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(ROOT / package)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=environment(),
        )


def cli_median(argv: list[str], runs: int) -> tuple[float, float]:
    """The medians of `runs` runs of a command (output to /dev/null): wall time and CPU time
    (user + system) of the process, in seconds. On a machine shared with other work the CPU
    time is the steadier of the two."""
    rounds = Rounds()
    rounds.by_cli("command", argv)
    rounds.run(runs)
    return rounds.median("command"), rounds.median_cpu("command")


def peak_memory(code: str) -> float:
    """Peak resident memory (MiB) of a process of its own that runs `code`."""
    return run_measured([sys.executable, "-c", code], env=environment(), cwd=ROOT).peak_mib


def machine() -> str:
    from bench.common import machine as described

    return described()


def show(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")


def main(store: str, runs: int = 3) -> None:
    compiled()
    command = cli("--store", store, "replay", "--as-of", AS_OF.isoformat(), "--format", "csv")
    rounds = Rounds()
    rounds.in_process("replay", lambda: replay_events(store))
    rounds.in_process("raw", lambda: raw_replay_rows(store))
    rounds.by_cli("cli", command)
    rounds.run(runs)
    events, rows = rounds.counts["replay"], rounds.counts["raw"]
    assert events == rows, (events, rows)
    project, anchor, by_cli = rounds.median("replay"), rounds.median("raw"), rounds.median("cli")
    memory = peak_memory(f"from bench.bench_replay import replay_events; replay_events({store!r})")
    show(
        f"replay as of {AS_OF}, {store}: {events:,} events read (the candidate streams), "
        f"{runs} rounds",
        [
            ("machine", machine()),
            (
                "certledger replay, in process (CPU time, median)",
                f"{project:.2f} s, {events / project:,.0f} events/s",
            ),
            (
                "raw SELECT + orjson.loads of the same rows (median)",
                f"{anchor:.2f} s, {rows / anchor:,.0f} rows/s",
            ),
            ("replay's share of the raw read (target >= 40%)", rounds.share("raw", "replay")),
            (
                "certledger replay --format csv (CLI, median)",
                f"{by_cli:.2f} s, {events / by_cli:,.0f} events/s "
                f"(CPU {rounds.median_cpu('cli'):.2f} s)",
            ),
            ("peak memory of the replay (own process)", f"{memory:.0f} MiB"),
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
