"""Several referential versions: a decision counts under the rules in force on its date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.facts import Fact
from ledger.publication import Versions, published_version
from ledger.referential import sha256
from projections.status import CandidateStatus, candidate_status
from tests.projections.streams import (
    BC02,
    REFERENTIAL_FACT,
    REFERENTIAL_TEXT,
    Stream,
    block,
    competency,
)

PUBLISHED_AT = datetime(2021, 9, 1, 9, 0, tzinfo=UTC)


def _version_2020() -> Fact:
    """A 2020 version, published late (2021-09-01) effective from 2020-01-01: three years of
    validity, VAE no longer permanent, and no BC02."""
    text = (
        REFERENTIAL_TEXT.replace('version = "2006.1"', 'version = "2020.1"', 1)
        .replace("validity_years = 5", "validity_years = 3", 1)
        .replace("vae_permanent = true", "vae_permanent = false", 1)
    )
    start = text.index('[[blocks]]\ncode = "RNCP13080BC02"')
    end = text.index('[[blocks]]\ncode = "RNCP13080BC03"')
    text = text[:start] + text[end:]
    assert text != REFERENTIAL_TEXT
    return Fact(
        type="ReferentialPublished",
        stream="referential",
        version=3,
        effective_on=date(2020, 1, 1),
        recorded_at=PUBLISHED_AT,
        recorded_by="registrar",
        data={"version": "2020.1", "content": text, "sha256": sha256(text)},
    )


TWO_VERSIONS = Versions(published_version(f) for f in (REFERENTIAL_FACT, _version_2020()))


def _status(candidate: Stream, as_of: date, known_at: datetime | None = None) -> CandidateStatus:
    found = candidate_status(candidate.facts, TWO_VERSIONS, as_of=as_of, known_at=known_at)
    assert found is not None
    return found


def test_a_decision_keeps_the_validity_of_the_version_in_force_on_its_date(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.decide("J2", date(2021, 3, 15), validated=("C02",))

    found = _status(stream, date(2021, 6, 1))

    assert found.referential == "2020.1"
    assert competency(found, "C01").valid_until == date(2022, 6, 20)
    assert competency(found, "C02").valid_until == date(2024, 3, 15)


def test_a_vae_decision_is_permanent_only_under_a_version_that_says_so(
    vae_stream: Stream,
) -> None:
    vae_stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    vae_stream.decide("J2", date(2021, 3, 15), validated=("C02",))

    found = _status(vae_stream, date(2030, 1, 1))

    assert (competency(found, "C01").permanent, competency(found, "C01").counts) == (True, True)
    c02 = competency(found, "C02")
    assert (c02.permanent, c02.valid_until, c02.counts) == (False, date(2024, 3, 15), False)


def test_a_version_not_yet_published_at_known_at_is_not_applied(stream: Stream) -> None:
    stream.decide("J2", date(2021, 3, 15), validated=("C02",))

    found = _status(stream, date(2021, 6, 1), known_at=datetime(2021, 5, 1, tzinfo=UTC))

    assert found.referential == "2006.1"
    assert competency(found, "C02").valid_until == date(2026, 3, 15)


def test_a_block_gone_from_the_version_in_force_is_still_listed_as_awarded(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C10", "C11", "C12"), blocks=(BC02,))

    found = _status(stream, date(2021, 6, 1))

    bc02 = block(found, BC02)
    assert (bc02.awarded, bc02.awarded_on, bc02.counts, bc02.valid_until) == (
        True,
        date(2017, 6, 20),
        True,
        date(2022, 6, 20),
    )
    assert [b.code for b in found.blocks][-1] == BC02
