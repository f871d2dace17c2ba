"""Writer processes for the concurrency tests: top-level functions a spawned process can run.

A script is a list of commands `(method, args, kwargs)` of `Ledger`; running it gives one
outcome per command: the result, or the `LedgerError` that refused it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

Command = tuple[str, tuple[Any, ...], dict[str, Any]]
Outcome = dict[str, Any]

_barrier: Any = None


def set_barrier(barrier: Any) -> None:
    """Pool initializer: the barrier every writer waits at before (each of) its commands."""
    global _barrier
    _barrier = barrier


def _wait() -> None:
    if _barrier is not None:
        _barrier.wait(timeout=60)


def run_script(url: str, script: list[Command], lockstep: bool = False) -> Outcome:
    """Open the ledger, wait for the other writers, then run the script.

    With `lockstep`, every writer waits for the others before each command, so that the
    n-th commands of all writers race each other. Errors other than a `LedgerError`
    propagate: they are bugs, and the pool hands them to the test (after breaking the
    barrier, so that the other writers do not wait for this one in vain).
    """
    try:
        return _run(url, script, lockstep)
    except BaseException:
        if _barrier is not None:
            _barrier.abort()
        raise


def _run(url: str, script: list[Command], lockstep: bool) -> Outcome:
    from eventsourcing.persistence import IntegrityError

    from ledger.application import Ledger
    from ledger.exceptions import LedgerError, RuleViolation

    ledger = Ledger(url)
    conflicts = 0
    save = ledger.events.save

    def counting_save(*objs: Any, **kwargs: Any) -> Any:
        # Counts the version and claim conflicts that the unit of work then retries.
        nonlocal conflicts
        try:
            return save(*objs, **kwargs)
        except IntegrityError:
            conflicts += 1
            raise

    ledger.events.save = counting_save  # type: ignore[method-assign]
    outcomes: list[Outcome] = []
    try:
        _wait()
        for method, args, kwargs in script:
            if lockstep:
                _wait()
            try:
                result = getattr(ledger, method)(*args, **kwargs)
            except LedgerError as e:
                outcomes.append(
                    {
                        "ok": False,
                        "error": type(e).__name__,
                        "rule": e.rule if isinstance(e, RuleViolation) else None,
                        "message": str(e),
                    }
                )
            else:
                outcomes.append({"ok": True, "result": result})
    finally:
        ledger.close()
    return {"outcomes": outcomes, "conflicts": conflicts}


# The crash test's list: one writer, many commands, each with its own request id.

CRASH_CANDIDATES = 30
CRASH_ASSESSED_ON = date(2017, 6, 1)
CRASH_BLOCK_SESSION = ("K1", date(2017, 6, 20))
CRASH_TITLE_SESSION = ("K2", date(2018, 1, 15))


def crash_candidate(n: int) -> str:
    return f"X{n:02d}"


def crash_commands(epreuves: list[tuple[str, tuple[str, ...]]]) -> list[Command]:
    """20 commands per candidate, each with its own request id: the 16 épreuves passed, a
    BC01 decision and its block certificate, a title decision (all 42) and its certificate."""
    bc01 = [f"C{n:02d}" for n in range(1, 10)]
    everything = [f"C{n:02d}" for n in range(1, 43)]
    block, title = CRASH_BLOCK_SESSION[0], CRASH_TITLE_SESSION[0]
    plain: list[Command] = []
    for n in range(CRASH_CANDIDATES):
        candidate = crash_candidate(n)
        plain += [
            (
                "record_assessment",
                (candidate,),
                {"epreuve": code, "on": CRASH_ASSESSED_ON, "passed": list(competencies)},
            )
            for code, competencies in epreuves
        ]
        plain += [
            ("record_decision", (block, candidate), {"validated": bc01, "blocks": ["BC01"]}),
            (
                "issue_certificate",
                (f"{candidate}/{block}",),
                {"kind": "block:BC01", "on": date(2017, 6, 26)},
            ),
            ("record_decision", (title, candidate), {"validated": everything, "title": True}),
            (
                "issue_certificate",
                (f"{candidate}/{title}",),
                {"kind": "title", "on": date(2018, 1, 20)},
            ),
        ]
    return [
        (method, args, {**kwargs, "by": "crash", "request_id": f"crash-{i}"})
        for i, (method, args, kwargs) in enumerate(plain)
    ]


def epreuves_of(ledger: Any, on: date) -> list[tuple[str, tuple[str, ...]]]:
    ref = ledger.versions().at(on).referential
    return [(e.code, tuple(e.competencies)) for b in ref.blocks for e in b.epreuves]


def run_crash_list(url: str) -> None:
    """The crash test's child: run the whole list, one command after another, saying on
    stdout when each has committed (the test kills it after a number of them)."""
    from ledger.application import Ledger

    ledger = Ledger(url)
    try:
        for i, (method, args, kwargs) in enumerate(
            crash_commands(epreuves_of(ledger, CRASH_ASSESSED_ON))
        ):
            getattr(ledger, method)(*args, **kwargs)
            print(i, flush=True)
    finally:
        ledger.close()
