"""`certledger status ID` end to end: the median of several runs of the command (start-up
included) beside the median of `python -c pass` in the same run, on the store given; with
`--json` (no table printed) and as a table. Wall and CPU time (user + system) both: on a
machine shared with other work the CPU time is the steadier. The project is compiled
first, as `pip install` leaves it.

Run: python -m bench.bench_status STORE [CANDIDATE] [RUNS]
"""

from __future__ import annotations

import sys

from bench.bench_replay import cli, cli_median, compiled, machine, show
from ledger.application import Ledger


def main(store: str, candidate: str | None = None, runs: int = 15) -> None:
    compiled()
    if candidate is None:
        ledger = Ledger(store, read_only=True)
        candidate = ledger.candidate_ids()[0]
        ledger.close()
    nothing = cli_median([sys.executable, "-c", "pass"], runs)
    table = cli_median(cli("--store", store, "status", candidate), runs)
    as_json = cli_median(cli("--store", store, "status", candidate, "--json"), runs)
    helped = cli_median(cli("--help"), runs)

    def figure(measured: tuple[float, float]) -> str:
        (wall, cpu), (wall0, cpu0) = measured, nothing
        return (
            f"wall {wall * 1000:.0f} ms ({wall / wall0:.1f}x), "
            f"CPU {cpu * 1000:.0f} ms ({cpu / cpu0:.1f}x)"
        )

    show(
        f"certledger status {candidate}, {store} (median of {runs} runs each)",
        [
            ("machine", machine()),
            ("python -c pass", figure(nothing)),
            ("certledger status ID (target <= 6x)", figure(table)),
            ("certledger status ID --json", figure(as_json)),
            ("certledger --help", figure(helped)),
        ],
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1] if len(args) > 1 else None, int(args[2]) if len(args) > 2 else 15)
