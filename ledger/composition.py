"""Rule 3, a jury's composition: the roles a route requires, the president, linked members,
and the balance the law asks of a VAE jury (a finding, or a refusal where the referential
says so)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ledger.i18n import _
from ledger.referential import Referential
from ledger.text import normalise_name

GENDERS = ("F", "M")
"""A member's gender as the convening records it (optional): F or M."""


def parse_member(text: str) -> tuple[str, str, str | None]:
    """A jury member written `NAME:ROLE` or `NAME:ROLE:F|M` (the gender, for the VAE balance):
    (name, role, gender or None). A name may itself hold colons."""
    head, sep, last = text.rpartition(":")
    gender = last.strip().upper()
    if not (sep and gender in GENDERS and ":" in head):
        head, gender = text, ""
    name, sep, role = head.rpartition(":")
    if not sep or not name.strip() or not role.strip():
        raise ValueError(_("{text!r} is not written NAME:ROLE or NAME:ROLE:F|M").format(text=text))
    return " ".join(name.split()), role.strip(), gender or None


@dataclass(frozen=True, slots=True)
class JuryCheck:
    """The composition of a jury for one candidate (rule 3)."""

    required: tuple[str, ...]
    missing: tuple[str, ...]
    president_is_member: bool
    linked_members: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and self.president_is_member and not self.linked_members


def check_jury(
    members: Sequence[Mapping[str, str]],
    president: str,
    required: Sequence[str],
    linked_names: Iterable[str],
) -> JuryCheck:
    roles = {m["role"] for m in members}
    names = {normalise_name(m["name"]): m["name"] for m in members}
    linked = {normalise_name(n) for n in linked_names}
    return JuryCheck(
        required=tuple(required),
        missing=tuple(r for r in required if r not in roles),
        president_is_member=normalise_name(president) in names,
        linked_members=tuple(sorted(names[n] for n in names if n in linked)),
    )


@dataclass(frozen=True, slots=True)
class Balance:
    """What a VAE jury shows of its balance: the professional representatives on each side
    (half employers, half employees), and its women and men (balanced: they differ by at
    most one, since an odd jury cannot be equal). Source: décret n° 2002-815 (Code de
    l'éducation, art. R335-8), now Code du travail, art. D6412-6."""

    employers: tuple[str, ...]
    employees: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    unknown: tuple[str, ...]
    """Members whose gender was not recorded: the balance of women and men cannot be shown."""

    @property
    def sides_met(self) -> bool:
        return bool(self.employers) and len(self.employers) == len(self.employees)

    @property
    def genders_met(self) -> bool:
        return not self.unknown and abs(len(self.women) - len(self.men)) <= 1

    @property
    def ok(self) -> bool:
        return self.sides_met and self.genders_met

    def problems(self) -> list[str]:
        """Each way the balance is not met or cannot be shown, in one sentence."""
        found = []
        if not self.sides_met:
            found.append(
                _(
                    "{count} employer(s) and {count2} employee(s) among the professional "
                    "representatives ({names}): not half and half"
                ).format(
                    count=len(self.employers),
                    count2=len(self.employees),
                    names=_names(self.employers + self.employees),
                )
            )
        if self.unknown:
            found.append(
                _(
                    "gender not recorded for {unknown}: the balance of women and men cannot be "
                    "shown"
                ).format(unknown=", ".join(self.unknown))
            )
        elif not self.genders_met:
            found.append(
                _("{count} women and {count2} men: not balanced").format(
                    count=len(self.women), count2=len(self.men)
                )
            )
        return found

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "employers": list(self.employers),
            "employees": list(self.employees),
            "women": len(self.women),
            "men": len(self.men),
            "gender_unknown": list(self.unknown),
            "problems": self.problems(),
        }


def jury_balance(members: Sequence[Mapping[str, str]], ref: Referential) -> Balance:
    """The balance of a jury's members under a referential's roles (a role the referential
    does not know counts as a professional, on the side recorded with the member)."""
    employers: list[str] = []
    employees: list[str] = []
    women: list[str] = []
    men: list[str] = []
    unknown: list[str] = []
    for member in members:
        name = member["name"]
        role = ref.role(member["role"])
        if role is None or role.professional:
            (employers if member["side"] == "employer" else employees).append(name)
        gender = member.get("gender")
        (women if gender == "F" else men if gender == "M" else unknown).append(name)
    return Balance(tuple(employers), tuple(employees), tuple(women), tuple(men), tuple(unknown))


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"
