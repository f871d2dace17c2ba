"""The ledger driven by a state machine, with a plain model alongside (DOMAIN.md §3-§5).

Every command is first judged by the model; the ledger must record exactly what the model
allows and refuse the rest without writing anything. After every step, small invariants
compare the ledger's reads (the pure status, the materialised view, the streaming replay,
the past as known at an instant) with each other and with the model.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore
from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ledger.application import Ledger
from ledger.clock import FixedClock
from ledger.exceptions import LedgerError
from ledger.facts import Fact
from ledger.referential import default_referential_text
from projections.replay import replay
from projections.status import CandidateStatus, candidate_status
from projections.view_store import StatusView, StatusViewRunner, open_view
from tests.builders import FIVE, IDENTITY, NOW, PRESIDENT, SIX
from tests.stateful.model import (
    ALL,
    COMPETENCY_CERTIFICATES,
    EPREUVES,
    JURY_ROLES,
    TITLE_REQUIRED,
    TODAY,
    Certificate,
    Decision,
    Model,
    Person,
    Session,
    normalised,
    official,
    route_open,
)
from tests.stores import all_tables

CANDIDATES = ("A1", "A2", "A3")
SESSIONS = ("J1", "J2", "J3", "J4", "J5", "J6")
OPEN_ROUTES = ("formation_continue", "formation_initiale", "vae")
ROUTES = (*OPEN_ROUTES, "apprentissage")
"""The routes the machine puts candidates on: apprentissage is closed (rule 12)."""
DAYS = (date(2016, 1, 1), date(2017, 6, 30), date(2019, 12, 31), date(2023, 1, 1), TODAY)
"""The as-of dates every invariant looks at, before, during and long after the decisions."""

STEP = timedelta(seconds=3)
BY = "machine"
DEROGATIONS = ("jury minutes, p. 3", "appeal board ruling")
NUMBERS = ("X-1", "RNCP13080-2017-00001", "RNCP13080-2018-00002")
"""Certificate numbers given by hand; two of them collide with what a register hands out."""
REQUEST_IDS = ("R1", "R2")
TECHNICIAN = SIX[-1][0]
LINKABLE = (TECHNICIAN, "tom  GRIS", "Zoe Rose")
"""People a candidate may be linked to: the VAE juries' technicien (spelt two ways), and
someone who sits on no jury."""
VERSIONS = {"2017.7y": 7, "2018.3y": 3, "2019.6y": 6}
"""Referential versions the machine may publish: the bundled one with other validity years."""

BATCHABLE = {
    "enroll_another": "room_to_enroll",
    "record_assessment": "anyone",
    "replay_assessment": "any_request",
    "withdraw": "anyone",
    "change_route": "anyone",
    "record_decision": "sittings",
    "record_decision_as_proposed": "sittings",
    "rectify_decision": "live_decisions",
    "annul_decision": "live_decisions",
    "issue_certificate": "certifiable",
    "revoke_certificate": "anything_certified",
    "reinstate_certificate": "anything_certified",
    "reissue_certificate": "anything_certified",
    "publish_referential": "versions_left",
}
"""The commands a batch may run, each with the method that says whether it can run now."""


def days(first: date, last: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=first, max_value=min(last, TODAY))


def around(day: date, before: int, after: int) -> st.SearchStrategy[date]:
    """A day near `day`: mostly on or after it (up to today), sometimes (wrongly) before it
    or after today."""
    return st.integers(0, 7).flatmap(
        lambda n: (
            days(day, day + timedelta(days=after))
            if n < 6
            else days(day - timedelta(days=before), day - timedelta(days=1))
            if n == 6
            else st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=30))
        )
    )


def mostly(preferred: list[str], others: list[str]) -> st.SearchStrategy[str]:
    """One of `preferred` most of the time (when there are any), else any of `others`."""
    if not preferred:
        return st.sampled_from(others)
    return st.integers(0, 4).flatmap(
        lambda n: st.sampled_from(preferred) if n < 4 else st.sampled_from(others)
    )


def referential_text(version: str) -> str:
    text = default_referential_text().replace('version = "2006.1"', f'version = "{version}"')
    return text.replace("validity_years = 5", f"validity_years = {VERSIONS[version]}")


class Abandoned(Exception):
    """Raised inside a batch to give it up: nothing of it may be written."""


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="certledger-machine-"))
        self.clock = FixedClock(NOW)
        self.ledger = Ledger(str(self.folder / "ledger.db"), clock=self.clock, create=True)
        self.ledger.initialise(by=BY)
        view = open_view(self.ledger, create=True)
        assert view is not None
        self.view = view
        self.runner = StatusViewRunner(self.ledger, self.view)
        self.rebuilt = StatusView(SQLiteDatastore(str(self.folder / "rebuilt.views.db")))
        self.rebuilt.create_table()
        self.model = Model()
        self.known: list[tuple[datetime, int, dict[str, dict[str, Any]]]] = []
        """After each recorded command: its instant, the log position, and every status as of
        today as known then."""
        self.batching = False
        self.checked_at: dict[str, int] = {}
        """The log position at which each invariant that reads only the store last ran."""
        self._facts: dict[str, list[Fact]] = {}
        self._statuses: dict[tuple[Any, ...], CandidateStatus | None] = {}
        self._read_at = -1
        self._candidates: list[str] = []

    def teardown(self) -> None:
        self.ledger.close()
        self.view.datastore.close()
        self.rebuilt.datastore.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # Driving the ledger.

    def position(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def attempt(
        self,
        what: str,
        refusal: str | None,
        command: Callable[[], dict[str, Any]],
        replay: bool = False,
    ) -> dict[str, Any] | None:
        """Run a command a few seconds after the last one; the ledger must refuse it exactly
        when the model does, by the rule the model names ("rule N: ..."; a refusal that
        names none is not a rule violation), and a refusal (or a replayed request) must
        write nothing in any table."""
        self.clock.set(self.clock.current + STEP)
        before = self.position()
        tables = all_tables(self.ledger.store) if refusal is not None or replay else None
        try:
            result = command()
        except LedgerError as error:
            note(f"{what} -> refused: {error} (model: {refusal})")
            assert refusal is not None, f"{what} was refused, the model allows it: {error}"
            expected = re.match(r"rule (\d+):", refusal)
            assert getattr(error, "rule", None) == (int(expected[1]) if expected else None), (
                f"{what} was refused by another rule than the model's ({refusal}): {error}"
            )
            assert all_tables(self.ledger.store) == tables, f"{what} was refused but wrote"
            return None
        note(f"{what} -> {result}")
        assert refusal is None, f"{what} was recorded, the model refuses it: {refusal}"
        if replay:
            assert result.get("replayed") is True
            assert all_tables(self.ledger.store) == tables, f"{what} was a replay but wrote"
            return None
        self.model.log.append((self.clock.current, what))
        if not self.batching:
            assert self.position() > before
            self.remember()
        return result

    def remember(self) -> None:
        """What every candidate's status is as of today, as known now."""
        now, position = self.clock.current, self.position()
        self.known.append((now, position, self.statuses_known_at(now)))

    # Reading the ledger.

    def fresh(self) -> None:
        """Forget what was read from the ledger once it has written something since."""
        if self._read_at != self.position():
            self._facts, self._statuses, self._read_at = {}, {}, self.position()
            self._candidates = self.ledger.candidate_ids()

    def written_since(self, check: str) -> bool:
        """Whether the store changed since invariant `check` last looked (nothing else does)."""
        if self.checked_at.get(check) == self.position():
            return False
        self.checked_at[check] = self.position()
        return True

    def facts(self, candidate: str) -> list[Fact]:
        self.fresh()
        if candidate not in self._facts:
            self._facts[candidate] = self.ledger.candidate_facts(candidate)
        return self._facts[candidate]

    def status(
        self,
        candidate: str,
        as_of: date,
        known_at: datetime | None = None,
        position: int | None = None,
    ) -> CandidateStatus | None:
        self.fresh()
        key = (candidate, as_of, known_at, position)
        if key not in self._statuses:
            self._statuses[key] = candidate_status(
                self.facts(candidate),
                self.ledger.versions(),
                as_of=as_of,
                known_at=known_at,
                position=position,
            )
        return self._statuses[key]

    @staticmethod
    def plain(status: CandidateStatus) -> dict[str, Any]:
        return {k: v for k, v in status.as_json().items() if k != "known_at"}

    def statuses_known_at(
        self, instant: datetime | None, position: int | None = None
    ) -> dict[str, dict[str, Any]]:
        found = {}
        self.fresh()
        for candidate in self._candidates:
            status = self.status(candidate, TODAY, instant, position)
            if status is not None:
                found[candidate] = self.plain(status)
        return found

    def boundaries(self) -> list[date]:
        """DAYS, the days on which something starts or ends, and the days before them."""
        edges = set(DAYS)
        for decision in self.model.decisions.values():
            until = self.model.until(decision)
            edges |= {decision.on, *([until] if until else [])}
        for person in self.model.candidates.values():
            edges |= {on for on, _, _ in (*person.placements, *person.presences)}
        for certificate in self.model.certificates.values():
            edges |= {certificate.issued_on, *filter(None, [certificate.revoked_on])}
        edges |= {on - timedelta(days=1) for on in edges}
        return sorted(d for d in edges if d <= TODAY)

    # What can run now (preconditions, also for the commands of a batch).

    def room_to_enroll(self) -> bool:
        return len(self.model.candidates) < len(CANDIDATES)

    def anyone(self) -> bool:
        return bool(self.model.candidates)

    def any_request(self) -> bool:
        return bool(self.model.requests)

    def sittings(self) -> list[str]:
        """`candidate/session` pairs with no decision yet, where the session may decide about
        the candidate (rules 2, 3 and 8)."""
        return [
            f"{c}/{s}"
            for c, person in self.model.candidates.items()
            for s, session in self.model.sessions.items()
            if session.sits_on <= TODAY
            and person.active_on(session.sits_on)
            and f"{c}/{s}" not in self.model.decisions
            and not person.linked_on(session.sits_on) & {normalised(n) for n in session.names}
            and set(JURY_ROLES) <= session.roles
            and (person.route_on(session.sits_on) != "vae" or "technicien" in session.roles)
        ]

    def live_decisions(self) -> list[str]:
        return sorted(d.id for d in self.model.decisions.values() if not d.annulled)

    def awarded(self, decision: Decision) -> list[str]:
        """The certificates a decision's awards still call for (a few of its competencies)."""
        competencies = decision.validated[:4] if decision.route in COMPETENCY_CERTIFICATES else ()
        issued = {
            (c.kind, c.subject)
            for c in self.model.certificates.values()
            if c.decision == decision.id
        }
        return [
            kind
            for kind in (
                *(["title"] if decision.title else []),
                *(f"block:{b[-4:]}" for b in decision.blocks),
                *(f"competency:{c}" for c in competencies),
            )
            if self.model.subject_of(decision, kind) not in issued
        ]

    def certifiable(self) -> list[str]:
        return sorted(
            d.id for d in self.model.decisions.values() if self.awarded(d) and not d.annulled
        )

    def versions_left(self) -> bool:
        return len(self.model.versions) <= len(VERSIONS)

    def anything_certified(self) -> bool:
        return bool(self.model.certificates)

    def revoked_certificates(self) -> list[str]:
        return sorted(n for n, c in self.model.certificates.items() if c.revoked_on is not None)

    def held_certificates(self) -> list[str]:
        return sorted(
            n for n in self.model.certificates if self.model.certificate_state(n, TODAY) == "held"
        )

    # Candidates.

    @initialize(
        candidate=st.sampled_from(CANDIDATES),
        route=st.sampled_from(OPEN_ROUTES),
        on=days(date(2016, 1, 1), date(2017, 6, 30)),
        linked=st.integers(0, 4).map(lambda n: n == 0),
        sits_on=days(date(2017, 7, 1), date(2019, 12, 31)),
        vae_jury=st.booleans(),
        passed=st.lists(st.sampled_from(sorted(EPREUVES)), unique=True),
    )
    def start(
        self,
        candidate: str,
        route: str,
        on: date,
        linked: bool,
        sits_on: date,
        vae_jury: bool,
        passed: list[str],
    ) -> None:
        """A candidate on file, a jury convened, some épreuves passed in full."""
        self.enroll(candidate, route, on, linked)
        self.convene_jury("J1", sits_on, list(SIX if vae_jury else FIVE), PRESIDENT)
        for epreuve in passed:
            self.assess(candidate, epreuve, on, list(EPREUVES[epreuve]), None)

    @precondition(lambda self: self.room_to_enroll())
    @rule(data=st.data())
    def enroll_another(self, data: st.DataObject) -> None:
        new = [c for c in CANDIDATES if c not in self.model.candidates]
        candidate = data.draw(mostly(new, list(CANDIDATES)), label="candidate")
        route = data.draw(st.sampled_from(ROUTES), label="route")
        on = data.draw(
            st.one_of(
                days(date(2016, 1, 1), date(2017, 12, 31)),
                days(date(2007, 9, 1), date(2008, 2, 28)),
            ),
            label="on",
        )
        linked = data.draw(st.integers(0, 4).map(lambda n: n == 0), label="linked")
        self.enroll(candidate, route, on, linked)

    def enroll(self, candidate: str, route: str, on: date, linked: bool) -> None:
        """Enrol, sometimes declaring the VAE juries' technicien as linked to the candidate."""
        persons = (TECHNICIAN,) if linked else ()
        refusal = (
            "rule 12: the route is not open that day"
            if not route_open(route, on)
            else "enrolled already"
            if candidate in self.model.candidates
            else None
        )
        done = self.attempt(
            f"enroll {candidate} on {route} on {on} (linked: {persons})",
            refusal,
            lambda: self.ledger.enroll(
                candidate,
                route=route,
                on=on,
                identity=IDENTITY,
                linked_persons=persons,
                by=BY,
            ),
        )
        if done:
            self.model.candidates[candidate] = Person(
                enrolled_on=on,
                linked=[(on, name) for name in persons],
                placements=[(on, self.model.commands, route)],
                presences=[(on, self.model.commands, "enrolled")],
            )

    @precondition(lambda self: self.anyone())
    @rule(data=st.data(), name=st.sampled_from(LINKABLE))
    def link_person(self, data: st.DataObject, name: str) -> None:
        candidate = data.draw(st.sampled_from(sorted(self.model.candidates)), label="candidate")
        person = self.model.candidates[candidate]
        on = data.draw(around(person.enrolled_on, 60, 1400), label="on")
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "rule 2: before the enrolment"
            if on < person.enrolled_on
            else "linked already"
            if any(normalised(n) == normalised(name) for _, n in person.linked)
            else None
        )
        done = self.attempt(
            f"link {name!r} to {candidate} on {on}",
            refusal,
            lambda: self.ledger.link_person(
                candidate, name=name, relation="accompanist", on=on, by=BY
            ),
        )
        if done:
            person.linked.append((on, name))

    @rule(data=st.data())
    def record_assessment(self, data: st.DataObject) -> None:
        candidate = data.draw(mostly(sorted(self.model.candidates), list(CANDIDATES)))
        epreuve = data.draw(st.sampled_from(sorted(EPREUVES)), label="epreuve")
        on = data.draw(days(date(2016, 1, 1), date(2019, 12, 31)), label="on")
        assessed = EPREUVES[epreuve]
        passed = data.draw(st.lists(st.sampled_from(assessed), unique=True), label="passed")
        request_id = data.draw(st.sampled_from([None, None, None, None, *REQUEST_IDS]))
        self.assess(candidate, epreuve, on, passed, request_id)

    @precondition(lambda self: self.any_request())
    @rule(data=st.data())
    def replay_assessment(self, data: st.DataObject) -> None:
        """Send an assessment again under the same idempotency key: nothing new is written."""
        request_id = data.draw(st.sampled_from(sorted(self.model.requests)), label="request")
        candidate, epreuve, on, passed = self.model.requests[request_id]
        self.assess(candidate, epreuve, on, list(passed), request_id)  # type: ignore[arg-type]

    def assess(
        self, candidate: str, epreuve: str, on: date, passed: list[str], request_id: str | None
    ) -> None:
        """Record an assessment, sometimes under an idempotency key (rule 9)."""
        failed = [c for c in EPREUVES[epreuve] if c not in passed]
        content = (candidate, epreuve, on, tuple(passed))
        earlier = self.model.requests.get(request_id) if request_id else None
        person = self.model.candidates.get(candidate)
        refusal = (
            "rule 9: the request id was used with other content"
            if earlier is not None and earlier != content
            else None
            if earlier is not None
            else "no such candidate"
            if person is None
            else None
            if person.active_on(on)
            else "rule 2: not enrolled on that day"
        )
        done = self.attempt(
            f"assess {candidate} at {epreuve} on {on}: passed {passed} (request {request_id})",
            refusal,
            lambda: self.ledger.record_assessment(
                candidate,
                epreuve=epreuve,
                on=on,
                passed=passed,
                failed=failed,
                by=BY,
                request_id=request_id,
            ),
            replay=earlier is not None,
        )
        if done and person:
            person.assessments.append((on, frozenset(passed)))
            if request_id:
                self.model.requests[request_id] = content

    @precondition(lambda self: self.anyone())
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """Mostly someone still enrolled, mostly after their last enrolment or withdrawal."""
        active = [c for c, p in self.model.candidates.items() if max(p.presences)[2] != "withdrew"]
        candidate = data.draw(mostly(active, sorted(self.model.candidates)), label="candidate")
        person = self.model.candidates[candidate]
        on = data.draw(
            st.one_of(
                around(person.last_presence(), 60, 1500),
                days(date(2016, 1, 1), date(2020, 6, 30)),
            ),
            label="on",
        )
        later = [d.id for d in self.model.live(candidate) if d.on > on]
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "rule 2: not enrolled on that day"
            if not person.active_on(on)
            else "rule 10: before the last enrolment or withdrawal"
            if on < person.last_presence()
            else f"rule 10: decisions after it: {later}"
            if later
            else None
        )
        done = self.attempt(
            f"withdraw {candidate} on {on}",
            refusal,
            lambda: self.ledger.withdraw(candidate, on=on, reason="moved abroad", by=BY),
        )
        if done:
            person.presences.append((on, self.model.commands, "withdrew"))

    @precondition(
        lambda self: any("withdrew" in str(p.presences) for p in self.model.candidates.values())
    )
    @rule(data=st.data(), route=st.sampled_from(ROUTES))
    def reenroll(self, data: st.DataObject, route: str) -> None:
        withdrawn = [
            c for c, p in self.model.candidates.items() if max(p.presences)[2] == "withdrew"
        ]
        candidate = data.draw(mostly(withdrawn, sorted(self.model.candidates)), label="candidate")
        person = self.model.candidates[candidate]
        on = data.draw(around(person.last_presence(), 60, 900), label="on")
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "rule 12: the route is not open that day"
            if not route_open(route, on)
            else "rule 10: not withdrawn on that day"
            if person.presence_on(on) != "withdrew"
            else "rule 10: before the last enrolment or withdrawal"
            if on < person.last_presence()
            else None
        )
        done = self.attempt(
            f"re-enrol {candidate} on {route} on {on}",
            refusal,
            lambda: self.ledger.reenroll(candidate, route=route, on=on, by=BY),
        )
        if done:
            person.presences.append((on, self.model.commands, "reenrolled"))
            person.placements.append((on, self.model.commands, route))

    @precondition(lambda self: self.anyone())
    @rule(data=st.data())
    def change_route(self, data: st.DataObject) -> None:
        """Mostly to another route, on a day the candidate is enrolled."""
        candidate = data.draw(st.sampled_from(sorted(self.model.candidates)), label="candidate")
        person = self.model.candidates[candidate]
        on = data.draw(
            st.one_of(
                around(person.last_presence(), 60, 1000),
                days(date(2016, 1, 1), date(2019, 12, 31)),
            ),
            label="on",
        )
        current = person.route_on(on)
        route = data.draw(mostly([r for r in ROUTES if r != current], list(ROUTES)), label="route")
        later = [d.id for d in self.model.live(candidate) if d.on >= on]
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "rule 12: the route is not open that day"
            if not route_open(route, on)
            else "rule 2: not enrolled on that day"
            if not person.active_on(on)
            else "already on that route"
            if person.route_on(on) == route
            else f"rule 2: decisions on or after it: {later}"
            if later
            else None
        )
        done = self.attempt(
            f"change {candidate}'s route to {route} on {on}",
            refusal,
            lambda: self.ledger.change_route(candidate, route=route, on=on, by=BY),
        )
        if done:
            person.placements.append((on, self.model.commands, route))

    @precondition(
        lambda self: any(
            "vae" in str(p.placements) and not p.admitted for p in self.model.candidates.values()
        )
    )
    @rule(data=st.data())
    def admit_vae(self, data: st.DataObject) -> None:
        vae = sorted(c for c, p in self.model.candidates.items() if "vae" in str(p.placements))
        candidate = data.draw(st.sampled_from(vae), label="candidate")
        person = self.model.candidates[candidate]
        on = data.draw(around(person.enrolled_on, 60, 900), label="on")
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "rule 2: not enrolled on that day"
            if not person.active_on(on)
            else "rule 4: not on the VAE route"
            if person.route_on(on) != "vae"
            else "admitted already"
            if person.admitted is not None
            else None
        )
        done = self.attempt(
            f"admit {candidate} to VAE on {on}",
            refusal,
            lambda: self.ledger.admit_vae(candidate, on=on, by=BY),
        )
        if done:
            person.admitted = on

    @precondition(lambda self: any(p.admitted for p in self.model.candidates.values()))
    @rule(data=st.data())
    def hold_vae_interview(self, data: st.DataObject) -> None:
        admitted = sorted(c for c, p in self.model.candidates.items() if p.admitted)
        candidate = data.draw(st.sampled_from(admitted), label="candidate")
        person = self.model.candidates[candidate]
        assert person.admitted is not None
        received = data.draw(around(person.admitted, 30, 400), label="livret 2 received")
        on = data.draw(
            days(received, received + timedelta(days=400))
            if received <= TODAY
            else st.just(received),
            label="interview",
        )
        refusal = (
            "rule 8: in the future"
            if max(on, received) > TODAY
            else "rule 2: not enrolled on that day"
            if not person.active_on(on)
            else "rule 4: not on the VAE route"
            if person.route_on(on) != "vae"
            else "rule 4: VAE steps out of order"
            if not person.admitted <= received <= on
            else None
        )
        done = self.attempt(
            f"hold {candidate}'s VAE interview on {on} (livret 2 received {received})",
            refusal,
            lambda: self.ledger.hold_vae_interview(
                candidate, on=on, livret2_received_on=received, by=BY
            ),
        )
        if done:
            person.interviews.append(on)

    # The referential.

    @precondition(lambda self: self.versions_left())
    @rule(data=st.data())
    def publish_referential(self, data: st.DataObject) -> None:
        """A new version of the rules, with other years of validity, from a day in the past."""
        published = {name for *_, name in self.model.versions}
        version = data.draw(mostly(sorted(set(VERSIONS) - published), sorted(VERSIONS)))
        on = data.draw(days(date(2016, 6, 1), date(2019, 12, 31)), label="effective from")
        done = self.attempt(
            f"publish referential {version} ({VERSIONS[version]} years) from {on}",
            "published already" if version in published else None,
            lambda: self.ledger.publish_referential(referential_text(version), on, by=BY),
        )
        if done:
            self.model.versions.append((on, self.model.commands, VERSIONS[version], version))

    # Juries and decisions.

    @precondition(lambda self: len(self.model.sessions) < len(SESSIONS))
    @rule(
        data=st.data(),
        on=st.integers(0, 5).flatmap(
            lambda n: (
                days(date(2016, 6, 1), date(2019, 12, 31))
                if n
                else st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=60))
            )
        ),
        jury=st.sampled_from(["five", "six", "five", "six", "incomplete"]),
        president=st.sampled_from([PRESIDENT, PRESIDENT, PRESIDENT, "Zoe Rose"]),
    )
    def convene_another_jury(
        self, data: st.DataObject, on: date, jury: str, president: str
    ) -> None:
        """A jury in the past, or convened in advance (rule 8's one exception): full, or
        lacking roles (a member fell ill), its president sometimes not among its members."""
        new = [s for s in SESSIONS if s not in self.model.sessions]
        session = data.draw(mostly(new, list(SESSIONS)), label="session")
        members = list(SIX if jury == "six" else FIVE)
        if jury == "incomplete":
            members = data.draw(
                st.lists(st.sampled_from(SIX), min_size=1, max_size=5, unique=True),
                label="members",
            )
        self.convene_jury(session, on, members, president)

    def convene_jury(
        self, session: str, on: date, members: list[tuple[str, str]], president: str
    ) -> None:
        names = {normalised(n) for n, _ in members}
        refusal = (
            "convened already"
            if session in self.model.sessions
            else "rule 3: the president is not a member"
            if normalised(president) not in names
            else None
        )
        done = self.attempt(
            f"convene {session} on {on}: {[r for _, r in members]}, president {president}",
            refusal,
            lambda: self.ledger.convene_jury(
                session, on=on, members=members, president=president, by=BY
            ),
        )
        if done:
            self.model.sessions[session] = Session(
                on, tuple(n for n, _ in members), frozenset(r for _, r in members), president
            )

    def draw_validated(self, data: st.DataObject, candidate: str, day: date) -> list[str]:
        """Competencies to validate: some or all of the backed ones, any, or nearly all 42."""
        backed = self.model.backed_codes(candidate, day)
        how = data.draw(
            st.sampled_from(["backed", "backed", "all backed", "any", "nearly all"]), label="how"
        )
        if how == "all backed":
            return backed
        if how == "nearly all":
            left_out = data.draw(st.lists(st.sampled_from(ALL), max_size=8, unique=True))
            return [c for c in ALL if c not in left_out]
        pool = backed if how == "backed" else list(ALL)
        if not pool:
            return []
        return data.draw(st.lists(st.sampled_from(pool), max_size=6, unique=True), label=how)

    def draw_sitting(self, data: st.DataObject) -> tuple[str, str, date]:
        """A candidate and a session, mostly one that may decide about them."""
        every = [f"{c}/{s}" for c in self.model.candidates for s in self.model.sessions]
        candidate, session = data.draw(mostly(self.sittings(), every), label="sitting").split("/")
        return candidate, session, self.model.sessions[session].sits_on

    @precondition(lambda self: self.sittings())
    @rule(data=st.data())
    def record_decision(self, data: st.DataObject) -> None:
        """Any decision: some backed competencies or not, any blocks, the title, a derogation."""
        candidate, session, day = self.draw_sitting(data)
        validated = self.draw_validated(data, candidate, day)
        eligible = self.model.eligible(self.model.counting(candidate, day) | set(validated))
        blocks = data.draw(
            st.one_of(
                st.just([b[-4:] for b in eligible]),
                st.lists(st.sampled_from(["BC01", "BC02"]), max_size=2, unique=True),
            ),
            label="blocks",
        )
        title = data.draw(st.sampled_from([False, False, True]), label="title")
        derogation = data.draw(st.sampled_from([None, None, *DEROGATIONS]), label="derogation")
        self.decide(candidate, session, day, validated, blocks, title, derogation)

    @precondition(lambda self: self.sittings())
    @rule(data=st.data())
    def record_decision_as_proposed(self, data: st.DataObject) -> None:
        """Ask `propose` what the evidence allows, check it with the model, and grant it all."""
        candidate, session, day = self.draw_sitting(data)
        person = self.model.candidates[candidate]
        try:
            proposal = self.ledger.propose(session, candidate)
        except LedgerError as error:
            note(f"propose {candidate} in {session} -> refused: {error}")
            assert not person.active_on(day), error
            return
        can_validate, blocks, title = self.model.proposal(candidate, day)
        note(f"propose {candidate} in {session} ({day}) -> {proposal.can_validate}")
        assert list(proposal.can_validate) == can_validate
        assert list(proposal.blocks_eligible) == blocks
        assert proposal.title_eligible == title
        title = title and not any(d.title for d in self.model.live(candidate))
        blocks = [b[-4:] for b in blocks]
        self.decide(candidate, session, day, list(proposal.can_validate), blocks, title, None)

    def decide(
        self,
        candidate: str,
        session: str,
        day: date,
        validated: list[str],
        blocks: list[str],
        title: bool,
        derogation: str | None,
    ) -> None:
        official_blocks = tuple(dict.fromkeys(official(b) for b in blocks))
        refusal = self.model.decision_refusal(
            session, candidate, tuple(validated), official_blocks, title, derogation
        )
        done = self.attempt(
            f"decide {candidate} in {session} ({day}): validate {validated}, blocks {blocks}, "
            f"title {title}, derogation {derogation!r}",
            refusal,
            lambda: self.ledger.record_decision(
                session,
                candidate,
                validated=validated,
                blocks=blocks,
                title=title,
                derogation=derogation,
                by=BY,
            ),
        )
        if done:
            decision_id = f"{candidate}/{session}"
            assert done["id"] == decision_id
            route = self.model.candidates[candidate].route_on(day)
            assert route is not None
            self.model.decisions[decision_id] = Decision(
                id=decision_id,
                candidate=candidate,
                session=session,
                on=day,
                route=route,
                validated=tuple(validated),
                blocks=official_blocks,
                title=title,
                derogation=derogation,
                judged_at=self.clock.current,
            )

    @precondition(lambda self: self.live_decisions())
    @rule(data=st.data())
    def rectify_decision(self, data: st.DataObject) -> None:
        """Correct a decision: what it validated, its blocks, its title, add a derogation."""
        decision_id = data.draw(
            mostly(self.live_decisions(), sorted(self.model.decisions)), label="decision"
        )
        decision = self.model.decisions[decision_id]
        validated = (
            self.draw_validated(data, decision.candidate, decision.on)
            if data.draw(st.booleans(), label="change validated")
            else None
        )
        blocks = data.draw(
            st.one_of(st.none(), st.lists(st.sampled_from(["BC01", "BC02"]), unique=True)),
            label="blocks",
        )
        title = data.draw(st.sampled_from([None, None, False, True]), label="title")
        derogation = data.draw(st.sampled_from([None, None, *DEROGATIONS]), label="derogation")
        refusal, rectified, patch = self.model.rectification(
            decision_id,
            None if validated is None else tuple(validated),
            None if blocks is None else tuple(official(b) for b in blocks),
            title,
            derogation,
        )
        done = self.attempt(
            f"rectify {decision_id}: validated {validated}, blocks {blocks}, title {title}, "
            f"derogation {derogation!r}",
            refusal,
            lambda: self.ledger.rectify_decision(
                decision_id,
                validated=validated,
                blocks=blocks,
                title=title,
                derogation=derogation,
                reason="material error in the minutes",
                by=BY,
            ),
        )
        if done and rectified:
            assert done["changes"] == patch
            rectified.judged_at = self.clock.current
            self.model.decisions[decision_id] = rectified

    @precondition(lambda self: self.live_decisions())
    @rule(data=st.data())
    def annul_decision(self, data: st.DataObject) -> None:
        decision_id = data.draw(
            mostly(self.live_decisions(), sorted(self.model.decisions)), label="decision"
        )
        decision = self.model.decisions[decision_id]
        on = data.draw(around(decision.on, 20, 3000), label="on")
        refusal = (
            "rule 8: in the future"
            if on > TODAY
            else "annulled already"
            if decision.annulled
            else "rule 8: before the decision"
            if on < decision.on
            else None
        )
        done = self.attempt(
            f"annul {decision_id} on {on}",
            refusal,
            lambda: self.ledger.annul_decision(decision_id, on=on, reason="appeal upheld", by=BY),
        )
        if done:
            decision.annulled = True

    # Certificates.

    @precondition(lambda self: self.certifiable())
    @rule(data=st.data())
    def issue_certificate(self, data: st.DataObject) -> None:
        decision_id = data.draw(
            mostly(self.certifiable(), sorted(self.model.decisions)), label="decision"
        )
        decision = self.model.decisions[decision_id]
        others = ["title", "block:BC01", "block:BC02", "competency:C01", "competency:C42"]
        kind = data.draw(mostly(self.awarded(decision), others), label="kind")
        on = data.draw(around(decision.on, 20, 800), label="on")
        given = data.draw(st.sampled_from([None, None, None, *NUMBERS]), label="number")
        refusal = self.model.issue_refusal(decision_id, kind, on, given)
        number, allocated = (given, None) if given else self.model.next_number(on.year)
        done = self.attempt(
            f"issue {kind} of {decision_id} on {on} (number {given})",
            refusal,
            lambda: self.ledger.issue_certificate(
                decision_id, kind=kind, on=on, number=given, by=BY
            ),
        )
        if done:
            assert done["number"] == number
            if allocated is not None:
                self.model.registers[on.year] = allocated
            subject = self.model.subject_of(decision, kind)
            assert subject is not None
            self.model.certificates[number] = Certificate(number, decision_id, *subject, on)

    @precondition(lambda self: self.anything_certified())
    @rule(data=st.data())
    def revoke_certificate(self, data: st.DataObject) -> None:
        number = data.draw(
            mostly(self.held_certificates(), sorted(self.model.certificates)), label="number"
        )
        certificate = self.model.certificates[number]
        on = data.draw(around(certificate.issued_on, 20, 3000), label="on")
        refusal = self.model.revocation_refusal(number, on)
        done = self.attempt(
            f"revoke {number} on {on}",
            refusal,
            lambda: self.ledger.revoke_certificate(number, on=on, reason="fraud", by=BY),
        )
        if done:
            certificate.revoked_on = on
            if data.draw(st.booleans(), label="found to be a mistake"):
                self.reinstate(data, number)

    @precondition(lambda self: self.anything_certified())
    @rule(data=st.data())
    def reinstate_certificate(self, data: st.DataObject) -> None:
        """Cancel a revocation made by mistake (mostly of a revoked certificate): from then
        on, it never had effect."""
        number = data.draw(
            mostly(self.revoked_certificates(), sorted(self.model.certificates)), label="number"
        )
        self.reinstate(data, number)

    def reinstate(self, data: st.DataObject, number: str) -> None:
        certificate = self.model.certificates[number]
        revoked = certificate.revoked_on or certificate.issued_on
        on = data.draw(around(revoked, 20, 600), label="on")
        refusal = self.model.reinstatement_refusal(number, on)
        done = self.attempt(
            f"reinstate {number} on {on}",
            refusal,
            lambda: self.ledger.reinstate_certificate(number, on=on, reason="mistake", by=BY),
        )
        if done:
            certificate.revoked_on = None
            certificate.reinstated_on = on

    @precondition(lambda self: self.anything_certified())
    @rule(data=st.data())
    def reissue_certificate(self, data: st.DataObject) -> None:
        original = data.draw(
            mostly(self.held_certificates(), sorted(self.model.certificates)), label="number"
        )
        certificate = self.model.certificates[original]
        on = data.draw(around(certificate.issued_on, 20, 800), label="on")
        given = data.draw(st.sampled_from([None, None, *NUMBERS]), label="new number")
        refusal = self.model.live_certificate_refusal(original, on) or (
            "rule 7: the number is taken" if given in self.model.certificates else None
        )
        number, allocated = (given, None) if given else self.model.next_number(on.year)
        done = self.attempt(
            f"reissue {original} on {on} (number {given})",
            refusal,
            lambda: self.ledger.reissue_certificate(original, on=on, new_number=given, by=BY),
        )
        if done:
            assert done["number"] == number
            if allocated is not None:
                self.model.registers[on.year] = allocated
            self.model.certificates[number] = Certificate(
                number,
                certificate.decision,
                certificate.kind,
                certificate.subject,
                on,
                duplicate_of=original,
            )

    # Batches.

    @precondition(lambda self: self.anyone())
    @rule(data=st.data(), size=st.integers(1, 4), abandon=st.integers(0, 4).map(lambda n: n == 0))
    def run_a_batch(self, data: st.DataObject, size: int, abandon: bool) -> None:
        """A few commands saved in one transaction (`Ledger.batch`): each is judged seeing the
        ones before it; nothing is written before the end, nor at all if the batch is given up."""
        model, position = copy.deepcopy(self.model), self.position()
        note(f"batch of {size}{' (to be given up)' if abandon else ''}:")
        self.batching = True
        try:
            with self.ledger.batch():
                for _ in range(size):
                    ready = [c for c, can in BATCHABLE.items() if getattr(self, can)()]
                    getattr(self, data.draw(st.sampled_from(ready), label="command"))(data)
                assert self.position() == position, "a batch wrote before its end"
                if abandon:
                    raise Abandoned
        except Abandoned:
            note("batch given up")
            self.model = model
        finally:
            self.batching = False
        recorded = len(self.model.log) > len(model.log)
        assert (self.position() > position) == recorded
        if recorded:
            self.remember()

    # Invariants.

    @invariant()
    def the_view_equals_the_pure_projection(self) -> None:
        self.runner.catch_up()
        for day in self.boundaries():
            listed = {r.candidate: r for r in self.view.listing(day)}
            expected = {
                c: s for c in self.model.candidates if (s := self.status(c, day)) is not None
            }
            assert set(listed) == set(expected), day
            for candidate, status in expected.items():
                row = listed[candidate]
                blocks = tuple(sorted(b.code for b in status.blocks if b.counts))
                assert (row.state, row.route, row.counting_competencies, row.blocks) == (
                    status.state,
                    status.route,
                    status.counting_competencies,
                    blocks,
                ), (candidate, day)

    @invariant()
    def the_view_caught_up_equals_a_view_built_in_one_pass(self) -> None:
        if not self.written_since("rebuilt"):
            return
        self.runner.catch_up()
        StatusViewRunner(self.ledger, self.rebuilt).rebuild()
        for day in self.boundaries():
            assert self.view.listing(day) == self.rebuilt.listing(day), day

    @invariant()
    def the_past_as_known_at_an_instant_never_changes(self) -> None:
        """Known at the instant of a command, or at the log position it left: the same,
        whatever was recorded since (checked again each time something is)."""
        if not self.written_since("past"):
            return
        for instant, position, then in self.known:
            assert self.statuses_known_at(instant) == then, instant
            assert self.statuses_known_at(None, position) == then, position

    @invariant()
    def the_streaming_replay_equals_the_status_of_each_candidate(self) -> None:
        instant, _, then = self.known[-1] if self.known else (None, 0, {})
        streams = self.ledger.scan_candidates()
        replayed = replay(streams, self.ledger.versions(), as_of=TODAY, known_at=instant)
        assert {s.candidate: self.plain(s) for s in replayed} == then

    @invariant()
    def a_permanent_competency_never_disappears_later(self) -> None:
        for candidate in self.model.candidates:
            permanent: set[str] = set()
            for day in self.boundaries():
                status = self.status(candidate, day)
                if status is None:
                    continue
                counting = {c.code for c in status.competencies if c.counts}
                assert permanent <= counting, (candidate, day, permanent - counting)
                permanent |= {c.code for c in status.competencies if c.permanent}

    @invariant()
    def no_title_below_the_threshold_even_with_a_derogation(self) -> None:
        """Judged on what the ledger knew when the decision was recorded or last rectified:
        a later annulment of another decision may lower the count, and nothing forbids it."""
        for decision in self.model.decisions.values():
            if decision.annulled or not decision.title:
                continue
            status = self.status(decision.candidate, decision.on, decision.judged_at)
            assert status is not None
            assert status.title.decision == decision.id
            assert status.title.counting >= TITLE_REQUIRED, decision.id

    @invariant()
    def annulled_decisions_count_nowhere(self) -> None:
        annulled = self.model.annulled()
        for candidate in self.model.candidates:
            for day in DAYS:
                status = self.status(candidate, day)
                if status is None:
                    continue
                for competency in status.competencies:
                    assert not {v.decision.id for v in competency.validations} & annulled
                assert not {b.decision for b in status.blocks} & annulled
                assert status.title.decision not in annulled
                for certificate in status.certificates:
                    if certificate.decision in annulled:
                        assert certificate.state == "void", certificate.number

    @invariant()
    def the_model_agrees_on_what_was_recorded(self) -> None:
        assert self.ledger.candidate_ids() == list(self.model.candidates)
        for candidate in self.model.candidates:
            dossier = self.ledger.candidate(candidate).dossier
            recorded = {
                d.id: (d.on, d.route, d.validated, d.blocks, d.title, d.derogation, d.annulled)
                for d in dossier.decisions.values()
            }
            expected = {
                d.id: (d.on, d.route, d.validated, d.blocks, d.title, d.derogation, d.annulled)
                for d in self.model.decisions.values()
                if d.candidate == candidate
            }
            assert recorded == expected, candidate
            status = self.status(candidate, TODAY)
            assert status is not None
            certificates = {
                c.number: (c.decision, c.kind, c.subject, c.issued_on, c.duplicate_of, c.state)
                for c in status.certificates
            }
            assert certificates == {
                c.number: (
                    c.decision,
                    c.kind,
                    c.subject,
                    c.issued_on,
                    c.duplicate_of,
                    self.model.certificate_state(c.number, TODAY),
                )
                for c in self.model.certificates.values()
                if self.model.decisions[c.decision].candidate == candidate
            }, candidate

    @invariant()
    def the_model_agrees_on_state_route_and_counts(self) -> None:
        for candidate, person in self.model.candidates.items():
            for day in self.boundaries():
                status = self.status(candidate, day)
                if day < person.enrolled_on:
                    assert status is None
                    continue
                assert status is not None
                assert status.referential == self.model.version_on(day)
                assert status.route == person.route_on(day), (candidate, day)
                assert status.state == self.model.state_on(candidate, day), (candidate, day)
                counting = {c.code for c in status.competencies if c.counts}
                assert counting == self.model.counting(candidate, day), (candidate, day)
                blocks = {b.code for b in status.blocks if b.counts}
                assert blocks == self.model.blocks_counting(candidate, day), (candidate, day)
                for c in status.competencies:
                    decisions = [self.model.decisions[v.decision.id] for v in c.validations]
                    permanent = any(self.model.until(d) is None for d in decisions)
                    assert c.permanent == permanent, (candidate, day, c.code)
                certificates = {c.number: c.state for c in status.certificates}
                assert certificates == {
                    n: self.model.certificate_state(n, day)
                    for n, c in self.model.certificates.items()
                    if c.issued_on <= day
                    and self.model.decisions[c.decision].candidate == candidate
                }, (candidate, day)


LedgerMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestLedgerMachine = LedgerMachine.TestCase


# What the machine found, pinned by minimal tests.


def test_a_version_published_in_a_batch_is_in_force_in_and_after_the_batch(
    ledger: Ledger,
) -> None:
    """Found by the machine (the ledger went on applying the old rules), fixed in 002d7eb."""
    with ledger.batch():
        ledger.publish_referential(referential_text("2017.7y"), date(2017, 1, 1), by="tester")
        in_batch = ledger.referential_at(date(2018, 1, 1)).version
        ledger.convene_jury("J1", on=date(2017, 6, 20), members=FIVE, president=PRESIDENT, by="t")

    assert in_batch == "2017.7y"
    assert ledger.referential_at(date(2018, 1, 1)).version == "2017.7y"
