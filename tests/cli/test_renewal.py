"""A fiche renewed under a new number (`referential succeed`): from the renewal, blocks awarded
under the old fiche count as the new fiche's blocks the correspondence names; before it,
nothing changes; each award keeps the fiche it was made under (DOMAIN.md §2, issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import BUNDLED, NINE, Certledger
from tests.cli.test_cpf import IDS, passages, text

ALL = ",".join(f"C{n:02d}" for n in range(1, 43))


def renewed(folder: Path) -> Path:
    """The bundled referential renewed as RNCP34567 from 2019-10-05, registered to 2024."""
    content = BUNDLED.read_text(encoding="utf-8").replace("RNCP13080", "RNCP34567")
    content = content.replace('version = "2006.1"', 'version = "2019.1"')
    content = content.replace(
        "to = 2019-10-04",
        "to = 2019-10-04\n\n[[registrations]]\nfrom = 2019-10-05\nto = 2024-10-05",
        1,
    )
    path = folder / "rncp34567.toml"
    path.write_text(content, encoding="utf-8")
    return path


def table(folder: Path, *rows: str, header: str = "old_block;new_block") -> Path:
    path = folder / "correspondence.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    return path


FULL = [f"RNCP13080BC0{n};RNCP34567BC0{n}" for n in range(1, 5)]


@pytest.fixture
def holder(bc01_holder: Certledger) -> Certledger:
    """V1 holds BC01 of RNCP13080 since 2017-06-20 (counting to 2022-06-19)."""
    return bc01_holder


def succeed(certledger: Certledger, folder: Path, *rows: str) -> str:
    return certledger.ok(
        f"referential succeed {renewed(folder)} --effective-from 2019-10-05 "
        f"--correspondence {table(folder, *rows)}"
    )


def test_a_renewal_is_published_with_its_correspondence(holder: Certledger, tmp_path: Path) -> None:
    out = succeed(holder, tmp_path, *FULL[:3])

    assert out.startswith(
        "Published referential version 2019.1 of RNCP34567 effective from 2019-10-05, "
        "succeeding RNCP13080: RNCP13080BC01 -> RNCP34567BC01, RNCP13080BC02 -> RNCP34567BC02, "
        "RNCP13080BC03 -> RNCP34567BC03."
    )
    assert out.rstrip().endswith("Blocks with no correspondent: RNCP13080BC04.")
    assert holder.json("referential show --as-of 2020-01-01")["code"] == "RNCP34567"


def test_a_block_of_the_old_fiche_counts_as_its_correspondent_from_the_renewal(
    holder: Certledger, tmp_path: Path
) -> None:
    succeed(holder, tmp_path, *FULL)

    before = holder.status("V1", "2019-10-04")
    after = holder.status("V1", "2020-01-01")

    first = before["blocks"][0]
    assert (first["code"], first["awarded"], first["counts"]) == (
        "RNCP13080BC01",
        True,
        True,
    )
    bc01 = after["blocks"][0]
    assert (bc01["code"], bc01["awarded"], bc01["counts"], bc01["awarded_as"]) == (
        "RNCP34567BC01",
        True,
        True,
        "RNCP13080BC01",
    )
    assert bc01["valid_until"] == "2022-06-20" and bc01["certificate"] == "RNCP13080-2017-00001"
    why = next(
        b
        for b in holder.json("explain V1 --as-of 2020-01-01")["blocks"]
        if b["code"] == "RNCP34567BC01"
    )["why"]
    assert (
        "awarded as block RNCP13080BC01, which the renewal of the fiche counts as RNCP34567BC01"
        in why
    )
    listed = holder.json("candidate list --as-of 2020-01-01 --block RNCP34567BC01")
    assert [c["candidate"] for c in listed] == ["V1"]


def test_the_past_replays_as_it_did_before_the_renewal(holder: Certledger, tmp_path: Path) -> None:
    known = holder.clock.now().isoformat()
    before = holder.status("V1", "2019-06-01")

    succeed(holder, tmp_path, *FULL)

    assert {**holder.status("V1", "2019-06-01"), "known_at": None} == {**before, "known_at": None}
    assert holder.status("V1", "2020-01-01", "--known-at", known)["referential"] == "2006.1"


def test_awards_keep_the_fiche_they_were_made_under_in_the_cpf_flow_and_statistics(
    holder: Certledger, tmp_path: Path
) -> None:
    holder.pass_everything("V1", "2018-06-01")
    holder.convene("J2", on="2018-06-20")
    holder.ok(f"jury decide J2 V1 --validate {ALL} --award-title")
    succeed(holder, tmp_path, *FULL)
    holder.enroll("V2", "formation_continue", "2019-11-04")
    holder.pass_everything("V2", "2020-05-04")
    holder.convene("J3", on="2020-06-22")
    holder.ok(f"jury decide J3 V2 --validate {ALL} --award-title")
    folder = tmp_path / "out"
    folder.mkdir()

    document = holder.json(f"report cpf {IDS} -o {folder}")

    codes = {}
    for sent in document["files"]:
        root_code = text(
            __import__("lxml.etree").etree.parse(sent["file"]).getroot(),
            ".//cpf:certification/cpf:code",
        )
        codes[root_code] = len(passages(Path(sent["file"])))
    assert codes == {"RNCP13080": 1, "RNCP34567": 1}
    assert holder.json("status V1 --as-of 2020-01-01")["title"]["code"] == "RNCP13080"
    rows = json.loads(holder.ok("report stats --format json"))
    assert {(r["year"], r["fiche"]) for r in rows if r["route"] == "all"} == {
        (2017, "RNCP13080"),
        (2018, "RNCP13080"),
        (2020, "RNCP34567"),
    }


@pytest.mark.parametrize(
    ("rows", "header", "error"),
    [
        (
            ["RNCP13080BC09;RNCP34567BC01"],
            "old_block;new_block",
            "correspondence: block RNCP13080BC09 is not a block of RNCP13080",
        ),
        (
            ["RNCP13080BC01;RNCP34567BC09"],
            "old_block;new_block",
            "correspondence: block RNCP34567BC09 is not a block of RNCP34567",
        ),
        (
            ["RNCP13080BC01;RNCP34567BC01", "BC01;RNCP34567BC02"],
            "old_block;new_block",
            "Error: correspondence: block RNCP13080BC01 is given twice",
        ),
        (["RNCP13080BC01"], "old_block;new_block", "two block codes expected"),
        (["RNCP13080BC01;RNCP34567BC01"], "from;to", "the header must be old_block,new_block"),
        ([], "old_block;new_block", "no block in it"),
    ],
)
def test_a_correspondence_that_does_not_hold_is_refused_and_writes_nothing(
    holder: Certledger, tmp_path: Path, rows: list[str], header: str, error: str
) -> None:
    refused = holder.refused(
        f"referential succeed {renewed(tmp_path)} --effective-from 2019-10-05 "
        f"--correspondence {table(tmp_path, *rows, header=header)}"
    )

    assert error in refused


def test_a_renewal_under_the_same_number_is_refused(holder: Certledger, tmp_path: Path) -> None:
    same = tmp_path / "same.toml"
    same.write_text(
        BUNDLED.read_text(encoding="utf-8").replace('version = "2006.1"', 'version = "2019.1"'),
        encoding="utf-8",
    )

    error = holder.refused(
        f"referential succeed {same} --effective-from 2019-10-05 "
        f"--correspondence {table(tmp_path, *FULL)}"
    )

    assert error.endswith("a renewal under the same number is `referential publish`")


def test_nine_competencies_reach_the_renewed_block_as_before(
    holder: Certledger, tmp_path: Path
) -> None:
    succeed(holder, tmp_path, *FULL)
    holder.enroll("V3", "formation_continue", "2019-11-04")
    holder.pass_bc01("V3", "2020-05-04")
    holder.convene("J4", on="2020-06-22")

    holder.ok(f"jury decide J4 V3 --validate {NINE} --award-block BC01")

    assert holder.status("V3", "2020-07-01")["blocks"][0]["code"] == "RNCP34567BC01"
