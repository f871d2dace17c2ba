"""The one tree of errors the ledger raises; the CLI turns each into `Error: ...`, exit 1."""

from __future__ import annotations

from collections.abc import Sequence

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
}


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

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


class ReferentialInvalid(LedgerError):
    """A referential file failed validation; `problems` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "invalid"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"referential {source} is invalid: {first}{more}")


class StoreError(LedgerError):
    """The store cannot be opened or used as asked."""


class ExportInvalid(LedgerError):
    """France Compétences' open-data export cannot be read: the message names the file, and
    the line and column when one value is at fault."""
