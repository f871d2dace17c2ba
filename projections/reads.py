"""The reads a registrar or an auditor asks of a ledger: the two time axes, a candidate's
status (or why there is none), its explanation and history, and the list of candidates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.queries import not_found_at
from ledger.rules import CodesInForce
from projections.explain import explain, sessions_named
from projections.history import history
from projections.status import CandidateStatus, candidate_status

if TYPE_CHECKING:
    from ledger.application import Ledger
    from projections.view_store import Listed


class Axes(NamedTuple):
    """The date looked at, and the instant (or log position) the ledger is read as known at."""

    day: date
    instant: datetime | None
    position: int | None


def axes(ledger: Ledger, as_of: date | None, known_at: datetime | int | None) -> Axes:
    """The two time axes: today and now unless given; `known_at` an instant or `@N`."""
    day = as_of or ledger.clock.today()
    if isinstance(known_at, int):
        return Axes(day, None, known_at)
    return Axes(day, known_at or ledger.clock.now(), None)


def load_status(
    ledger: Ledger, candidate_id: str, as_of: date | None, known_at: datetime | int | None
) -> CandidateStatus:
    """A candidate's status through the pure projection; a clear error when there is none."""
    day, instant, position = axes(ledger, as_of, known_at)
    facts = ledger.queries.candidate_facts(candidate_id)
    status = candidate_status(
        facts, ledger.queries.versions(), as_of=day, known_at=instant, position=position
    )
    if status is None:
        raise not_found_at(candidate_id, facts, day, instant, position)
    return status


def explain_candidate(
    ledger: Ledger, candidate_id: str, as_of: date | None, known_at: datetime | int | None
) -> tuple[CandidateStatus, dict[str, Any]]:
    """A candidate's status and its explanation (the events and rules behind each item)."""
    status = load_status(ledger, candidate_id, as_of, known_at)
    _, instant, position = axes(ledger, as_of, known_at)
    sessions = ledger.queries.convenings(sorted(sessions_named(status)))
    versions = ledger.queries.versions().known_at(instant, position)
    return status, explain(status, versions, sessions)


def candidate_history(ledger: Ledger, candidate_id: str) -> list[dict[str, Any]]:
    """Every event about a candidate, whatever stream holds it, in recording order."""
    return history(ledger.queries.history_facts(candidate_id))


def list_candidates(
    ledger: Ledger,
    day: date,
    state: str | None = None,
    route: str | None = None,
    block: str | None = None,
) -> list[Listed]:
    """The candidates enrolled on `day`, filtered by state, route or block (rule 1 on the
    codes): from the status view, caught up first; a read-only session replays instead."""
    codes = CodesInForce(ledger.queries.versions(), day)
    wanted_block = codes.block(block).code if block is not None else None
    if route is not None:
        codes.route(route)
    if not ledger.read_only:
        from projections.view_store import StatusViewRunner, open_view

        view = open_view(ledger)
        StatusViewRunner(ledger, view).catch_up()
        return view.listing(day, state, route, wanted_block)
    from projections.replay import replay
    from projections.view_store import Listed

    found = []
    for s in replay(
        ledger.queries.scan_candidates(), ledger.queries.versions(), as_of=day, known_at=None
    ):
        blocks = tuple(sorted(b.code for b in s.blocks if b.counts))
        if (state and s.state != state) or (route and s.route != route):
            continue
        if wanted_block and wanted_block not in blocks:
            continue
        found.append(
            Listed(
                s.candidate,
                s.state,
                s.route,
                s.counting_competencies,
                blocks,
                s.state == "certified",
            )
        )
    return sorted(found, key=lambda listed: listed.candidate)
