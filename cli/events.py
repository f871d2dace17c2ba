"""What each recorded event says, as a sentence a registrar reads (`history`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from cli.output import show_date, yes
from ledger.i18n import N_, _

Data = Mapping[str, Any]


def sentence(kind: str, data: Data) -> str:
    """The event of type `kind` with payload `data`, in words: every value whole, no Python
    repr (an unknown event type reads as its name and its fields in words)."""
    say = SENTENCES.get(kind)
    if say is None:
        return _("{event}: {details}").format(event=kind, details=details(data))
    return say({k: unreadable(v) or v for k, v in data.items()})


def unreadable(value: Any) -> str | None:
    """Personal data that cannot be read, in words (`{"erased": true}`: erased with the
    candidate's key, or written about them after; `{"sealed": true}`: no key here); None for
    any other value."""
    if isinstance(value, Mapping) and len(value) == 1:
        if value.get("erased") is True:
            return _("(personal data erased)")
        if value.get("sealed") is True:
            return _("(personal data sealed)")
    return None


def words(value: Any) -> str:
    """One value in words: dates as dates, yes/no, lists joined, nothing for none."""
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return yes(value)
    if isinstance(value, date):
        return show_date(value)
    if isinstance(value, str) and _is_iso_date(value):
        return show_date(value)
    if isinstance(value, list | tuple):
        return ", ".join(words(v) for v in value) if value else _("none")
    if isinstance(value, Mapping):
        return unreadable(value) or details(value)
    return str(value)


def details(data: Data) -> str:
    """`field value; field value`, each field named in words; empty fields left out."""
    parts = [
        _("{field} {value}").format(field=_(FIELDS.get(key, key.replace("_", " "))), value=words(v))
        for key, v in data.items()
        if v not in (None, "", (), [])
    ]
    return "; ".join(parts) or _("nothing")


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


FIELDS = {
    "birth_name": N_("birth name"),
    "usage_name": N_("usage name"),
    "first_names": N_("first names"),
    "birth_date": N_("born on"),
    "sex": N_("sex"),
    "birth_insee": N_("born in (INSEE code)"),
    "birth_postcode": N_("birth postcode"),
    "birth_country": N_("birth country"),
    "validated": N_("competencies validated"),
    "blocks_awarded": N_("blocks awarded"),
    "title_awarded": N_("title awarded"),
    "derogation": N_("derogation"),
    "key_commitment": N_("key commitment"),
}
"""Payload fields named in words (others: their name with spaces)."""


def _route(data: Data) -> str:
    if data.get("vae_path"):
        return _("{route} ({path})").format(route=data["route"], path=data["vae_path"])
    return str(data["route"])


def _enrolled(d: Data) -> str:
    text = _("Enrolled on route {route}.").format(route=_route(d))
    if d.get("linked_persons"):
        text += " " + _("Linked persons: {names}.").format(names=words(d["linked_persons"]))
    return text


def _assessment(d: Data) -> str:
    text = _("Épreuve {epreuve}: passed {passed}; failed {failed}.").format(
        epreuve=d["epreuve"], passed=words(d["passed"]), failed=words(d["failed"])
    )
    if d.get("assessor"):
        text += " " + _("Assessor: {assessor}.").format(assessor=d["assessor"])
    return text


def _decision(d: Data) -> str:
    text = _(
        "Decision {decision} of jury session {session} (route {route}, referential "
        "{referential}): competencies validated {validated}; blocks awarded {blocks}; "
        "title awarded: {title}."
    ).format(
        decision=d["decision_id"],
        session=d["session"],
        route=d["route"],
        referential=d["referential"],
        validated=words(d["validated"]),
        blocks=words(d["blocks_awarded"]),
        title=yes(bool(d["title_awarded"])),
    )
    if d.get("derogation"):
        text += " " + _("By derogation: {derogation}.").format(derogation=d["derogation"])
    return text


def _convened(d: Data) -> str:
    members = ", ".join(
        _("{name} ({role}, {side})").format(
            name=m.get("name", ""), role=m.get("role", ""), side=m.get("side", "")
        )
        for m in d.get("members", ())
    )
    return _(
        "Jury session {session} convened, presided by {president}; members: {members}."
    ).format(session=d["session_id"], president=d["president"], members=members or _("none"))


def _survey(d: Data) -> str:
    text = _("Insertion survey {survey}: {outcome}.").format(
        survey=d["survey"], outcome=d["outcome"]
    )
    if d.get("rome"):
        text += " " + _("ROME code {rome}.").format(rome=d["rome"])
    return text


SENTENCES: dict[str, Callable[[Data], str]] = {
    "CandidateEnrolled": _enrolled,
    "IdentityRecorded": lambda d: _("Identity recorded: {identity}.").format(
        identity=details(d["identity"])
        if isinstance(d.get("identity"), Mapping)
        else words(d.get("identity"))
    ),
    "PersonLinked": lambda d: _("Linked person: {name} ({relation}).").format(
        name=d["name"], relation=d["relation"]
    ),
    "RouteChanged": lambda d: _("Route changed to {route}.").format(route=_route(d)),
    "CandidateWithdrew": lambda d: _("Withdrew: {reason}.").format(reason=d["reason"]),
    "CandidateReenrolled": lambda d: _("Re-enrolled on route {route}.").format(route=_route(d)),
    "AssessmentRecorded": _assessment,
    "VaeAdmitted": lambda d: _("VAE admissibility: livret 1 accepted on {day}.").format(
        day=words(d["livret1_accepted_on"])
    ),
    "VaeInterviewHeld": lambda d: _("VAE jury interview held; livret 2 received on {day}.").format(
        day=words(d["livret2_received_on"])
    ),
    "DecisionRecorded": _decision,
    "DecisionRectified": lambda d: _("Decision {decision} rectified ({changes}): {reason}.").format(
        decision=d["decision_id"], changes=details(d["changes"]), reason=d["reason"]
    ),
    "DecisionAnnulled": lambda d: _("Decision {decision} annulled: {reason}.").format(
        decision=d["decision_id"], reason=d["reason"]
    ),
    "IdentityRectified": lambda d: _("Identity rectified ({changes}): {reason}.").format(
        changes=details(d["changes"]), reason=d["reason"]
    ),
    "PersonalDataErased": lambda d: _("Personal data erased: {reason}.").format(reason=d["reason"]),
    "CertificateIssued": lambda d: _(
        "Certificate {number} issued for the {kind} {subject} (decision {decision})."
    ).format(number=d["number"], kind=d["kind"], subject=d["subject"], decision=d["decision_id"]),
    "CertificateRevoked": lambda d: _("Certificate {number} revoked: {reason}.").format(
        number=d["number"], reason=d["reason"]
    ),
    "CertificateReissued": lambda d: _(
        "Certificate {number} issued as a duplicate of {original}."
    ).format(number=d["number"], original=d["duplicate_of"]),
    "CertificateReinstated": lambda d: _("Certificate {number} reinstated: {reason}.").format(
        number=d["number"], reason=d["reason"]
    ),
    "InsertionSurveyed": _survey,
    "JuryConvened": _convened,
}
"""Each event type the history of a candidate holds, in words."""
