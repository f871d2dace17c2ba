"""The one tree of errors the ledger raises; the CLI turns each into `Error: ...`, exit 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RULE_NAMES = {
    1: "codes",
    2: "enrolment and session",
    3: "jury composition",
    4: "evidence",
    5: "thresholds",
    6: "RNCP registration",
    7: "certificates",
    8: "dates",
    9: "idempotency",
    10: "withdrawal",
    11: "personal data",
    12: "access routes",
    13: "names",
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


class RuleViolation(LedgerError):
    """A command broke one of the numbered rules of DOMAIN.md §4; nothing was written."""

    def __init__(self, rule: int, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"rule {rule} ({RULE_NAMES[rule]}): {detail}")


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
        first = self.problems[0] if self.problems else "invalid"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"referential {source} is invalid: {first}{more}")


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


class ReadOnly(LedgerError):
    """The ledger was opened read-only (an auditor's session): no command may record."""


class ConcurrentWrite(LedgerError):
    """Another writer kept changing the same records; the command was not recorded."""


class OutputError(LedgerError):
    """A file the command writes cannot be written (a missing folder, no permission, a full
    disk): nothing of it is left behind."""


class TransmissionRefused(LedgerError):
    """A CPF flow cannot be written or recorded as asked: no file is left behind."""
