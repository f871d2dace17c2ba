"""One candidate's status, in process: the median over many candidates in a ledger of about
1,000,000 events, against the same in a ledger of about 10,000 events.

Run: python bench/bench_status.py [BIG_CANDIDATES] [SMALL_CANDIDATES]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import AS_OF, demo_ledger, events_in, machine, median_ms, report
from ledger.application import Ledger
from projections.status import candidate_status


def status_times(path: Path, samples: int = 400) -> list[float]:
    """Seconds for each of `samples` status reads (the store read included), after warm-up."""
    app = Ledger(str(path))
    try:
        candidates = app.candidate_ids()
        picked = random.Random(7).choices(candidates, k=samples)
        versions = app.versions()
        now = datetime.now(UTC)
        for candidate in picked[:20]:
            candidate_status(app.candidate_facts(candidate), versions, as_of=AS_OF, known_at=now)
        times = []
        for candidate in picked:
            started = time.perf_counter()
            candidate_status(app.candidate_facts(candidate), versions, as_of=AS_OF, known_at=now)
            times.append(time.perf_counter() - started)
        return times
    finally:
        app.close()


def main(big: int, small: int) -> None:
    big_path, small_path = demo_ledger(big), demo_ledger(small)
    big_ms, small_ms = median_ms(status_times(big_path)), median_ms(status_times(small_path))
    report(
        "one candidate's status (read its stream, fold, compute), SQLite, in process",
        [
            ("machine", machine()),
            (
                f"ledger of {events_in(big_path):,} events",
                f"median {big_ms:.2f} ms (target < 2 ms)",
            ),
            (f"ledger of {events_in(small_path):,} events", f"median {small_ms:.2f} ms"),
            ("ratio big / small (target <= 1.5)", f"{big_ms / small_ms:.2f}"),
        ],
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args or [26000, 256]))
