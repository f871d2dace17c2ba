"""Work shared between processes: a replay's slices of the candidates, `verify`'s check of
the status view. Each runs in a process of its own, spawned (a fresh interpreter that opens
the store on its own connections); Ctrl-C is this process's to handle, and stops them."""

from __future__ import annotations

import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from multiprocessing import get_context, resource_tracker
from pathlib import Path
from typing import Any

import orjson

from ledger.exceptions import StoreError
from ledger.i18n import _


class HelperLost(StoreError):
    """A helper process that could not start, or ended without its result (killed, say)."""


def _child(sending: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run `function(*args)` and send back (True, its result) or (False, its exception)."""
    # Ctrl-C reaches the whole process group: the parent ends this process, which must
    # neither die on its own nor print a traceback (it started with Ctrl-C held back, and one
    # pressed meanwhile is dropped here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        outcome: tuple[bool, Any] = (True, function(*args))
    except BaseException as e:
        outcome = (False, e)
        try:
            pickle.loads(pickle.dumps(e))
        except Exception:  # an exception pickle cannot carry: its words
            outcome = (False, RuntimeError(f"{type(e).__name__}: {e}"))
    try:
        sending.send(outcome)
    except OSError:  # the parent is gone (Ctrl-C): nobody to tell
        pass
    finally:
        sending.close()


def _not_started(error: OSError) -> HelperLost:
    return HelperLost(_("a helper process could not start: {why}").format(why=error))


def _outcome(process: Any, receiving: Any) -> Any:
    """What a spawned call gave: its result, or its exception raised here."""
    try:
        ok, value = receiving.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        process.join()
        raise HelperLost(
            _("a helper process ended without its result (exit code {code})").format(
                code=process.exitcode
            )
        ) from None
    if not ok:
        raise value
    return value


@contextmanager
def spawned(
    calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]],
) -> Iterator[list[Callable[[], Any]]]:
    """Each call `(function, args)` in a spawned process of its own, started at once; the
    block is given, for each, the function that waits for its result. The processes still
    running when the block ends (an error, Ctrl-C) are stopped."""
    context = get_context("spawn")
    started: list[tuple[Any, Any]] = []
    try:
        # Started with Ctrl-C held back (the mask is inherited): a helper interrupted while
        # its interpreter starts would print a fatal error; it ignores Ctrl-C once running.
        # One pressed meanwhile reaches this process when the mask is restored. The library's
        # resource tracker, started with the first helper, unblocks Ctrl-C when it has
        # started: started before.
        try:
            resource_tracker.ensure_running()  # itself a process: the first one started
        except OSError as e:  # no process to be had (a limit reached, say)
            raise _not_started(e) from None
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for function, args in calls:
                try:
                    receiving, sending = context.Pipe(duplex=False)
                except OSError as e:  # no file descriptor left for it
                    raise _not_started(e) from None
                process = context.Process(
                    target=_child, args=(sending, function, args), daemon=True
                )
                try:
                    process.start()
                except OSError as e:
                    receiving.close()
                    raise _not_started(e) from None
                finally:
                    sending.close()
                started.append((process, receiving))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        yield [partial(_outcome, process, receiving) for process, receiving in started]
    finally:
        for process, receiving in started:
            if process.is_alive():
                process.terminate()
            process.join()
            receiving.close()


def replay_shard(
    store: str,
    shard: int,
    shards: int,
    as_of: date,
    known_at: datetime | None,
    position: int | None,
    kind: str,
    path: str,
    language: str,
) -> int:
    """Replay shard `shard` of `shards` into `path`, one JSON document per line (what it
    says, in `language`)."""
    from ledger.application import Ledger
    from ledger.i18n import use
    from projections.replay import replay, status_row

    use(language)
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
    from ledger.i18n import language

    with tempfile.TemporaryDirectory(prefix="certledger-replay-") as folder:
        paths = [str(Path(folder) / f"shard-{i}.jsonl") for i in range(jobs)]
        calls = [
            (replay_shard, (store, i, jobs, as_of, known_at, position, kind, path, language()))
            for i, path in enumerate(paths)
        ]
        with spawned(calls) as results:
            for result in results:
                result()
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

    with spawned([(view_findings_of, (store, keys, language()))]) as (findings,):
        yield findings
