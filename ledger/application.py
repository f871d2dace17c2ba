"""The ledger application: every use case checks its rules, then records in one transaction."""

from __future__ import annotations

import hashlib
import hmac
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, PersistenceError
from eventsourcing.utils import Environment, EnvType

from ledger.candidate import VAE_PATHS, Actor, Candidate, Identity, InvalidInput, candidate_stream
from ledger.claims import Claim, Register, claim_stream, register_stream
from ledger.clock import Clock
from ledger.dossier import Decision
from ledger.exceptions import AlreadyExists, LedgerError, NotFound, RuleViolation, StoreError
from ledger.facts import Fact, candidate_streams, fact_of_state
from ledger.ids import check_identifier
from ledger.jury import JurySession, session_stream
from ledger.persistence import (
    KeyStore,
    LedgerMapper,
    StoreURL,
    _as_uuid,
    parse_store_url,
    scan_log,
    scan_streams,
    select_stream,
)
from ledger.publication import (
    REFERENTIAL_STREAM,
    PublishedVersion,
    ReferentialStream,
    Versions,
    published_version,
)
from ledger.referential import (
    DEFAULT_EFFECTIVE_FROM,
    Referential,
    default_referential_text,
    parse_referential,
    sha256,
)
from ledger.rules import Review, review_decision
from ledger.transmission import TRANSMISSIONS_STREAM, Transmissions, id_technique

A = TypeVar("A", bound=Aggregate)
Result = dict[str, Any]

_RETRIES = 10


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


class ReadOnly(LedgerError):
    """The ledger was opened read-only (an auditor's session): no command may record."""


class ConcurrentWrite(LedgerError):
    """Another writer kept changing the same records; the command was not recorded."""


@dataclass(frozen=True)
class Proposal:
    """What `jury propose` shows: the review of everything the evidence would allow."""

    review: Review
    sits_on: date
    can_validate: tuple[str, ...]
    blocks_eligible: tuple[str, ...]
    title_eligible: bool


class Ledger(Application[UUID]):
    """certledger's one application: the use cases of the write side, and the reads they need."""

    name = "certledger"
    # A certificate register grows by one event per certificate of its year: snapshots keep
    # reading it short. Candidate, session and claim streams stay small.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Register: 50}

    def __init__(
        self,
        store: StoreURL | str,
        *,
        clock: Clock | None = None,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        self.store = parse_store_url(store) if isinstance(store, str) else store
        try:
            missing = not create and not self.store.exists()
        except Exception as e:  # psycopg's errors, imported lazily
            raise StoreError(f"cannot open the ledger at {self.store}: {_first_line(e)}") from None
        if missing:
            raise StoreError(f"no ledger at {self.store}: run `certledger init` first")
        self.clock = clock or Clock()
        self._versions: Versions | None = None
        self._batch: dict[UUID, Aggregate] | None = None
        self._handed: list[tuple[Aggregate, int]] | None = None
        self.read_only = read_only
        if read_only and create:
            raise ReadOnly("the ledger is open read-only: it cannot be created")
        env = {
            **self.store.env(read_only, create),
            "MAPPER_TOPIC": "ledger.persistence:LedgerMapper",
            "IS_SNAPSHOTTING_ENABLED": "y",
        }
        try:
            if create:
                self.store.prepare()
            super().__init__(env)
            self.recorder.max_notification_id()
        except (PersistenceError, sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open the ledger at {self.store}: {_first_line(e)}") from None
        except Exception as e:
            if type(e).__module__.startswith("psycopg"):
                raise StoreError(
                    f"cannot open the ledger at {self.store}: {_first_line(e)}"
                ) from None
            raise
        self.keys = KeyStore(self.recorder)
        self.ledger_mapper.keys = self.keys

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.read_only:
            raise ReadOnly("the ledger is open read-only: nothing can be recorded")
        # Keys first, in a transaction of their own: events never precede their key.
        self.keys.flush()
        return super().save(*objs, **kwargs)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Settings come from the store URL only, never from stray environment variables.
        return Environment(name, dict(env or {}))

    @property
    def ledger_mapper(self) -> LedgerMapper:
        mapper: Mapper[UUID] = self.mapper
        assert isinstance(mapper, LedgerMapper)
        return mapper

    # Reads.

    def _find(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        aggregate: object
        if self._batch is not None and aggregate_id in self._batch:
            aggregate = self._batch[aggregate_id]
        else:
            try:
                aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        assert isinstance(aggregate, cls)
        if self._handed is not None:
            self._handed.append((aggregate, len(aggregate.pending_events)))
        return aggregate

    def _get(self, aggregate_id: UUID, cls: type[A], missing: str) -> A:
        found = self._find(aggregate_id, cls)
        if found is None:
            raise NotFound(missing)
        return found

    def _exists(self, aggregate_id: UUID) -> bool:
        if self._batch is not None and aggregate_id in self._batch:
            return True
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def is_initialised(self) -> bool:
        return self._exists(REFERENTIAL_STREAM)

    def versions(self, *, refresh: bool = False) -> Versions:
        """The published referential versions (cached for the life of this application)."""
        if self._batch is not None and REFERENTIAL_STREAM in self._batch:
            pending = self._batch[REFERENTIAL_STREAM]
            assert isinstance(pending, ReferentialStream)
            return pending.versions
        if self._versions is None or refresh:
            facts = self.stream_facts(REFERENTIAL_STREAM, "referential")
            if not facts:
                raise NotFound(
                    f"the ledger at {self.store} has no referential: run `certledger init`"
                )
            self._versions = Versions(
                published_version(f) for f in facts if f.type == "ReferentialPublished"
            )
        return self._versions

    def candidate(self, candidate_id: str) -> Candidate:
        return self._get(
            candidate_stream(candidate_id), Candidate, f"candidate {candidate_id} not found"
        )

    def session(self, session_id: str) -> JurySession:
        return self._get(
            session_stream(session_id), JurySession, f"jury session {session_id} not found"
        )

    def stream_facts(self, aggregate_id: UUID, stream: str | None = None) -> list[Fact]:
        """A stream's facts straight from the store, lightly decoded, with log positions.

        Without a `stream` label, candidate and jury streams are named after their first event.
        """
        decode = self.ledger_mapper.decode_state
        rows = select_stream(self.recorder, aggregate_id)
        if stream is None and rows:
            first = decode(rows[0][3], rows[0][4], aggregate_id, rows[0][2])
            stream = (
                f"candidate/{first['candidate_id']}"
                if "candidate_id" in first
                else f"jury/{first['session_id']}"
                if "session_id" in first
                else str(aggregate_id)
            )
        return [
            fact_of_state(
                topic, decode(topic, state, uid, version), stream or "", version, position
            )
            for position, uid, version, topic, state in rows
        ]

    def scan_candidates(
        self, *, personal: bool = False, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[list[Fact]]:
        """Every candidate stream's facts, one stream at a time (one pass over the store), or
        those of shard `(i, n)` only (n processes can then share a replay).

        Personal data stays sealed unless `personal` (the CPF flow needs it; replays,
        statistics and audits do not, and skip the key lookups).
        """
        mapper = self.ledger_mapper
        if personal:
            self.keys.preload()

            def decode(topic: str, state: bytes, stream: Any, version: int) -> dict[str, Any]:
                return mapper.decode_state(topic, state, _as_uuid(stream), version)

        else:

            def decode(topic: str, state: bytes, stream: Any, version: int) -> dict[str, Any]:
                return mapper.decode_light(topic, state)

        rows = scan_streams(self.recorder, "CandidateEnrolled", shard=shard)
        return candidate_streams(rows, decode)

    def candidate_facts(self, candidate_id: str) -> list[Fact]:
        facts = self.stream_facts(candidate_stream(candidate_id), f"candidate/{candidate_id}")
        if not facts:
            raise NotFound(f"candidate {candidate_id} not found")
        return facts

    def session_facts(self, session_id: str) -> list[Fact]:
        return self.stream_facts(session_stream(session_id), f"jury/{session_id}")

    def candidate_ids(self) -> list[str]:
        """Every enrolled candidate's id, in enrolment recording order."""
        decode = self.ledger_mapper.decode_state
        return [
            decode(topic, state)["candidate_id"]
            for _, _, _, topic, state in scan_log(self.recorder, topics=["CandidateEnrolled"])
        ]

    def conveners(self) -> dict[str, Fact]:
        """Every jury session's convening, by session id."""
        found: dict[str, Fact] = {}
        decode = self.ledger_mapper.decode_state
        for position, _, version, topic, state in scan_log(self.recorder, topics=["JuryConvened"]):
            data = decode(topic, state)
            session = data["session_id"]
            found[session] = fact_of_state(topic, data, f"jury/{session}", version, position)
        return found

    def certificate_owner(self, number: str) -> str:
        claim = self._get(
            claim_stream("certificate", number), Claim, f"certificate {number} not found"
        )
        return str(claim.value["candidate"])

    # Writing.

    def _actor(self, by: str) -> Actor:
        return Actor(by, self.clock)

    def _check_not_future(self, on: date, what: str) -> None:
        today = self.clock.today()
        if on > today:
            raise RuleViolation(
                8, f"{what} dated {on.isoformat()} is later than today ({today.isoformat()})"
            )

    def _commit(
        self,
        command: str,
        params: dict[str, Any],
        request_id: str | None,
        by: str,
        work: Callable[[Actor], tuple[Result, Sequence[Aggregate]]],
    ) -> Result:
        """Run a use case and save what it changed in one transaction, once per request id.

        A conflict with a concurrent writer (a version or claim taken in between) re-runs
        the whole use case, which reads and checks everything again.
        """
        if self.read_only:
            raise ReadOnly(f"the ledger is open read-only: `{command}` records nothing")
        digest = hashlib.sha256(
            orjson.dumps({"command": command, **params}, option=orjson.OPT_SORT_KEYS, default=str)
        ).hexdigest()
        for attempt in range(_RETRIES):
            if request_id is not None:
                check_identifier("request id", request_id)
                earlier = self._find(claim_stream("request", request_id), Claim)
                if earlier is not None:
                    if earlier.value["digest"] != digest:
                        raise RuleViolation(
                            9,
                            f"request id {request_id} was used on "
                            f"{earlier.value['command']} with other content; "
                            "use a new request id",
                        )
                    return dict(earlier.value["result"], replayed=True)
            actor = self._actor(by)
            self._handed = []
            try:
                result, changed = work(actor)
            except LedgerError:
                self._check_untouched()
                if request_id is not None and self._batch is None:
                    # The same request may have been committed by another writer meanwhile:
                    # then this is a retry, and gets the first result.
                    earlier = self._find(claim_stream("request", request_id), Claim)
                    if earlier is not None and earlier.value["digest"] == digest:
                        return dict(earlier.value["result"], replayed=True)
                raise
            finally:
                self._handed = None
            aggregates = list(changed)
            if request_id is not None:
                aggregates.append(
                    Claim.take(
                        "request",
                        request_id,
                        {"command": command, "digest": digest, "result": result},
                        self.clock.today(),
                        actor,
                    )
                )
            if self._batch is not None:
                self._batch.update((a.id, a) for a in aggregates)
                return result
            try:
                self.save(*aggregates)
            except IntegrityError:
                self._versions = None
                # Another writer took a version or a claim first: wait a little (more each
                # time, at random, so that writers racing for one register spread out).
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
                continue
            except PersistenceError as e:
                raise StoreError(
                    f"{command}: the store refused the write ({_first_line(e)}); nothing recorded"
                ) from None
            return result
        raise ConcurrentWrite(
            f"{command}: other writers changed the same records {_RETRIES} times; try again"
        )

    def _check_untouched(self) -> None:
        """A refused command must not have changed what it read (its checks come first)."""
        for aggregate, pending in self._handed or ():
            if len(aggregate.pending_events) != pending:
                raise RuntimeError(
                    f"a refused command left pending events on {type(aggregate).__name__}: "
                    "its checks must come before its events"
                )

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run many commands and save them all in one transaction at the end.

        Every command is checked as it comes, seeing what the commands before it in the
        batch did; a refusal leaves the batch as it was. Nothing is written if the block
        raises; a conflict with another writer at the end writes nothing either.
        """
        if self._batch is not None:
            raise RuntimeError("batches do not nest")
        self._batch = {}
        try:
            yield
            pending = list(self._batch.values())
        finally:
            self._batch = None
            self._versions = None
        if not pending:
            return
        try:
            self.save(*pending)
        except IntegrityError:
            raise ConcurrentWrite(
                "another writer changed the same records while the batch ran; nothing written"
            ) from None

    # Referential.

    def initialise(
        self,
        text: str | None = None,
        effective_from: date | None = None,
        *,
        by: str,
        source: str = "bundled RNCP13080 referential",
        request_id: str | None = None,
    ) -> Result:
        """Start the ledger: publish the bundled referential (or the one given)."""
        content = text if text is not None else default_referential_text()
        start = effective_from or DEFAULT_EFFECTIVE_FROM
        ref = parse_referential(content, source)
        self._check_not_future(start, "the referential version")

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            if self.is_initialised():
                raise AlreadyExists(f"the ledger at {self.store} is already initialised")
            stream = ReferentialStream.start(start, actor.name, actor.now())
            stream.publish(ref.version, content, sha256(content), start, actor.name, actor.now())
            return self._published(ref, content, start), [stream]

        params = {"sha256": sha256(content), "from": start}
        result = self._commit("init", params, request_id, by, work)
        self._versions = None
        return result

    @staticmethod
    def _published(ref: Referential, content: str, start: date) -> Result:
        return {
            "id": ref.version,
            "version": ref.version,
            "effective_from": start.isoformat(),
            "sha256": sha256(content),
        }

    def publish_referential(
        self,
        text: str,
        effective_from: date,
        *,
        by: str,
        source: str = "referential",
        request_id: str | None = None,
    ) -> Result:
        ref = parse_referential(text, source)
        self._check_not_future(effective_from, "the referential version")

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            stream = self._get(
                REFERENTIAL_STREAM,
                ReferentialStream,
                f"the ledger at {self.store} has no referential: run `certledger init`",
            )
            stream.publish(ref.version, text, sha256(text), effective_from, actor.name, actor.now())
            return self._published(ref, text, effective_from), [stream]

        params = {"sha256": sha256(text), "from": effective_from}
        result = self._commit("referential publish", params, request_id, by, work)
        self._versions = None
        return result

    def referential_at(self, day: date) -> PublishedVersion:
        return self.versions().at(day)

    # Candidates.

    def _route(self, route: str, vae_path: str | None, on: date) -> tuple[str, str | None]:
        """Rule 1 for routes, and the VAE path that goes with a VAE route."""
        published = self.versions().at(on)
        rules = published.referential.route(route)
        if rules is None:
            known = ", ".join(r.code for r in published.referential.routes)
            raise RuleViolation(
                1,
                f"route {route} does not exist in referential {published.version} "
                f"in force on {on.isoformat()} (routes: {known})",
            )
        if rules.vae:
            path = vae_path or "VAE_CLASSIQUE"
            if path not in VAE_PATHS:
                raise InvalidInput(f"VAE path {path} is not one of {', '.join(VAE_PATHS)}")
            return route, path
        if vae_path is not None:
            raise InvalidInput(f"a VAE path ({vae_path}) is only for a VAE route, not {route}")
        return route, None

    def enroll(
        self,
        candidate_id: str,
        *,
        route: str,
        on: date,
        identity: dict[str, Any],
        vae_path: str | None = None,
        linked_persons: Sequence[str] = (),
        by: str,
        request_id: str | None = None,
    ) -> Result:
        check_identifier("candidate", candidate_id)
        person = Identity.of(**identity)
        self._check_not_future(on, "the enrolment")
        route, vae_path = self._route(route, vae_path, on)
        linked = tuple(" ".join(n.split()) for n in linked_persons if n.strip())

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            if self._exists(candidate_stream(candidate_id)):
                raise AlreadyExists(f"candidate {candidate_id} is already enrolled")
            candidate = Candidate.enroll(candidate_id, route, vae_path, on, person, linked, actor)
            return {"id": candidate_id}, [candidate]

        params = {
            "id": candidate_id,
            "route": route,
            "on": on,
            "identity": self._fingerprint(candidate_id, person.model_dump(mode="json"), new=True),
            "vae_path": vae_path,
            "linked": linked,
        }
        return self._commit("candidate enroll", params, request_id, by, work)

    def _fingerprint(self, candidate_id: str, personal: Any, *, new: bool = False) -> str:
        """What a request's digest keeps of personal data: an HMAC under the candidate's own
        key (a plain hash of a name could be matched against a list of names). Only an
        enrolment (`new`) makes the key; an erased candidate has none left."""
        stream = candidate_stream(candidate_id)
        if new:
            # Outside a batch, store the key now: two writers retrying one enrolment then
            # fingerprint it with the same key.
            key: bytes | None = (
                self.keys.key_for(stream) if self._batch is not None else self.keys.settle(stream)
            )
        else:
            key = self.keys.get(stream)
        if key is None:
            return "erased"
        content = orjson.dumps(personal, option=orjson.OPT_SORT_KEYS, default=str)
        return hmac.new(key, content, hashlib.sha256).hexdigest()

    def _on_candidate(
        self,
        command: str,
        candidate_id: str,
        params: dict[str, Any],
        request_id: str | None,
        by: str,
        act: Callable[[Candidate, Actor], Result | None],
    ) -> Result:
        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            candidate = self.candidate(candidate_id)
            result = act(candidate, actor) or {"id": candidate_id}
            return result, [candidate]

        return self._commit(command, {"candidate": candidate_id, **params}, request_id, by, work)

    def link_person(
        self,
        candidate_id: str,
        *,
        name: str,
        relation: str,
        on: date,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        self._check_not_future(on, "the link")
        return self._on_candidate(
            "candidate link-person",
            candidate_id,
            {"name": name, "relation": relation, "on": on},
            request_id,
            by,
            lambda c, a: c.link_person(name, relation, on, a),
        )

    def withdraw(
        self, candidate_id: str, *, on: date, reason: str, by: str, request_id: str | None = None
    ) -> Result:
        self._check_not_future(on, "the withdrawal")
        return self._on_candidate(
            "candidate withdraw",
            candidate_id,
            {"on": on, "reason": reason},
            request_id,
            by,
            lambda c, a: c.withdraw(on, reason, a),
        )

    def reenroll(
        self,
        candidate_id: str,
        *,
        route: str,
        on: date,
        vae_path: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        return self._place(
            "candidate reenroll",
            "the re-enrolment",
            candidate_id,
            route,
            on,
            vae_path,
            by,
            request_id,
            Candidate.reenroll,
        )

    def change_route(
        self,
        candidate_id: str,
        *,
        route: str,
        on: date,
        vae_path: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        return self._place(
            "candidate change-route",
            "the route change",
            candidate_id,
            route,
            on,
            vae_path,
            by,
            request_id,
            Candidate.change_route,
        )

    def _place(
        self,
        command: str,
        what: str,
        candidate_id: str,
        route: str,
        on: date,
        vae_path: str | None,
        by: str,
        request_id: str | None,
        act: Callable[[Candidate, str, str | None, date, Actor], None],
    ) -> Result:
        """Put a candidate on a route from a date (re-enrolment or route change)."""
        self._check_not_future(on, what)
        route, vae_path = self._route(route, vae_path, on)
        return self._on_candidate(
            command,
            candidate_id,
            {"route": route, "vae_path": vae_path, "on": on},
            request_id,
            by,
            lambda c, a: act(c, route, vae_path, on, a),
        )

    def record_assessment(
        self,
        candidate_id: str,
        *,
        epreuve: str,
        on: date,
        passed: Sequence[str],
        failed: Sequence[str] = (),
        assessor: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        self._check_not_future(on, "the assessment")
        published = self.versions().at(on)
        found = published.referential.epreuve(epreuve)
        if found is None:
            raise RuleViolation(
                1,
                f"épreuve {epreuve} does not exist in referential {published.version} "
                f"in force on {on.isoformat()}",
            )
        block, test = found
        for code in (*passed, *failed):
            if code not in published.referential.competency_codes:
                raise RuleViolation(
                    1,
                    f"competency {code} does not exist in referential {published.version} "
                    f"in force on {on.isoformat()}",
                )
            if code not in test.competencies:
                raise RuleViolation(
                    1,
                    f"épreuve {epreuve} ({block.short}) does not assess competency {code}; "
                    f"it assesses {', '.join(test.competencies)}",
                )
        passed_t = tuple(dict.fromkeys(passed))
        failed_t = tuple(dict.fromkeys(failed))
        assessor = assessor.strip() if assessor and assessor.strip() else None
        params = {
            "epreuve": epreuve,
            "on": on,
            "passed": passed_t,
            "failed": failed_t,
            "assessor": assessor,
        }
        return self._on_candidate(
            "assessment record",
            candidate_id,
            params,
            request_id,
            by,
            lambda c, a: c.record_assessment(epreuve, passed_t, failed_t, assessor, on, a),
        )

    def _check_vae_route(self, candidate: Candidate, on: date, what: str) -> None:
        placement = candidate.dossier.placement_on(on)
        ref = self.versions().at(on).referential
        rules = ref.route(placement.route) if placement else None
        if rules is None or not rules.vae:
            route = placement.route if placement else "none"
            raise RuleViolation(
                4,
                f"{what} is for VAE candidates; candidate {candidate.candidate_id} is on route "
                f"{route} on {on.isoformat()}",
            )

    def admit_vae(
        self, candidate_id: str, *, on: date, by: str, request_id: str | None = None
    ) -> Result:
        self._check_not_future(on, "the VAE admission")

        def act(candidate: Candidate, actor: Actor) -> None:
            candidate.check_active(on, "the VAE admission")
            self._check_vae_route(candidate, on, "a VAE admission")
            candidate.admit_vae(on, actor)

        return self._on_candidate("vae admit", candidate_id, {"on": on}, request_id, by, act)

    def hold_vae_interview(
        self,
        candidate_id: str,
        *,
        on: date,
        livret2_received_on: date,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        self._check_not_future(on, "the VAE interview")
        self._check_not_future(livret2_received_on, "the receipt of livret 2")

        def act(candidate: Candidate, actor: Actor) -> None:
            candidate.check_active(on, "the VAE interview")
            self._check_vae_route(candidate, on, "a VAE interview")
            candidate.hold_vae_interview(on, livret2_received_on, actor)

        params = {"on": on, "livret2": livret2_received_on}
        return self._on_candidate("vae interview", candidate_id, params, request_id, by, act)

    # Jury.

    def convene_jury(
        self,
        session_id: str,
        *,
        on: date,
        members: Sequence[tuple[str, str]],
        president: str,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        """Convene a session; it may sit in the future (rule 8's one exception)."""
        check_identifier("session", session_id)
        published = self.versions().at(on)
        ref = published.referential
        listed = []
        for name, role in members:
            rules = ref.role(role)
            if rules is None:
                known = ", ".join(r.code for r in ref.roles)
                raise RuleViolation(
                    1,
                    f"jury role {role} (for {name}) does not exist in referential "
                    f"{published.version} in force on {on.isoformat()} (roles: {known})",
                )
            listed.append({"name": " ".join(name.split()), "role": role, "side": rules.side})
        president = " ".join(president.split())

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            if self._exists(session_stream(session_id)):
                raise AlreadyExists(f"jury session {session_id} is already convened")
            session = JurySession.convene(session_id, on, tuple(listed), president, actor)
            return {"id": session_id}, [session]

        params = {"id": session_id, "on": on, "members": listed, "president": president}
        return self._commit("jury convene", params, request_id, by, work)

    def _review(
        self, session: JurySession, candidate: Candidate, validated: Sequence[str]
    ) -> Review:
        """Rule 8 for a decision in `session`, then rule 2 and the review of rules 3 to 6."""
        day = session.sits_on
        today = self.clock.today()
        if day > today:
            raise RuleViolation(
                8,
                f"jury session {session.session_id} sits on {day.isoformat()}: no decision can be "
                f"recorded before that date (today is {today.isoformat()})",
            )
        return self._review_at(session, candidate, validated)

    def _review_at(
        self, session: JurySession, candidate: Candidate, validated: Sequence[str]
    ) -> Review:
        """Rule 2, then what rules 3 to 6 say of validating `validated` in `session`."""
        day = session.sits_on
        candidate.check_active(day, f"the deliberation of jury session {session.session_id}")
        placement = candidate.dossier.placement_on(day)
        assert placement is not None
        return review_decision(
            candidate.dossier,
            self.versions(),
            session.session_id,
            session.members,
            session.president,
            day,
            placement.route,
            validated,
        )

    def _check_codes(
        self, day: date, competencies: Sequence[str], blocks: Sequence[str]
    ) -> tuple[str, ...]:
        """Rule 1 for a decision's codes; blocks come back as official codes."""
        published = self.versions().at(day)
        ref = published.referential
        for code in competencies:
            if code not in ref.competency_codes:
                raise RuleViolation(
                    1,
                    f"competency {code} does not exist in referential {published.version} "
                    f"in force on {day.isoformat()}",
                )
        official = []
        for code in blocks:
            block = ref.block(code)
            if block is None:
                raise RuleViolation(
                    1,
                    f"block {code} does not exist in referential {published.version} in force "
                    f"on {day.isoformat()} (blocks: {', '.join(b.short for b in ref.blocks)})",
                )
            official.append(block.code)
        return tuple(dict.fromkeys(official))

    def record_decision(
        self,
        session_id: str,
        candidate_id: str,
        *,
        validated: Sequence[str] = (),
        blocks: Sequence[str] = (),
        title: bool = False,
        derogation: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        """Record a jury's decision about one candidate, on the session's date (rules 1-6, 8)."""
        derogation = derogation.strip() if derogation and derogation.strip() else None
        validated_t = tuple(dict.fromkeys(validated))

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            session = self.session(session_id)
            candidate = self.candidate(candidate_id)
            day = session.sits_on
            blocks_t = self._check_codes(day, validated_t, blocks)
            candidate.check_decidable(session_id, title)
            review = self._review(session, candidate, validated_t)
            self._enforce(review, blocks_t, title, derogation)
            decision_id = candidate.record_decision(
                session_id,
                day,
                validated_t,
                blocks_t,
                title,
                derogation,
                review.route,
                review.referential,
                actor,
            )
            return {"id": decision_id, "on": day.isoformat()}, [candidate]

        params = {
            "session": session_id,
            "candidate": candidate_id,
            "validated": validated_t,
            "blocks": tuple(blocks),
            "title": title,
            "derogation": derogation,
        }
        return self._commit("jury decide", params, request_id, by, work)

    @staticmethod
    def _enforce(
        review: Review, blocks: Sequence[str], title: bool, derogation: str | None
    ) -> None:
        """Rules 3 to 6 on a review; a derogation overrides 3 (missing roles), 4 and 5 only."""
        day = review.day.isoformat()
        jury = review.jury
        if jury.linked_members:
            raise RuleViolation(
                3,
                f"{', '.join(jury.linked_members)} sits on jury session {review.session} but is "
                f"linked to candidate {review.candidate} (no derogation allowed)",
            )
        if not jury.president_is_member:
            raise RuleViolation(
                3, f"the president of jury session {review.session} is not one of its members"
            )
        override = " (a --derogation can override it)"
        if jury.missing and derogation is None:
            raise RuleViolation(
                3,
                f"jury session {review.session} lacks role(s) {', '.join(jury.missing)} required "
                f"for route {review.route} on {day}{override}",
            )
        if review.unbacked and derogation is None:
            what = "passed assessment or VAE interview" if review.vae else "passed assessment"
            raise RuleViolation(
                4,
                f"no {what} on or before {day} and less than the validity period old backs "
                f"competency {', '.join(review.unbacked)}{override}",
            )
        for code in blocks:
            standing = review.blocks[code]
            if not standing.eligible and derogation is None:
                raise RuleViolation(
                    5,
                    f"block {code} on {day}: {standing.shortfall()}{override}",
                )
        if title and not review.title.eligible and derogation is None:
            raise RuleViolation(
                5,
                f"the title on {day}: {len(review.title.counting)} distinct competencies count, "
                f"{review.title.required} required{override}",
            )
        if (blocks or title) and not review.registered:
            awarded = ", ".join([*blocks, *(["the title"] if title else [])])
            raise RuleViolation(
                6,
                f"{awarded} cannot be awarded on {day}, outside the RNCP registration periods "
                f"of referential {review.referential} ({review.registrations})",
            )

    def rectify_decision(
        self,
        decision_id: str,
        *,
        validated: Sequence[str] | None = None,
        blocks: Sequence[str] | None = None,
        title: bool | None = None,
        derogation: str | None = None,
        reason: str,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        """Correct a decision's record: a patch, judged again by rules 1 and 3-6 on the date
        of the original deliberation; the new content counts retroactively once known."""
        candidate_id = self._split_decision(decision_id)
        today = self.clock.today()

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            candidate = self.candidate(candidate_id)
            decision = candidate.live_decision(decision_id)
            session = self.session(decision.session)
            changes: dict[str, Any] = {}
            if validated is not None:
                changes["validated"] = tuple(dict.fromkeys(validated))
            if blocks is not None:
                changes["blocks_awarded"] = self._check_codes(decision.on, (), blocks)
            if title is not None:
                changes["title_awarded"] = title
            if derogation is not None and derogation.strip():
                changes["derogation"] = derogation.strip()
            new_validated = changes.get("validated", decision.validated)
            self._check_codes(decision.on, new_validated, ())
            review = review_decision(
                candidate.dossier,
                self.versions(),
                decision.session,
                session.members,
                session.president,
                decision.on,
                decision.route,
                new_validated,
                exclude=decision_id,
            )
            self._enforce(
                review,
                changes.get("blocks_awarded", decision.blocks),
                changes.get("title_awarded", decision.title),
                changes.get("derogation", decision.derogation),
            )
            candidate.rectify_decision(decision_id, changes, reason, today, actor)
            patch = candidate.dossier.facts[-1].data["changes"]
            return {"id": decision_id, "changes": sorted(patch)}, [candidate]

        params = {
            "decision": decision_id,
            "validated": validated,
            "blocks": blocks,
            "title": title,
            "derogation": derogation,
            "reason": reason,
        }
        return self._commit("decision rectify", params, request_id, by, work)

    def annul_decision(
        self, decision_id: str, *, on: date, reason: str, by: str, request_id: str | None = None
    ) -> Result:
        """Annul a decision (e.g. after an appeal): void from the start once known."""
        self._check_not_future(on, "the annulment")
        candidate_id = self._split_decision(decision_id)

        def act(candidate: Candidate, actor: Actor) -> Result:
            candidate.annul_decision(decision_id, on, reason, actor)
            return {"id": decision_id, "annulled_on": on.isoformat()}

        params = {"decision": decision_id, "on": on, "reason": reason}
        return self._on_candidate("decision annul", candidate_id, params, request_id, by, act)

    def rectify_identity(
        self,
        candidate_id: str,
        *,
        changes: dict[str, Any],
        reason: str,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        """Correct a candidate's personal data; the next CPF flow carries it again."""
        if not changes:
            raise InvalidInput("give at least one identity field to rectify")
        today = self.clock.today()
        fingerprint = self._fingerprint(candidate_id, changes)
        return self._on_candidate(
            "candidate rectify-identity",
            candidate_id,
            {"changes": fingerprint, "reason": reason},
            request_id,
            by,
            lambda c, a: c.rectify_identity(changes, reason, today, a),
        )

    def propose(self, session_id: str, candidate_id: str) -> Proposal:
        """What the candidate could be granted at the session's date, by the same rules.

        A session convened in advance may be looked at before it sits.
        """
        session = self.session(session_id)
        candidate = self.candidate(candidate_id)
        ref = self.versions().at(session.sits_on).referential
        everything = self._review_at(session, candidate, [c.code for c in ref.competencies])
        backed = [code for code, backing in everything.evidence.items() if backing is not None]
        review = self._review_at(session, candidate, backed)
        return Proposal(
            review=review,
            sits_on=session.sits_on,
            can_validate=tuple(c for c in backed if c not in review.counting_before),
            blocks_eligible=tuple(code for code, s in review.blocks.items() if s.eligible),
            title_eligible=review.title.eligible,
        )

    def erase(
        self, candidate_id: str, *, reason: str, by: str, request_id: str | None = None
    ) -> Result:
        """Erase a candidate's personal data: record why, then destroy their key. Decisions,
        counts and the hash chain stay; the identity reads as erased from then on.

        Rule 11: refused while an award of theirs has not been sent in the CPF flow.
        """
        if self.read_only:
            raise ReadOnly("the ledger is open read-only: `candidate erase` records nothing")
        stream = candidate_stream(candidate_id)
        candidate = self.candidate(candidate_id)
        if candidate.erased:
            if self.keys.destroy(stream):
                return {"id": candidate_id, "erased": True}
            raise AlreadyExists(f"candidate {candidate_id}'s personal data is already erased")
        sent = self.transmitted()
        waiting = [
            d.id
            for d in candidate.dossier.live_decisions()
            if d.title and id_technique(d.id) not in sent
        ]
        if waiting:
            raise RuleViolation(
                11,
                f"candidate {candidate_id}'s award {', '.join(waiting)} has not been transmitted "
                "in the CPF flow yet: send it (`report cpf`) before erasing their personal data",
            )
        today = self.clock.today()

        def act(found: Candidate, actor: Actor) -> Result:
            found.erase_personal_data(reason, today, actor)
            return {"id": candidate_id, "erased": True}

        result = self._on_candidate(
            "candidate erase", candidate_id, {"reason": reason}, request_id, by, act
        )
        self.keys.destroy(stream)
        return result

    # Transmissions to the regulator.

    def transmitted(self) -> dict[str, str]:
        """The digest last sent for each passage (idTechnique) of the CPF flow."""
        found = self._find(TRANSMISSIONS_STREAM, Transmissions)
        return dict(found.sent) if found is not None else {}

    def transmission_facts(self) -> list[Fact]:
        return self.stream_facts(TRANSMISSIONS_STREAM, "transmissions")

    def record_transmissions(
        self, flows: Sequence[dict[str, Any]], *, kind: str, position: int, by: str
    ) -> Result:
        """Record flows sent to the regulator: flux id, file, SHA-256, passages, log position."""
        today = self.clock.today()

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            stream = self._find(TRANSMISSIONS_STREAM, Transmissions) or Transmissions.open(
                today, actor
            )
            for flow in flows:
                stream.record(
                    flow["flux_id"],
                    kind,
                    flow["file"],
                    flow["sha256"],
                    position,
                    tuple(flow["passages"]),
                    today,
                    actor,
                )
            return {"id": [f["flux_id"] for f in flows], "position": position}, [stream]

        params = {"flows": [f["sha256"] for f in flows], "kind": kind, "position": position}
        return self._commit("report cpf", params, None, by, work)

    # Certificates.

    def _subject(self, decision: Decision, kind: str) -> tuple[str, str]:
        """The (kind, subject) a `--kind` names, checked against what the decision awarded."""
        published = self.versions().at(decision.on)
        ref = published.referential
        if kind == "title":
            if not decision.title:
                raise RuleViolation(7, f"decision {decision.id} did not award the title")
            return "title", ref.code
        what, _, code = kind.partition(":")
        if what == "block" and code:
            block = ref.block(code)
            if block is None:
                raise RuleViolation(
                    1,
                    f"block {code} does not exist in referential {published.version} in force "
                    f"on {decision.on.isoformat()}",
                )
            if block.code not in decision.blocks:
                raise RuleViolation(7, f"decision {decision.id} did not award block {block.code}")
            return "block", block.code
        if what == "competency" and code:
            if code not in ref.competency_codes:
                raise RuleViolation(
                    1,
                    f"competency {code} does not exist in referential {published.version} in "
                    f"force on {decision.on.isoformat()}",
                )
            if code not in decision.validated:
                raise RuleViolation(7, f"decision {decision.id} did not validate competency {code}")
            route = ref.route(decision.route)
            if route is None or not route.competency_certificates:
                raise RuleViolation(
                    7,
                    f"competency certificates are for VAE and FPC routes; decision "
                    f"{decision.id} was taken on route {decision.route}",
                )
            return "competency", code
        raise InvalidInput(f"kind {kind!r} is not title, block:CODE or competency:CODE")

    def _number(
        self, given: str | None, on: date, code: str, actor: Actor
    ) -> tuple[str, list[Aggregate]]:
        """The certificate's number: the one given (if free) or the register's next."""
        if given is not None:
            check_identifier("certificate number", given)
            if self._exists(claim_stream("certificate", given)):
                raise RuleViolation(7, f"certificate number {given} is already taken")
            return given, []
        register = self._find(register_stream(code, on.year), Register) or Register.open(
            code, on.year, on, actor
        )
        number = register.allocate(on, actor)
        while self._exists(claim_stream("certificate", number)):
            number = register.allocate(on, actor)
        return number, [register]

    def _split_decision(self, decision_id: str) -> str:
        candidate_id, slash, session = decision_id.partition("/")
        if not slash or not candidate_id or not session:
            raise NotFound(f"decision {decision_id} not found (decision ids look like V1/JV6)")
        return candidate_id

    def issue_certificate(
        self,
        decision_id: str,
        *,
        kind: str,
        on: date,
        number: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        self._check_not_future(on, "the certificate")
        candidate_id = self._split_decision(decision_id)

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            candidate = self.candidate(candidate_id)
            decision = candidate.decision(decision_id)
            what, subject = self._subject(decision, kind)
            candidate.check_certifiable(decision, what, subject, on)
            code = self.versions().at(decision.on).referential.code
            allocated, register = self._number(number, on, code, actor)
            candidate.issue_certificate(allocated, decision, what, subject, on, actor)
            claims = [
                Claim.take(
                    "certificate",
                    allocated,
                    {
                        "candidate": candidate_id,
                        "decision": decision_id,
                        "kind": what,
                        "subject": subject,
                    },
                    on,
                    actor,
                ),
                Claim.take(
                    "award", f"{decision_id}:{what}:{subject}", {"number": allocated}, on, actor
                ),
            ]
            result = {
                "id": allocated,
                "number": allocated,
                "kind": what,
                "subject": subject,
                "decision": decision_id,
                "issued_on": on.isoformat(),
            }
            return result, [candidate, *register, *claims]

        params = {"decision": decision_id, "kind": kind, "on": on, "number": number}
        return self._commit("certificate issue", params, request_id, by, work)

    def revoke_certificate(
        self, number: str, *, on: date, reason: str, by: str, request_id: str | None = None
    ) -> Result:
        self._check_not_future(on, "the revocation")

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            candidate = self.candidate(self.certificate_owner(number))
            candidate.revoke_certificate(number, on, reason, actor)
            return {"id": number, "revoked_on": on.isoformat()}, [candidate]

        params = {"number": number, "on": on, "reason": reason}
        return self._commit("certificate revoke", params, request_id, by, work)

    def reissue_certificate(
        self,
        number: str,
        *,
        on: date,
        new_number: str | None = None,
        by: str,
        request_id: str | None = None,
    ) -> Result:
        self._check_not_future(on, "the duplicate")

        def work(actor: Actor) -> tuple[Result, Sequence[Aggregate]]:
            owner = self.certificate_owner(number)
            candidate = self.candidate(owner)
            candidate.check_certificate_live(number, on, "reissue")
            original = candidate.dossier.certificates[number]
            code = self.versions().at(candidate.dossier.decisions[original.decision].on)
            allocated, register = self._number(new_number, on, code.referential.code, actor)
            candidate.reissue_certificate(allocated, number, on, actor)
            claim = Claim.take(
                "certificate",
                allocated,
                {
                    "candidate": owner,
                    "decision": original.decision,
                    "kind": original.kind,
                    "subject": original.subject,
                    "duplicate_of": number,
                },
                on,
                actor,
            )
            result = {
                "id": allocated,
                "number": allocated,
                "duplicate_of": number,
                "issued_on": on.isoformat(),
            }
            return result, [candidate, *register, claim]

        params = {"number": number, "on": on, "new_number": new_number}
        return self._commit("certificate reissue", params, request_id, by, work)
