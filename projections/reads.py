"""The reads a registrar or an auditor asks of a ledger: the two time axes, a candidate's
status (or why there is none), its explanation and history, and the list of candidates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.i18n import _
from ledger.queries import not_found_at
from ledger.rules import CodesInForce
from projections.explain import explain, sessions_named
from projections.history import history
from projections.status import CandidateStatus, candidate_status

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.facts import Fact
    from ledger.integrity import Verification
    from projections.audit import Audit, Spool
    from projections.replay import Change
    from projections.statistics import YearRouteStatistics
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
    ledger: Ledger,
    candidate_id: str,
    as_of: date | None,
    known_at: datetime | int | None,
    *,
    personal: bool = True,
) -> CandidateStatus:
    """A candidate's status through the pure projection; a clear error when there is none
    (without `personal`, the personal data stays sealed: the status alone does not need it)."""
    day, instant, position = axes(ledger, as_of, known_at)
    facts = ledger.queries.candidate_facts(candidate_id, personal=personal)
    status = candidate_status(
        facts, ledger.queries.versions(), as_of=day, known_at=instant, position=position
    )
    if status is None:
        raise not_found_at(candidate_id, facts, day, instant, position)
    return status


def status_warnings(
    ledger: Ledger, status: CandidateStatus, known_at: datetime | int | None
) -> list[str]:
    """What the registrar should know about a candidate still working toward an award: the
    fiche's registration has ended, so no block or title can be awarded any more (rule 6)."""
    if status.state not in ("enrolled", "in_progress"):
        return []
    _, instant, position = axes(ledger, status.as_of, known_at)
    versions = ledger.queries.versions().known_at(instant, position)
    return versions.registration_warnings(status.as_of, status.dossier.enrolled_on())


def cpf_standing(
    ledger: Ledger, status: CandidateStatus, known_at: datetime | int | None
) -> list[dict[str, Any]]:
    """Where each title award of the status stands with the Caisse des Dépôts, as the ledger
    knew it: not sent, awaiting an answer, accepted, refused (with its message), or to send
    again (its file refused whole); and a title rectified away after it was sent, which the
    Caisse still holds and the flow cannot withdraw: to withdraw (by hand, as the audit
    says)."""
    titles = [
        decision
        for decision in status.dossier.live_decisions()
        if decision.on <= status.as_of and (decision.title or decision.title_removed_on is not None)
    ]
    if not titles:
        return []
    from ledger.standing import id_technique, standing_of

    _, instant, position = axes(ledger, status.as_of, known_at)
    facts = [f for f in ledger.queries.transmission_facts() if f.known_at(instant, position)]
    standing = standing_of(facts)
    found = []
    for decision in titles:
        passage = id_technique(decision.id)
        if not decision.title and passage not in standing.last:
            continue  # rectified away before it was ever sent: nothing to withdraw
        answer = standing.answers.get(passage)
        found.append(
            {
                "decision": decision.id,
                "id_technique": passage,
                "state": standing.state(passage) if decision.title else "to_withdraw",
                "flow": standing.last.get(passage),
                "message": answer.message if answer is not None and answer.message else None,
            }
        )
    return found


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
    warn: Callable[[str], None] | None = None,
) -> list[Listed]:
    """The candidates enrolled on `day`, filtered by state, route or block (rule 1 on the
    codes): from the status view, caught up first; a read-only session replays instead, and
    so does any session whose view's file cannot be read (`warn` is told)."""
    codes = CodesInForce(ledger.queries.versions(), day)
    wanted_block = codes.block(block).code if block is not None else None
    if route is not None:
        codes.route(route)
    if not ledger.read_only:
        from projections.view_store import BrokenView, StatusViewRunner, open_view

        try:
            view = open_view(ledger)
        except BrokenView as e:
            if warn is not None:
                warn(_("{problem}; listed from the events meanwhile").format(problem=e))
            view = None
        if view is not None:
            try:
                StatusViewRunner(ledger, view).catch_up()
                return view.listing(day, state, route, wanted_block)
            except Exception as e:
                # A role that may read the ledger but not keep its view: replay instead.
                if not ledger.events.dialect.is_permission_error(e):
                    raise
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


def under_referential(
    ledger: Ledger,
    path: Path,
    start: date | None,
    day: date,
    instant: datetime | None,
    position: int | None,
) -> tuple[date, Iterator[Change]]:
    """Who would gain or lose a block or the title on `day` had the referential file at `path`
    applied from `start` (default: the first version's date): a dry run, nothing written."""
    from ledger.referential import read_referential_file, sha256
    from projections.replay import compare, under

    text, ref = read_referential_file(path)
    versions = ledger.queries.versions()
    known = versions.known_at(instant, position)
    begins = start or known.all[0].effective_from
    alternative = under(known, ref, sha256(text), begins)
    changes = compare(
        ledger.queries.scan_candidates(),
        versions,
        alternative,
        as_of=day,
        known_at=instant,
        position=position,
    )
    return begins, changes


def replay_statuses(
    ledger: Ledger,
    store: str,
    day: date,
    instant: datetime | None,
    position: int | None,
    kind: str,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every candidate's status on `day` as documents (`kind` "json": the status JSON; "row":
    one flat row), in one streaming pass or shared between `jobs` processes (same order);
    `progress` counts the candidate streams read."""
    from projections.replay import replay, status_row

    if jobs > 1:
        from projections.parallel import replayed

        return replayed(store, jobs, day, instant, position, kind, progress)
    statuses = replay(
        ledger.queries.scan_candidates(progress=progress),
        ledger.queries.versions(),
        as_of=day,
        known_at=instant,
        position=position,
    )
    return (s.as_json() if kind == "json" else status_row(s) for s in statuses)


def audit_report(
    ledger: Ledger,
    start: date | None,
    end: date | None,
    wait_days: int = 30,
    spool: Spool | None = None,
    progress: Callable[[int], None] | None = None,
) -> Audit:
    """The registrar's audit of the decisions and facts dated in [start, end]."""
    from projections.audit import audit

    return audit(
        ledger.queries.scan_candidates(personal=True),
        ledger.queries.conveners(),
        ledger.queries.transmission_facts(),
        ledger.queries.versions(),
        start=start,
        end=end,
        today=ledger.clock.today(),
        wait_days=wait_days,
        spool=spool,
        progress=progress,
    )


def verify_ledger(
    ledger: Ledger,
    published: str | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    aside: tuple[str, Path | None] | None = None,
) -> Verification:
    """`verify`: the store against its chain, head and keys (`ledger.integrity`), and the
    status view against the events; `progress` counts the events read. With `aside` (the
    store's address and key file), the view is checked in a second process meanwhile
    (`projections/parallel.py`): the same findings, in the time of the longer of the two; if
    that process cannot start, ends without its findings or fails, the view is checked here
    (the same findings, or the same error, as in one process)."""
    from ledger.integrity import verify_store

    result: Verification | None = None
    found: tuple[list[tuple[str, str, str]], list[str]] | None = None
    if aside is not None:
        from projections.parallel import HelperLost, checking_view_aside

        try:
            with checking_view_aside(*aside) as findings:
                result = verify_store(ledger.events, published, progress)
                found = findings()
        except HelperLost:
            pass  # no second process to be had: the view is checked here after all
        except Exception:
            if result is None:
                raise  # the chain's own check failed
            # The helper failed where this process may not (no connection left for it, say):
            # the view is checked here, its error, if it has one, the command's as with one
            # process.
    if result is None:
        result = verify_store(ledger.events, published, progress)
    problems, notes = found if found is not None else view_findings(ledger)
    for problem in problems:
        result.problem(*problem)
    result.notes.extend(notes)
    return result


def view_findings(ledger: Ledger) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Where the status view disagrees with the events (each `(where, problem, detail)`),
    and the notes on what could not be checked."""
    from ledger.exceptions import FACT_ERRORS, MalformedEvent
    from projections.view_store import BrokenView, check_view, open_view

    try:
        view = open_view(ledger)
    except BrokenView as e:
        return [("status view", "unreadable", str(e))], []
    if view is None:
        return [], [_("no status view to check")]
    problems = []
    try:
        for candidate, detail in check_view(ledger, view):
            problems.append((candidate, "view", detail))
    except BrokenView as e:
        return [*problems, ("status view", "unreadable", str(e))], []
    except (MalformedEvent, *FACT_ERRORS) as e:  # an edited event: the store's check names it
        why = str(e) if isinstance(e, MalformedEvent) else f"{type(e).__name__}: {e}"
        return problems, [_("the status view was not checked: {why}").format(why=why)]
    except Exception as e:
        if not ledger.events.dialect.is_permission_error(e):
            raise
        return problems, [_("the status view was not checked: this role may not read it")]
    return problems, []


def statistics(
    ledger: Ledger,
    known_at: datetime | int | None,
    year: int | None = None,
    watch: Callable[[Iterator[list[Fact]]], Iterator[list[Fact]]] | None = None,
) -> list[YearRouteStatistics]:
    """The yearly statistics as the ledger held them at `known_at`, with where each title
    stood with the Caisse des Dépôts then; `watch` sees the candidates stream by (a progress
    bar)."""
    from ledger.standing import standing_of
    from projections.statistics import yearly_statistics

    _, instant, position = axes(ledger, None, known_at)
    facts = [f for f in ledger.queries.transmission_facts() if f.known_at(instant, position)]
    streams = ledger.queries.scan_candidates()
    return yearly_statistics(
        watch(streams) if watch is not None else streams,
        ledger.queries.versions(),
        known_at=instant,
        position=position,
        year=year,
        standing=standing_of(facts),
    )
