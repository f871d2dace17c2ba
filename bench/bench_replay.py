"""Full replay as of a date, on SQLite, side by side with the library's notification-log
replay of the same store and with the raw limit (a plain SELECT of the stored rows plus a
JSON decode, no domain); peak memory of the replay in a process of its own.

Run: python bench/bench_replay.py [CANDIDATES]   (26,000 candidates: about 1,000,000 events)
"""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.common import AS_OF, best_of, demo_ledger, events_in, machine, report
from ledger.application import Ledger
from projections.replay import replay, status_row


def project(path: Path) -> int:
    """certledger's replay: every candidate's status as of the date, as a CSV row each."""
    app = Ledger(str(path))
    try:
        count = 0
        for status in replay(
            app.scan_candidates(), app.versions(), as_of=AS_OF, known_at=datetime.now(UTC)
        ):
            status_row(status)
            count += 1
        return count
    finally:
        app.close()


def library(path: Path, *, default_mapper: bool = True) -> int:
    """The library's own replay: its notification log, every event made a domain event by
    its default mapper (JSONTranscoder), or by certledger's mapper (`default_mapper=False`)."""
    from eventsourcing.persistence import JSONTranscoder, Mapper

    app = Ledger(str(path))
    try:
        mapper = Mapper(transcoder=JSONTranscoder()) if default_mapper else app.mapper
        to_event = mapper.to_domain_event
        count, last = 0, 0
        while page := app.recorder.select_notifications(last, 1000, inclusive_of_start=False):
            for notification in page:
                to_event(notification)
                count += 1
            last = page[-1].id
        return count
    finally:
        app.close()


def library_with_our_mapper(path: Path) -> int:
    return library(path, default_mapper=False)


def raw(path: Path) -> int:
    """The raw limit: SELECT every stored row, decode its JSON; nothing else."""
    with sqlite3.connect(path) as conn:
        cursor = conn.execute(
            "SELECT originator_id, originator_version, topic, state "
            "FROM stored_events ORDER BY rowid"
        )
        count = 0
        while rows := cursor.fetchmany(5000):
            for row in rows:
                orjson.loads(row[3])
                count += 1
        return count


def peak_memory(path: Path) -> float:
    """Peak resident memory (MiB) of a process that runs the project's replay."""
    code = (
        "from pathlib import Path\nfrom bench.bench_replay import project\n"
        f"project(Path({str(path)!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(candidates: int) -> None:
    path = demo_ledger(candidates)
    events = events_in(path)
    timings = {}
    for name, f in (
        ("project", project),
        ("library", library),
        ("library+mapper", library_with_our_mapper),
        ("raw", raw),
    ):
        timings[name] = best_of(3, lambda f=f: f(path))
        print(f"  {name}: {timings[name]:.2f} s", flush=True)
    rate = {name: events / seconds for name, seconds in timings.items()}

    def cli_run(jobs: int) -> float:
        argv = [
            sys.executable,
            "-c",
            "from cli.main import main; main()",
            "--store",
            str(path),
            "replay",
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "csv",
            "--jobs",
            str(jobs),
        ]
        root = Path(__file__).parents[1]
        return best_of(
            1, lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=root)
        )

    cli, cli2 = cli_run(1), cli_run(2)
    memory = peak_memory(path)
    report(
        f"replay as of {AS_OF} of {events:,} events ({candidates:,} candidates), SQLite",
        [
            ("machine", machine()),
            (
                "certledger replay (in process)",
                f"{timings['project']:.2f} s, {rate['project']:,.0f} events/s (target >= 150,000)",
            ),
            ("certledger replay --format csv (CLI)", f"{cli:.2f} s, {events / cli:,.0f} events/s"),
            (
                "certledger replay --format csv --jobs 2 (CLI)",
                f"{cli2:.2f} s, {events / cli2:,.0f} events/s",
            ),
            (
                "ratio to the library, --jobs 2 (CLI, start-up included)",
                f"{events / cli2 / rate['library']:.1f}x",
            ),
            (
                "library notification-log replay (its default mapper)",
                f"{timings['library']:.2f} s, {rate['library']:,.0f} events/s",
            ),
            (
                "same, with certledger's orjson+pydantic mapper",
                f"{timings['library+mapper']:.2f} s, {rate['library+mapper']:,.0f} events/s",
            ),
            ("raw SELECT + JSON decode", f"{timings['raw']:.2f} s, {rate['raw']:,.0f} events/s"),
            ("ratio to the library (target >= 2)", f"{rate['project'] / rate['library']:.1f}x"),
            (
                "ratio to the library with certledger's mapper",
                f"{rate['project'] / rate['library+mapper']:.1f}x",
            ),
            ("share of the raw limit (target >= 30%)", f"{rate['project'] / rate['raw']:.0%}"),
            ("peak memory of the replay (target < 300 MB)", f"{memory:.0f} MiB"),
        ],
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 26000)
