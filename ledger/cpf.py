"""The CPF "accrochage" flow (XSD 1.1.2): title awards as passages, written and checked.

One `passageCertification` per title award of a live decision; its `idTechnique` is a uuid5
of the decision id, so a re-send or a correction refers to the same passage. A passage's
digest covers everything it carries: when the digest differs from the one last sent (the
identity was rectified), the award goes in the next flow again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from io import TextIOBase
from pathlib import Path
from typing import IO, Any, cast
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

import orjson

from ledger.dossier import Dossier
from ledger.exceptions import InvalidInput, OutputError
from ledger.files import Draft
from ledger.i18n import _
from ledger.identity import unreadable
from ledger.publication import Versions
from ledger.rules import title_revoked_on
from ledger.standing import id_technique

CPF_NS = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_PASSAGES = 200_000
"""The Caisse des Dépôts' limit of passages per file."""

LIMITS = {
    "nomNaissance": 60,
    "nomUsage": 60,
    "prenom1": 60,
    "prenom2": 60,
    "prenom3": 60,
    "codeInsee": 5,
    "codePostal": 9,
    "codePaysNaissance": 3,
}


def xsd_path() -> Path:
    """The XSD 1.1.2 shipped with certledger (a copy of the Caisse des Dépôts' file)."""
    return Path(str(resources.files("ledger").joinpath("data/cdc-cpf-flux-1.1.2.xsd")))


@dataclass(frozen=True)
class Passage:
    """One title award, with everything its passageCertification carries."""

    decision: str
    candidate: str
    awarded_on: date
    modalite: str
    vae_path: str | None
    enrolled_on: date
    """The start of the enrolment in force at the deliberation (`dateInscription`)."""
    identity: Mapping[str, Any] = field(repr=False)
    certification: str = ""
    """The fiche the award was made under (a renewed fiche's awards keep the old one's)."""

    @property
    def id_technique(self) -> str:
        return id_technique(self.decision)

    @property
    def digest(self) -> str:
        content = {
            "awarded_on": self.awarded_on,
            "modalite": self.modalite,
            "vae_path": self.vae_path,
            "enrolled_on": self.enrolled_on,
            "identity": dict(self.identity),
        }
        return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def record(self) -> dict[str, str]:
        """What a TransmissionRecorded keeps of the passage."""
        return {
            "id_technique": self.id_technique,
            "decision": self.decision,
            "candidate": self.candidate,
            "digest": self.digest,
        }


def passages(
    dossier: Dossier, versions: Versions, start: date | None = None, end: date | None = None
) -> Iterator[Passage]:
    """The title awards of a dossier (live decisions, not revoked), deliberated between start
    and end. `dateInscription` is the start of the enrolment in force at the deliberation:
    the enrolment, or the route change or re-enrolment that followed it."""
    for decision in dossier.live_decisions():
        if not decision.title or title_revoked_on(dossier, decision) is not None:
            continue
        if (start and decision.on < start) or (end and decision.on > end):
            continue
        ref = versions.at(decision.on).referential
        route = ref.route(decision.route)
        placement = dossier.placement_on(decision.on)
        assert placement is not None  # a decision is taken while the candidate is enrolled
        vae = bool(route and route.vae)
        yield Passage(
            decision=decision.id,
            candidate=dossier.candidate,
            awarded_on=decision.on,
            modalite=route.cpf_modalite if route else "",
            vae_path=placement.vae_path if vae else None,
            enrolled_on=placement.on,
            identity=dossier.identity,
            certification=ref.code,
        )


def holder_problems(passage: Passage) -> list[str]:
    """Why this passage cannot be sent as it is (missing or over-long holder data)."""
    found = []
    why = unreadable(passage.identity)
    if why is not None:
        return [
            _("candidate {candidate}: personal data {why}").format(
                candidate=passage.candidate, why=why
            )
        ]
    fields = _titulaire(passage)
    for name in ("nomNaissance", "prenom1", "sexe", "anneeNaissance"):
        if not fields.get(name):
            found.append(f"candidate {passage.candidate}: {name} missing")
    if not (fields.get("codeInsee") or fields.get("codePostal")):
        found.append(
            _("candidate {candidate}: codeInsee and codePostal both missing").format(
                candidate=passage.candidate
            )
        )
    for name, limit in LIMITS.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            found.append(
                _(
                    "candidate {candidate}: {name} has {count} characters, the XSD allows "
                    "{limit} ({value!r})"
                ).format(
                    candidate=passage.candidate,
                    name=name,
                    count=len(value),
                    limit=limit,
                    value=value,
                )
            )
    if not passage.modalite:
        found.append(
            _("candidate {candidate}: no modaliteAcces for the award's route").format(
                candidate=passage.candidate
            )
        )
    return found


def _titulaire(passage: Passage) -> dict[str, Any]:
    identity = passage.identity
    first = list(identity.get("first_names") or [])
    born = identity.get("birth_date")
    born_on = date.fromisoformat(born) if isinstance(born, str) else born
    return {
        "nomNaissance": identity.get("birth_name"),
        "nomUsage": identity.get("usage_name"),
        "prenom1": first[0] if first else None,
        "prenom2": first[1] if len(first) > 1 else None,
        "prenom3": first[2] if len(first) > 2 else None,
        "anneeNaissance": born_on.year if born_on else None,
        "moisNaissance": born_on.month if born_on else None,
        "jourNaissance": born_on.day if born_on else None,
        "sexe": identity.get("sex"),
        "codeInsee": identity.get("birth_insee"),
        "codePostal": identity.get("birth_postcode"),
        "codePaysNaissance": identity.get("birth_country"),
    }


@dataclass(frozen=True)
class Header:
    """What every file of a flow carries besides its passages."""

    emitter: str
    certifier: str
    contract: str
    certification: str
    timestamp: datetime


@dataclass
class Written:
    """One file of a flow, written as a draft beside its path until it is recorded."""

    path: Path
    flux_id: str
    draft: Draft
    sha256: str = ""
    passages: list[dict[str, str]] = field(default_factory=list)


class FlowWriter:
    """Writes one flow file, passage by passage (bounded memory)."""

    def __init__(self, out: IO[str], header: Header, flux_id: str) -> None:
        self.out = out
        self.xml = XMLGenerator(cast(TextIOBase, out), encoding="utf-8", short_empty_elements=True)
        self.depth = 0
        self.started = False
        self.xml.startDocument()
        self._open("flux", {"xmlns:cpf": CPF_NS, "xmlns:xsi": XSI_NS})
        self._text("idFlux", flux_id)
        self._text("horodatage", header.timestamp.isoformat(timespec="seconds"))
        self._open("emetteur")
        self._text("idClient", header.emitter)
        self._open("certificateurs")
        self._open("certificateur")
        self._text("idClient", header.certifier)
        self._text("idContrat", header.contract)
        self._open("certifications")
        self._open("certification")
        self._text("type", "RNCP")
        self._text("code", header.certification)
        self._text("natureDeposant", "CERTIFICATEUR")
        self._open("passageCertifications")

    def _indent(self) -> None:
        if self.depth or self.started:
            self.xml.ignorableWhitespace("\n" + "   " * self.depth)
        self.started = True

    def _open(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self._indent()
        self.xml.startElement(f"cpf:{name}", AttributesImpl(attrs or {}))
        self.depth += 1

    def _close(self, name: str) -> None:
        self.depth -= 1
        self._indent()
        self.xml.endElement(f"cpf:{name}")

    def _text(self, name: str, value: object) -> None:
        self._indent()
        self.xml.startElement(f"cpf:{name}", AttributesImpl({}))
        self.xml.characters(str(value))
        self.xml.endElement(f"cpf:{name}")

    def _nil(self, name: str) -> None:
        self._indent()
        self.xml.startElement(f"cpf:{name}", AttributesImpl({"xsi:nil": "true"}))
        self.xml.endElement(f"cpf:{name}")

    def passage(self, passage: Passage) -> None:
        fields = _titulaire(passage)
        self._open("passageCertification")
        self._text("idTechnique", passage.id_technique)
        self._text("obtentionCertification", "PAR_ADMISSION")
        self._text("donneeCertifiee", "true")
        self._text("dateDebutValidite", passage.awarded_on.isoformat())
        self._nil("dateFinValidite")
        self._text("presenceNiveauLangueEuro", "false")
        self._text("presenceNiveauNumeriqueEuro", "false")
        self._nil("scoring")
        self._nil("mentionValidee")
        self._open("modalitesInscription")
        self._text("modaliteAcces", passage.modalite)
        if passage.vae_path:
            self._text("voieAccessVAE", passage.vae_path)
        self._text("dateInscription", passage.enrolled_on.isoformat())
        self._close("modalitesInscription")
        self._open("identificationTitulaire")
        self._open("titulaire")
        self._text("nomNaissance", fields["nomNaissance"])
        if fields["nomUsage"]:
            self._text("nomUsage", fields["nomUsage"])
        else:
            self._nil("nomUsage")
        for name in ("prenom1", "prenom2", "prenom3"):
            if fields[name]:
                self._text(name, fields[name])
        for name in ("anneeNaissance", "moisNaissance", "jourNaissance", "sexe"):
            self._text(name, fields[name])
        self._open("codeCommuneNaissance")
        if fields["codeInsee"]:
            self._open("codeInseeNaissance")
            self._text("codeInsee", fields["codeInsee"])
            self._close("codeInseeNaissance")
        else:
            self._open("codePostalNaissance")
            self._text("codePostal", fields["codePostal"])
            self._close("codePostalNaissance")
        self._close("codeCommuneNaissance")
        if fields["codePaysNaissance"]:
            self._text("codePaysNaissance", fields["codePaysNaissance"])
        self._close("titulaire")
        self._close("identificationTitulaire")
        self._close("passageCertification")

    def finish(self) -> None:
        for name in (
            "passageCertifications",
            "certification",
            "certifications",
            "certificateur",
            "certificateurs",
            "emetteur",
            "flux",
        ):
            self._close(name)
        self.xml.ignorableWhitespace("\n")
        self.xml.endDocument()


def file_names(base: Path, files: int) -> list[Path]:
    """`flux.xml` alone, or `flux-001.xml`, `flux-002.xml`… when the flow needs several."""
    if files <= 1:
        return [base]
    return [base.with_name(f"{base.stem}-{i:03d}{base.suffix}") for i in range(1, files + 1)]


def write_flow(
    selected: Iterable[Passage],
    paths: list[Path],
    header: Header,
    flux_ids: Iterator[str],
    limit: int = MAX_PASSAGES,
) -> list[Written]:
    """Write the passages into the files named, `limit` per file, each as a draft beside its
    path (`ledger.files.Draft`: kept once recorded); their SHA-256s. On any failure, no draft
    is left behind."""
    written: list[Written] = []
    iterator = iter(selected)
    try:
        for path in paths:
            entry = Written(path, next(flux_ids), Draft(path))
            written.append(entry)
            writer = FlowWriter(entry.draft.file, header, entry.flux_id)
            for passage in iterator:
                writer.passage(passage)
                entry.passages.append(passage.record())
                if len(entry.passages) == limit:
                    break
            writer.finish()
            entry.draft.close()
            entry.sha256 = hashlib.sha256(entry.draft.path.read_bytes()).hexdigest()
    except OSError as e:
        for entry in written:
            entry.draft.discard()
        raise OutputError(
            _("cannot write {path}: {reason}").format(path=paths[0], reason=e.strerror or e)
        ) from None
    except BaseException:
        for entry in written:
            entry.draft.discard()
        raise
    return written


@dataclass(frozen=True)
class Check:
    valid: bool
    passages: int
    certifications: int
    errors: tuple[tuple[int | None, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "passages": self.passages,
            "certifications": self.certifications,
            "errors": [{"line": line, "message": message} for line, message in self.errors],
        }


def check_flow(path: Path, xsd: Path | None = None) -> Check:
    """Validate a flow file against the XSD: counts, and each error with its line."""
    import xmlschema
    from lxml import etree

    try:
        schema = xmlschema.XMLSchema(str(xsd or xsd_path()))
    except (xmlschema.XMLSchemaException, OSError, ValueError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InvalidInput(
            _("the XSD {xsd} cannot be read: {reason}").format(xsd=xsd, reason=reason)
        ) from None
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False)
    try:
        # Fed the file's bytes, not its name: libxml2 then tells bytes the declared encoding
        # does not allow as the malformed XML they are (with their line), not as a file it
        # cannot read.
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 16), b""):
                parser.feed(chunk)
        root = parser.close()
    except etree.XMLSyntaxError as e:
        return Check(False, 0, 0, ((e.lineno, _("not well-formed XML: {msg}").format(msg=e.msg)),))
    except OSError as e:
        raise InvalidInput(
            _("{path} cannot be read: {e}").format(path=path, e=e.strerror or e)
        ) from None
    tree = root.getroottree()
    ns = {"cpf": CPF_NS}
    passage_count = len(root.findall(".//cpf:passageCertification", ns))
    certifications = len(root.findall(".//cpf:certification", ns))
    errors = tuple(
        (getattr(e, "sourceline", None), _xsd_error(e)) for e in schema.iter_errors(tree)
    )
    return Check(not errors, passage_count, certifications, errors)


def validate_written(path: Path) -> list[str]:
    """Our own output against the XSD, lazily (bounded memory): the error messages."""
    import xmlschema

    schema = xmlschema.XMLSchema(str(xsd_path()))
    resource = xmlschema.XMLResource(str(path), lazy=True)
    return [_xsd_error(e) for e in schema.iter_errors(resource)]


def _xsd_error(error: Any) -> str:
    """An XSD validation error: the validator's own reason (as it words it) and where."""
    return _("{reason} at {path}").format(reason=error.reason, path=error.path)
