"""The Caisse des Dépôts' processing report ("accusé de traitement") of a CPF flow, read as
real reports are (../shared/formats/cdc-accuse-traitement.md): no published XSD; an XML
declaration with `standalone` yes or no, a namespace prefix declared and never used,
comments, any indentation, elements a reader does not know."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ledger.exceptions import InvalidInput
from ledger.i18n import _


@dataclass(frozen=True)
class Report:
    """What a processing report says: which flow, which passages were taken or refused (with
    the message, verbatim), or that the whole file was refused."""

    source: str
    sha256: str
    flux_id: str | None
    file: str | None
    processing_id: str
    accepted: tuple[str, ...]
    rejected: tuple[dict[str, str], ...]
    file_rejected: bool
    message: str
    """For a whole file refused: its errors, as the report words them."""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_report(path: Path) -> Report:
    """Read one processing report; anything that is not one is one clear error."""
    from lxml import etree

    try:
        data = path.read_bytes()
    except OSError as e:
        raise InvalidInput(
            _("{path} cannot be read: {value}").format(path=path, value=e.strerror or e)
        ) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InvalidInput(
            _("{path} is not a processing report: not well-formed XML ({msg})").format(
                path=path, msg=e.msg
            )
        ) from None
    if _local(root.tag) != "rapport":
        raise InvalidInput(
            _(
                "{path} is not a processing report: its root element is <{local}>, not <rapport>"
            ).format(path=path, local=_local(root.tag))
        )

    def text(element: object, name: str) -> str | None:
        for child in element:  # type: ignore[attr-defined]
            if _local(child.tag) == name:
                return (child.text or "").strip() or None
        return None

    def children(element: object, name: str) -> list[object]:
        return [c for c in element if _local(c.tag) == name]  # type: ignore[attr-defined]

    accepted = tuple(
        value
        for block in children(root, "PassagesOK")
        for item in children(block, "idTechnique")
        if (value := (item.text or "").strip())  # type: ignore[attr-defined]
    )
    rejected = []
    for block in children(root, "PassagesKO"):
        for passage in children(block, "passage"):
            passage_id = text(passage, "idTechnique")
            if passage_id is None:
                raise InvalidInput(
                    _("{path}: a refused passage has no idTechnique").format(path=path)
                )
            rejected.append(
                {"id_technique": passage_id, "message": text(passage, "messageErreur") or ""}
            )
    listed = Counter((*accepted, *(r["id_technique"] for r in rejected)))
    for passage, times in listed.items():
        if times > 1:
            raise InvalidInput(
                _(
                    "{path}: the report lists passage {passage} {times} times (PassagesOK and "
                    "PassagesKO together): it answers each passage once"
                ).format(path=path, passage=passage, times=times)
            )
    errors = [
        " ".join(
            part
            for part in (
                text(error, "type"),
                text(error, "message"),
                f"(ligne {text(error, 'ligne')}, colonne {text(error, 'colonne')})"
                if text(error, "ligne")
                else None,
            )
            if part
        )
        for block in children(root, "erreurs")
        for error in children(block, "erreur")
    ]
    flux_id, file = text(root, "idFlux"), text(root, "nomFichier")
    file_rejected = bool(errors) and not accepted and not rejected
    if not flux_id and not file:
        raise InvalidInput(
            _("{path}: the report names no flow (no idFlux, no nomFichier)").format(path=path)
        )
    if not file_rejected and not accepted and not rejected and not errors:
        raise InvalidInput(_("{path}: the report says nothing of any passage").format(path=path))
    return Report(
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        flux_id=flux_id,
        file=file,
        processing_id=text(root, "idTraitement") or "",
        accepted=accepted,
        rejected=tuple(rejected),
        file_rejected=file_rejected,
        message="; ".join(errors),
    )
