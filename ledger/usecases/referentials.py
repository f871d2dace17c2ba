"""Start the ledger with its first referential, and publish later versions of the rules."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.exceptions import AlreadyExists
from ledger.publication import REFERENTIAL_STREAM, ReferentialStream
from ledger.referential import (
    DEFAULT_EFFECTIVE_FROM,
    Referential,
    default_referential_text,
    parse_referential,
    sha256,
)
from ledger.unit_of_work import Result, Transaction
from ledger.usecases.common import check_not_future

if TYPE_CHECKING:
    from ledger.application import Ledger


def published(ref: Referential, content: str, start: date) -> Result:
    return {
        "id": ref.version,
        "version": ref.version,
        "effective_from": start.isoformat(),
        "sha256": sha256(content),
    }


def initialise(
    ledger: Ledger,
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
    check_not_future(ledger, start, "the referential version")

    def work(tx: Transaction) -> Result:
        if tx.exists(REFERENTIAL_STREAM):
            raise AlreadyExists(f"the ledger at {ledger.store} is already initialised")
        stream = ReferentialStream.start(start, tx.actor.name, tx.actor.now())
        stream.publish(ref.version, content, sha256(content), start, tx.actor.name, tx.actor.now())
        tx.record(stream)
        return published(ref, content, start)

    params = {"sha256": sha256(content), "from": start}
    return ledger.uow.run("init", params, work, by=by, request_id=request_id)


def publish(
    ledger: Ledger,
    text: str,
    effective_from: date,
    *,
    by: str,
    source: str = "referential",
    request_id: str | None = None,
) -> Result:
    """Publish a new version of the rules, in force for facts dated from `effective_from`."""
    ref = parse_referential(text, source)
    check_not_future(ledger, effective_from, "the referential version")

    def work(tx: Transaction) -> Result:
        stream = tx.get(
            REFERENTIAL_STREAM,
            ReferentialStream,
            f"the ledger at {ledger.store} has no referential: run `certledger init`",
        )
        stream.publish(
            ref.version, text, sha256(text), effective_from, tx.actor.name, tx.actor.now()
        )
        tx.record(stream)
        return published(ref, text, effective_from)

    params = {"sha256": sha256(text), "from": effective_from}
    return ledger.uow.run("referential publish", params, work, by=by, request_id=request_id)
