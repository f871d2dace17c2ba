"""Persistence: the event store on SQLite or PostgreSQL, and what is kept beside the events.

`Store` is the eventsourcing library's application opened on a store URL: its recorder
(chained, `chain.py`), mapper (`mapper.py`) and repository, and the candidates' keys
(`keys.py`). Every error of the database or its driver is translated here into one clear
`StoreError`; what differs between databases is in `dialects.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import Environment, EnvType

from ledger.exceptions import LedgerError, ReadOnly, StoreError
from ledger.i18n import N_, _
from ledger.store.dialects import Snapshot, first_line, not_a_ledger
from ledger.store.keys import KeyFile, KeyStore
from ledger.store.mapper import LedgerMapper
from ledger.store.urls import StoreURL, parse_store_url

__all__ = [
    "Store",
    "StoreURL",
    "failure",
    "from_store",
    "parse_store_url",
    "project",
    "translated",
]


@contextmanager
def translated(url: StoreURL, doing: str = N_("open the ledger at")) -> Iterator[None]:
    """Turn the database's and the library's errors into one clear StoreError."""
    try:
        yield
    except LedgerError:
        raise
    except Exception as e:
        error = failure(url, e, doing)
        if error is None:
            raise
        raise error from None


def from_store(url: StoreURL, error: BaseException) -> bool:
    """Whether an error is the library's, the database's or its driver's."""
    return isinstance(error, PersistenceError) or url.dialect.is_driver_error(error)


def failure(url: StoreURL, error: BaseException, doing: str) -> StoreError | None:
    """The StoreError that an error of the library, the database or its driver stands for
    (`doing`: what was being done, untranslated), None for any other error."""
    if not from_store(url, error):
        return None
    return StoreError(
        _("cannot {doing} {url}: {first_line}").format(
            doing=_(doing), url=url, first_line=first_line(error)
        )
    )


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """The aggregate with each event applied in turn: the library's `project_aggregate`
    without its check of each event against a runtime-checkable Protocol (an `isinstance`
    that walks the Protocol's attributes: tens of µs an event, and a certificate register's
    snapshot replays one event per certificate of its year). Every event of the ledger is an
    aggregate event, which mutates its aggregate (tests/ledger/test_library_hooks.py holds the
    two equal)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class Store(Application[UUID]):
    """The library's application on one store: recorder, mapper, repository, keys."""

    name = "certledger"

    def __init__(
        self,
        url: StoreURL,
        *,
        create: bool = False,
        read_only: bool = False,
        snapshotting: dict[str, int] | None = None,
        keys: Path | None = None,
    ) -> None:
        if read_only and create:
            raise ReadOnly(_("the ledger is open read-only: it cannot be created"))
        self.url = url
        self.dialect = url.dialect
        self.read_only = read_only
        self.snapshotting = snapshotting or {}
        with translated(url):
            if not create:
                state = self.dialect.state(url)
                if state == "creating":
                    raise StoreError(
                        _(
                            "the ledger at {url} is being created by another `certledger "
                            "init`: try "
                            "again in a moment"
                        ).format(url=url)
                    )
                if state == "abandoned":
                    raise StoreError(
                        _(
                            "the ledger at {url} was left half made by a `certledger init` "
                            "that was cut off: run `certledger init` again"
                        ).format(url=url)
                    )
                if state in ("empty", "foreign"):
                    raise StoreError(
                        _(
                            "{problem}: restore the ledger from a backup, or remove the file "
                            "and run `certledger init`"
                        ).format(problem=not_a_ledger(url, state))
                    )
                if state != "ready":
                    raise StoreError(
                        _("no ledger at {url}: run `certledger init` first").format(url=url)
                    )
            if create:
                self.dialect.prepare(url)
            env = {
                **self.dialect.env(url, read_only=read_only, create=create),
                "MAPPER_TOPIC": "ledger.store.mapper:LedgerMapper",
                "IS_SNAPSHOTTING_ENABLED": "y",
            }
            super().__init__(env)
            self.recorder.max_notification_id()
        self.key_file = KeyFile(keys or url.default_key_file())
        self.keys = KeyStore(self.recorder, self.key_file)
        self.recorder.keys = self.keys  # type: ignore[attr-defined]
        self.ledger_mapper.keys = self.keys
        if create:
            with translated(url, N_("create the ledger at")):
                if not self.dialect.read(self.recorder, "SELECT 1 FROM {ledger_kek}"):
                    self.keys.create()

    @cached_property
    def snapshotting_intervals(self) -> dict[type[Any], int]:  # type: ignore[override]
        """How often the library snapshots each aggregate class (when it saves one): given by
        topic and resolved on first use, so that opening a store for a read imports none of
        the aggregates (tests/ledger/test_library_hooks.py pins that the library asks here)."""
        from ledger.store.mapper import resolve_topic

        return {resolve_topic(topic): every for topic, every in self.snapshotting.items()}

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Settings come from the store URL only, never from stray environment variables.
        return Environment(name, dict(env or {}))

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """Reads that all see one state of the store (`Dialect.snapshot`)."""
        with self.dialect.snapshot(self.url, self.recorder) as snapshot:
            yield snapshot

    @property
    def ledger_mapper(self) -> LedgerMapper:
        mapper = self.mapper
        assert isinstance(mapper, LedgerMapper)
        return mapper

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.read_only:
            raise ReadOnly(_("the ledger is open read-only: nothing can be recorded"))
        try:
            recordings = super().save(*objs, **kwargs)
        except BaseException:
            self.keys.forget()
            raise
        self.keys.committed()
        return recordings
