"""`candidate enroll/link-person/withdraw/reenroll/change-route/list`."""

from __future__ import annotations

import pytest

from tests.cli.conftest import NINE, Certledger

ROUTES = (
    "formation_initiale, apprentissage, formation_continue, contrat_professionnalisation, "
    "candidature_individuelle, vae"
)

PERSON = "--birth-name Durand --first-name Alice --birth-date 1990-01-02 --sex F"
"""Identity options without a birth place."""

ENROL = f"candidate enroll V1 --route formation_continue --on 2016-09-12 {PERSON}"
"""Enrol V1, short of a birth place."""


# enroll


def test_enrolling_records_the_enrolment_and_the_identity(certledger: Certledger) -> None:
    out = certledger.ok(f"{ENROL} --birth-insee 75112")

    assert out == "Enrolled candidate V1 on route formation_continue on 2016-09-12.\n"
    events = certledger.history("V1")
    assert [(e["type"], e["effective_on"]) for e in events] == [
        ("CandidateEnrolled", "2016-09-12"),
        ("IdentityRecorded", "2016-09-12"),
    ]
    assert events[0]["data"] == {
        "candidate_id": "V1",
        "route": "formation_continue",
        "vae_path": None,
        "linked_persons": [],
    }
    assert events[1]["data"]["identity"] == {
        "birth_name": "Durand",
        "usage_name": None,
        "first_names": ["Alice"],
        "birth_date": "1990-01-02",
        "sex": "F",
        "birth_insee": "75112",
        "birth_postcode": None,
        "birth_country": None,
    }


def test_enrolling_with_a_birth_postcode_usage_name_and_country(certledger: Certledger) -> None:
    certledger.ok(
        f"{ENROL} --first-name Marie --birth-postcode 69001 --usage-name Martin --birth-country 100"
    )

    identity = certledger.history("V1")[1]["data"]["identity"]
    assert (identity["first_names"], identity["birth_postcode"], identity["birth_insee"]) == (
        ["Alice", "Marie"],
        "69001",
        None,
    )
    assert (identity["usage_name"], identity["birth_country"]) == ("Martin", "100")


def test_a_vae_enrolment_takes_the_classic_vae_path_by_default(certledger: Certledger) -> None:
    certledger.enroll("V1", "vae", "2017-01-09")
    certledger.enroll("V2", "vae", "2017-01-09", "--vae-path", "CONGES_VAE")

    assert certledger.status("V1", "2017-01-09")["vae_path"] == "VAE_CLASSIQUE"
    assert certledger.status("V2", "2017-01-09")["vae_path"] == "CONGES_VAE"


def test_enrolling_the_same_candidate_twice_is_refused(certledger: Certledger) -> None:
    certledger.enroll("V1", "vae", "2016-01-04")

    error = certledger.refused(f"{ENROL} --birth-insee 75112")

    assert error == "Error: candidate V1 is already enrolled"


def test_an_unknown_route_is_refused_by_rule_1(certledger: Certledger) -> None:
    error = certledger.refused(
        f"candidate enroll V1 --route erasmus --on 2017-01-09 {PERSON} --birth-insee 75112"
    )

    assert error == (
        "Error: rule 1 (codes): route erasmus does not exist in referential 2006.1 in force "
        f"on 2017-01-09 (routes: {ROUTES})"
    )
    assert certledger.json("candidate list") == []


@pytest.mark.parametrize(
    "place",
    ["--birth-insee 75112 --birth-postcode 75012", ""],
    ids=["both birth codes", "no birth code"],
)
def test_an_identity_without_exactly_one_birth_code_is_refused_and_writes_nothing(
    certledger: Certledger, place: str
) -> None:
    error = certledger.refused(f"{ENROL} {place}", code=2)

    assert error == "Error: birth place: give exactly one of the INSEE code and the postcode"
    assert certledger.json("candidate list") == []


def test_the_birth_code_error_is_one_clear_sentence(certledger: Certledger) -> None:
    error = certledger.refused(ENROL, code=2)

    assert error == ("Error: birth place: give exactly one of the INSEE code and the postcode")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "--birth-insee 7511",
            "Error: birth place: INSEE code '7511' must be 5 ASCII characters, the département "
            "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
        ),
        (
            "--birth-insee ٧٥١١٢",
            "Error: birth place: INSEE code '٧٥١١٢' must be 5 ASCII characters, the département "
            "(2 digits, or 2A/2B) then 3 digits, e.g. 75056",
        ),
        (
            "--birth-insee 75112 --birth-country FRA",
            "Error: birth country: INSEE country code 'FRA' must be 3 ASCII digits, "
            "e.g. 100 for France",
        ),
        (
            "--birth-insee 75112 --first-name B --first-name C --first-name D",
            "Error: first names: give 1 to 3 first names, not 4",
        ),
    ],
    ids=["short INSEE code", "Arabic-Indic digits", "ISO country code", "four first names"],
)
def test_a_malformed_identity_is_refused_naming_the_field(
    certledger: Certledger, extra: str, message: str
) -> None:
    assert certledger.refused(f"{ENROL} {extra}", code=2) == message
    assert certledger.json("candidate list") == []


def test_a_birth_date_on_or_after_the_enrolment_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        "candidate enroll V1 --route vae --on 2016-09-12 --birth-name Durand "
        "--first-name Alice --birth-date 2016-09-12 --sex F --birth-insee 75112"
    )

    assert error == (
        "Error: birth date: 2016-09-12 is less than 16 years before the enrolment "
        "on 2016-09-12 (referential 2006.1 sets the minimum age at 16)"
    )


def test_a_birth_in_2010_for_a_2016_enrolment_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        "candidate enroll V1 --route formation_continue --on 2016-09-12 --birth-name Durand "
        "--first-name Alice --birth-date 2010-05-02 --sex F --birth-insee 75112"
    )

    assert error == (
        "Error: birth date: 2010-05-02 is less than 16 years before the enrolment "
        "on 2016-09-12 (referential 2006.1 sets the minimum age at 16)"
    )


@pytest.mark.parametrize(
    ("route", "on", "openings"),
    [
        ("apprentissage", "2016-09-12", "closed"),
        ("contrat_professionnalisation", "2016-09-12", "closed"),
        ("vae", "2007-11-05", "open from 2008-01-01"),
    ],
)
def test_an_enrolment_on_a_route_closed_that_day_is_refused_by_rule_12(
    certledger: Certledger, route: str, on: str, openings: str
) -> None:
    error = certledger.refused(
        f"candidate enroll V1 --route {route} --on {on} {PERSON} --birth-insee 75112"
    )

    assert error == (
        f"Error: rule 12 (access routes): route {route} is {openings} in referential 2006.1: "
        f"the enrolment onto it on {on} is refused"
    )


def test_a_route_change_into_a_closed_route_is_refused_by_rule_12(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")

    error = certledger.refused(
        "candidate change-route V1 --route contrat_professionnalisation --on 2017-01-09"
    )

    assert error == (
        "Error: rule 12 (access routes): route contrat_professionnalisation is closed in "
        "referential 2006.1: the route change onto it on 2017-01-09 is refused"
    )


def test_a_re_enrolment_onto_vae_before_2008_is_refused_by_rule_12(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", "formation_continue", "2006-09-11")
    certledger.ok("candidate withdraw V1 --on 2007-01-15 --reason moved")

    error = certledger.refused("candidate reenroll V1 --route vae --on 2007-09-03")

    assert error == (
        "Error: rule 12 (access routes): route vae is open from 2008-01-01 in referential "
        "2006.1: the re-enrolment onto it on 2007-09-03 is refused"
    )
    certledger.ok("candidate reenroll V1 --route vae --on 2008-01-07")


def test_an_enrolment_dated_in_the_future_is_refused_by_rule_8(certledger: Certledger) -> None:
    error = certledger.refused(
        f"candidate enroll V1 --route vae --on 2099-01-01 {PERSON} --birth-insee 75112"
    )

    assert error.startswith(
        "Error: rule 8 (dates): the enrolment dated 2099-01-01 is later than today ("
    )


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--on", "2019-02-30", "is not a real calendar date (day is out of range for month)"),
        (
            "--birth-date",
            "1990-02-29",
            "is not a real calendar date (day is out of range for month)",
        ),
        ("--on", "12.09.2016", "is not a date written YYYY-MM-DD or DD/MM/YYYY"),
    ],
)
def test_a_date_that_cannot_be_read_is_a_usage_error_naming_the_option(
    certledger: Certledger, option: str, value: str, why: str
) -> None:
    line = f"{ENROL} --birth-insee 75112 {option} {value}"

    error = certledger.misused(line)

    assert error == f"Error: Invalid value for '{option}': '{value}' {why}"


def test_a_sex_other_than_m_or_f_is_a_usage_error(certledger: Certledger) -> None:
    assert certledger.misused(f"{ENROL} --birth-insee 75112 --sex X") == (
        "Error: Invalid value for '--sex': 'X' is not one of 'M', 'F'."
    )


def test_a_vae_path_on_a_route_that_is_not_vae_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(f"{ENROL} --birth-insee 75112 --vae-path CONGES_VAE")

    assert error == "Error: a VAE path (CONGES_VAE) is only for a VAE route, not formation_continue"


def test_a_candidate_id_with_a_slash_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        f"candidate enroll V1/J1 --route vae --on 2017-01-09 {PERSON} --birth-insee 75112"
    )

    assert error == (
        "Error: candidate 'V1/J1' is not a valid identifier (1-64 letters, digits, '_', '.' "
        "or '-', starting with a letter or digit)"
    )


def test_enrolling_again_under_the_same_request_id_returns_the_first_result(
    certledger: Certledger,
) -> None:
    first = certledger.json(f"{ENROL} --birth-insee 75112 --request-id enrol-V1")
    rows = certledger.rows()

    again = certledger(f"{ENROL} --birth-insee 75112 --request-id enrol-V1")

    assert first == {"id": "V1"}
    assert again.exit_code == 0
    assert again.stdout == "Enrolled candidate V1 on route formation_continue on 2016-09-12.\n"
    assert again.stderr == "(already recorded under this request id: nothing written)\n"
    assert certledger.rows() == rows


def test_the_same_request_id_with_other_content_is_refused_by_rule_9(
    certledger: Certledger,
) -> None:
    certledger.ok(f"{ENROL} --birth-insee 75112 --request-id enrol-V1")

    error = certledger.refused(f"{ENROL} --birth-postcode 75012 --request-id enrol-V1")

    assert error == (
        "Error: rule 9 (idempotency): request id enrol-V1 was used on candidate enroll with "
        "other content; use a new request id"
    )


def test_a_refused_command_does_not_use_up_its_request_id(certledger: Certledger) -> None:
    certledger.refused(f"{ENROL} --request-id r1", code=2)

    assert certledger.json(f"{ENROL} --birth-insee 75112 --request-id r1") == {"id": "V1"}


# link-person


def test_linking_a_person_records_who_and_how(certledger: Certledger) -> None:
    certledger.enroll("V1", "vae", "2017-01-09")

    out = certledger.ok(
        "candidate link-person V1 --name 'Marc Petit' --relation accompanist --on 2017-02-01"
    )

    assert out == "Linked Marc Petit (accompanist) to candidate V1.\n"
    last = certledger.history("V1")[-1]
    assert (last["type"], last["effective_on"], last["data"]) == (
        "PersonLinked",
        "2017-02-01",
        {"name": "Marc Petit", "relation": "accompanist"},
    )


def test_linking_the_same_person_twice_is_refused_whatever_the_case(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", "vae", "2017-01-09")
    certledger.ok(
        "candidate link-person V1 --name 'Marc Petit' --relation accompanist --on 2017-02-01"
    )

    error = certledger.refused(
        "candidate link-person V1 --name 'MARC  petit' --relation tutor --on 2017-03-01"
    )

    assert error == (
        "Error: Marc Petit is already linked to candidate V1 (accompanist, since 2017-02-01)"
    )


def test_linking_a_person_to_an_unknown_candidate_is_refused(certledger: Certledger) -> None:
    error = certledger.refused(
        "candidate link-person V9 --name 'Marc Petit' --relation tutor --on 2017-02-01"
    )

    assert error == "Error: candidate V9 not found"


def test_a_link_dated_before_the_enrolment_is_refused_by_rule_2(certledger: Certledger) -> None:
    certledger.enroll("V1", "vae", "2017-01-09")

    error = certledger.refused(
        "candidate link-person V1 --name 'Marc Petit' --relation tutor --on 2016-12-01"
    )

    assert error == (
        "Error: rule 2 (enrolment and session): the link dated 2016-12-01 is before candidate "
        "V1's enrolment on 2017-01-09"
    )


def test_an_unknown_relation_is_a_usage_error(certledger: Certledger) -> None:
    certledger.enroll("V1", "vae", "2017-01-09")

    error = certledger.misused(
        "candidate link-person V1 --name 'Marc Petit' --relation cousin --on 2017-02-01"
    )

    assert error == (
        "Error: Invalid value for '--relation': 'cousin' is not one of 'accompanist', "
        "'tutor', 'employer', 'other'."
    )


# withdraw and reenroll


def test_a_withdrawal_makes_the_candidate_withdrawn_from_its_date(
    bc01_holder: Certledger,
) -> None:
    out = bc01_holder.ok("candidate withdraw V1 --on 2018-01-15 --reason 'moved abroad'")

    assert out == "Candidate V1 withdrew on 2018-01-15.\n"
    assert bc01_holder.status("V1", "2018-01-14")["state"] == "in_progress"
    withdrawn = bc01_holder.status("V1", "2018-01-15")
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["counting_competencies"] == 9
    assert bc01_holder.history("V1")[-1]["data"] == {"reason": "moved abroad"}


def test_a_withdrawal_before_a_later_decision_is_refused_by_rule_10(
    bc01_holder: Certledger,
) -> None:
    error = bc01_holder.refused("candidate withdraw V1 --on 2017-06-19 --reason 'moved abroad'")

    assert error == (
        "Error: rule 10 (withdrawal): candidate V1 cannot withdraw on 2017-06-19: decision "
        "V1/J1 of 2017-06-20 is dated after it"
    )


@pytest.mark.parametrize(
    ("command", "what"),
    [
        ("assessment record V1 --epreuve BC01-E1 --on 2019-06-01 --passed C01", "the assessment"),
        ("candidate change-route V1 --route vae --on 2019-06-01", "the route change"),
    ],
)
def test_a_late_withdrawal_before_what_needs_the_candidate_enrolled_warns_to_record_the_reenrolment(
    certledger: Certledger, command: str, what: str
) -> None:
    # The true history: withdrew in 2017, re-enrolled in 2018, assessed (or moved) in 2019;
    # the withdrawal and the re-enrolment are recorded late, in that order.
    certledger.enroll("V1")
    certledger.ok(command)

    result = certledger("candidate withdraw V1 --on 2017-03-01 --reason 'moved abroad'")

    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: candidate V1 stands withdrawn from 2017-03-01, yet "
        f"{what} of 2019-06-01 dated after it need them enrolled (rule 2): record the "
        "re-enrolment that came before them\n"
    )
    certledger.ok("candidate reenroll V1 --route formation_continue --on 2018-01-08")
    assert certledger.status("V1", "2019-06-02")["state"] != "withdrawn"


def test_a_withdrawal_on_the_day_of_the_last_decision_is_accepted(
    bc01_holder: Certledger,
) -> None:
    bc01_holder.ok("candidate withdraw V1 --on 2017-06-20 --reason done")

    assert bc01_holder.status("V1", "2017-06-20")["state"] == "withdrawn"


def test_withdrawing_a_withdrawn_candidate_is_refused(certledger: Certledger) -> None:
    certledger.enroll("V1")
    certledger.ok("candidate withdraw V1 --on 2017-01-10 --reason moved")

    error = certledger.refused("candidate withdraw V1 --on 2017-02-01 --reason 'moved again'")

    assert error == (
        "Error: rule 2 (enrolment and session): candidate V1 withdrew on 2017-01-10 and is not "
        "enrolled on 2017-02-01 (the withdrawal)"
    )


def test_a_withdrawal_needs_a_reason(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused("candidate withdraw V1 --on 2017-01-10 --reason ' '")

    assert error == "Error: a withdrawal needs a reason"


def test_a_reenrolled_candidate_keeps_what_they_acquired(bc01_holder: Certledger) -> None:
    bc01_holder.ok("candidate withdraw V1 --on 2018-01-15 --reason moved")

    out = bc01_holder.ok("candidate reenroll V1 --route vae --on 2018-09-03")

    assert out == "Re-enrolled candidate V1 on route vae on 2018-09-03.\n"
    status = bc01_holder.status("V1", "2018-09-03")
    assert (status["state"], status["route"], status["vae_path"]) == (
        "in_progress",
        "vae",
        "VAE_CLASSIQUE",
    )
    assert status["counting_competencies"] == 9
    assert status["blocks"][0]["counts"] is True


def test_reenrolling_a_candidate_who_did_not_withdraw_is_refused_by_rule_10(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")

    error = certledger.refused("candidate reenroll V1 --route vae --on 2018-05-01")

    assert error == (
        "Error: rule 10 (withdrawal): candidate V1 is not withdrawn on 2018-05-01: only a "
        "withdrawn candidate re-enrols"
    )


def test_reenrolling_before_the_withdrawal_date_is_refused_by_rule_10(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.ok("candidate withdraw V1 --on 2018-06-01 --reason moved")

    error = certledger.refused("candidate reenroll V1 --route vae --on 2018-05-01")

    assert error.startswith("Error: rule 10 (withdrawal): candidate V1 is not withdrawn on ")


def test_a_decision_for_a_withdrawn_candidate_is_refused_by_rule_2(
    bc01_holder: Certledger,
) -> None:
    bc01_holder.ok("candidate withdraw V1 --on 2018-01-15 --reason moved")
    bc01_holder.convene("J2", on="2018-02-01")

    error = bc01_holder.refused("jury decide J2 V1")

    assert error == (
        "Error: rule 2 (enrolment and session): candidate V1 withdrew on 2018-01-15 and is not "
        "enrolled on 2018-02-01 (the deliberation of jury session J2)"
    )


# change-route


def test_a_route_change_applies_from_its_date(certledger: Certledger) -> None:
    certledger.enroll("V1")

    out = certledger.ok(
        "candidate change-route V1 --route vae --on 2018-01-01 --vae-path CONGES_VAE"
    )

    assert out == "Candidate V1 is on route vae from 2018-01-01.\n"
    assert certledger.status("V1", "2017-12-31")["route"] == "formation_continue"
    after = certledger.status("V1", "2018-01-01")
    assert (after["route"], after["vae_path"]) == ("vae", "CONGES_VAE")


def test_a_route_change_never_makes_past_validations_permanent(bc01_holder: Certledger) -> None:
    bc01_holder.ok("candidate change-route V1 --route vae --on 2018-01-01")

    status = bc01_holder.status("V1", "2023-01-01")

    assert status["route"] == "vae"
    assert {(c["permanent"], c["valid_until"], c["counts"]) for c in status["competencies"]} == {
        (False, "2022-06-20", False)
    }


def test_a_route_change_to_the_same_route_is_refused(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused(
        "candidate change-route V1 --route formation_continue --on 2018-01-01"
    )

    assert error == "Error: candidate V1 is already on route formation_continue on 2018-01-01"


def test_a_route_change_dated_on_or_before_a_decision_is_refused(bc01_holder: Certledger) -> None:
    error = bc01_holder.refused("candidate change-route V1 --route vae --on 2017-06-20")

    assert error == (
        "Error: rule 2 (enrolment and session): a route change dated 2017-06-20 cannot precede "
        "decision V1/J1 of 2017-06-20, taken under route formation_continue"
    )


def test_a_route_change_to_an_unknown_route_is_refused_by_rule_1(certledger: Certledger) -> None:
    certledger.enroll("V1")

    error = certledger.refused("candidate change-route V1 --route erasmus --on 2018-01-01")

    assert error == (
        "Error: rule 1 (codes): route erasmus does not exist in referential 2006.1 in force "
        f"on 2018-01-01 (routes: {ROUTES})"
    )


# list


@pytest.fixture
def three(bc01_holder: Certledger) -> Certledger:
    """V1 holding BC01 (formation continue), V2 enrolled in VAE, V3 withdrawn."""
    bc01_holder.enroll("V2", "vae", "2017-01-09")
    bc01_holder.enroll("V3", "formation_initiale", "2016-09-12")
    bc01_holder.ok("candidate withdraw V3 --on 2017-03-01 --reason left")
    return bc01_holder


def test_candidate_list_prints_a_table_of_states(three: Certledger) -> None:
    lines = [
        " ".join(line.split())
        for line in three.ok("candidate list --as-of 2018-01-01").splitlines()
    ]

    assert lines == [
        "Candidates as of 2018-01-01 (3)",
        "candidate state route competencies blocks counting title",
        "V1 in_progress formation_continue 9 RNCP13080BC01 no",
        "V2 enrolled vae 0 - no",
        "V3 withdrawn formation_initiale 0 - no",
    ]


@pytest.mark.parametrize(
    ("filters", "listed"),
    [
        (("--state", "withdrawn"), ["V3"]),
        (("--route", "vae"), ["V2"]),
        (("--block", "BC01"), ["V1"]),
        (("--block", "RNCP13080BC01"), ["V1"]),
        (("--block", "BC02"), []),
        (("--as-of", "2016-12-31"), ["V1", "V3"]),
        (("--block", "BC01", "--as-of", "2022-06-20"), []),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_candidate_list_filters_by_state_route_and_counting_block(
    three: Certledger, filters: tuple[str, ...], listed: list[str]
) -> None:
    if "--as-of" not in filters:
        filters = (*filters, "--as-of", "2018-01-01")

    rows = three.json("candidate", "list", *filters)

    assert [row["candidate"] for row in rows] == listed


def test_candidate_list_refuses_an_unknown_block_by_rule_1(certledger: Certledger) -> None:
    error = certledger.refused("candidate list --block BC09 --as-of 2018-01-01")

    assert error == (
        "Error: rule 1 (codes): block BC09 does not exist in referential 2006.1 in force on "
        "2018-01-01 (blocks: BC01, BC02, BC03, BC04)"
    )


def test_candidate_list_of_a_new_ledger_is_empty(certledger: Certledger) -> None:
    assert certledger.json("candidate list") == []


def test_a_validated_competency_shows_in_the_list_while_it_counts(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1")
    certledger.pass_bc01("V1")
    certledger.convene("J1")
    certledger.ok(f"jury decide J1 V1 --validate {NINE}")

    assert [
        r["counting_competencies"] for r in certledger.json("candidate list --as-of 2022-06-19")
    ] == [9]
    assert [
        r["counting_competencies"] for r in certledger.json("candidate list --as-of 2022-06-20")
    ] == [0]
