"""The referential stream: the versions of the rules published, and which one is in force."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.exceptions import AlreadyExists, NotFound, RuleViolation
from ledger.facts import Fact, fact_of
from ledger.i18n import _, show_date
from ledger.ids import stream_id
from ledger.referential import Referential, parse_referential

REFERENTIAL_STREAM = stream_id("referential")


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    version: str
    effective_from: date
    sha256: str
    referential: Referential
    fact: Fact
    predecessor: str | None = None
    """For a renewed fiche's first version: the fiche it succeeds (its code)."""
    correspondence: tuple[tuple[str, str], ...] = ()
    """Its blocks for the predecessor's: (old block code, new block code)."""


@lru_cache(maxsize=32)
def _parse(content: str, sha256: str) -> Referential:
    source = _("published version {digest}").format(digest=sha256[:12])
    return parse_referential(content, source, new=False)


def published_version(fact: Fact) -> PublishedVersion:
    data = fact.data
    return PublishedVersion(
        version=data["version"],
        effective_from=fact.effective_on,
        sha256=data["sha256"],
        referential=_parse(data["content"], data["sha256"]),
        fact=fact,
    )


def with_successions(
    published: Iterable[PublishedVersion], facts: Iterable[Fact]
) -> list[PublishedVersion]:
    """The published versions, each renewed fiche's first one with the succession declared
    for it (`SuccessionDeclared` facts)."""
    declared = {f.data["version"]: f for f in facts if f.type == "SuccessionDeclared"}
    out = []
    for version in published:
        fact = declared.get(version.version)
        if fact is not None:
            pairs = tuple((p["old"], p["new"]) for p in fact.data["correspondence"])
            version = replace(version, predecessor=fact.data["predecessor"], correspondence=pairs)
        out.append(version)
    return out


class Versions:
    """The published versions, answering which one is in force on a day."""

    def __init__(self, published: Iterable[PublishedVersion]) -> None:
        self.all = sorted(published, key=lambda p: (p.effective_from, p.fact.version))
        self._starts = [p.effective_from for p in self.all]
        self.unknown_before: datetime | None = None
        """When none is known yet (`known_at` an earlier instant): when the first was recorded."""

    def __bool__(self) -> bool:
        return bool(self.all)

    def at(self, day: date) -> PublishedVersion:
        """The latest version whose effective_from <= day (rule 1 when there is none)."""
        i = bisect.bisect_right(self._starts, day)
        if i == 0 and self.unknown_before is not None:
            raise NotFound(
                _(
                    "nothing was recorded yet at that instant: the ledger's first referential "
                    "was recorded at {instant}"
                ).format(instant=self.unknown_before.isoformat())
            )
        if i == 0:
            first = self.all[0].effective_from.isoformat() if self.all else "never"
            raise RuleViolation(
                1,
                _("no referential is in force on {day} (the first applies from {first})").format(
                    day=show_date(day), first=first
                ),
            )
        return self.all[i - 1]

    def known_at(self, instant: datetime | None, position: int | None = None) -> Versions:
        known = Versions(p for p in self.all if p.fact.known_at(instant, position))
        if not known and self.all:
            known.unknown_before = min(p.fact.recorded_at for p in self.all)
        return known

    def by_version(self, version: str) -> PublishedVersion | None:
        return next((p for p in self.all if p.version == version), None)

    def block_on(self, code: str, awarded_on: date, day: date) -> str:
        """What a block awarded on `awarded_on` is called on `day`: renewals between the two
        days carry it to the new fiche's block by their correspondence (a block the
        correspondence does not name keeps its code)."""
        for published in self.all:
            if awarded_on < published.effective_from <= day and published.correspondence:
                code = dict(published.correspondence).get(code, code)
        return code

    def registration_ended(self, day: date, enrolled_on: date) -> tuple[str, date] | None:
        """Rule 6 seen ahead: when no block or title can be awarded on `day` or later to a
        candidate enrolled on `enrolled_on` — no registration of the fiche in force, nor of
        any version published to take effect later, covers `day` or a later day — the fiche
        and the day its last registration ended; else None."""
        current = self.at(day).referential
        if current.award_after_registration_for_enrolled_before and current.registered_on(
            enrolled_on
        ):
            return None
        ends = [
            r.end
            for p in self.all
            if p.effective_from > day or p.referential is current
            for r in p.referential.registrations
        ]
        if not ends or max(ends) >= day:
            return None
        return current.code, max(ends)

    def registration_warnings(self, day: date, enrolled_on: date) -> list[str]:
        """What to warn a registrar of on `day` (see `registration_ended`)."""
        ended = self.registration_ended(day, enrolled_on)
        if ended is None:
            return []
        code, end = ended
        return [
            _(
                "{code} registration ended on {end}: no block or title can be awarded (rule 6)"
            ).format(code=code, end=show_date(end))
        ]

    def successions_between(self, start: date, until: date | None) -> list[date]:
        """The days a renewal took effect in (start, until)."""
        return [
            p.effective_from
            for p in self.all
            if p.correspondence
            and start < p.effective_from
            and (until is None or p.effective_from < until)
        ]


class ReferentialStream(Aggregate):
    """The one stream of published referential versions."""

    TOPIC = "ReferentialStream"

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Started(Event, Aggregate.Created):
        TOPIC = "ReferentialStreamStarted"

    Created = Started

    class Published(Event):
        TOPIC = "ReferentialPublished"
        version: str
        content: str
        sha256: str

        def apply(self, aggregate: Any) -> None:
            aggregate.published.append(published_version(fact_of(self, "referential")))

    class Succeeded(Event):
        TOPIC = "SuccessionDeclared"
        version: str
        predecessor: str
        correspondence: tuple[dict[str, str], ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.successions.append(fact_of(self, "referential"))

    def __init__(self) -> None:
        self.published: list[PublishedVersion] = []
        self.successions: list[Fact] = []

    @classmethod
    def start(cls, effective_on: date, recorded_by: str, timestamp: datetime) -> ReferentialStream:
        return cls._create(
            cls.Started,
            id=REFERENTIAL_STREAM,
            effective_on=effective_on,
            recorded_by=recorded_by,
            timestamp=timestamp,
        )

    def check_publishable(self, version: str) -> None:
        for p in self.published:
            if p.version == version:
                raise AlreadyExists(
                    _(
                        "referential version {version} is already published (effective from "
                        "{effective_from}, sha256 {digest}…); give the new content a new version"
                    ).format(
                        version=version,
                        effective_from=show_date(p.effective_from),
                        digest=p.sha256[:12],
                    )
                )

    def publish(
        self,
        version: str,
        content: str,
        sha256: str,
        effective_from: date,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        self.check_publishable(version)
        self.trigger_event(
            self.Published,
            version=version,
            content=content,
            sha256=sha256,
            effective_on=effective_from,
            recorded_by=recorded_by,
            timestamp=timestamp,
        )

    def declare_succession(
        self,
        version: str,
        predecessor: str,
        correspondence: tuple[tuple[str, str], ...],
        effective_from: date,
        recorded_by: str,
        timestamp: datetime,
    ) -> None:
        """The version just published renews fiche `predecessor`: its blocks for the old ones."""
        self.trigger_event(
            self.Succeeded,
            version=version,
            predecessor=predecessor,
            correspondence=tuple({"old": old, "new": new} for old, new in correspondence),
            effective_on=effective_from,
            recorded_by=recorded_by,
            timestamp=timestamp,
        )

    @property
    def versions(self) -> Versions:
        return Versions(with_successions(self.published, self.successions))
