"""The ledger: one store, its clock, its unit of work, its queries, and the use cases by name.

Each command is a function of `ledger/usecases/`; the ledger lists them as its methods, so
that `ledger.enroll(...)` runs `usecases.enrolment.enroll(ledger, ...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.clock import Clock
from ledger.facts import Fact
from ledger.i18n import N_
from ledger.publication import PublishedVersion, Versions
from ledger.queries import Proposal, Queries
from ledger.store import Store, StoreURL, parse_store_url, translated
from ledger.store.keys import KeyStore
from ledger.unit_of_work import Result, UnitOfWork

if TYPE_CHECKING:
    from ledger.candidate import Candidate
    from ledger.jury import JurySession
    from ledger.usecases import (
        assessments,
        certificates,
        corrections,
        credentials,
        enrolment,
        erasure,
        jury,
        referentials,
        surveys,
        transmission,
    )

SNAPSHOTS = {"CertificateRegister": 50}
"""A certificate register grows by one event per certificate of its year: snapshots keep
reading it short. Candidate, session and claim streams stay small."""


class _later:
    """A use case of `ledger/usecases/MODULE.py`, imported when first used; the class then
    holds the function itself."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, ledger: Any, owner: type | None = None) -> Any:
        import importlib

        function = getattr(importlib.import_module(f"ledger.usecases.{self.module}"), self.name)
        setattr(owner or type(ledger), self.attribute, function)
        return function if ledger is None else function.__get__(ledger, owner)


class Ledger:
    """certledger on one store: commands through the unit of work, reads through queries."""

    def __init__(
        self,
        store: StoreURL | str,
        *,
        clock: Clock | None = None,
        create: bool = False,
        read_only: bool = False,
        keys: Path | None = None,
    ) -> None:
        self.store = parse_store_url(store) if isinstance(store, str) else store
        self.events = Store(
            self.store, create=create, read_only=read_only, snapshotting=SNAPSHOTS, keys=keys
        )
        self.clock = clock or Clock()
        self.read_only = read_only
        self.uow = UnitOfWork(self.events, self.clock)
        self.queries = Queries(self.events, self.uow)

    @classmethod
    def create(
        cls,
        store: StoreURL | str,
        *,
        text: str | None = None,
        effective_from: date | None = None,
        by: str,
        source: str = "bundled RNCP13080 referential",
        request_id: str | None = None,
        clock: Clock | None = None,
        keys: Path | None = None,
    ) -> tuple[Ledger, Result]:
        """Create a ledger where none exists and publish its first referential, atomically:
        a store being created by someone else, or already there, is refused and left as it
        is; a failure removes only what this call created."""
        url = parse_store_url(store) if isinstance(store, str) else store
        key_file = keys or url.default_key_file()
        results: list[Result] = []

        def fill(where: StoreURL) -> None:
            draft = cls(where, clock=clock, create=True, keys=key_file)
            try:
                results.append(
                    draft.initialise(
                        text, effective_from, by=by, source=source, request_id=request_id
                    )
                )
            finally:
                draft.close()

        with translated(url, N_("create the ledger at")):
            url.dialect.create(url, fill)
        return cls(url, clock=clock, keys=key_file), results[0]

    def close(self) -> None:
        self.events.close()

    @property
    def recorder(self) -> Any:
        return self.events.recorder

    @property
    def keys(self) -> KeyStore:
        return self.events.keys

    def batch(self) -> AbstractContextManager[None]:
        """Many commands in one transaction (see `UnitOfWork.batch`)."""
        return self.uow.batch()

    # Commands (ledger/usecases/).

    if TYPE_CHECKING:
        initialise = referentials.initialise
        publish_referential = referentials.publish
        succeed_referential = referentials.succeed
        enroll = enrolment.enroll
        link_person = enrolment.link_person
        withdraw = enrolment.withdraw
        reenroll = enrolment.reenroll
        change_route = enrolment.change_route
        record_assessment = assessments.record_assessment
        admit_vae = assessments.admit_vae
        hold_vae_interview = assessments.hold_vae_interview
        convene_jury = jury.convene_jury
        record_decision = jury.record_decision
        rectify_decision = corrections.rectify_decision
        annul_decision = corrections.annul_decision
        rectify_identity = corrections.rectify_identity
        issue_certificate = certificates.issue_certificate
        revoke_certificate = certificates.revoke_certificate
        reinstate_certificate = certificates.reinstate_certificate
        reissue_certificate = certificates.reissue_certificate
        erase = erasure.erase
        record_survey = surveys.record_survey
        transmit_cpf = transmission.transmit_cpf
        record_transmissions = transmission.record_transmissions
        acknowledge_cpf = transmission.acknowledge
        init_keys = credentials.init_keys
    else:
        # Each loaded on first use: a read imports none of the aggregates the commands
        # change, the CPF flow's XML or the signing key's cryptography
        # (tests/cli/test_start.py holds the two lists equal).
        initialise = _later("referentials", "initialise")
        publish_referential = _later("referentials", "publish")
        succeed_referential = _later("referentials", "succeed")
        enroll = _later("enrolment", "enroll")
        link_person = _later("enrolment", "link_person")
        withdraw = _later("enrolment", "withdraw")
        reenroll = _later("enrolment", "reenroll")
        change_route = _later("enrolment", "change_route")
        record_assessment = _later("assessments", "record_assessment")
        admit_vae = _later("assessments", "admit_vae")
        hold_vae_interview = _later("assessments", "hold_vae_interview")
        convene_jury = _later("jury", "convene_jury")
        record_decision = _later("jury", "record_decision")
        rectify_decision = _later("corrections", "rectify_decision")
        annul_decision = _later("corrections", "annul_decision")
        rectify_identity = _later("corrections", "rectify_identity")
        issue_certificate = _later("certificates", "issue_certificate")
        revoke_certificate = _later("certificates", "revoke_certificate")
        reinstate_certificate = _later("certificates", "reinstate_certificate")
        reissue_certificate = _later("certificates", "reissue_certificate")
        erase = _later("erasure", "erase")
        record_survey = _later("surveys", "record_survey")
        transmit_cpf = _later("transmission", "transmit_cpf")
        record_transmissions = _later("transmission", "record_transmissions")
        acknowledge_cpf = _later("transmission", "acknowledge")
        init_keys = _later("credentials", "init_keys")

    # Reads (ledger/queries.py).

    def versions(self, *, refresh: bool = False) -> Versions:
        return self.queries.versions(refresh=refresh)

    def referential_at(self, day: date) -> PublishedVersion:
        return self.versions().at(day)

    def is_initialised(self) -> bool:
        return self.queries.is_initialised()

    def candidate(self, candidate_id: str) -> Candidate:
        return self.queries.candidate(candidate_id)

    def session(self, session_id: str) -> JurySession:
        return self.queries.session(session_id)

    def propose(self, session_id: str, candidate_id: str) -> Proposal:
        return self.queries.propose(session_id, candidate_id)

    def candidate_facts(self, candidate_id: str) -> list[Fact]:
        return self.queries.candidate_facts(candidate_id)

    def session_facts(self, session_id: str) -> list[Fact]:
        return self.queries.session_facts(session_id)

    def scan_candidates(
        self, *, personal: bool = False, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[list[Fact]]:
        return self.queries.scan_candidates(personal=personal, shard=shard)

    def candidate_ids(self) -> list[str]:
        return self.queries.candidate_ids()

    def conveners(self) -> dict[str, Fact]:
        return self.queries.conveners()

    def transmitted(self) -> dict[str, str]:
        return self.queries.transmitted()

    def transmission_facts(self) -> list[Fact]:
        return self.queries.transmission_facts()
