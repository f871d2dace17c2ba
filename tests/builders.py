"""Builders shared by the tests: identities, full juries, a ledger with a candidate on file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ledger.application import Ledger

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""The fixed clock's start: every test ledger believes it is this instant."""

IDENTITY: dict[str, Any] = {
    "birth_name": "Durand",
    "first_names": ("Alice",),
    "birth_date": date(1990, 1, 2),
    "sex": "F",
    "birth_insee": "75112",
}

FIVE = [
    ("Ana Roy", "realisateur"),
    ("Paul Blanc", "producteur"),
    ("Lea Noir", "monteur_truquiste"),
    ("Ines Vert", "responsable_pedagogique"),
    ("Hugo Bleu", "directeur_ecole"),
]
"""The five roles every route's jury needs."""

SIX = [*FIVE, ("Tom Gris", "technicien")]
"""The VAE jury: the five and a technicien."""

PRESIDENT = "Hugo Bleu"

BC01_SEVEN = ("C01", "C02", "C03", "C04", "C05", "C06", "C07")


def enroll(
    ledger: Ledger,
    candidate: str = "V1",
    route: str = "formation_continue",
    on: date = date(2016, 9, 12),
    **extra: Any,
) -> None:
    ledger.enroll(candidate, route=route, on=on, identity=IDENTITY, by="tester", **extra)


def pass_bc01(ledger: Ledger, candidate: str = "V1", on: date = date(2017, 6, 1)) -> None:
    """Assessments backing C01-C09 (both BC01 épreuves passed in full)."""
    ledger.record_assessment(
        candidate, epreuve="BC01-E1", on=on, passed=["C01", "C02", "C03", "C05", "C07"], by="tester"
    )
    ledger.record_assessment(
        candidate, epreuve="BC01-E2", on=on, passed=["C03", "C04", "C06", "C08", "C09"], by="tester"
    )


def pass_everything(ledger: Ledger, candidate: str = "V1", on: date = date(2017, 6, 1)) -> None:
    """Assessments backing all 42 competencies, every épreuve passed on `on`."""
    ref = ledger.versions().at(on).referential
    for block in ref.blocks:
        for epreuve in block.epreuves:
            ledger.record_assessment(
                candidate,
                epreuve=epreuve.code,
                on=on,
                passed=list(epreuve.competencies),
                by="tester",
            )


def convene(
    ledger: Ledger,
    session: str = "J1",
    on: date = date(2017, 6, 20),
    members: list[tuple[str, str]] | None = None,
    president: str = PRESIDENT,
) -> None:
    ledger.convene_jury(session, on=on, members=members or FIVE, president=president, by="tester")


def stored(ledger: Ledger) -> dict[str, list[str]]:
    """Every row of every table of the ledger's store (events, chain, head, keys, claims,
    snapshots, views), to show that a refused command wrote nothing."""
    from tests.stores import all_tables

    return all_tables(ledger.store)
