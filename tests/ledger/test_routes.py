"""Rule 12: access routes are referential data, per period (the fiche's OUI/NON column, VAE
from 2008), checked at enrolment, re-enrolment and route change; the validator's periods."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.application import Ledger
from ledger.exceptions import ReferentialInvalid, RuleViolation
from ledger.referential import default_referential_text, parse_referential
from tests.builders import enroll, stored

BUNDLED = parse_referential(default_referential_text())


def refused_with(ledger: Ledger, message: str, act: object) -> None:
    """`act()` is refused by rule 12 with exactly this message, and writes nothing."""
    before = stored(ledger)
    with pytest.raises(RuleViolation) as caught:
        act()  # type: ignore[operator]
    assert caught.value.rule == 12
    assert str(caught.value) == message
    assert stored(ledger) == before


def reopened(version: str, route: str, periods: str) -> str:
    """The bundled referential as a new version, `route` opened over `periods` (TOML)."""
    text = default_referential_text().replace('version = "2006.1"', f'version = "{version}"')
    marker = f'code = "{route}"'
    head, tail = text.split(marker, 1)
    closed = "open = []\n"
    assert closed in tail.split("[[routes]]", 1)[0]
    return head + marker + tail.replace(closed, f"open = {periods}\n", 1)


def test_the_bundled_referential_opens_the_routes_the_fiche_ticks_oui() -> None:
    assert {r.code: r.openings for r in BUNDLED.routes} == {
        "formation_initiale": "open always",
        "apprentissage": "closed",
        "formation_continue": "open always",
        "contrat_professionnalisation": "closed",
        "candidature_individuelle": "open always",
        "vae": "open from 2008-01-01",
    }


@pytest.mark.parametrize("route", ["apprentissage", "contrat_professionnalisation"])
def test_enrolling_on_a_route_the_fiche_closes_is_refused(ledger: Ledger, route: str) -> None:
    refused_with(
        ledger,
        f"rule 12 (access routes): route {route} is closed in referential 2006.1: the "
        "enrolment onto it on 2016-09-12 is refused",
        lambda: enroll(ledger, route=route),
    )


def test_a_vae_enrolment_before_2008_is_refused(ledger: Ledger) -> None:
    refused_with(
        ledger,
        "rule 12 (access routes): route vae is open from 2008-01-01 in referential 2006.1: the "
        "enrolment onto it on 2007-12-31 is refused",
        lambda: enroll(ledger, route="vae", on=date(2007, 12, 31)),
    )


def test_a_vae_enrolment_on_the_first_day_of_2008_is_recorded(ledger: Ledger) -> None:
    enroll(ledger, route="vae", on=date(2008, 1, 1))
    assert ledger.candidate("V1").dossier.placements[0].route == "vae"


def test_a_route_change_into_a_closed_route_is_refused(ledger: Ledger) -> None:
    enroll(ledger)
    refused_with(
        ledger,
        "rule 12 (access routes): route apprentissage is closed in referential 2006.1: the "
        "route change onto it on 2017-01-09 is refused",
        lambda: ledger.change_route("V1", route="apprentissage", on=date(2017, 1, 9), by="t"),
    )


def test_a_route_change_into_vae_before_2008_is_refused_and_allowed_after(
    ledger: Ledger,
) -> None:
    enroll(ledger, on=date(2006, 9, 4))
    refused_with(
        ledger,
        "rule 12 (access routes): route vae is open from 2008-01-01 in referential 2006.1: the "
        "route change onto it on 2007-06-01 is refused",
        lambda: ledger.change_route("V1", route="vae", on=date(2007, 6, 1), by="t"),
    )
    ledger.change_route("V1", route="vae", on=date(2008, 2, 1), by="t")


def test_a_re_enrolment_onto_a_closed_route_is_refused(ledger: Ledger) -> None:
    enroll(ledger)
    ledger.withdraw("V1", on=date(2017, 1, 9), reason="moved", by="t")
    refused_with(
        ledger,
        "rule 12 (access routes): route contrat_professionnalisation is closed in referential "
        "2006.1: the re-enrolment onto it on 2017-09-01 is refused",
        lambda: ledger.reenroll(
            "V1", route="contrat_professionnalisation", on=date(2017, 9, 1), by="t"
        ),
    )


def test_a_later_version_may_open_a_route_for_a_period(ledger: Ledger) -> None:
    text = reopened("2018.a", "apprentissage", "[{ from = 2018-09-01, to = 2019-08-31 }]")
    ledger.publish_referential(text, date(2018, 1, 1), by="t")
    enroll(ledger, "A1", route="apprentissage", on=date(2018, 9, 3))
    refused_with(
        ledger,
        "rule 12 (access routes): route apprentissage is open 2018-09-01 → 2019-08-31 in "
        "referential 2018.a: the enrolment onto it on 2019-09-02 is refused",
        lambda: enroll(ledger, "A2", route="apprentissage", on=date(2019, 9, 2)),
    )


def test_an_existing_placement_is_untouched_by_a_later_closing(ledger: Ledger) -> None:
    """Rule 12 judges the act of putting a candidate on a route, on its date; decisions keep
    the route in force when they are taken."""
    text = reopened("2018.a", "apprentissage", "[{ from = 2018-09-01, to = 2018-12-31 }]")
    ledger.publish_referential(text, date(2018, 1, 1), by="t")
    enroll(ledger, "A1", route="apprentissage", on=date(2018, 9, 3))
    placement = ledger.candidate("A1").dossier.placement_on(date(2019, 6, 1))
    assert placement is not None and placement.route == "apprentissage"


@pytest.mark.parametrize(
    ("periods", "problem"),
    [
        (
            "[{ from = 2012-01-01, to = 2011-01-01 }]",
            "route apprentissage: open period 2012-01-01 → 2011-01-01 ends before it starts",
        ),
        (
            "[{ from = 2010-01-01, to = 2012-12-31 }, { from = 2012-01-01 }]",
            "route apprentissage: open periods 2010-01-01 → 2012-12-31 and from 2012-01-01 overlap",
        ),
        (
            "[{ from = 2010-01-01 }, { from = 2014-01-01 }]",
            "route apprentissage: open periods from 2010-01-01 and from 2014-01-01 overlap",
        ),
    ],
)
def test_the_validator_rejects_malformed_open_periods(periods: str, problem: str) -> None:
    with pytest.raises(ReferentialInvalid) as caught:
        parse_referential(reopened("x", "apprentissage", periods))
    assert problem in caught.value.problems


def test_open_periods_sharing_a_boundary_day_do_not_overlap() -> None:
    text = reopened(
        "x", "apprentissage", "[{ from = 2010-01-01, to = 2012-01-01 }, { from = 2012-01-01 }]"
    )
    route = parse_referential(text).route("apprentissage")
    assert route is not None and route.open_on(date(2012, 1, 1))


def test_an_open_period_without_a_start_is_a_structure_error() -> None:
    with pytest.raises(ReferentialInvalid, match=re.escape("routes.1.open.0.from: Field required")):
        parse_referential(reopened("x", "apprentissage", "[{ to = 2012-01-01 }]"))
