"""Rule 7 on a candidate's side: what their dossier allows of a certificate (issue, revoke,
reinstate after a mistaken revocation, reissue), each check raising the rule it breaks."""

from __future__ import annotations

from datetime import date

from ledger.dossier import Decision, Dossier
from ledger.exceptions import RuleViolation


def check_certifiable(
    dossier: Dossier, decision: Decision, kind: str, subject: str, on: date
) -> None:
    """A live decision, dated on or before the certificate, whose award has none yet."""
    if decision.annulled:
        raise RuleViolation(7, f"decision {decision.id} was annulled: nothing to certify")
    if on < decision.on:
        raise RuleViolation(
            7,
            f"a certificate dated {on.isoformat()} would precede decision {decision.id} "
            f"of {decision.on.isoformat()}",
        )
    for certificate in dossier.certificates.values():
        if (
            certificate.decision == decision.id
            and certificate.kind == kind
            and certificate.subject == subject
        ):
            raise RuleViolation(
                7,
                f"certificate {certificate.number} was already issued on "
                f"{certificate.issued_on.isoformat()} for the {kind} {subject} of decision "
                f"{decision.id}; ask for a duplicate with `certificate reissue`",
            )


def _check_not_void(dossier: Dossier, number: str) -> None:
    certificate = dossier.certificates[number]
    if dossier.decisions[certificate.decision].annulled:
        raise RuleViolation(
            7, f"certificate {number} is void (decision {certificate.decision} was annulled)"
        )


def check_certificate_live(dossier: Dossier, number: str, on: date, doing: str) -> None:
    """A certificate neither void nor revoked, issued on or before `on` (to revoke or
    reissue it then)."""
    _check_not_void(dossier, number)
    certificate = dossier.certificates[number]
    if certificate.revocation is not None:
        raise RuleViolation(
            7,
            f"certificate {number} was revoked on "
            f"{certificate.revocation.effective_on.isoformat()}",
        )
    if on < certificate.issued_on:
        raise RuleViolation(
            7,
            f"cannot {doing} certificate {number} on {on.isoformat()}, before its issue on "
            f"{certificate.issued_on.isoformat()}",
        )


def check_revocable(dossier: Dossier, number: str, on: date) -> None:
    """A live certificate; after a reinstatement, a new revocation is dated no earlier than
    it, so that the certificate's events apply in the order they were recorded."""
    check_certificate_live(dossier, number, on, "revoke")
    certificate = dossier.certificates[number]
    if certificate.cancelled:
        reinstated = certificate.cancelled[-1][1].effective_on
        if on < reinstated:
            raise RuleViolation(
                7,
                f"certificate {number} was reinstated on {reinstated.isoformat()}: a new "
                f"revocation cannot be dated {on.isoformat()}, before it",
            )


def check_reinstatable(dossier: Dossier, number: str, on: date) -> None:
    """A revoked certificate (not void), reinstated on or after its revocation's day."""
    _check_not_void(dossier, number)
    certificate = dossier.certificates[number]
    if certificate.revocation is None:
        raise RuleViolation(7, f"certificate {number} is not revoked: nothing to reinstate")
    revoked = certificate.revocation.effective_on
    if on < revoked:
        raise RuleViolation(
            7,
            f"a reinstatement dated {on.isoformat()} would precede the revocation of "
            f"certificate {number} on {revoked.isoformat()}",
        )
