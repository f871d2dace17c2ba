"""The status on a date: effective order, route and presence on `as_of`, the overall state."""

from __future__ import annotations

from datetime import date

from tests.projections.streams import (
    BC01,
    BC01_SEVEN,
    TITLE,
    Stream,
    at,
    block,
    competency,
    maybe_status,
    status,
)

ALL_35 = tuple(f"C{i:02d}" for i in range(1, 36))


def test_there_is_no_status_before_the_enrolment_date(stream: Stream) -> None:
    assert maybe_status(stream, date(2016, 9, 11)) is None


def test_on_the_enrolment_date_the_candidate_is_enrolled_on_their_route(stream: Stream) -> None:
    found = status(stream, date(2016, 9, 12))

    assert found.candidate == "V1"
    assert found.as_of == date(2016, 9, 12)
    assert (found.state, found.route, found.vae_path) == ("enrolled", "formation_continue", None)
    assert found.referential == "2006.1"
    assert (found.competencies, found.certificates, found.counting_competencies) == ((), (), 0)
    assert found.title.awarded is False


def test_late_recorded_route_changes_are_applied_in_effective_order(stream: Stream) -> None:
    stream.change_route("apprentissage", date(2018, 1, 8))
    stream.change_route("vae", date(2017, 6, 1), vae_path="CONGES_VAE", at_=at(date(2018, 3, 1)))

    assert status(stream, date(2017, 5, 31)).route == "formation_continue"
    june_2017 = status(stream, date(2017, 6, 1))
    assert (june_2017.route, june_2017.vae_path) == ("vae", "CONGES_VAE")
    later = status(stream, date(2018, 6, 1))
    assert (later.route, later.vae_path) == ("apprentissage", None)


def test_two_route_changes_on_the_same_day_leave_the_one_recorded_last(stream: Stream) -> None:
    stream.change_route("apprentissage", date(2018, 1, 8))
    stream.change_route("candidature_individuelle", date(2018, 1, 8))

    assert status(stream, date(2018, 1, 8)).route == "candidature_individuelle"


def test_a_late_recorded_withdrawal_is_applied_on_its_effective_date(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.withdraw(date(2018, 1, 10), at_=at(date(2019, 5, 2)))

    assert status(stream, date(2018, 1, 9)).state == "in_progress"
    assert status(stream, date(2018, 1, 10)).state == "withdrawn"
    assert status(stream, date(2018, 1, 10), known_at=at(date(2019, 5, 1))).state == "in_progress"


def test_a_late_recorded_decision_counts_from_its_deliberation_date(stream: Stream) -> None:
    stream.decide("J2", date(2018, 6, 20), validated=("C02",))
    stream.decide("J1", date(2017, 6, 20), validated=("C01",), at_=at(date(2018, 9, 1)))

    found = status(stream, date(2017, 12, 1))

    assert [c.code for c in found.competencies] == ["C01"]
    assert competency(found, "C01").valid_until == date(2022, 6, 20)


def test_a_route_change_effective_after_as_of_does_not_change_the_route_shown(
    stream: Stream,
) -> None:
    stream.change_route("vae", date(2018, 1, 8), vae_path="VAE_CLASSIQUE")

    before = status(stream, date(2018, 1, 7))
    on_the_day = status(stream, date(2018, 1, 8))

    assert (before.route, before.vae_path) == ("formation_continue", None)
    assert (on_the_day.route, on_the_day.vae_path) == ("vae", "VAE_CLASSIQUE")


def test_a_withdrawal_effective_after_as_of_leaves_the_state_as_it_was(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.withdraw(date(2018, 1, 10))

    assert status(stream, date(2018, 1, 9)).state == "in_progress"
    assert status(stream, date(2018, 1, 10)).state == "withdrawn"


def test_a_withdrawal_before_anything_was_validated_leaves_enrolled_until_its_date(
    stream: Stream,
) -> None:
    stream.withdraw(date(2017, 1, 10))

    assert status(stream, date(2017, 1, 9)).state == "enrolled"
    assert status(stream, date(2017, 1, 10)).state == "withdrawn"


def test_a_withdrawn_candidate_keeps_what_they_acquired(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=BC01_SEVEN, blocks=(BC01,))
    stream.withdraw(date(2018, 1, 10))

    found = status(stream, date(2018, 2, 1))

    assert found.state == "withdrawn"
    assert found.counting_competencies == 7
    assert block(found, BC01).counts is True


def test_a_reenrolled_candidate_is_in_progress_again_on_the_new_route(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.withdraw(date(2018, 1, 10))
    stream.reenroll("vae", date(2019, 2, 4), vae_path="VAE_CLASSIQUE")

    withdrawn = status(stream, date(2019, 2, 3))
    back = status(stream, date(2019, 2, 4))

    assert (withdrawn.state, withdrawn.route) == ("withdrawn", "formation_continue")
    assert (back.state, back.route, back.vae_path) == ("in_progress", "vae", "VAE_CLASSIQUE")


def test_a_validation_makes_the_candidate_in_progress_even_once_it_stops_counting(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))

    found = status(stream, date(2030, 1, 1))

    assert found.state == "in_progress"
    assert found.counting_competencies == 0


def test_certified_comes_before_withdrawn(stream: Stream) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=ALL_35, title=True)
    stream.withdraw(date(2018, 1, 10))

    assert status(stream, date(2017, 6, 19)).state == "enrolled"
    assert status(stream, date(2017, 6, 20)).state == "certified"
    assert status(stream, date(2018, 1, 10)).state == "certified"


def test_the_title_stays_awarded_after_its_competencies_stop_counting(stream: Stream) -> None:
    decision = stream.decide("J1", date(2017, 6, 20), validated=ALL_35, title=True)
    stream.issue("ESEC-T-0001", decision, "title", TITLE, date(2017, 7, 3))

    found = status(stream, date(2030, 1, 1))

    assert found.state == "certified"
    assert (found.title.awarded, found.title.awarded_on) == (True, date(2017, 6, 20))
    assert (found.title.eligible, found.title.counting) == (False, 0)
    assert (found.title.certificate, found.title.decision) == ("ESEC-T-0001", "V1/J1")


def test_a_revoked_title_certificate_makes_the_candidate_revoked_from_its_date(
    stream: Stream,
) -> None:
    decision = stream.decide("J1", date(2017, 6, 20), validated=ALL_35, title=True)
    stream.issue("ESEC-T-0001", decision, "title", TITLE, date(2017, 7, 3))
    stream.revoke("ESEC-T-0001", date(2018, 2, 1))

    assert status(stream, date(2018, 1, 31)).state == "certified"
    assert status(stream, date(2018, 3, 1)).state == "revoked"


def test_withdrawn_comes_before_in_progress_and_in_progress_before_enrolled(
    stream: Stream,
) -> None:
    stream.decide("J1", date(2017, 6, 20), validated=("C01",))
    stream.withdraw(date(2018, 1, 10))

    states = [
        status(stream, day).state
        for day in (date(2016, 9, 12), date(2017, 6, 20), date(2018, 1, 10))
    ]

    assert states == ["enrolled", "in_progress", "withdrawn"]
