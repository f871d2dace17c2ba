"""Rule 7 on a candidate's side: what their dossier allows of a certificate (issue, revoke,
reinstate after a mistaken revocation, reissue), each check raising the rule it breaks."""

from __future__ import annotations

from datetime import date

from ledger.dossier import Decision, Dossier
from ledger.exceptions import RuleViolation
from ledger.i18n import _, show_date


def check_certifiable(
    dossier: Dossier, decision: Decision, kind: str, subject: str, on: date
) -> None:
    """A live decision, dated on or before the certificate, whose award has none yet."""
    if decision.annulled:
        raise RuleViolation(
            7, _("decision {id} was annulled: nothing to certify").format(id=decision.id)
        )
    if on < decision.on:
        raise RuleViolation(
            7,
            _("a certificate dated {on} would precede decision {id} of {on2}").format(
                on=show_date(on), id=decision.id, on2=show_date(decision.on)
            ),
        )
    for certificate in dossier.certificates.values():
        if (
            certificate.decision == decision.id
            and certificate.kind == kind
            and certificate.subject == subject
        ):
            raise RuleViolation(
                7,
                _(
                    "certificate {number} was already issued on {issued_on} for the {kind} "
                    "{subject} of decision {id}; ask for a duplicate with `certificate reissue`"
                ).format(
                    number=certificate.number,
                    issued_on=show_date(certificate.issued_on),
                    kind=kind,
                    subject=subject,
                    id=decision.id,
                ),
            )


def _check_not_void(dossier: Dossier, number: str) -> None:
    certificate = dossier.certificates[number]
    if dossier.decisions[certificate.decision].annulled:
        raise RuleViolation(
            7,
            _("certificate {number} is void (decision {decision} was annulled)").format(
                number=number, decision=certificate.decision
            ),
        )


def check_certificate_live(dossier: Dossier, number: str, on: date, doing: str) -> None:
    """A certificate neither void nor revoked, issued on or before `on` (to revoke or
    reissue it then)."""
    _check_not_void(dossier, number)
    certificate = dossier.certificates[number]
    if certificate.revocation is not None:
        raise RuleViolation(
            7,
            _("certificate {number} was revoked on {effective_on}").format(
                number=number, effective_on=show_date(certificate.revocation.effective_on)
            ),
        )
    if on < certificate.issued_on:
        raise RuleViolation(
            7,
            _(
                "cannot {doing} certificate {number} on {on}, before its issue on {issued_on}"
            ).format(
                doing=doing,
                number=number,
                on=show_date(on),
                issued_on=show_date(certificate.issued_on),
            ),
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
                _(
                    "certificate {number} was reinstated on {reinstated}: a new revocation "
                    "cannot be dated {on}, before it"
                ).format(number=number, reinstated=show_date(reinstated), on=show_date(on)),
            )


def check_reinstatable(dossier: Dossier, number: str, on: date) -> None:
    """A revoked certificate (not void), reinstated on or after its revocation's day."""
    _check_not_void(dossier, number)
    certificate = dossier.certificates[number]
    if certificate.revocation is None:
        raise RuleViolation(
            7, _("certificate {number} is not revoked: nothing to reinstate").format(number=number)
        )
    revoked = certificate.revocation.effective_on
    if on < revoked:
        raise RuleViolation(
            7,
            _(
                "a reinstatement dated {on} would precede the revocation of certificate "
                "{number} on {revoked}"
            ).format(on=show_date(on), number=number, revoked=show_date(revoked)),
        )
