"""`verify` beside the raw read of the same rows, on the store given (SQLite or PostgreSQL).
In-process figures are CPU times (the machine may be shared). The raw anchor SELECTs every
stored event in log order with the database's own driver and chains SHA-256 over them as
the ledger does (previous hash, position, stream id, version, topic, state), nothing else.
certledger's figures: the chain check alone (`verify_store`: events, chain, head, keys)
and the whole command (`verify_ledger`, which also checks the status view against the
events), in process, and by the CLI as a user runs it (start-up included: on 50,000 events
or more and two cores, the view checked in a second process meanwhile) and with `--jobs 1`
(one process); CLI figures are wall times, the CPU time of its processes beside them. All of
them measured in rounds (`Rounds`), each share the median of the rounds' own.

Run: python -m bench.bench_verify STORE [RUNS]
"""

from __future__ import annotations

import hashlib
import sys
from uuid import UUID

from bench.bench_replay import Rounds, cli, compiled, machine, raw_rows, show
from cli.integrity import verify_jobs
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
    rounds = Rounds()
    rounds.in_process("raw", lambda: raw_chain(store))
    rounds.in_process("chain", lambda: chain_check(store))
    rounds.in_process("whole", lambda: whole_verify(store))
    rounds.by_cli("cli", cli("--store", store, "verify"))
    rounds.by_cli("jobs1", cli("--store", store, "verify", "--jobs", "1"))
    rounds.run(runs)
    events, rows = rounds.counts["chain"], rounds.counts["raw"]
    assert events == rows, (events, rows)

    def figure(name: str) -> str:
        seconds = rounds.median(name)
        cpu = f" (CPU {rounds.median_cpu(name):.2f} s)" if name in rounds.cpu else ""
        return f"{seconds:.2f} s, {events / seconds:,.0f} events/s{cpu}"

    show(
        f"verify, {store}: {events:,} events, {runs} rounds (medians)",
        [
            ("machine", machine()),
            ("status view", view_state(store)),
            ("raw SELECT + chained SHA-256", figure("raw")),
            ("certledger verify_store (chain, head, keys), in process", figure("chain")),
            ("its share of the raw read (target >= 50%)", rounds.share("raw", "chain")),
            ("certledger verify_ledger (+ the status view), in process", figure("whole")),
            ("its share of the raw read", rounds.share("raw", "whole")),
            (f"certledger verify (CLI, {verify_jobs(events)} process(es) unasked)", figure("cli")),
            ("its share of the raw read (wall time, target >= 50%)", rounds.share("raw", "cli")),
            ("certledger verify --jobs 1 (CLI, one process)", figure("jobs1")),
            ("its share of the raw read (wall time)", rounds.share("raw", "jobs1")),
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
