"""Raw reads of the events table: one stream with log positions, streams in bulk, the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from ledger.facts import Row
from ledger.store.chain import as_bytes, as_uuid
from ledger.store.dialects import Dialect

_COLUMNS = "originator_id, originator_version, topic, state"


def select_stream(recorder: Any, originator_id: UUID) -> list[Row]:
    """One stream's stored events with their log positions, in version order.

    The library's `select_events` does not return positions, which `--known-at @N` needs.
    """
    dialect = recorder.dialect
    rows = dialect.read(
        recorder,
        f"SELECT {dialect.position}, {_COLUMNS} FROM {{events}} WHERE originator_id = ? "
        "ORDER BY originator_version",
        (dialect.stream_key(originator_id),),
    )
    return [
        (position, as_uuid(uid), version, topic, as_bytes(state) or b"")
        for position, uid, version, topic, state in rows
    ]


def shard_bounds(shard: int, shards: int) -> tuple[UUID, UUID | None]:
    """The stream ids of one of `shards` equal slices of the id space: [low, high)."""
    size = 2**128 // shards
    low = UUID(int=size * shard)
    high = UUID(int=size * (shard + 1)) if shard + 1 < shards else None
    return low, high


def scan_streams(
    recorder: Any,
    first_topic: str,
    batch: int = 5000,
    shard: tuple[int, int] = (0, 1),
    begun_by: int | None = None,
) -> Iterator[Row]:
    """Every stored event of the streams that begin with `first_topic`, stream after stream
    (each in version order), read in batches; only the streams of shard `(i, n)` (a slice
    of the stream ids, so that n processes can share the work), and only those whose
    `first_topic` event is at log position `begun_by` or before, if given (nothing of the
    others was known then).

    One pass over the primary-key index: a consumer sees each stream whole before the next,
    so it can fold one stream at a time in bounded memory. Stream ids come as stored (hex
    text on SQLite, UUID on PostgreSQL): they are only compared.
    """
    dialect: Dialect = recorder.dialect
    low, high = shard_bounds(*shard)
    params: list[Any] = [first_topic]
    begun = ""
    if begun_by is not None:
        begun = f" AND {dialect.position} <= ?"
        params.append(begun_by)
    bounds = ""  # the first shard starts at the lowest id, the last ends past the highest
    if shard[0] > 0:
        bounds += "AND originator_id >= ? "
        params.append(dialect.stream_key(low))
    if high is not None:
        bounds += "AND originator_id < ? "
        params.append(dialect.stream_key(high))
    return dialect.stream(
        recorder,
        f"SELECT {dialect.position}, {_COLUMNS} FROM {{events}} "
        f"WHERE originator_id IN (SELECT originator_id FROM {{events}} WHERE topic = ?{begun}) "
        f"{bounds}ORDER BY originator_id, originator_version",
        params,
        batch,
    )


def count_streams(recorder: Any, first_topic: str) -> int:
    """How many streams begin with `first_topic` (one index lookup per event of that topic):
    the total a progress bar counts streams against."""
    dialect: Dialect = recorder.dialect
    rows = dialect.read(recorder, "SELECT COUNT(*) FROM {events} WHERE topic = ?", (first_topic,))
    return int(rows[0][0])


def counted(
    items: Iterator[Any], progress: Callable[[int], None] | None, every: int = 250
) -> Iterator[Any]:
    """The items, telling `progress` how many went by (every `every` items, then the rest);
    the items themselves when there is no `progress` (no layer for a scan's every row)."""
    return items if progress is None else _counting(items, progress, every)


def _counting(items: Iterator[Any], progress: Callable[[int], None], every: int) -> Iterator[Any]:
    seen = 0
    for item in items:
        yield item
        seen += 1
        if seen == every:
            progress(seen)
            seen = 0
    if seen:
        progress(seen)


def scan_log(recorder: Any, batch: int = 5000, topics: Sequence[str] = ()) -> Iterator[Row]:
    """Every stored event in log order (position), read in batches; only `topics` if given.

    Log positions can have gaps: each batch reads after the last position seen."""
    last = 0
    while page := recorder.select_notifications(
        last, batch, topics=topics, inclusive_of_start=False
    ):
        for n in page:
            yield n.id, as_uuid(n.originator_id), n.originator_version, n.topic, bytes(n.state)
        last = page[-1].id
