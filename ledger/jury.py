"""The jury session stream: one session convened on a date, with its members and president."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate

from ledger.clock import Actor
from ledger.exceptions import InvalidInput, RuleViolation
from ledger.i18n import _
from ledger.ids import check_identifier, session_stream
from ledger.text import normalise_name


class JurySession(Aggregate):
    """A jury session: who sits, in which role and for which side, and who presides."""

    TOPIC = "JurySession"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Convened(Event, Aggregate.Created):
        TOPIC = "JuryConvened"
        session_id: str
        members: tuple[dict[str, str], ...]
        president: str

    Created = Convened

    def __init__(
        self,
        session_id: str,
        members: tuple[dict[str, str], ...],
        president: str,
        effective_on: date,
    ) -> None:
        self.session_id = session_id
        self.members = members
        self.president = president
        self.sits_on = effective_on

    @classmethod
    def convene(
        cls,
        session_id: str,
        sits_on: date,
        members: tuple[dict[str, str], ...],
        president: str,
        by: Actor,
    ) -> JurySession:
        check_identifier("session", session_id)
        if not members:
            raise InvalidInput(
                _("jury session {session_id} needs at least one member").format(
                    session_id=session_id
                )
            )
        seen: dict[str, str] = {}
        for member in members:
            key = normalise_name(member["name"])
            if not key:
                raise InvalidInput(
                    _("jury session {session_id}: a member has no name").format(
                        session_id=session_id
                    )
                )
            if key in seen:
                raise InvalidInput(
                    _("jury session {session_id}: {member} is listed twice").format(
                        session_id=session_id, member=seen[key]
                    )
                )
            seen[key] = member["name"]
        if normalise_name(president) not in seen:
            raise RuleViolation(
                3,
                _(
                    "jury session {session_id}: the president {president} is not one of its "
                    "members ({listing})"
                ).format(
                    session_id=session_id, president=president, listing=", ".join(seen.values())
                ),
            )
        return cls._create(
            cls.Convened,
            id=session_stream(session_id),
            session_id=session_id,
            members=members,
            president=president,
            effective_on=sits_on,
            recorded_by=by.name,
            timestamp=by.now(),
        )
