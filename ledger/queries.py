"""The read-only side the CLI and the projections ask: streams as facts, scans, what a jury
could grant, what was transmitted, and why a status cannot be shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.exceptions import NotFound
from ledger.facts import Fact, Read, Unseal, candidate_streams, fact_of_state
from ledger.i18n import _, show_date
from ledger.ids import TRANSMISSIONS_STREAM, candidate_stream, claim_stream, session_stream
from ledger.publication import REFERENTIAL_STREAM, Versions
from ledger.rules import Review, review_decision
from ledger.store import Store
from ledger.store.chain import as_uuid
from ledger.store.scans import count_streams, counted, scan_log, scan_streams, select_stream

if TYPE_CHECKING:
    # The aggregates: only the reads that load one import them (a status reads no aggregate).
    from ledger.candidate import Candidate
    from ledger.jury import JurySession
    from ledger.standing import Standing
    from ledger.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Proposal:
    """What `jury propose` shows: the review of everything the evidence would allow."""

    review: Review
    sits_on: date
    can_validate: tuple[str, ...]
    blocks_eligible: tuple[str, ...]
    title_eligible: bool

    def as_json(self, session_id: str, candidate_id: str) -> dict[str, Any]:
        """What `jury propose --json` prints."""
        review = self.review
        return {
            "session": session_id,
            "candidate": candidate_id,
            "sits_on": self.sits_on.isoformat(),
            "route": review.route,
            "referential": review.referential,
            "jury": {
                "ok": review.jury.ok,
                "required": list(review.jury.required),
                "missing": list(review.jury.missing),
                "president_is_member": review.jury.president_is_member,
                "linked_members": list(review.jury.linked_members),
            },
            "counting": sorted(review.counting_before),
            "can_validate": list(self.can_validate),
            "evidence": {
                code: (backing.fact.id if backing else None)
                for code, backing in review.evidence.items()
            },
            "blocks": [
                {
                    "code": code,
                    "eligible": s.eligible,
                    "counting": len(s.counting),
                    "required": s.required,
                    "of": s.of,
                }
                for code, s in review.blocks.items()
            ],
            "title": {
                "eligible": self.title_eligible,
                "counting": len(review.title.counting),
                "required": review.title.required,
            },
            "registered": review.registered,
            "vae_procedure": (review.vae_gap or "complete") if review.vae else None,
            "balance": review.balance.as_json() if review.balance is not None else None,
        }


def review_in_session(
    session: JurySession, candidate: Candidate, versions: Versions, validated: Sequence[str]
) -> Review:
    """Rule 2, then what rules 3 to 6 say of validating `validated` in `session`."""
    day = session.sits_on
    candidate.check_active(
        day,
        _("the deliberation of jury session {session_id}").format(session_id=session.session_id),
    )
    placement = candidate.dossier.placement_on(day)
    assert placement is not None
    return review_decision(
        candidate.dossier,
        versions,
        session.session_id,
        session.members,
        session.president,
        day,
        placement.route,
        validated,
    )


def not_found_at(
    candidate_id: str,
    facts: Sequence[Fact],
    day: date,
    instant: datetime | None,
    position: int | None,
) -> NotFound:
    """Why a candidate on file has no status on `day` as known at `instant`/`position`."""
    first = facts[0]
    if not first.known_at(instant, position):
        when = " ".join(
            [
                *([instant.isoformat()] if instant is not None else []),
                *([f"@{position}"] if position is not None else []),
            ]
        )
        return NotFound(
            _(
                "candidate {candidate_id} was not yet recorded at {when} (first recorded at "
                "{recorded_at}, log position {position})"
            ).format(
                candidate_id=candidate_id,
                when=show_date(when),
                recorded_at=show_date(first.recorded_at),
                position=first.position,
            )
        )
    return NotFound(
        _("candidate {candidate_id} was not enrolled on {day} (enrolled on {effective_on})").format(
            candidate_id=candidate_id,
            day=show_date(day),
            effective_on=show_date(first.effective_on),
        )
    )


def _label(first: Mapping[str, Any], stream: UUID) -> str:
    """A stream's name after its first event's data: its candidate or jury session."""
    if "candidate_id" in first:
        return f"candidate/{first['candidate_id']}"
    if "session_id" in first:
        return f"jury/{first['session_id']}"
    return str(stream)


class Queries:
    """Reads of one store (seeing the unit of work's batch where it matters)."""

    def __init__(self, store: Store, uow: UnitOfWork) -> None:
        self.store = store
        self.uow = uow

    def versions(self, *, refresh: bool = False) -> Versions:
        return self.uow.versions(refresh=refresh)

    def position(self) -> int:
        """The log's last position."""
        return self.store.recorder.max_notification_id() or 0

    def is_initialised(self) -> bool:
        return self.uow.exists(REFERENTIAL_STREAM)

    # Aggregates, for what the write side would decide.

    def candidate(self, candidate_id: str) -> Candidate:
        from ledger.candidate import Candidate

        found = self.uow.load(candidate_stream(candidate_id))
        if found is None:
            raise NotFound(
                _("candidate {candidate_id} not found").format(candidate_id=candidate_id)
            )
        assert isinstance(found, Candidate)
        return found

    def session(self, session_id: str) -> JurySession:
        from ledger.jury import JurySession

        found = self.uow.load(session_stream(session_id))
        if found is None:
            raise NotFound(_("jury session {session_id} not found").format(session_id=session_id))
        assert isinstance(found, JurySession)
        return found

    def propose(self, session_id: str, candidate_id: str) -> Proposal:
        """What the candidate could be granted at the session's date, by the same rules.

        A session convened in advance may be looked at before it sits.
        """
        session = self.session(session_id)
        candidate = self.candidate(candidate_id)
        versions = self.versions()
        ref = versions.at(session.sits_on).referential
        everything = review_in_session(
            session, candidate, versions, [c.code for c in ref.competencies]
        )
        # A VAE decision rests on the procedure itself: nothing is backed until it is complete.
        backed = [
            code
            for code, backing in everything.evidence.items()
            if backing is not None and everything.vae_gap is None
        ]
        review = review_in_session(session, candidate, versions, backed)
        blocks = tuple(code for code, s in review.blocks.items() if s.eligible)
        return Proposal(
            review=review,
            sits_on=session.sits_on,
            can_validate=tuple(c for c in backed if c not in review.counting_before),
            blocks_eligible=blocks,
            title_eligible=review.title_allowed(blocks),
        )

    # Streams as facts.

    def stream_facts(
        self, aggregate_id: UUID, stream: str | None = None, *, personal: bool = True
    ) -> list[Fact]:
        """A stream's facts straight from the store, lightly decoded, with log positions.

        Without a `stream` label, candidate and jury streams are named after their first event.
        Without `personal`, personal data stays sealed and the states are read as the scans
        read them (`light_fact`: what a status needs, without the key or the field types).
        """
        mapper = self.store.ledger_mapper
        read: Read = mapper.light_fact
        if personal:

            def read(
                topic: str, state: bytes, label: str, version: int, position: int | None
            ) -> Fact:
                data = mapper.decode_state(topic, state, aggregate_id, version)
                return fact_of_state(topic, data, label, version, position)

        facts = [
            read(topic, state, stream or "", version, position)
            for position, __, version, topic, state in select_stream(
                self.store.recorder, aggregate_id
            )
        ]
        if stream is None and facts:
            label = _label(facts[0].data, aggregate_id)
            facts = [fact._replace(stream=label) for fact in facts]
        return facts

    def candidate_facts(self, candidate_id: str, *, personal: bool = True) -> list[Fact]:
        facts = self.stream_facts(
            candidate_stream(candidate_id), f"candidate/{candidate_id}", personal=personal
        )
        if not facts:
            raise NotFound(
                _("candidate {candidate_id} not found").format(candidate_id=candidate_id)
            )
        return facts

    def session_facts(self, session_id: str) -> list[Fact]:
        return self.stream_facts(session_stream(session_id), f"jury/{session_id}")

    def history_facts(self, candidate_id: str) -> list[Fact]:
        """Every fact about a candidate: their stream, and the convening of each jury session
        that decided about them."""
        facts = self.candidate_facts(candidate_id)
        sessions = sorted({f.data["session"] for f in facts if f.type == "DecisionRecorded"})
        for session_id in sessions:
            facts += self.session_facts(session_id)
        return facts

    def convenings(self, session_ids: Sequence[str]) -> dict[str, Fact]:
        """The convening fact of each of these jury sessions (those on file)."""
        found = {}
        for session_id in session_ids:
            facts = self.session_facts(session_id)
            if facts:
                found[session_id] = facts[0]
        return found

    def scan_candidates(
        self,
        *,
        personal: bool = False,
        shard: tuple[int, int] = (0, 1),
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[list[Fact]]:
        """Every candidate stream's facts, one stream at a time (one pass over the store), or
        those of shard `(i, n)` only (n processes can then share a replay).

        Personal data stays sealed unless `personal` (the CPF flow needs it; replays,
        statistics and audits do not, and skip the key lookups).
        """
        mapper = self.store.ledger_mapper
        unseal: Unseal | None = None
        if personal:
            self.store.keys.preload()

            def unseal(topic: str, data: dict[str, Any], stream: Any, version: int) -> None:
                mapper.unseal_state(topic, data, as_uuid(stream), version)

        rows = scan_streams(self.store.recorder, "CandidateEnrolled", shard=shard)
        return counted(candidate_streams(rows, mapper.light_fact, unseal), progress)

    def candidate_count(self) -> int:
        """How many candidate streams the ledger holds (what a scan of them reads)."""
        return count_streams(self.store.recorder, "CandidateEnrolled")

    def candidate_ids(self) -> list[str]:
        """Every enrolled candidate's id, in enrolment recording order."""
        decode = self.store.ledger_mapper.decode_state
        return [
            decode(topic, state)["candidate_id"]
            for __, __, __, topic, state in scan_log(
                self.store.recorder, topics=["CandidateEnrolled"]
            )
        ]

    def conveners(self) -> dict[str, Fact]:
        """Every jury session's convening, by session id."""
        found: dict[str, Fact] = {}
        decode = self.store.ledger_mapper.decode_state
        for position, __, version, topic, state in scan_log(
            self.store.recorder, topics=["JuryConvened"]
        ):
            data = decode(topic, state)
            session = data["session_id"]
            found[session] = fact_of_state(topic, data, f"jury/{session}", version, position)
        return found

    def certificate_owner(self, number: str) -> str:
        from ledger.claims import Claim

        claim = self.uow.load(claim_stream("certificate", number))
        if claim is None:
            raise NotFound(_("certificate {number} not found").format(number=number))
        assert isinstance(claim, Claim)
        return str(claim.value["candidate"])

    # Transmissions to the regulator.

    def transmitted(self) -> dict[str, str]:
        """The digest last sent for each passage (idTechnique) of the CPF flow."""
        return dict(self.cpf_standing()[0].sent)

    def cpf_standing(self) -> tuple[Standing, int]:
        """Every passage's standing with the Caisse des Dépôts (sent in which flow, answered
        how), and how many events the transmissions stream held when it was read (0 before
        the first flow): both from one read, so that they agree."""
        from ledger.standing import Standing
        from ledger.transmission import Transmissions

        found = self.uow.load(TRANSMISSIONS_STREAM)
        if found is None:
            return Standing(), 0
        assert isinstance(found, Transmissions)
        return found.standing, found.version

    def transmission_facts(self) -> list[Fact]:
        return self.stream_facts(TRANSMISSIONS_STREAM, "transmissions")
