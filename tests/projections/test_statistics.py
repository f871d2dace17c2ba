"""Yearly statistics: jury decisions counted per deliberation year and route, as known at T."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from projections.statistics import YearRouteStatistics, yearly_statistics
from tests.projections.streams import (
    ALL_COMPETENCIES,
    BC01,
    BC01_SEVEN,
    BC02,
    BC03,
    BC04,
    VERSIONS,
    Stream,
    at,
)

ENROLLED_ON = date(2016, 9, 12)
NOW = at(date(2026, 1, 1))


def candidate(name: str, route: str = "formation_continue") -> Stream:
    stream = Stream(candidate=name)
    stream.enroll(ENROLLED_ON, route=route, vae_path="VAE_CLASSIQUE" if route == "vae" else None)
    return stream


def rows(*streams: Stream, known_at: Any = NOW, year: int | None = None) -> dict[Any, Any]:
    """The statistics rows as JSON, by (year, route)."""
    found = yearly_statistics((s.facts for s in streams), VERSIONS, known_at=known_at, year=year)
    return {(r.year, r.route): r.as_json() for r in found}


def row(year: int, route: str, **counts: Any) -> dict[str, Any]:
    """A row with every count zero but those given."""
    zeros = {
        "presented": 0,
        "certified": 0,
        "certified_vae": 0,
        "blocks_awarded": 0,
        "partial_validations": 0,
        "success_rate": 0.0,
        "revoked": 0,
        "by_derogation": 0,
        "insertion_6m": None,
        "insertion_target_6m": None,
        "insertion_24m": None,
        "insertion_target_24m": None,
        "surveyed_6m": 0,
        "answered_6m": 0,
        "surveyed_24m": 0,
        "answered_24m": 0,
        "cpf_accepted": 0,
        "cpf_awaiting": 0,
        "cpf_rejected": 0,
        "cpf_to_resend": 0,
    }
    # Nothing was sent in these ledgers: every title certified is still to send.
    sent = {"cpf_not_sent": counts.get("certified", 0)}
    return {"year": year, "fiche": "RNCP13080", "route": route, **zeros, **sent, **counts}


def test_a_title_counts_in_certified_presented_and_blocks() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, (BC01, BC02), title=True)

    assert rows(v1) == {
        (2017, "formation_continue"): row(
            2017, "formation_continue", presented=1, certified=1, blocks_awarded=2, success_rate=1.0
        ),
        (2017, "all"): row(
            2017, "all", presented=1, certified=1, blocks_awarded=2, success_rate=1.0
        ),
    }


def test_an_annulled_title_does_not_count() -> None:
    v1 = candidate("V1")
    decision = v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, (BC01,), title=True)
    v1.annul(decision, date(2017, 9, 1))

    assert rows(v1) == {}


def test_an_annulled_title_counts_as_known_before_its_annulment() -> None:
    v1 = candidate("V1")
    decision = v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, (BC01,), title=True)
    annulment = v1.annul(decision, date(2017, 9, 1))

    before = rows(v1, known_at=annulment.recorded_at - timedelta(microseconds=1))

    assert before[(2017, "formation_continue")] == row(
        2017, "formation_continue", presented=1, certified=1, blocks_awarded=1, success_rate=1.0
    )


def test_a_vae_title_counts_in_certified_and_certified_vae() -> None:
    v2 = candidate("V2", route="vae")
    v2.decide("JV", date(2017, 6, 21), ALL_COMPETENCIES, (BC01, BC02, BC03, BC04), title=True)

    assert rows(v2)[(2017, "vae")] == row(
        2017,
        "vae",
        presented=1,
        certified=1,
        certified_vae=1,
        blocks_awarded=4,
        success_rate=1.0,
    )


def test_a_title_on_a_route_that_is_not_vae_is_not_certified_vae() -> None:
    v1 = candidate("V1", route="formation_initiale")
    v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, title=True)

    assert rows(v1)[(2017, "formation_initiale")]["certified_vae"] == 0


def test_a_failed_presentation_counts_in_presented_only() -> None:
    v3 = candidate("V3", route="formation_initiale")
    v3.decide("J1", date(2017, 6, 20))

    assert rows(v3) == {
        (2017, "formation_initiale"): row(2017, "formation_initiale", presented=1),
        (2017, "all"): row(2017, "all", presented=1),
    }


def test_a_decision_validating_without_the_title_is_a_partial_validation() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN, (BC01,))

    assert rows(v1)[(2017, "formation_continue")] == row(
        2017, "formation_continue", presented=1, blocks_awarded=1, partial_validations=1
    )


def test_two_decisions_of_one_candidate_in_one_year_count_once_in_presented() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN, (BC01,))
    v1.decide("J2", date(2017, 11, 20), ALL_COMPETENCIES, (BC02, BC03, BC04), title=True)

    assert rows(v1)[(2017, "formation_continue")] == row(
        2017,
        "formation_continue",
        presented=1,
        certified=1,
        blocks_awarded=4,
        partial_validations=1,
        success_rate=1.0,
    )


def test_decisions_in_two_years_count_in_each_year() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)
    v1.decide("J2", date(2018, 6, 20), ALL_COMPETENCIES, title=True)

    found = rows(v1)

    assert found[(2017, "all")] == row(2017, "all", presented=1, partial_validations=1)
    assert found[(2018, "all")] == row(2018, "all", presented=1, certified=1, success_rate=1.0)


def test_known_at_before_a_decision_was_recorded_hides_it() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)
    v1.decide("J2", date(2017, 11, 20), ALL_COMPETENCIES, title=True, at_=at(date(2018, 3, 1)))

    found = rows(v1, known_at=at(date(2018, 2, 28)))

    assert found[(2017, "formation_continue")] == row(
        2017, "formation_continue", presented=1, partial_validations=1
    )


def test_known_at_before_every_decision_gives_no_rows() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)

    assert rows(v1, known_at=at(date(2017, 6, 19))) == {}


def test_a_candidate_not_yet_known_is_left_out() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)

    assert rows(v1, known_at=at(ENROLLED_ON) - timedelta(hours=1)) == {}


def test_a_rectified_decision_counts_with_its_new_content_once_known() -> None:
    v1 = candidate("V1")
    decision = v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES)
    rectification = v1.rectify(decision, {"title_awarded": True}, date(2017, 7, 1))

    after = rows(v1)
    before = rows(v1, known_at=rectification.recorded_at - timedelta(microseconds=1))

    assert after[(2017, "all")] == row(2017, "all", presented=1, certified=1, success_rate=1.0)
    assert before[(2017, "all")] == row(2017, "all", presented=1, partial_validations=1)


def test_the_route_is_the_one_the_decision_was_taken_under() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)
    v1.change_route("vae", date(2017, 9, 1), vae_path="VAE_CLASSIQUE")
    v1.decide("J2", date(2017, 11, 20), ALL_COMPETENCIES, title=True)

    found = rows(v1)

    assert found[(2017, "formation_continue")] == row(
        2017, "formation_continue", presented=1, partial_validations=1
    )
    assert found[(2017, "vae")] == row(
        2017, "vae", presented=1, certified=1, certified_vae=1, success_rate=1.0
    )
    assert found[(2017, "all")] == row(
        2017,
        "all",
        presented=1,
        certified=1,
        certified_vae=1,
        partial_validations=1,
        success_rate=1.0,
    )


def test_the_total_row_adds_every_route_of_the_year() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), ALL_COMPETENCIES, (BC01,), title=True)
    v2 = candidate("V2", route="vae")
    v2.decide("JV", date(2017, 6, 21), BC01_SEVEN, (BC01,))
    v3 = candidate("V3", route="formation_initiale")
    v3.decide("J1", date(2017, 6, 20))

    assert rows(v1, v2, v3)[(2017, "all")] == row(
        2017,
        "all",
        presented=3,
        certified=1,
        blocks_awarded=2,
        partial_validations=1,
        success_rate=0.3333,
    )


def test_year_keeps_the_decisions_deliberated_that_year_only() -> None:
    v1 = candidate("V1")
    v1.decide("J1", date(2017, 6, 20), BC01_SEVEN)
    v1.decide("J2", date(2018, 6, 20), ALL_COMPETENCIES, title=True)

    assert rows(v1, year=2018) == {
        (2018, "formation_continue"): row(
            2018, "formation_continue", presented=1, certified=1, success_rate=1.0
        ),
        (2018, "all"): row(2018, "all", presented=1, certified=1, success_rate=1.0),
    }


def test_rows_come_by_year_then_route_with_the_total_last() -> None:
    v1 = candidate("V1", route="vae")
    v1.decide("J1", date(2018, 6, 20), BC01_SEVEN)
    v2 = candidate("V2", route="apprentissage")
    v2.decide("J1", date(2018, 6, 20), BC01_SEVEN)
    v3 = candidate("V3", route="formation_initiale")
    v3.decide("J0", date(2017, 6, 20), BC01_SEVEN)

    found = yearly_statistics([v1.facts, v2.facts, v3.facts], VERSIONS, known_at=NOW)

    assert [(r.year, r.route) for r in found] == [
        (2017, "formation_initiale"),
        (2017, "all"),
        (2018, "apprentissage"),
        (2018, "vae"),
        (2018, "all"),
    ]


def test_the_success_rate_is_rounded_half_up_to_four_places() -> None:
    def rate(certified: int, presented: int) -> float:
        return YearRouteStatistics(2018, "all", presented, certified, 0, 0, 0).success_rate

    assert rate(1, 32) == 0.0313  # 0.03125
    assert rate(2, 3) == 0.6667
    assert rate(1, 3) == 0.3333
    assert rate(3, 3) == 1.0
    assert rate(0, 0) == 0.0


# Insertion surveys: rates per certification year, over the holders who answered.


def holder(name: str, year: int = 2017, route: str = "formation_continue") -> Stream:
    stream = candidate(name, route)
    stream.decide("J1", date(year, 6, 20), ALL_COMPETENCIES, title=True)
    return stream


def test_insertion_rates_are_over_the_holders_who_answered() -> None:
    holders = [holder(f"H{i}") for i in range(5)]
    holders[0].survey("6m", date(2017, 12, 20), "target_job", "L1302")
    holders[1].survey("6m", date(2017, 12, 21), "other_job")
    holders[2].survey("6m", date(2017, 12, 22), "seeking")
    holders[3].survey("6m", date(2017, 12, 23), "no_answer")
    holders[0].survey("24m", date(2019, 6, 20), "target_job")

    total = rows(*holders)[(2017, "all")]

    assert {k: v for k, v in total.items() if "6m" in k or "24m" in k} == {
        "surveyed_6m": 4,
        "answered_6m": 3,
        "insertion_6m": 0.6667,
        "insertion_target_6m": 0.3333,
        "surveyed_24m": 1,
        "answered_24m": 1,
        "insertion_24m": 1.0,
        "insertion_target_24m": 1.0,
    }


def test_a_year_without_an_answer_has_no_rate() -> None:
    h = holder("H1")
    h.survey("6m", date(2017, 12, 20), "no_answer")

    total = rows(h)[(2017, "all")]

    assert (total["surveyed_6m"], total["answered_6m"], total["insertion_6m"]) == (1, 0, None)
    assert total["insertion_target_6m"] is None


def test_study_is_an_answer_but_not_an_insertion() -> None:
    h1, h2 = holder("H1"), holder("H2")
    h1.survey("6m", date(2017, 12, 20), "study")
    h2.survey("6m", date(2017, 12, 20), "target_job")

    total = rows(h1, h2)[(2017, "all")]

    assert (total["answered_6m"], total["insertion_6m"], total["insertion_target_6m"]) == (
        2,
        0.5,
        0.5,
    )


def test_the_last_survey_of_a_kind_recorded_is_the_one_counted() -> None:
    h = holder("H1")
    h.survey("6m", date(2017, 12, 20), "no_answer")
    h.survey("6m", date(2018, 1, 10), "other_job")

    total = rows(h)[(2017, "all")]

    assert (total["surveyed_6m"], total["answered_6m"], total["insertion_6m"]) == (1, 1, 1.0)


def test_insertion_is_per_certification_year_and_route() -> None:
    h2017 = holder("H1", 2017)
    h2017.survey("6m", date(2017, 12, 20), "target_job")
    h2018 = holder("H2", 2018, route="vae")
    h2018.survey("6m", date(2018, 12, 20), "seeking")

    found = rows(h2017, h2018)

    assert found[(2017, "formation_continue")]["insertion_6m"] == 1.0
    assert found[(2018, "vae")]["insertion_6m"] == 0.0
    assert found[(2018, "all")]["insertion_6m"] == 0.0


def test_a_survey_recorded_after_known_at_is_not_counted() -> None:
    h = holder("H1")
    surveyed = h.survey("6m", date(2017, 12, 20), "target_job")

    total = rows(h, known_at=surveyed.recorded_at - timedelta(microseconds=1))[(2017, "all")]

    assert (total["surveyed_6m"], total["insertion_6m"]) == (0, None)


def test_the_holders_of_a_revoked_title_are_left_out_of_the_insertion_rates() -> None:
    h = holder("H1")
    h.issue("T1", "H1/J1", "title", "RNCP13080", date(2017, 7, 1))
    h.revoke("T1", date(2018, 2, 1))
    h.survey("6m", date(2017, 12, 20), "target_job")

    total = rows(h)[(2017, "all")]

    assert (total["certified"], total["revoked"], total["surveyed_6m"]) == (0, 1, 0)
