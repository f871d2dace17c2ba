"""`verify` beside the raw read of the same rows, on the store given (SQLite or PostgreSQL).
In-process figures are CPU times (the machine may be shared). The raw anchor SELECTs every
stored event in log order with the database's own driver and chains SHA-256 over them as
the ledger does (previous hash, position, stream id, version, topic, state), nothing else.
certledger's figures: the chain check alone (`verify_store`: events, chain, head, keys)
and the whole command (`verify_ledger`, which also checks the status view against the
events), in process and by the CLI (start-up included, median of several runs), and the CLI
with `--jobs 2` (the view checked in a second process meanwhile: wall time, the CPU time of
both processes beside it).

Run: python -m bench.bench_verify STORE [RUNS]
"""

from __future__ import annotations

import hashlib
import sys
from uuid import UUID

from bench.bench_replay import cli, cli_median, compiled, machine, raw_rows, show, timed
from ledger.application import Ledger

EVENTS = (
    "SELECT {position}, originator_id, originator_version, topic, state FROM {events} "
    "ORDER BY {position}"
)


def raw_chain(store: str) -> int:
    """The anchor: every stored event in log order, its chain hash computed from the one
    before (the hash compared with nothing: the pure cost of the read and the SHA-256)."""
    ledger = Ledger(store, read_only=True)
    try:
        previous = bytes(32)
        count = 0
        for position, stream, version, topic, state in raw_rows(ledger, EVENTS):
            uid = stream.bytes if isinstance(stream, UUID) else bytes.fromhex(stream)
            previous = hashlib.sha256(
                previous
                + position.to_bytes(8, "big")
                + uid
                + version.to_bytes(8, "big")
                + topic.encode("utf-8")
                + b"\0"
                + bytes(state)
            ).digest()
            count += 1
        return count
    finally:
        ledger.close()


def chain_check(store: str) -> int:
    from ledger.integrity import verify_store

    ledger = Ledger(store, read_only=True)
    try:
        result = verify_store(ledger.events)
        assert result.ok, result.problems[:3]
        return result.events
    finally:
        ledger.close()


def whole_verify(store: str) -> int:
    from projections.reads import verify_ledger

    ledger = Ledger(store, read_only=True)
    try:
        result = verify_ledger(ledger)
        assert result.ok, result.problems[:3]
        return result.events
    finally:
        ledger.close()


def view_state(store: str) -> str:
    """What the status view holds, which the whole command checks against the events: a demo
    store's view stays empty (nothing to check) until a command that lists candidates brings
    it up to date, so the figure depends on it."""
    from projections.view_store import open_view

    ledger = Ledger(store, read_only=True)
    try:
        view = open_view(ledger)
        if view is None:
            return "none"
        return f"{len(view.streams()):,} candidates, at log position {view.position():,}"
    finally:
        ledger.close()


def main(store: str, runs: int = 3) -> None:
    compiled()
    anchor, rows = timed(lambda: raw_chain(store), runs)
    chain, events = timed(lambda: chain_check(store), runs)
    whole, _ = timed(lambda: whole_verify(store), runs)
    assert events == rows, (events, rows)
    by_cli, by_cli_cpu = cli_median(cli("--store", store, "verify"), runs)
    jobs2, jobs2_cpu = cli_median(cli("--store", store, "verify", "--jobs", "2"), runs)
    show(
        f"verify, {store}: {events:,} events",
        [
            ("machine", machine()),
            ("status view", view_state(store)),
            ("raw SELECT + chained SHA-256", f"{anchor:.2f} s, {rows / anchor:,.0f} events/s"),
            (
                "certledger verify_store (chain, head, keys), in process",
                f"{chain:.2f} s, {events / chain:,.0f} events/s",
            ),
            ("its share of the raw read (target >= 50%)", f"{anchor / chain:.0%}"),
            (
                "certledger verify_ledger (+ the status view), in process",
                f"{whole:.2f} s, {events / whole:,.0f} events/s",
            ),
            ("its share of the raw read", f"{anchor / whole:.0%}"),
            (
                f"certledger verify (CLI, median of {runs})",
                f"{by_cli:.2f} s, {events / by_cli:,.0f} events/s (CPU {by_cli_cpu:.2f} s)",
            ),
            ("its share of the raw read (wall time)", f"{anchor / by_cli:.0%}"),
            (
                f"certledger verify --jobs 2 (CLI, the view in a second process, median of {runs})",
                f"{jobs2:.2f} s, {events / jobs2:,.0f} events/s (CPU {jobs2_cpu:.2f} s, both)",
            ),
            ("its share of the raw read (wall time)", f"{anchor / jobs2:.0%}"),
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
