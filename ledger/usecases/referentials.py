"""Start the ledger with its first referential, and publish later versions of the rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.exceptions import AlreadyExists, InvalidInput, RuleViolation
from ledger.i18n import _, show_date
from ledger.publication import REFERENTIAL_STREAM, ReferentialStream
from ledger.referential import (
    DEFAULT_EFFECTIVE_FROM,
    Referential,
    default_referential_text,
    parse_referential,
    sha256,
)
from ledger.text import check_text
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
    source: str = _("bundled RNCP13080 referential"),
    request_id: str | None = None,
) -> Result:
    """Start the ledger: publish the bundled referential (or the one given)."""
    content = text if text is not None else default_referential_text()
    start = effective_from or DEFAULT_EFFECTIVE_FROM
    ref = parse_referential(content, source)
    check_not_future(ledger, start, _("the referential version"))

    def work(tx: Transaction) -> Result:
        if tx.exists(REFERENTIAL_STREAM):
            raise AlreadyExists(
                _("the ledger at {store} is already initialised").format(store=ledger.store)
            )
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
    check_not_future(ledger, effective_from, _("the referential version"))

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


def read_correspondence(data: bytes, source: str) -> tuple[tuple[str, str], ...]:
    """A correspondence table (CSV, `,` or `;`, UTF-8 with or without BOM): one row per old
    block, its code and the new block's (header `old_block`, `new_block`)."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("correspondence {source}: not UTF-8 text").format(source=source)
        ) from None
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    try:
        rows = [[cell.strip() for cell in row] for row in reader if any(c.strip() for c in row)]
    except csv.Error as e:
        raise InvalidInput(
            _("correspondence {source}: not CSV ({e})").format(source=source, e=e)
        ) from None
    if not rows or [c.lower() for c in rows[0][:2]] != ["old_block", "new_block"]:
        raise InvalidInput(
            _("correspondence {source}: the header must be old_block,new_block").format(
                source=source
            )
        )
    pairs = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not all(row):
            raise InvalidInput(
                _("correspondence {source}, line {line}: two block codes expected").format(
                    source=source, line=line
                )
            )
        pairs.append((check_text(_("a block code"), row[0]), check_text(_("a block code"), row[1])))
    if not pairs:
        raise InvalidInput(_("correspondence {source}: no block in it").format(source=source))
    return tuple(pairs)


def succeed(
    ledger: Ledger,
    text: str,
    effective_from: date,
    correspondence: tuple[tuple[str, str], ...],
    *,
    by: str,
    source: str = "referential",
    request_id: str | None = None,
) -> Result:
    """Publish the referential of a renewed fiche (a new code, new blocks) from a date, with the
    correspondence of the old fiche's blocks to its own: a block awarded under the old fiche
    counts as its correspondent from that date; before it, nothing changes."""
    ref = parse_referential(text, source)
    check_not_future(ledger, effective_from, _("the renewed referential"))
    before = ledger.uow.versions().at(effective_from - timedelta(days=1))
    old = before.referential
    if ref.code == old.code:
        raise InvalidInput(
            _(
                "{source} is fiche {code}, the fiche in force before {effective_from}: a "
                "renewal under the same number is `referential publish`"
            ).format(source=source, code=ref.code, effective_from=show_date(effective_from))
        )
    seen: set[str] = set()
    pairs = []
    for old_code, new_code in correspondence:
        block, new_block = old.block(old_code), ref.block(new_code)
        if block is None:
            raise RuleViolation(
                1,
                _(
                    "correspondence: block {old_code} is not a block of {code} (referential "
                    "{version} in force the day before the renewal)"
                ).format(old_code=old_code, code=old.code, version=before.version),
            )
        if new_block is None:
            raise RuleViolation(
                1,
                _("correspondence: block {new_code} is not a block of {code}").format(
                    new_code=new_code, code=ref.code
                ),
            )
        if block.code in seen:
            raise InvalidInput(
                _("correspondence: block {code} is given twice").format(code=block.code)
            )
        seen.add(block.code)
        pairs.append((block.code, new_block.code))

    def work(tx: Transaction) -> Result:
        stream = tx.get(
            REFERENTIAL_STREAM,
            ReferentialStream,
            f"the ledger at {ledger.store} has no referential: run `certledger init`",
        )
        now = tx.actor.now()
        stream.publish(ref.version, text, sha256(text), effective_from, tx.actor.name, now)
        stream.declare_succession(
            ref.version, old.code, tuple(pairs), effective_from, tx.actor.name, tx.actor.now()
        )
        tx.record(stream)
        unmapped = [b.code for b in old.blocks if b.code not in seen]
        return {
            **published(ref, text, effective_from),
            "code": ref.code,
            "succeeds": old.code,
            "correspondence": [{"old": a, "new": b} for a, b in pairs],
            "unmapped": unmapped,
        }

    params = {"sha256": sha256(text), "from": effective_from, "pairs": pairs}
    return ledger.uow.run("referential succeed", params, work, by=by, request_id=request_id)
