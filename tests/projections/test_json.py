"""The JSON shape of a status: the keys CLI.md promises for `status --json`, as JSON values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from tests.projections.streams import BC01, BC01_SEVEN, Stream, block, status

STATUS_KEYS = {
    "candidate",
    "as_of",
    "known_at",
    "route",
    "state",
    "competencies",
    "counting_competencies",
    "blocks",
    "title",
    "certificates",
}
COMPETENCY_KEYS = {"code", "validated_on", "permanent", "valid_until", "counts", "decision"}
BLOCK_KEYS = {"code", "awarded", "awarded_on", "counts", "valid_until", "eligible", "certificate"}
TITLE_KEYS = {"awarded", "awarded_on", "eligible", "counting", "required", "certificate"}
CERTIFICATE_KEYS = {"number", "kind", "subject", "issued_on", "state"}

THIRTY_SIX = tuple(f"C{i:02d}" for i in range(1, 37))


def _candidate() -> Stream:
    candidate = Stream()
    candidate.enroll(date(2016, 9, 12))
    decision = candidate.decide("J1", date(2017, 6, 20), validated=THIRTY_SIX, blocks=(BC01,))
    candidate.issue("ESEC-B-0001", decision, "block", BC01, date(2017, 7, 3))
    return candidate


def test_the_status_json_carries_every_key_cli_md_lists() -> None:
    shown = status(_candidate(), date(2018, 1, 1)).as_json()

    assert set(shown) >= STATUS_KEYS
    assert all(set(c) >= COMPETENCY_KEYS for c in shown["competencies"])
    assert all(set(b) >= BLOCK_KEYS for b in shown["blocks"])
    assert set(shown["title"]) >= TITLE_KEYS
    assert all(set(c) >= CERTIFICATE_KEYS for c in shown["certificates"])


def test_the_status_json_holds_the_values_of_the_status() -> None:
    known_at = datetime(2018, 1, 1, 12, 0, tzinfo=UTC)

    shown = status(_candidate(), date(2018, 1, 1), known_at=known_at).as_json()

    assert {k: shown[k] for k in ("candidate", "as_of", "known_at", "route", "state")} == {
        "candidate": "V1",
        "as_of": "2018-01-01",
        "known_at": "2018-01-01T12:00:00+00:00",
        "route": "formation_continue",
        "state": "in_progress",
    }
    assert shown["counting_competencies"] == 36
    assert len(shown["competencies"]) == 36
    assert {k: shown["competencies"][0][k] for k in COMPETENCY_KEYS} == {
        "code": "C01",
        "validated_on": "2017-06-20",
        "permanent": False,
        "valid_until": "2022-06-20",
        "counts": True,
        "decision": "V1/J1",
    }
    assert {k: shown["blocks"][0][k] for k in BLOCK_KEYS} == {
        "code": BC01,
        "awarded": True,
        "awarded_on": "2017-06-20",
        "counts": True,
        "valid_until": "2022-06-20",
        "eligible": True,
        "certificate": "ESEC-B-0001",
    }
    assert {k: shown["blocks"][1][k] for k in BLOCK_KEYS} == {
        "code": "RNCP13080BC02",
        "awarded": False,
        "awarded_on": None,
        "counts": False,
        "valid_until": None,
        "eligible": True,
        "certificate": None,
    }
    assert {k: shown["title"][k] for k in TITLE_KEYS} == {
        "awarded": False,
        "awarded_on": None,
        "eligible": True,
        "counting": 36,
        "required": 35,
        "certificate": None,
    }
    assert [{k: c[k] for k in CERTIFICATE_KEYS} for c in shown["certificates"]] == [
        {
            "number": "ESEC-B-0001",
            "kind": "block",
            "subject": BC01,
            "issued_on": "2017-07-03",
            "state": "held",
        }
    ]


def test_a_permanent_validation_shows_a_null_valid_until() -> None:
    candidate = Stream()
    candidate.enroll(date(2016, 9, 12), route="vae", vae_path="VAE_CLASSIQUE")
    candidate.decide("J1", date(2017, 6, 20), validated=BC01_SEVEN, blocks=(BC01,))

    found = status(candidate, date(2040, 1, 1))
    shown = found.as_json()

    assert shown["route"] == "vae"
    assert (shown["competencies"][0]["valid_until"], shown["competencies"][0]["permanent"]) == (
        None,
        True,
    )
    assert shown["blocks"][0]["valid_until"] is None
    assert block(found, BC01).permanent is True


def test_the_status_json_is_plain_json() -> None:
    shown = status(_candidate(), date(2018, 1, 1)).as_json()

    assert json.loads(json.dumps(shown)) == shown
