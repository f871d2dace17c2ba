"""The one tree of errors the ledger raises; the CLI turns each into `Error: ...`, exit 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.i18n import N_, _

RULE_NAMES = {
    1: N_("codes"),
    2: N_("enrolment and session"),
    3: N_("jury composition"),
    4: N_("evidence"),
    5: N_("thresholds"),
    6: N_("RNCP registration"),
    7: N_("certificates"),
    8: N_("dates"),
    9: N_("idempotency"),
    10: N_("withdrawal"),
    11: N_("personal data"),
    12: N_("access routes"),
    13: N_("names"),
}


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    exit_code = 1
    """What the command line exits with: 1 a refusal or a thing not found, 2 bad input."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.values: dict[str, Any] = {}
        """The values the error is about, by name (`--json` prints them); empty: the command's."""

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Carried whole between processes (`projections/parallel.py`): rebuilt from its
        # fields, as its class's own arguments may not be the message (RuleViolation's).
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


def _rebuilt(cls: type[LedgerError], args: tuple[Any, ...], fields: dict[str, Any]) -> LedgerError:
    """A ledger error as `LedgerError.__reduce__` carried it."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(fields)
    return error


class RuleViolation(LedgerError):
    """A command broke one of the numbered rules of DOMAIN.md §4; nothing was written."""

    def __init__(self, rule: int, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(
            _("rule {rule} ({name}): {detail}").format(
                rule=rule, name=_(RULE_NAMES[rule]), detail=detail
            )
        )


class NotFound(LedgerError):
    """A candidate, session, decision, certificate or store the command names does not exist."""


class AlreadyExists(LedgerError):
    """The command would create something that exists already."""


class InvalidInput(LedgerError):
    """A value given to a command does not have the shape the ledger needs."""


class BadInput(InvalidInput):
    """A value that cannot be what it names (an INSEE code that is not one): bad input, exit
    code 2; `values` holds it under its field's name."""

    exit_code = 2

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.values = values


class BadIdentifier(InvalidInput):
    """An identifier someone typed does not have the allowed shape."""


class ReferentialInvalid(LedgerError):
    """A referential file failed validation; `problems` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        first = self.problems[0] if self.problems else _("invalid")
        more = (
            _(" (and {count} more)").format(count=len(self.problems) - 1)
            if len(self.problems) > 1
            else ""
        )
        super().__init__(
            _("referential {source} is invalid: {first}{more}").format(
                source=source, first=first, more=more
            )
        )


class ExportInvalid(LedgerError):
    """France Compétences' open-data export cannot be read: the message names the file, and
    the line and column when one value is at fault."""


class RowError(LedgerError):
    """A cell of an import file that cannot be read, or a row the rules refuse: where, and why."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


class StoreError(LedgerError):
    """The store cannot be opened or used as asked."""


class MalformedEvent(StoreError):
    """A stored event that no longer has the shape the ledger wrote (edited in the database):
    what reads it stops with one line naming it, and `verify` says what is wrong with it."""

    def __init__(self, where: str) -> None:
        super().__init__(
            _(
                "{where} is not as the ledger wrote it: nothing can be read from it (run "
                "`certledger verify`)"
            ).format(where=where)
        )


FACT_ERRORS = (KeyError, ValueError, TypeError, AttributeError)
"""What reading a malformed stored event raises (a missing key, a value of the wrong type or
shape): turned into `MalformedEvent` where events are read."""


class ReadOnly(LedgerError):
    """The ledger was opened read-only (an auditor's session): no command may record."""


class ConcurrentWrite(LedgerError):
    """Another writer kept changing the same records; the command was not recorded."""


class OutputError(LedgerError):
    """A file the command writes cannot be written (a missing folder, no permission, a full
    disk): nothing of it is left behind."""


class TransmissionRefused(LedgerError):
    """A CPF flow cannot be written or recorded as asked: no file is left behind."""
