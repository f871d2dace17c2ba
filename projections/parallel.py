"""Replay shared between processes: each replays one slice of the candidates into a file."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson


def replay_shard(
    store: str,
    shard: int,
    shards: int,
    as_of: date,
    known_at: datetime | None,
    position: int | None,
    kind: str,
    path: str,
) -> int:
    """Replay shard `shard` of `shards` into `path`, one JSON document per line."""
    from ledger.application import Ledger
    from projections.replay import replay, status_row

    ledger = Ledger(store, read_only=True)
    try:
        count = 0
        with open(path, "wb") as out:
            for status in replay(
                ledger.queries.scan_candidates(shard=(shard, shards)),
                ledger.queries.versions(),
                as_of=as_of,
                known_at=known_at,
                position=position,
            ):
                document = status.as_json() if kind == "json" else status_row(status)
                out.write(orjson.dumps(document) + b"\n")
                count += 1
        return count
    finally:
        ledger.close()


def replayed(
    store: str,
    jobs: int,
    as_of: date,
    known_at: datetime | None,
    position: int | None,
    kind: str,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """The documents of a replay run by `jobs` processes, in the order one process gives;
    `progress` counts the documents as they come (once every process is done)."""
    with tempfile.TemporaryDirectory(prefix="certledger-replay-") as folder:
        paths = [str(Path(folder) / f"shard-{i}.jsonl") for i in range(jobs)]
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(replay_shard, store, i, jobs, as_of, known_at, position, kind, p)
                for i, p in enumerate(paths)
            ]
            for future in futures:
                future.result()
        for path in paths:
            with open(path, "rb") as lines:
                for line in lines:
                    yield orjson.loads(line)
                    if progress is not None:
                        progress(1)


def view_findings_of(
    store: str, keys: Path | None, language: str
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """`projections.reads.view_findings` on the store, in a process of its own."""
    from ledger.application import Ledger
    from ledger.i18n import use
    from projections.reads import view_findings

    use(language)
    ledger = Ledger(store, read_only=True, keys=keys)
    try:
        return view_findings(ledger)
    finally:
        ledger.close()


@contextmanager
def checking_view_aside(
    store: str, keys: Path | None
) -> Iterator[Callable[[], tuple[list[tuple[str, str, str]], list[str]]]]:
    """The status view checked against the events in a second process while the block runs;
    the block is given the function that waits for its findings. The process reads the store
    on its own connections, as `verify` reads the view: the view's position and rows in one
    snapshot, the events up to that position."""
    from ledger.i18n import language

    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        future = pool.submit(view_findings_of, store, keys, language())
        try:
            yield future.result
        finally:
            future.cancel()
