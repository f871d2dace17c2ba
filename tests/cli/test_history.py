"""`history` in sentences a registrar reads: no Python value, no word cut, Paris time."""

from __future__ import annotations

import re

import pytest

from tests.cli.conftest import Certledger


def flat(out: str) -> str:
    return " ".join(out.split())


@pytest.fixture
def corrected(bc01_holder: Certledger) -> Certledger:
    """bc01_holder (V1) with its decision rectified then annulled, its certificate revoked,
    its identity rectified, and a withdrawal."""
    c = bc01_holder
    c.ok(
        "decision rectify V1/J1 --validate C01,C02,C03,C04,C05,C06,C07 "
        "--award-block BC01 --reason 'C08 and C09 were not in the minutes'"
    )
    c.ok("certificate revoke RNCP13080-2017-00001 --on 2018-02-01 --reason forged")
    c.ok("decision annul V1/J1 --on 2018-03-01 --reason 'appeal upheld'")
    c.ok("candidate rectify-identity V1 --birth-name Durant --reason 'typo at enrolment'")
    c.ok("candidate withdraw V1 --on 2018-04-01 --reason 'moved abroad'")
    return c


def test_history_prints_each_event_as_a_sentence(
    bc01_holder: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    text = flat(bc01_holder.ok("history V1"))

    for sentence in (
        "Enrolled on route formation_continue.",
        "Identity recorded: birth name Durand; first names Alice; born on 1990-01-02; sex F; "
        "born in (INSEE code) 75112.",
        "Épreuve BC01-E1: passed C01, C02, C03, C05, C07; failed none.",
        "Épreuve BC01-E2: passed C03, C04, C06, C08, C09; failed none.",
        "Decision V1/J1 of jury session J1 (route formation_continue, referential 2006.1): "
        "competencies validated C01, C02, C03, C04, C05, C06, C07, C08, C09; blocks awarded "
        "RNCP13080BC01; title awarded: no.",
        "Certificate RNCP13080-2017-00001 issued for the block RNCP13080BC01 (decision V1/J1).",
        "Jury session J1 convened, presided by Hugo Bleu; members:",
    ):
        assert sentence in text, text


def test_history_says_corrections_in_words_never_python_values(
    corrected: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    for width in ("60", "80", "200"):
        monkeypatch.setenv("COLUMNS", width)
        out = corrected.ok("history V1")

        assert not re.search(r"[{}\[\]]|\bNone\b|\bTrue\b|\bFalse\b|'\w+':", out), out
        text = flat(out)
        if width == "60":
            for sentence in (
                "Decision V1/J1 rectified (competencies validated C01, C02, C03, C04, C05, "
                "C06, C07): C08 and C09 were not in the minutes.",
                "Certificate RNCP13080-2017-00001 revoked: forged.",
                "Decision V1/J1 annulled: appeal upheld.",
                "Identity rectified (birth name Durant): typo at enrolment.",
                "Withdrew: moved abroad.",
            ):
                assert sentence in text, text


def test_history_never_cuts_a_word(corrected: Certledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    events = corrected.history("V1")
    from cli.events import sentence

    words = set()
    for e in events:
        words |= set(sentence(e["type"], e["data"]).split())
    for width in ("60", "80", "200"):
        monkeypatch.setenv("COLUMNS", width)
        shown = set(corrected.ok("history V1").split())
        assert words - shown == set(), width


def test_history_shows_instants_in_paris_time_to_the_second(
    bc01_holder: Certledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = bc01_holder.ok("history V1")
    recorded = [e["recorded_at"] for e in bc01_holder.history("V1")]

    # The test clock reads 2026-11-26 10:00 UTC: 11:00 in Paris (winter time).
    assert all(r.startswith("2026-11-26T10:00:00.") for r in recorded)
    assert out.count("2026-11-26 11:00:00 (Paris)") == len(recorded)
    assert "+00:00" not in out and "T10:00" not in out


def test_history_json_keeps_the_stored_values(bc01_holder: Certledger) -> None:
    events = bc01_holder.history("V1")

    assert events[1]["type"] == "IdentityRecorded"
    assert events[1]["data"]["identity"]["birth_name"] == "Durand"
    assert events[0]["data"]["vae_path"] is None
