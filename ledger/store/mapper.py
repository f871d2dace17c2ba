"""The event mapper: events to stored rows with orjson, rows back to typed events with pydantic;
personal data sealed with the candidate's own key on the way in, unsealed on the way out."""

from __future__ import annotations

import base64
import dataclasses
import importlib
import os
from datetime import date, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, cast, get_type_hints
from uuid import UUID

import orjson
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import TopicError, get_topic
from eventsourcing.utils import resolve_topic as _resolve_topic

from ledger.exceptions import FACT_ERRORS, MalformedEvent
from ledger.facts import Fact, Read, from_fields
from ledger.i18n import _
from ledger.store.chain import as_uuid

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from ledger.store.keys import KeyStore, Lookup

_NOT_STATE = ("originator_id", "originator_version")

_AGGREGATE_INSTANTS = ("_created_on", "_modified_on")
"""The instants the library keeps on every aggregate (what a snapshot's state holds beside
the aggregate's own attributes, none of which is a date)."""

SEALED: dict[str, tuple[str, ...]] = {
    "CandidateEnrolled": ("linked_persons",),
    "IdentityRecorded": ("identity",),
    "IdentityRectified": ("changes", "reason"),
    "PersonLinked": ("name",),
    "CandidateWithdrew": ("reason",),
    "DecisionRecorded": ("derogation",),
    "DecisionRectified": ("reason", "changes.derogation"),
    "DecisionAnnulled": ("reason",),
    "CertificateRevoked": ("reason",),
}
"""The personal data on a candidate's stream, sealed with the candidate's own key: their
identity, the names of persons linked to them, and the free texts written about them (a
`field.key` names a key inside a field). The reason given for an erasure stays readable: it
says why the rest cannot be read (write no personal data in it)."""


EVENT_MODULES = (
    "ledger.candidate",
    "ledger.claims",
    "ledger.credentials",
    "ledger.jury",
    "ledger.publication",
    "ledger.transmission",
)
"""The modules that define the ledger's events: each class registers its topic with the
library when its module is imported."""


@cache
def _events_defined() -> None:
    for module in EVENT_MODULES:
        importlib.import_module(module)


def resolve_topic(topic: str) -> Any:
    """The event class of a topic, its module imported first: a read that decodes events only
    lightly (a status) never imports the aggregates, the others do it here."""
    _events_defined()
    return _resolve_topic(topic)


def _get(state: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    """The dict holding `path` (`field` or `field.key`) in a state, and the key, if present."""
    field, _, inner = path.partition(".")
    if not inner:
        return (state, field) if state.get(field) is not None else None
    holder = state.get(field)
    if isinstance(holder, dict) and holder.get(inner) is not None:
        return holder, inner
    return None


@cache
def _state_adapter(topic: str) -> TypeAdapter[dict[str, Any]]:
    """A pydantic adapter that decodes one event class's JSON state with its field types."""
    from pydantic import TypeAdapter
    from typing_extensions import TypedDict

    cls = resolve_topic(topic)
    hints = get_type_hints(cls)
    sealed = {path.partition(".")[0] for path in SEALED.get(topic, ()) if "." not in path}
    fields = {
        f.name: Any if f.name in sealed else hints[f.name]
        for f in dataclasses.fields(cls)
        if f.name not in _NOT_STATE
    }
    shape = TypedDict(f"{cls.__name__}State", fields)  # type: ignore[misc]
    return cast(TypeAdapter[dict[str, Any]], TypeAdapter(shape))


@cache
def _field_adapter(topic: str, field: str) -> TypeAdapter[Any]:
    """A pydantic adapter for one field of an event class (a sealed field, once unsealed)."""
    from pydantic import TypeAdapter

    return TypeAdapter(get_type_hints(resolve_topic(topic))[field])


TIMES = ("timestamp", "effective_on")
"""The time fields of every event of the ledger: when it was recorded (the library's
`timestamp`), the day it takes effect (`effective_on` of each aggregate's `Event`)."""

MORE_DAYS = {"VaeAdmitted": "livret1_accepted_on", "VaeInterviewHeld": "livret2_received_on"}
"""The events that hold one more day, and its field (tests/ledger/test_storage.py holds this
table and `TIMES` equal to the event classes' annotations: the light reader reads them
instead, so that a read does not import the aggregates' modules)."""


class LedgerMapper(Mapper[UUID]):
    """Events to stored rows with orjson; rows back to typed events with pydantic.

    orjson writes dates, datetimes and UUIDs natively; pydantic reads them back using the
    event class's annotations, so no transcoding has to be registered by hand.
    """

    keys: KeyStore | None = None
    """Set by the store: the candidates' keys that seal their personal data."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        return StoredEvent(*self.encode(domain_event))

    def encode(self, domain_event: DomainEventProtocol[UUID]) -> tuple[UUID, int, str, bytes]:
        """What `to_stored_event` stores, as a plain tuple: (stream, version, topic, state),
        the state orjson with its personal data sealed. An import stages hundreds of
        thousands of events: a tuple each is cheaper than a frozen dataclass each."""
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        topic = get_topic(type(domain_event))
        paths = SEALED.get(topic, ())
        if paths and self.keys is not None:
            for path in paths:
                field, _, inner = path.partition(".")
                if inner and isinstance(state.get(field), dict):
                    state[field] = dict(state[field])  # never change the event itself
                found = _get(state, path)
                if found is None:
                    continue
                holder, name = found
                if holder[name] in ((), []):
                    # An empty list names no one: kept as is, so that once the key is
                    # destroyed it still says there was no one (rule 3 needs no names then).
                    continue
                key = self.keys.sealing_key(originator_id, originator_version)
                holder[name] = (
                    seal(key, originator_id, originator_version, path, holder[name])
                    if key is not None
                    else {"erased": True}  # written about an erased candidate: not kept
                )
        data = orjson.dumps(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return originator_id, originator_version, topic, data

    def _plain(self, data: bytes) -> bytes:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return data

    def decode_state(
        self, topic: str, data: bytes, originator_id: UUID | None = None, version: int = 0
    ) -> dict[str, Any]:
        """The typed attributes of a stored event, without building the event object.

        Personal data comes back unsealed with the candidate's key, or `{"erased": true}`
        once the key is destroyed.
        """
        try:
            state = _state_adapter(topic).validate_json(self._plain(data))
            if originator_id is not None:
                self.unseal_state(topic, state, originator_id, version)
                for path in SEALED.get(topic, ()):
                    value = state.get(path)
                    if "." not in path and value is not None and not _marker(value):
                        state[path] = _field_adapter(topic, path).validate_python(value)
        except (*FACT_ERRORS, TopicError):  # pydantic's ValidationError is a ValueError
            stream = f"stream {originator_id}" if originator_id is not None else ""
            raise MalformedEvent(stored_event_name(stream, version, None)) from None
        return state

    def unseal_state(
        self, topic: str, state: dict[str, Any], originator_id: UUID, version: int
    ) -> None:
        """Unseal, in place, the personal data a decoded state holds."""
        for path in SEALED.get(topic, ()):
            found = _get(state, path)
            if found is not None:
                holder, name = found
                key = self.keys.lookup(originator_id) if self.keys is not None else "sealed"
                holder[name] = unseal(key, originator_id, version, path, holder[name])

    @cached_property
    def light_fact(self) -> Read:
        """Reads a stored event as a fact, for reading only: its JSON as is (lists stay
        lists), its dates and instants parsed, personal data left sealed; called with (topic,
        state, stream label, version, log position). About twice as fast as `decode_state`
        with the field types, in one call per event: the scans that fold every candidate
        (replay, statistics, the status view's check) read every event this way, and so does
        `status`. A scan that needs personal data unseals the fact's data after
        (`unseal_state`). Built once per mapper, its names bound (a replay calls it for
        every event)."""
        plain = self._plain if self.cipher or self.compressor else None
        loads, day, instant, more_days = (
            orjson.loads,
            date.fromisoformat,
            datetime.fromisoformat,
            MORE_DAYS,
        )

        def light_fact(
            topic: str, data: bytes, stream: str, version: int, position: int | None = None
        ) -> Fact:
            try:
                state: dict[str, Any] = loads(data if plain is None else plain(data))
                more = more_days.get(topic)
                if more is not None and state.get(more) is not None:
                    state[more] = day(state[more])
                state.pop("originator_topic", None)
                return from_fields(
                    Fact,
                    (
                        topic,
                        stream,
                        version,
                        day(state.pop("effective_on")),
                        instant(state.pop("timestamp")),
                        state.pop("recorded_by"),
                        state,
                        position,
                    ),
                )
            except FACT_ERRORS:
                raise MalformedEvent(stored_event_name(stream, version, position)) from None

        return light_fact

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        originator_id = as_uuid(stored_event.originator_id)
        state = self.decode_state(
            stored_event.topic, stored_event.state, originator_id, stored_event.originator_version
        )
        state["originator_id"] = originator_id
        state["originator_version"] = stored_event.originator_version
        if issubclass(cls, CanSnapshotAggregate):
            # The aggregate's own instants, stored as JSON text inside the snapshot's state.
            aggregate = state["state"]
            for name in _AGGREGATE_INSTANTS:
                if isinstance(aggregate.get(name), str):
                    aggregate[name] = datetime.fromisoformat(aggregate[name])
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event  # type: ignore[no-any-return]


def stored_event_name(stream: str, version: int, position: int | None) -> str:
    """A stored event as a message names it: `candidate/V1#5`, with its log position."""
    name = f"{stream}#{version}" if stream else _("event #{version}").format(version=version)
    if position is None:
        return name
    return _("{name} (log position {position})").format(name=name, position=position)


def _marker(value: Any) -> bool:
    """Whether a value stands for personal data that cannot be read (sealed or erased)."""
    return isinstance(value, dict) and ("sealed" in value or "erased" in value) and len(value) == 1


def _place(stream: UUID, version: int, path: str) -> bytes:
    """What a sealed value is bound to: its stream, its event, its field."""
    return stream.bytes + version.to_bytes(8, "big") + path.encode("utf-8")


def seal(key: bytes, stream: UUID, version: int, path: str, value: Any) -> dict[str, str]:
    """Personal data encrypted (AES-GCM) with the candidate's key, bound to its place."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    aad = _place(stream, version, path)
    sealed = AESGCM(key).encrypt(nonce, orjson.dumps(value), aad)
    return {"sealed": base64.b64encode(nonce + sealed).decode("ascii")}


def unseal(key: Lookup, stream: UUID, version: int, path: str, value: Any) -> Any:
    """The plain personal data; `{"erased": True}` when the key was destroyed, `{"sealed":
    True}` when it cannot be read here."""
    if not (isinstance(value, dict) and "sealed" in value):
        return value
    if not isinstance(key, bytes):
        return {key: True}
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aad = _place(stream, version, path)
    try:
        blob = base64.b64decode(value["sealed"])
        return orjson.loads(AESGCM(key).decrypt(blob[:12], blob[12:], aad))
    except (InvalidTag, ValueError, TypeError):
        # Not sealed with this key (a key made after an erasure by an earlier version, or
        # the bytes altered, which `verify` names): unreadable, not a crash.
        return {"sealed": True}
