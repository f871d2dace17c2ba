"""The "done means" scenarios of the core issue, driven through the command line only."""

from __future__ import annotations

from tests.builders import FIVE
from tests.cli.conftest import ALL, REGISTRATIONS, Certledger


def block(status: dict, short: str) -> dict:
    return next(b for b in status["blocks"] if b["code"] == f"RNCP13080{short}")


def test_a_block_earned_in_formation_continue_counts_for_five_years_to_the_day(
    bc01_holder: Certledger,
) -> None:
    status = bc01_holder.status("V1", "2022-06-19")

    bc01 = block(status, "BC01")
    assert bc01["awarded"] is True
    assert bc01["awarded_on"] == "2017-06-20"
    assert bc01["counts"] is True
    assert bc01["valid_until"] == "2022-06-20"
    assert bc01["certificate"] == "RNCP13080-2017-00001"
    assert status["counting_competencies"] == 9
    assert all(
        c["counts"] and c["valid_until"] == "2022-06-20" and c["permanent"] is False
        for c in status["competencies"]
    )


def test_a_block_earned_in_formation_continue_stops_counting_on_its_fifth_anniversary(
    bc01_holder: Certledger,
) -> None:
    status = bc01_holder.status("V1", "2022-06-20")

    bc01 = block(status, "BC01")
    assert bc01["awarded"] is True
    assert bc01["counts"] is False
    assert bc01["valid_until"] == "2022-06-20"
    assert status["counting_competencies"] == 0
    assert [c["counts"] for c in status["competencies"]] == [False] * 9


def test_the_block_certificate_stays_held_after_the_block_stops_counting(
    bc01_holder: Certledger,
) -> None:
    for day in ("2022-06-19", "2022-06-20", "2026-01-01"):
        certificates = bc01_holder.status("V1", day)["certificates"]

        assert certificates == [
            {
                "number": "RNCP13080-2017-00001",
                "kind": "block",
                "subject": "RNCP13080BC01",
                "issued_on": "2017-06-27",
                "state": "held",
                "decision": "V1/J1",
                "duplicate_of": None,
                "revoked_on": None,
            }
        ]


def test_the_human_status_shows_the_block_counting_until_its_exclusive_end(
    bc01_holder: Certledger,
) -> None:
    before = bc01_holder.ok("status V1 --as-of 2022-06-19").splitlines()
    after = bc01_holder.ok("status V1 --as-of 2022-06-20").splitlines()

    def row(lines: list[str], start: str) -> str:
        return next(" ".join(line.split()) for line in lines if line.startswith(start))

    assert row(before, "RNCP13080BC01") == (
        "RNCP13080BC01 2017-06-20 yes valid through 2022-06-19 (until 2022-06-20 excluded) "
        "yes (9/7) RNCP13080-2017-00001"
    )
    assert row(after, "RNCP13080BC01") == (
        "RNCP13080BC01 2017-06-20 no valid through 2022-06-19 (until 2022-06-20 excluded) "
        "no (0/7) RNCP13080-2017-00001"
    )
    assert row(after, "RNCP13080-2017-00001") == (
        "RNCP13080-2017-00001 block RNCP13080BC01 2017-06-27 held"
    )


def test_a_vae_partial_validation_of_2017_still_counts_in_2026(
    vae_candidate: Certledger,
) -> None:
    assert vae_candidate.ok("jury decide JV V2 --validate C10,C11,C13") == "V2/JV\n"

    status = vae_candidate.status("V2", "2026-01-01")

    assert status["route"] == "vae"
    assert status["state"] == "in_progress"
    assert [
        (c["code"], c["validated_on"], c["permanent"], c["valid_until"], c["counts"])
        for c in status["competencies"]
    ] == [
        ("C10", "2017-06-21", True, None, True),
        ("C11", "2017-06-21", True, None, True),
        ("C13", "2017-06-21", True, None, True),
    ]
    assert status["counting_competencies"] == 3
    assert not any(b["awarded"] for b in status["blocks"])


def test_a_vae_decision_by_a_jury_without_a_technicien_is_refused_and_writes_nothing(
    vae_candidate: Certledger,
) -> None:
    vae_candidate.convene("J5", on="2017-06-22", people=FIVE)
    history = vae_candidate.history("V2")

    error = vae_candidate.refused("jury decide J5 V2 --validate C10")

    assert error == (
        "Error: rule 3 (jury composition): jury session J5 lacks role(s) technicien required "
        "for route vae on 2017-06-22 (a --derogation can override it)"
    )
    assert vae_candidate.history("V2") == history


def test_a_title_outside_the_rncp_registrations_is_refused_even_with_evidence_for_all(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2019-09-01")
    certledger.convene("J20", on="2020-01-15")
    history = certledger.history("V1")

    error = certledger.refused(f"jury decide J20 V1 --validate {ALL} --award-title")

    assert error == (
        "Error: rule 6 (RNCP registration): the title cannot be awarded on 2020-01-15, "
        f"outside the RNCP registration periods of referential 2006.1 ({REGISTRATIONS})"
    )
    assert certledger.history("V1") == history


def test_a_derogation_never_overrides_the_rncp_registration(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2019-12-02")
    certledger.convene("J20", on="2020-01-15", people=FIVE[:4], president="Ana Roy")

    error = certledger.refused(
        f"jury decide J20 V1 --validate {ALL} --award-block BC01 --award-title "
        "--derogation 'a member was ill; the jury judged the whole file'"
    )

    assert error == (
        "Error: rule 6 (RNCP registration): RNCP13080BC01, the title cannot be awarded on "
        f"2020-01-15, outside the RNCP registration periods of referential 2006.1 ({REGISTRATIONS})"
    )


def test_the_same_award_is_accepted_on_the_last_day_of_the_registration(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.pass_everything("V1", on="2019-09-01")
    certledger.convene("J19", on="2019-10-04")

    out = certledger.ok(f"jury decide J19 V1 --validate {ALL} --award-title")

    assert out == "V1/J19\n"
    title = certledger.status("V1", "2019-10-04")["title"]
    assert (title["awarded"], title["awarded_on"], title["counting"]) == (True, "2019-10-04", 42)


def test_a_competency_code_that_does_not_exist_is_refused(bc01_holder: Certledger) -> None:
    bc01_holder.convene("J2", on="2017-07-03")
    history = bc01_holder.history("V1")

    error = bc01_holder.refused("jury decide J2 V1 --validate C01,C99")

    assert error == (
        "Error: rule 1 (codes): competency C99 does not exist in referential 2006.1 "
        "in force on 2017-07-03"
    )
    assert bc01_holder.history("V1") == history


def test_a_date_that_is_not_in_the_calendar_is_a_usage_error_naming_the_option(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")

    error = certledger.misused(
        "assessment record V1 --epreuve BC01-E1 --on 2019-02-30 --passed C01"
    )

    assert error == (
        "Error: Invalid value for '--on': '2019-02-30' is not a real calendar date "
        "(day is out of range for month)"
    )


def test_a_second_certificate_for_the_same_award_is_refused(bc01_holder: Certledger) -> None:
    history = bc01_holder.history("V1")

    error = bc01_holder.refused("certificate issue V1/J1 --kind block:BC01 --on 2017-07-01")

    assert error == (
        "Error: rule 7 (certificates): certificate RNCP13080-2017-00001 was already issued on "
        "2017-06-27 for the block RNCP13080BC01 of decision V1/J1; ask for a duplicate with "
        "`certificate reissue`"
    )
    assert bc01_holder.history("V1") == history
