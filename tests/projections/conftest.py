"""Fixtures for the projection tests: the bundled referential as published, and a candidate."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.publication import Versions
from tests.projections.streams import VERSIONS, Stream

ENROLLED_ON = date(2016, 9, 12)


@pytest.fixture
def versions() -> Versions:
    """The bundled RNCP13080 referential, published effective from 2006-03-05."""
    return VERSIONS


@pytest.fixture
def stream() -> Stream:
    """Candidate V1, enrolled in formation continue on 2016-09-12, and nothing else yet."""
    candidate = Stream()
    candidate.enroll(ENROLLED_ON)
    return candidate


@pytest.fixture
def vae_stream() -> Stream:
    """Candidate V2, enrolled through VAE on 2016-09-12."""
    candidate = Stream(candidate="V2")
    candidate.enroll(ENROLLED_ON, route="vae", vae_path="VAE_CLASSIQUE")
    return candidate
