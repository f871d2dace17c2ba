"""Recording after the fiche's last registration ended is allowed, but the registrar is warned
then, not at the jury: at enrolment, at each épreuve, and in the status (rule 6 seen ahead;
issue 12 item 10)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import IDENTITY, Certledger
from tests.cli.test_renewal import renewed, table

ENDED = "RNCP13080 registration ended on 2019-10-04: no block or title can be awarded (rule 6)"


def test_an_enrolment_after_the_last_registration_is_recorded_with_a_warning(
    certledger: Certledger,
) -> None:
    out, warnings = certledger.warned(
        f"candidate enroll L1 --route formation_continue --on 2020-01-06 {IDENTITY}"
    )

    assert out == "Enrolled candidate L1 on route formation_continue on 2020-01-06.\n"
    assert warnings == [ENDED]
    assert certledger.status("L1", "2020-01-06")["state"] == "enrolled"


def test_the_warning_is_in_the_json_result(certledger: Certledger) -> None:
    document = certledger.json(
        f"candidate enroll L1 --route formation_continue --on 2020-01-06 {IDENTITY}"
    )

    assert document["warnings"] == [ENDED]


def test_an_enrolment_inside_a_registration_warns_of_nothing(certledger: Certledger) -> None:
    certledger.ok(f"candidate enroll L1 --route formation_continue --on 2019-10-04 {IDENTITY}")

    assert "warnings" not in certledger.json(
        f"candidate enroll L2 --route formation_continue --on 2018-01-08 {IDENTITY}"
    )


def test_an_epreuve_recorded_after_the_last_registration_warns(certledger: Certledger) -> None:
    certledger.enroll("V1", on="2019-09-02")

    _, warnings = certledger.warned(
        "assessment record V1 --epreuve BC02-E2 --on 2019-11-04 --passed C10,C11,C12"
    )

    assert warnings == [ENDED]
    certledger.ok("assessment record V1 --epreuve BC02-E1 --on 2019-10-01 --passed C10,C12")


def test_the_status_of_a_candidate_still_working_warns_after_the_end(
    certledger: Certledger,
) -> None:
    certledger.enroll("V1", on="2019-09-02")

    assert certledger.status("V1", "2019-10-04")["warnings"] == []
    assert certledger.status("V1", "2019-10-05")["warnings"] == [ENDED]
    text = certledger.ok("status V1 --as-of 2020-01-01")
    assert text.splitlines()[1] == f"Warning: {ENDED}"


def test_a_holder_of_the_title_is_not_warned(bc01_holder: Certledger) -> None:
    bc01_holder.pass_everything("V1", "2018-06-01")
    bc01_holder.convene("J2", on="2018-06-20")
    all_codes = ",".join(f"C{n:02d}" for n in range(1, 43))
    bc01_holder.ok(f"jury decide J2 V1 --validate {all_codes} --award-title")

    assert bc01_holder.status("V1", "2020-01-01")["warnings"] == []


def test_a_renewal_registered_on_that_day_or_later_silences_the_warning(
    certledger: Certledger, tmp_path: Path
) -> None:
    succeeded = certledger.ok(
        f"referential succeed {renewed(tmp_path)} --effective-from 2019-10-05 "
        f"--correspondence {table(tmp_path, 'RNCP13080BC01;RNCP34567BC01')}"
    )
    assert "succeeding RNCP13080" in succeeded

    certledger.ok(f"candidate enroll L1 --route formation_continue --on 2020-01-06 {IDENTITY}")
    assert certledger.status("L1", "2020-01-06")["warnings"] == []
    _, warnings = certledger.warned(
        f"candidate enroll L2 --route formation_continue --on 2024-10-07 {IDENTITY}"
    )
    assert warnings == [
        "RNCP34567 registration ended on 2024-10-05: no block or title can be awarded (rule 6)"
    ]


def test_a_renewal_taking_effect_later_silences_the_warning_before_it(
    certledger: Certledger, tmp_path: Path
) -> None:
    certledger.ok(
        f"referential succeed {renewed(tmp_path)} --effective-from 2020-03-02 "
        f"--correspondence {table(tmp_path, 'RNCP13080BC01;RNCP34567BC01')}"
    )

    certledger.ok(f"candidate enroll L1 --route formation_continue --on 2019-12-02 {IDENTITY}")
