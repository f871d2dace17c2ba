"""Import on SQLite: `certledger import` (checked, then batched) against the library's
one-save-per-aggregate path (each command saved in its own transaction), on the same rows.

Run: python bench/bench_import.py [CANDIDATES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.common import demo_csv, machine, report
from ledger.application import Ledger
from ledger.importer import command, import_file, read_rows


def fresh(folder: Path, name: str) -> Ledger:
    app = Ledger(str(folder / name), create=True)
    app.initialise(by="bench")
    return app


def main(candidates: int) -> None:
    data = demo_csv(candidates)
    rows, problems = read_rows(data)
    assert not problems
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        ours = fresh(folder, "import.db")
        before = ours.recorder.max_notification_id() or 0
        started = time.perf_counter()
        result = import_file(ours, data, by="bench")
        project_s = time.perf_counter() - started
        assert result.ok, result.problems[:3]
        project_events = (ours.recorder.max_notification_id() or 0) - before
        ours.close()

        library = fresh(folder, "one-save-each.db")
        before = library.recorder.max_notification_id() or 0
        started = time.perf_counter()
        for row in rows:
            command(library, row, "bench")()
        baseline_s = time.perf_counter() - started
        baseline_events = (library.recorder.max_notification_id() or 0) - before
        library.close()

    assert project_events == baseline_events, (project_events, baseline_events)
    project_rate = project_events / project_s
    baseline_rate = baseline_events / baseline_s
    report(
        f"import of {len(rows)} rows ({candidates} candidates, {project_events} events), SQLite",
        [
            ("machine", machine()),
            (
                "certledger import (check + batched write)",
                f"{project_s:.2f} s, {project_rate:,.0f} events/s",
            ),
            (
                "library path: one save per command",
                f"{baseline_s:.2f} s, {baseline_rate:,.0f} events/s",
            ),
            ("ratio (target >= 3)", f"{project_rate / baseline_rate:.1f}x"),
        ],
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
