"""Hypothesis strategies shared by the tests: dates, instants and whole candidate streams."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ledger.rules import add_years
from tests.projections.streams import ALL_COMPETENCIES, BC01, BC02, BC03, BC04, TITLE, Stream

FIRST_DAY = date(2006, 3, 5)
"""The bundled referential applies from this day: no status can be asked before it."""

LAST_DAY = date(2045, 12, 31)

ROUTES = (
    "formation_initiale",
    "apprentissage",
    "formation_continue",
    "contrat_professionnalisation",
    "candidature_individuelle",
    "vae",
)
BLOCKS = (BC01, BC02, BC03, BC04)


def calendar_dates() -> st.SearchStrategy[date]:
    """Any real calendar date over three centuries (29 February included)."""
    return st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))


def ledger_dates(
    min_value: date = FIRST_DAY, max_value: date = LAST_DAY
) -> st.SearchStrategy[date]:
    """A day on which the bundled referential is in force."""
    return st.dates(min_value=min_value, max_value=max_value)


def instants(
    min_value: datetime = datetime(2006, 1, 1), max_value: datetime = datetime(2046, 1, 1)
) -> st.SearchStrategy[datetime]:
    """An aware UTC instant (to say what the ledger knew then)."""
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=st.just(UTC))


def competency_sets(max_size: int = 8) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(ALL_COMPETENCIES), max_size=max_size, unique=True).map(tuple)


OPERATIONS = (
    "decide",
    "decide",
    "decide",
    "rectify",
    "annul",
    "issue",
    "issue",
    "revoke",
    "reinstate",
    "reissue",
    "change_route",
    "withdraw",
    "reenroll",
)


@st.composite
def candidate_streams(draw: st.DrawFn, max_operations: int = 12) -> Stream:
    """A consistent candidate stream: enrolment, then decisions, corrections, certificates
    (revoked, reinstated, reissued), route changes, withdrawals and re-enrolments, recorded
    in time order.

    Each fact is recorded some time after the one before and takes effect on a day between
    what it refers to (the enrolment, its decision, its certificate) and the day it is
    recorded, so that facts recorded late are common.
    """
    enrolled = draw(ledger_dates(date(2006, 3, 5), date(2020, 12, 31)))
    candidate = Stream(candidate="V1")
    now = datetime.combine(enrolled, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    candidate.enroll(enrolled, route=draw(st.sampled_from(ROUTES)), at_=now)

    decisions: dict[str, date] = {}
    annulled: set[str] = set()
    awards: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}
    certificates: dict[str, date] = {}
    revoked: dict[str, date] = {}
    reinstated: dict[str, date] = {}
    """A certificate's last reinstatement: a new revocation is dated no earlier (rule 7)."""

    def effective(since: date) -> date:
        return draw(st.dates(min_value=since, max_value=max(since, now.date())))

    for n in range(draw(st.integers(0, max_operations))):
        now += timedelta(minutes=draw(st.integers(1, 400 * 24 * 60)))
        operation = draw(st.sampled_from(OPERATIONS))
        if operation == "decide":
            validated = draw(competency_sets())
            blocks = tuple(draw(st.lists(st.sampled_from(BLOCKS), max_size=2, unique=True)))
            title = draw(st.booleans())
            decision = candidate.decide(
                f"J{n}",
                effective(enrolled),
                validated=validated,
                blocks=blocks,
                title=title,
                route=draw(st.sampled_from(ROUTES)),
                at_=now,
            )
            decisions[decision] = candidate.facts[-1].effective_on
            awards[decision] = (validated, blocks, title)
        elif operation in ("rectify", "annul") and decisions:
            decision = draw(st.sampled_from(sorted(decisions)))
            if operation == "annul":
                candidate.annul(decision, effective(decisions[decision]), at_=now)
                annulled.add(decision)
            else:
                changes = _changes(draw)
                candidate.rectify(decision, changes, effective(decisions[decision]), at_=now)
                validated, blocks, title = awards[decision]
                awards[decision] = (
                    tuple(changes.get("validated", validated)),
                    tuple(changes.get("blocks_awarded", blocks)),
                    changes.get("title_awarded", title),
                )
        elif operation == "issue" and decisions:
            decision = draw(st.sampled_from(sorted(decisions)))
            kind, subject = _subject(draw, awards[decision])
            number = f"N{n:03d}"
            candidate.issue(number, decision, kind, subject, effective(decisions[decision]), now)
            certificates[number] = candidate.facts[-1].effective_on
        elif operation == "revoke" and set(certificates) - set(revoked):
            number = draw(st.sampled_from(sorted(set(certificates) - set(revoked))))
            since = max(certificates[number], reinstated.get(number, certificates[number]))
            candidate.revoke(number, effective(since), at_=now)
            revoked[number] = candidate.facts[-1].effective_on
        elif operation == "reinstate" and revoked:
            number = draw(st.sampled_from(sorted(revoked)))
            candidate.reinstate(number, effective(revoked.pop(number)), at_=now)
            reinstated[number] = candidate.facts[-1].effective_on
        elif operation == "reissue" and certificates:
            original = draw(st.sampled_from(sorted(certificates)))
            number = f"N{n:03d}"
            candidate.reissue(number, original, effective(certificates[original]), at_=now)
            certificates[number] = candidate.facts[-1].effective_on
        elif operation == "change_route":
            candidate.change_route(draw(st.sampled_from(ROUTES)), effective(enrolled), at_=now)
        elif operation == "withdraw":
            candidate.withdraw(effective(enrolled), at_=now)
        elif operation == "reenroll":
            candidate.reenroll(draw(st.sampled_from(ROUTES)), effective(enrolled), at_=now)
    return candidate


def _changes(draw: st.DrawFn) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if draw(st.booleans()):
        changes["validated"] = list(draw(competency_sets()))
    if draw(st.booleans()):
        changes["blocks_awarded"] = draw(st.lists(st.sampled_from(BLOCKS), max_size=2, unique=True))
    if draw(st.booleans()):
        changes["title_awarded"] = draw(st.booleans())
    return changes


def _subject(
    draw: st.DrawFn, award: tuple[tuple[str, ...], tuple[str, ...], bool]
) -> tuple[str, str]:
    validated, blocks, title = award
    choices = [("competency", c) for c in validated] + [("block", b) for b in blocks]
    if title:
        choices.append(("title", TITLE))
    return draw(st.sampled_from(choices or [("title", TITLE)]))


def days_around(candidate: Stream) -> st.SearchStrategy[date]:
    """A day to ask about: any day, or one next to a date that matters in this stream (an
    effective date, or the end of a five-year window starting on one)."""
    marks: set[date] = set()
    for fact in candidate.facts:
        for day in (fact.effective_on, add_years(fact.effective_on, 5)):
            marks.update(day + timedelta(days=shift) for shift in (-1, 0, 1))
    near = sorted(d for d in marks if FIRST_DAY <= d <= LAST_DAY)
    return st.one_of(ledger_dates(), st.sampled_from(near))


def instants_around(candidate: Stream) -> st.SearchStrategy[datetime]:
    """An instant to know at: any, or one next to when a fact of this stream was recorded."""
    step = timedelta(microseconds=1)
    marks = sorted(
        {f.recorded_at + shift for f in candidate.facts for shift in (-step, timedelta(0), step)}
    )
    return st.one_of(instants(), st.sampled_from(marks))
