"""The unit of work: each command is one transaction (or a share of a batch's), retried after
re-reading everything on a conflict with another writer, and idempotent per request id.

A command is a function of a `Transaction` (one attempt): it loads what it needs through the
transaction, checks, then records the aggregates it changed. Uniqueness across streams rests
on claims saved in the same transaction (`ledger/claims.py`), so a conflict surfaces as the
store's own integrity error, and the whole command runs again on fresh reads.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, PersistenceError

from ledger.clock import Actor, Clock
from ledger.exceptions import (
    ConcurrentWrite,
    LedgerError,
    NotFound,
    ReadOnly,
    RuleViolation,
    StoreError,
)
from ledger.i18n import _
from ledger.ids import candidate_stream, check_identifier, claim_stream, session_stream
from ledger.publication import (
    REFERENTIAL_STREAM,
    ReferentialStream,
    Versions,
    published_version,
    with_successions,
)
from ledger.store import Store
from ledger.store.dialects import first_line
from ledger.store.scans import select_stream

if TYPE_CHECKING:
    from ledger.candidate import Candidate
    from ledger.claims import Claim
    from ledger.jury import JurySession

A = TypeVar("A", bound=Aggregate)
Result = dict[str, Any]

RETRIES = 10
"""How many times a command is run again after a conflict before giving up."""


class Personal:
    """Personal data a command's parameters hold: its request digest keeps only an HMAC of it
    under the candidate's own key (a plain hash of a name could be matched against a list of
    names), computed at each attempt with the key the store holds by then. Only an
    enrolment (`new`) makes the key; an erased candidate has none left."""

    def __init__(self, field: str, stream: UUID, content: Any, *, new: bool = False) -> None:
        self.field = field
        self.stream = stream
        self.content = content
        self.new = new


class Transaction:
    """One attempt at a command: who records, what it loaded and what it changed."""

    def __init__(self, uow: UnitOfWork, actor: Actor) -> None:
        self.uow = uow
        self.actor = actor
        self.loaded: list[tuple[Aggregate, int]] = []
        self.changed: dict[UUID, Aggregate] = {}

    def find(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        found = self.changed.get(aggregate_id)
        if found is None:
            found = self.uow.load(aggregate_id)
        if found is None:
            return None
        assert isinstance(found, cls)
        self.loaded.append((found, len(found.pending_events)))
        return found

    def get(self, aggregate_id: UUID, cls: type[A], missing: str) -> A:
        found = self.find(aggregate_id, cls)
        if found is None:
            raise NotFound(missing)
        return found

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.changed or self.uow.exists(aggregate_id)

    def candidate(self, candidate_id: str) -> Candidate:
        from ledger.candidate import Candidate  # the aggregates: imported by commands only

        return self.get(
            candidate_stream(candidate_id),
            Candidate,
            _("candidate {candidate_id} not found").format(candidate_id=candidate_id),
        )

    def session(self, session_id: str) -> JurySession:
        from ledger.jury import JurySession

        return self.get(
            session_stream(session_id),
            JurySession,
            _("jury session {session_id} not found").format(session_id=session_id),
        )

    def versions(self) -> Versions:
        return self.uow.versions()

    def record(self, *aggregates: Aggregate) -> None:
        """What the command changed: saved together when it succeeds."""
        for aggregate in aggregates:
            self.changed[aggregate.id] = aggregate

    def claim(self, kind: str, key: str, value: dict[str, Any], on: Any) -> None:
        """Take a unique key in the command's transaction (a second taker conflicts)."""
        from ledger.claims import Claim

        self.record(Claim.take(kind, key, value, on, self.actor))

    def check_untouched(self) -> None:
        """A refused command must not have changed what it read (its checks come first)."""
        for aggregate, pending in self.loaded:
            if len(aggregate.pending_events) != pending:
                raise RuntimeError(
                    _(
                        "a refused command left pending events on {name__}: its checks must come "
                        "before its events"
                    ).format(name__=type(aggregate).__name__)
                )


class UnitOfWork:
    """Runs commands against one store: transactions, batches, retries, request ids."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.pending: dict[UUID, Aggregate] | None = None
        """The aggregates a batch changed, saved when it ends (None outside a batch)."""
        self.cached_versions: Versions | None = None
        self.overlay: Any = None
        """The staging an import runs through (`ledger/staging.py`): reads see its events."""

    # Reads that see the batch.

    def load(self, aggregate_id: UUID) -> Aggregate | None:
        if self.pending is not None and aggregate_id in self.pending:
            return self.pending[aggregate_id]
        if self.overlay is not None:
            found_staged: Aggregate | None = self.overlay.load(aggregate_id)
            return found_staged
        try:
            found: Aggregate = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found

    def exists(self, aggregate_id: UUID) -> bool:
        if self.pending is not None and aggregate_id in self.pending:
            return True
        if self.overlay is not None:
            return bool(self.overlay.exists(aggregate_id))
        return bool(self.store.recorder.select_events(aggregate_id, limit=1))

    def versions(self, *, refresh: bool = False) -> Versions:
        """The published referential versions (cached until one is published)."""
        if self.pending is not None and REFERENTIAL_STREAM in self.pending:
            stream = self.pending[REFERENTIAL_STREAM]
            assert isinstance(stream, ReferentialStream)
            return stream.versions
        if self.cached_versions is None or refresh:
            # The referential stream holds no personal data: read as the scans read (no
            # pydantic field types: every read needs the versions, most need nothing else).
            read = self.store.ledger_mapper.light_fact
            facts = [
                read(topic, state, "referential", version, position)
                for position, __, version, topic, state in select_stream(
                    self.store.recorder, REFERENTIAL_STREAM
                )
                if topic in ("ReferentialPublished", "SuccessionDeclared")
            ]
            published = [published_version(f) for f in facts if f.type == "ReferentialPublished"]
            if not published:
                raise NotFound(
                    _("the ledger at {url} has no referential: run `certledger init`").format(
                        url=self.store.url
                    )
                )
            self.cached_versions = Versions(with_successions(published, facts))
        return self.cached_versions

    # Commands.

    def run(
        self,
        command: str,
        params: dict[str, Any],
        work: Callable[[Transaction], Result],
        *,
        by: str,
        request_id: str | None = None,
        personal: Personal | None = None,
    ) -> Result:
        """Run a command and save what it changed in one transaction, once per request id.

        A conflict with a concurrent writer (a version or claim taken in between) runs the
        whole command again, which reads and checks everything again.
        """
        if self.store.read_only:
            raise ReadOnly(
                _("the ledger is open read-only: `{command}` records nothing").format(
                    command=command
                )
            )
        if request_id is not None:
            check_identifier("request id", request_id)
        keys = self.store.keys
        for attempt in range(RETRIES):
            keys.drop_made(keep=True)
            # The request's claim is read before its digest: a claim committed by now comes
            # with the candidate's key, which the digest then uses.
            earlier = self.claim_of(request_id)
            digest = self.digest(command, params, personal)
            if earlier is not None and request_id is not None:
                return self.replay(earlier, request_id, digest)
            tx = Transaction(self, Actor(by, self.clock))
            try:
                result = work(tx)
            except LedgerError:
                tx.check_untouched()
                # A refused enrolment's new key (its digest made it): never stored, and never
                # to seal what is later written about an erased candidate.
                keys.drop_made()
                if request_id is not None and self.pending is None:
                    # The same request may have been committed by another writer meanwhile:
                    # then this is a retry, and gets the first result.
                    self.store.keys.forget()
                    earlier = self.claim_of(request_id)
                    digest = self.digest(command, params, personal)
                    if earlier is not None and earlier.value["digest"] == digest:
                        return dict(earlier.value["result"], replayed=True)
                raise
            if request_id is not None:
                tx.claim(
                    "request",
                    request_id,
                    {"command": command, "digest": digest, "result": result},
                    self.clock.today(),
                )
            if self.pending is not None:
                self.pending.update(tx.changed)
                return result
            try:
                self.store.save(*tx.changed.values())
            except IntegrityError:
                self.cached_versions = None
                # Another writer took a version or a claim first: wait a little (more each
                # time, at random, so that writers racing for one register spread out).
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
                continue
            except PersistenceError as e:
                raise StoreError(
                    _(
                        "{command}: the store refused the write ({first_line}); nothing recorded"
                    ).format(command=command, first_line=first_line(e))
                ) from None
            if REFERENTIAL_STREAM in tx.changed:
                self.cached_versions = None
            return result
        raise ConcurrentWrite(
            _(
                "{command}: other writers changed the same records {RETRIES} times; try again"
            ).format(command=command, RETRIES=RETRIES)
        )

    def digest(self, command: str, params: dict[str, Any], personal: Personal | None) -> str:
        content = {"command": command, **params}
        if personal is not None:
            keys = self.store.keys
            key = keys.key_for(personal.stream) if personal.new else keys.get(personal.stream)
            plain = orjson.dumps(personal.content, option=orjson.OPT_SORT_KEYS, default=str)
            content[personal.field] = (
                hmac.new(key, plain, hashlib.sha256).hexdigest() if key else "erased"
            )
        return hashlib.sha256(
            orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)
        ).hexdigest()

    def claim_of(self, request_id: str | None) -> Claim | None:
        """The claim of a request id already recorded, if any."""
        if request_id is None:
            return None
        from ledger.claims import Claim

        found = self.load(claim_stream("request", request_id))
        assert found is None or isinstance(found, Claim)
        return found

    @staticmethod
    def replay(earlier: Claim, request_id: str, digest: str) -> Result:
        """Rule 9: the first result of a request recorded with the same content; with other
        content, a refusal."""
        if earlier.value["digest"] == digest:
            return dict(earlier.value["result"], replayed=True)
        raise RuleViolation(
            9,
            _(
                "request id {request_id} was used on {command} with other content; use a new "
                "request id"
            ).format(request_id=request_id, command=earlier.value["command"]),
        )

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run many commands and save them all in one transaction at the end.

        Every command is checked as it comes, seeing what the commands before it in the
        batch did; a refusal leaves the batch as it was. Nothing is written if the block
        raises; a conflict with another writer at the end writes nothing either.
        """
        if self.pending is not None:
            raise RuntimeError(_("batches do not nest"))
        self.pending = {}
        try:
            yield
            changed = list(self.pending.values())
        except BaseException:
            self.store.keys.forget()
            raise
        finally:
            self.pending = None
            self.cached_versions = None
        if not changed:
            return
        try:
            self.store.save(*changed)
        except IntegrityError:
            raise ConcurrentWrite(
                _("another writer changed the same records while the batch ran; nothing written")
            ) from None
        except PersistenceError as e:
            raise refused_write(e) from None


def refused_write(error: BaseException) -> StoreError:
    """The error a write the store refused is reported as (the batch's, the import's)."""
    return StoreError(
        _("the store refused the write ({first_line}); nothing recorded").format(
            first_line=first_line(error)
        )
    )
