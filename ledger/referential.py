"""The referential: the certification's rules as data (pydantic model, loader and validator)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter
from datetime import date
from functools import cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_serializer,
)

from ledger.exceptions import ReferentialInvalid
from ledger.i18n import N_, _

DEFAULT_EFFECTIVE_FROM = date(2006, 3, 5)
"""The first RNCP registration of fiche 13080: the default referential applies from then."""

DEFAULT_CPF_FLOW_FROM = date(2021, 7, 1)
"""The transmission duty of the CPF flow, for a referential that does not say (DOMAIN.md §6:
a documented assumption, for fiches active on that date)."""

DEFAULT_MINIMUM_AGE = 16
"""The age a candidate must have at enrolment when a referential does not say: the end of
compulsory schooling (Code de l'éducation, art. L131-1)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Competency(_Model):
    code: str = Field(min_length=1)
    label: str = Field(min_length=1)


class Epreuve(_Model):
    code: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    label: str = ""
    competencies: tuple[str, ...]


class Block(_Model):
    code: str = Field(min_length=1)
    short: str = Field(min_length=1)
    label: str = Field(min_length=1)
    required: int = Field(ge=1)
    competencies: tuple[str, ...]
    epreuves: tuple[Epreuve, ...]


class TitleRule(_Model):
    required: int = Field(ge=1)


class Role(_Model):
    code: str = Field(min_length=1)
    label: str = Field(min_length=1)
    side: Literal["employer", "employee"]
    professional: bool = True
    """A representative of the profession (the VAE jury balance counts these), not staff of
    the certifier."""


class OpenPeriod(_Model):
    """A period a route is open in (rule 12): from `start` to `end`, inclusive (None: for good)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        if self.end is None:
            return f"from {self.start.isoformat()}"
        return f"{self.start.isoformat()} → {self.end.isoformat()}"

    @model_serializer
    def _as_file(self) -> dict[str, date]:
        """Dumped as a referential file writes it: `from`, and `to` when there is an end."""
        return {"from": self.start, **({"to": self.end} if self.end else {})}

    def as_json(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat() if self.end else None}


class Route(_Model):
    code: str = Field(min_length=1)
    label: str = Field(min_length=1)
    cpf_modalite: str = Field(min_length=1)
    vae: bool = False
    competency_certificates: bool = False
    open: Annotated[tuple[OpenPeriod, ...], PlainSerializer(list)] | None = None
    """When candidates may be put on the route (rule 12): None open always, () closed.
    Dumped as a list, as a referential file holds it (TOML has no tuples)."""

    def open_on(self, day: date) -> bool:
        return self.open is None or any(p.covers(day) for p in self.open)

    @property
    def openings(self) -> str:
        """The periods in words: "open always", "closed", "open from 2008-01-01" (in English,
        as the referential's JSON holds them; `_()` shows the first two translated)."""
        if self.open is None:
            return N_("open always")
        if not self.open:
            return N_("closed")
        return "open " + ", ".join(str(p) for p in self.open)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.model_dump(exclude={"open"}),
            "open": None if self.open is None else [p.as_json() for p in self.open],
            "openings": self.openings,
        }


class Registration(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    source: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()}"


class Parchment(_Model):
    """What a parchment prints besides the rules: France Compétences' mandatory mentions
    that the rest of the referential does not hold (all optional: a referential without
    them is valid, and `certificate print` names the one missing)."""

    level_2019: int | None = Field(default=None, ge=1, le=8)
    """Level in the national framework of décret n° 2019-14 (cadre national des certifications)."""
    level_eqf: int | None = Field(default=None, ge=1, le=8)
    """Level of the European Qualifications Framework (EQF / CEC)."""
    signatory: str = ""
    """The role (qualité) of who signs the parchments, as the fiche names it."""
    place: str = ""
    """Where parchments are issued ("Fait à …")."""
    fiche_url: str = ""
    """The fiche's public page, printed and aligned to in Open Badges credentials."""


class Referential(_Model):
    """One version of the rules of a certification, as published into the ledger."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    level: str = ""
    nsf: str = ""
    rome: tuple[str, ...] = ()
    certifier: str = ""
    note: str = ""
    validity_years: int = Field(ge=1)
    vae_permanent: bool
    award_after_registration_for_enrolled_before: bool = False
    title: TitleRule
    competencies: tuple[Competency, ...]
    blocks: tuple[Block, ...]
    roles: tuple[Role, ...]
    routes: tuple[Route, ...]
    jury: dict[str, tuple[str, ...]]
    registrations: tuple[Registration, ...]
    certifier_siret: str = ""
    predecessors: tuple[str, ...] = ()
    successors: tuple[str, ...] = ()
    parchment: Parchment = Parchment()
    # Revision 2 (issue 11).
    title_by_all_blocks: bool = False
    """Holding every block is the title (fiches built on blocks); otherwise only the count."""
    cpf_flow_from: date | None = DEFAULT_CPF_FLOW_FROM
    """Awards from this date are under the duty to be sent in the CPF flow within 3 months
    (None: never)."""
    minimum_age_years: int = Field(default=DEFAULT_MINIMUM_AGE, ge=0, le=99)
    """How old a candidate must be on the day they enrol."""
    vae_jury_balance_required: bool = False
    """Whether a VAE decision is refused (rule 3) when its jury's balance is not shown to be
    met; otherwise the audit lists it as a finding."""

    @cached_property
    def competency_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.competencies)

    @cached_property
    def _blocks_by_code(self) -> dict[str, Block]:
        found: dict[str, Block] = {}
        for block in self.blocks:
            found[block.code] = block
            found[block.short] = block
        return found

    @cached_property
    def _epreuves_by_code(self) -> dict[str, tuple[Block, Epreuve]]:
        return {e.code: (b, e) for b in self.blocks for e in b.epreuves}

    @cached_property
    def _routes_by_code(self) -> dict[str, Route]:
        return {r.code: r for r in self.routes}

    @cached_property
    def _roles_by_code(self) -> dict[str, Role]:
        return {r.code: r for r in self.roles}

    def block(self, code: str) -> Block | None:
        """The block with this official (RNCP13080BC01) or short (BC01) code."""
        return self._blocks_by_code.get(code)

    def epreuve(self, code: str) -> tuple[Block, Epreuve] | None:
        return self._epreuves_by_code.get(code)

    def route(self, code: str) -> Route | None:
        return self._routes_by_code.get(code)

    def role(self, code: str) -> Role | None:
        return self._roles_by_code.get(code)

    def jury_roles(self, route: str) -> tuple[str, ...]:
        return self.jury.get(route, ())

    def registered_on(self, day: date) -> bool:
        return any(r.covers(day) for r in self.registrations)

    @property
    def registrations_text(self) -> str:
        return ", ".join(str(r) for r in self.registrations)

    def as_json(self) -> dict[str, Any]:
        """The shape `referential show --json` prints (without version metadata)."""
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "competencies": [{"code": c.code, "label": c.label} for c in self.competencies],
            "blocks": [
                {
                    "code": b.code,
                    "short": b.short,
                    "label": b.label,
                    "competencies": list(b.competencies),
                    "required": b.required,
                    "epreuves": [
                        {
                            "code": e.code,
                            "kind": e.kind,
                            "label": e.label,
                            "competencies": list(e.competencies),
                        }
                        for e in b.epreuves
                    ],
                }
                for b in self.blocks
            ],
            "title": {"required": self.title.required, "of": len(self.competencies)},
            "validity_years": self.validity_years,
            "vae_permanent": self.vae_permanent,
            "award_after_registration_for_enrolled_before": (
                self.award_after_registration_for_enrolled_before
            ),
            "routes": [r.as_json() for r in self.routes],
            "roles": [r.model_dump() for r in self.roles],
            "jury": {route: list(roles) for route, roles in self.jury.items()},
            "registrations": [
                {"from": r.start.isoformat(), "to": r.end.isoformat()} for r in self.registrations
            ],
            "title_by_all_blocks": self.title_by_all_blocks,
            "cpf_flow_from": self.cpf_flow_from.isoformat() if self.cpf_flow_from else None,
            "minimum_age_years": self.minimum_age_years,
            "vae_jury_balance_required": self.vae_jury_balance_required,
        }


def problems(ref: Referential) -> list[str]:
    """Every semantic problem of a structurally valid referential, each naming the item."""
    found: list[str] = []

    def duplicates(kind: str, codes: list[str]) -> None:
        for code, n in sorted(Counter(codes).items()):
            if n > 1:
                found.append(f"duplicate {kind} code {code} ({n} times)")

    duplicates("competency", [c.code for c in ref.competencies])
    duplicates("block", [b.code for b in ref.blocks] + [b.short for b in ref.blocks])
    duplicates("épreuve", [e.code for b in ref.blocks for e in b.epreuves])
    duplicates("route", [r.code for r in ref.routes])
    duplicates("role", [r.code for r in ref.roles])

    known = ref.competency_codes
    for block in ref.blocks:
        name = f"block {block.code}"
        if not block.competencies:
            found.append(_("{name} is empty: it lists no competency").format(name=name))
        duplicates(f"competency (in {name})", list(block.competencies))
        for code in block.competencies:
            if code not in known:
                found.append(
                    _("{name} lists competency {code}, which is not in the competency list").format(
                        name=name, code=code
                    )
                )
        if block.required > len(set(block.competencies)):
            found.append(
                _("{name} requires {required} competencies but has only {count}").format(
                    name=name, required=block.required, count=len(set(block.competencies))
                )
            )
        if not block.epreuves:
            found.append(_("{name} has no épreuve").format(name=name))
        assessed: set[str] = set()
        for epreuve in block.epreuves:
            if not epreuve.competencies:
                found.append(
                    _("épreuve {code} of {name} assesses no competency").format(
                        code=epreuve.code, name=name
                    )
                )
            for code in epreuve.competencies:
                if code not in block.competencies:
                    found.append(
                        _(
                            "épreuve {code} assesses competency {code2}, which is "
                            "outside its {name}"
                        ).format(code=epreuve.code, code2=code, name=name)
                    )
            assessed.update(epreuve.competencies)
        for code in block.competencies:
            if code not in assessed:
                found.append(
                    _("competency {code} of {name} is assessed by none of its épreuves").format(
                        code=code, name=name
                    )
                )

    if ref.title.required > len(known):
        found.append(
            _("the title requires {required} competencies but the list has {count}").format(
                required=ref.title.required, count=len(known)
            )
        )

    routes = {r.code for r in ref.routes}
    roles = {r.code for r in ref.roles}
    for route, required in ref.jury.items():
        if route not in routes:
            found.append(_("jury rule for unknown route {route}").format(route=route))
        if not required:
            found.append(_("jury rule for route {route} names no role").format(route=route))
        for role in required:
            if role not in roles:
                found.append(
                    _("jury rule for route {route} names unknown role {role}").format(
                        route=route, role=role
                    )
                )
    for route in sorted(routes - set(ref.jury)):
        found.append(_("route {route} has no jury rule").format(route=route))

    for entry in ref.routes:
        periods = entry.open or ()
        for period in periods:
            if period.end is not None and period.end < period.start:
                found.append(
                    _("route {code}: open period {period} ends before it starts").format(
                        code=entry.code, period=period
                    )
                )
        # As for registrations, a boundary day shared by two periods is not an overlap.
        for first, then in pairwise(sorted(periods, key=lambda p: p.start)):
            if first.end is None or then.start < first.end:
                found.append(
                    _("route {code}: open periods {first} and {then} overlap").format(
                        code=entry.code, first=first, then=then
                    )
                )

    if not ref.registrations:
        found.append(_("no RNCP registration period"))
    for reg in ref.registrations:
        if reg.end < reg.start:
            found.append(_("registration period {reg} ends before it starts").format(reg=reg))
    ordered = sorted(ref.registrations, key=lambda r: (r.start, r.end))
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if later.start < earlier.end and earlier.start <= earlier.end:
                found.append(
                    _("registration periods {earlier} and {later} overlap").format(
                        earlier=earlier, later=later
                    )
                )
    return found


def arithmetic(ref: Referential) -> list[str]:
    """What the validator reports about the counts (not errors): block sizes against the list."""
    sizes = [len(b.competencies) for b in ref.blocks]
    total = sum(sizes)
    notes = [
        _("{count} competencies; blocks list {sizes} = {total} memberships").format(
            count=len(ref.competencies), sizes=" + ".join(str(s) for s in sizes), total=total
        )
    ]
    shared = Counter(code for b in ref.blocks for code in set(b.competencies))
    multi = sorted(code for code, n in shared.items() if n > 1)
    if multi:
        notes.append(
            _("{count} competencies belong to more than one block: {multi}").format(
                count=len(multi), multi=", ".join(multi)
            )
        )
    orphans = sorted(ref.competency_codes - set(shared))
    if orphans:
        notes.append(
            _("{count} competencies belong to no block: {orphans}").format(
                count=len(orphans), orphans=", ".join(orphans)
            )
        )
    notes.append(
        _("title: {required} of {count} competencies").format(
            required=ref.title.required, count=len(ref.competencies)
        )
    )
    return notes


def _structure_problems(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "file"
        out.append(f"{where}: {item['msg']}")
    return out


def parse_referential(
    text: str, source: str = "referential", fmt: str | None = None
) -> Referential:
    """Parse and validate a referential from TOML (default) or JSON text."""
    kind = fmt or ("json" if text.lstrip().startswith("{") else "toml")
    try:
        raw = json.loads(text) if kind == "json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise ReferentialInvalid(
            source, [_("not valid {value}: {e}").format(value=kind.upper(), e=e)]
        ) from None
    except RecursionError:
        raise ReferentialInvalid(
            source, [_("not a referential: {value} nested too deep").format(value=kind.upper())]
        ) from None
    try:
        ref = Referential.model_validate(raw)
    except ValidationError as e:
        raise ReferentialInvalid(source, _structure_problems(e)) from None
    found = problems(ref)
    if found:
        raise ReferentialInvalid(source, found)
    return ref


def read_referential_file(path: Path) -> tuple[str, Referential]:
    """The text of a referential file and its validated model."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ReferentialInvalid(
            str(path), [_("cannot read it: {strerror}").format(strerror=e.strerror)]
        ) from None
    except UnicodeDecodeError:
        raise ReferentialInvalid(str(path), [_("not UTF-8 text")]) from None
    fmt = "json" if path.suffix.lower() == ".json" else None
    return text, parse_referential(text, str(path), fmt)


def default_referential_text() -> str:
    """The bundled RNCP13080 referential, as shipped with the package."""
    return resources.files("ledger").joinpath("data/rncp13080.toml").read_text(encoding="utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
