"""The referential: the certification's rules as data (frozen dataclasses), its loader, and
its validator (pydantic for the file's structure, `problems` for the rest).

The classes are plain dataclasses so that reading a ledger does not import pydantic: a
published version was validated when it was published, and `parse_referential` reads such
content with a strict reader that takes only values of exactly the declared types (the
result pydantic would give), handing anything else to pydantic, which reports it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from itertools import pairwise
from pathlib import Path
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from ledger.exceptions import BadIdentifier, ReferentialInvalid
from ledger.i18n import N_, _
from ledger.ids import check_identifier

if TYPE_CHECKING:
    from pydantic import ValidationError

T = TypeVar("T")

DEFAULT_EFFECTIVE_FROM = date(2006, 3, 5)
"""The first RNCP registration of fiche 13080: the default referential applies from then."""

DEFAULT_CPF_FLOW_FROM = date(2021, 7, 1)
"""The transmission duty of the CPF flow, for a referential that does not say (DOMAIN.md §6:
a documented assumption, for fiches active on that date)."""

DEFAULT_MINIMUM_AGE = 16
"""The age a candidate must have at enrolment when a referential does not say: the end of
compulsory schooling (Code de l'éducation, art. L131-1)."""

MAXIMUM_VALIDITY_YEARS = 100
"""The longest a validity a referential file may give (a lifetime), checked on the files
validated or published: a version published before stays readable whatever it says (a
validity past year 9999 ends on the last day a date can hold, `rules.add_years`)."""

_STRICT = {"extra": "forbid"}
"""pydantic's configuration of every class: a key the class does not know is an error."""

_PERIOD = {
    **_STRICT,
    "populate_by_name": True,
    "alias_generator": lambda name: {"start": "from", "end": "to"}.get(name, name),
}
"""A period's configuration: its ends are written `from` and `to` in a referential file."""


def _text() -> Any:
    """A text that must not be empty."""
    return field(metadata={"min_length": 1})


def _count(low: int, high: int | None = None, **default: Any) -> Any:
    """A whole number within `low` and `high` (inclusive); a new file writes it as one
    (`COUNTS`)."""
    return field(metadata={"ge": low, "le": high}, **default)


COUNTS = (
    "validity_years",
    "minimum_age_years",
    "title.required",
    "blocks.*.required",
    "parchment.level_2019",
    "parchment.level_eqf",
)
"""Where a referential file holds counts (`_count`): a new file must write them as whole
numbers, for pydantic would take `5.0`, `"5"` and `true` for 5, 5 and 1. A version already
published is read as it was accepted then (an append-only ledger cannot correct it)."""


def loose_counts(raw: Any) -> list[str]:
    """The counts of a file's data written otherwise than as whole numbers, by place."""
    found: list[str] = []

    def walk(value: Any, parts: list[str], place: str) -> None:
        if not parts:
            if value is not None and type(value) is not int:
                found.append(
                    _("{place}: must be a whole number, not {value!r}").format(
                        place=place, value=value
                    )
                )
            return
        head, *rest = parts
        if head == "*":
            for index, item in enumerate(value if isinstance(value, list) else ()):
                walk(item, rest, f"{place}.{index}")
        elif isinstance(value, dict) and head in value:
            walk(value[head], rest, f"{place}.{head}" if place else head)

    for path in COUNTS:
        walk(raw, path.split("."), "")
    return found


@dataclass(frozen=True, kw_only=True)
class Competency:
    __pydantic_config__ = _STRICT

    code: str = _text()
    label: str = _text()


@dataclass(frozen=True, kw_only=True)
class Epreuve:
    __pydantic_config__ = _STRICT

    code: str = _text()
    kind: str = _text()
    label: str = ""
    competencies: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Block:
    __pydantic_config__ = _STRICT

    code: str = _text()
    short: str = _text()
    label: str = _text()
    required: int = _count(1)
    competencies: tuple[str, ...]
    epreuves: tuple[Epreuve, ...]


@dataclass(frozen=True, kw_only=True)
class TitleRule:
    __pydantic_config__ = _STRICT

    required: int = _count(1)


@dataclass(frozen=True, kw_only=True)
class Role:
    __pydantic_config__ = _STRICT

    code: str = _text()
    label: str = _text()
    side: Literal["employer", "employee"]
    professional: bool = True
    """A representative of the profession (the VAE jury balance counts these), not staff of
    the certifier."""


_FROM, _OPEN_ALWAYS, _CLOSED, _OPEN = (
    N_("from {start}"),
    N_("open always"),
    N_("closed"),
    N_("open {periods}"),
)
"""A route's periods in words (`Route.words`): translated for people, not in the JSON."""


@dataclass(frozen=True, kw_only=True)
class OpenPeriod:
    """A period a route is open in (rule 12): from `start` to `end`, inclusive (None: for good)."""

    __pydantic_config__ = _PERIOD

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        return self.words(_)

    def words(self, say: Callable[[str], str]) -> str:
        """The period in words, `say` translating them (`_`, or `str` for English)."""
        if self.end is None:
            return say(_FROM).format(start=self.start.isoformat())
        return f"{self.start.isoformat()} → {self.end.isoformat()}"

    def as_json(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat() if self.end else None}


@dataclass(frozen=True, kw_only=True)
class Route:
    __pydantic_config__ = _STRICT

    code: str = _text()
    label: str = _text()
    cpf_modalite: str = _text()
    vae: bool = False
    competency_certificates: bool = False
    open: tuple[OpenPeriod, ...] | None = None
    """When candidates may be put on the route (rule 12): None open always, () closed."""

    def open_on(self, day: date) -> bool:
        return self.open is None or any(p.covers(day) for p in self.open)

    @property
    def openings(self) -> str:
        """The periods in words, in the language in use: "open always", "closed", "open from
        2008-01-01" (the dates as the file writes them)."""
        return self.words(_)

    def words(self, say: Callable[[str], str]) -> str:
        """The periods in words, `say` translating them (`_`, or `str` for the JSON, which is
        never translated)."""
        if self.open is None:
            return say(_OPEN_ALWAYS)
        if not self.open:
            return say(_CLOSED)
        return say(_OPEN).format(periods=", ".join(p.words(say) for p in self.open))

    def as_json(self) -> dict[str, Any]:
        return {
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "open"},
            "open": None if self.open is None else [p.as_json() for p in self.open],
            "openings": self.words(str),
        }


@dataclass(frozen=True, kw_only=True)
class Registration:
    __pydantic_config__ = _PERIOD

    start: date
    end: date
    source: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()}"


@dataclass(frozen=True, kw_only=True)
class Parchment:
    """What a parchment prints besides the rules: France Compétences' mandatory mentions
    that the rest of the referential does not hold (all optional: a referential without
    them is valid, and `certificate print` names the one missing)."""

    __pydantic_config__ = _STRICT

    level_2019: int | None = _count(1, 8, default=None)
    """Level in the national framework of décret n° 2019-14 (cadre national des certifications)."""
    level_eqf: int | None = _count(1, 8, default=None)
    """Level of the European Qualifications Framework (EQF / CEC)."""
    signatory: str = ""
    """The role (qualité) of who signs the parchments, as the fiche names it."""
    place: str = ""
    """Where parchments are issued ("Fait à …")."""
    fiche_url: str = ""
    """The fiche's public page, printed and aligned to in Open Badges credentials."""


@dataclass(frozen=True, kw_only=True)
class Referential:
    """One version of the rules of a certification, as published into the ledger."""

    __pydantic_config__ = _STRICT

    code: str = _text()
    name: str = _text()
    version: str = _text()
    level: str = ""
    nsf: str = ""
    rome: tuple[str, ...] = ()
    certifier: str = ""
    note: str = ""
    validity_years: int = _count(1)
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
    minimum_age_years: int = _count(0, 99, default=DEFAULT_MINIMUM_AGE)
    """How old a candidate must be on the day they enrol."""
    vae_jury_balance_required: bool = False
    """Whether a VAE decision is refused (rule 3) when its jury's balance is not shown to be
    met; otherwise the audit lists it as a finding."""

    @cached_property
    def competency_codes(self) -> frozenset[str]:
        return frozenset(self.competency_order)

    @cached_property
    def competency_order(self) -> tuple[str, ...]:
        """The competencies' codes in the referential's order."""
        return tuple(c.code for c in self.competencies)

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
            "roles": [dataclasses.asdict(r) for r in self.roles],
            "jury": {route: list(roles) for route, roles in self.jury.items()},
            "registrations": [
                {"from": r.start.isoformat(), "to": r.end.isoformat()} for r in self.registrations
            ],
            "title_by_all_blocks": self.title_by_all_blocks,
            "cpf_flow_from": self.cpf_flow_from.isoformat() if self.cpf_flow_from else None,
            "minimum_age_years": self.minimum_age_years,
            "vae_jury_balance_required": self.vae_jury_balance_required,
        }


def problems(ref: Referential, *, new: bool = True) -> list[str]:
    """Every semantic problem of a structurally valid referential, each naming the item
    (`new`: a file to validate or publish, not a version the ledger already holds)."""
    found: list[str] = list(_out_of_bounds(ref))
    if new and ref.validity_years > MAXIMUM_VALIDITY_YEARS:
        found.append(
            _("{place}: must be from {low} to {high}, not {value}").format(
                place="validity_years", low=1, high=MAXIMUM_VALIDITY_YEARS, value=ref.validity_years
            )
        )
    if ref.version and new:
        # The ledger tells versions apart by their exact text: none blank, none that looks
        # like another (an invisible character, a space around it). A version published
        # before this rule stays readable.
        try:
            check_identifier(_("version"), ref.version)
        except BadIdentifier as e:
            found.append(e.message)

    def duplicates(kind: str, codes: list[str]) -> None:
        for code, n in sorted(Counter(codes).items()):
            if n > 1:
                found.append(
                    _("duplicate {kind} code {code} ({count} times)").format(
                        kind=kind, code=code, count=n
                    )
                )

    duplicates(_("competency"), [c.code for c in ref.competencies])
    duplicates(_("block"), [b.code for b in ref.blocks] + [b.short for b in ref.blocks])
    duplicates(_("épreuve"), [e.code for b in ref.blocks for e in b.epreuves])
    duplicates(_("route"), [r.code for r in ref.routes])
    duplicates(_("role"), [r.code for r in ref.roles])

    known = ref.competency_codes
    for block in ref.blocks:
        name = _("block {code}").format(code=block.code)
        if not block.competencies:
            found.append(_("{name} is empty: it lists no competency").format(name=name))
        duplicates(_("competency (in {name})").format(name=name), list(block.competencies))
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


def _out_of_bounds(item: Any, where: str = "") -> Iterator[str]:
    """Every text left empty and every number out of its bounds (the metadata of each field),
    named by its place in the file (`blocks.0.required`), in the dataclasses' field order."""
    for spec in dataclasses.fields(item):
        place = f"{where}{spec.name}"
        value = getattr(item, spec.name)
        limits = spec.metadata
        if limits.get("min_length") and not value:
            yield _("{place}: must not be empty").format(place=place)
        elif (
            "ge" in limits
            and value is not None
            and not limits["ge"] <= value <= (limits["le"] if limits["le"] is not None else value)
        ):
            yield (
                _("{place}: must be from {low} to {high}, not {value}").format(
                    place=place, low=limits["ge"], high=limits["le"], value=value
                )
                if limits["le"] is not None
                else _("{place}: must be at least {low}, not {value}").format(
                    place=place, low=limits["ge"], value=value
                )
            )
        elif dataclasses.is_dataclass(value):
            yield from _out_of_bounds(value, f"{place}.")
        elif isinstance(value, tuple):
            for i, inner in enumerate(value):
                if dataclasses.is_dataclass(inner):
                    yield from _out_of_bounds(inner, f"{place}.{i}.")


class _Untrusted(Exception):
    """A value the strict reader does not take as it is: pydantic reads it instead."""


@cache
def _fields(cls: type) -> dict[str, tuple[str, Any]]:
    """A dataclass's fields by the key a referential file writes (its alias, if it has one),
    each with its field name and type."""
    alias = cls.__pydantic_config__.get("alias_generator", lambda name: name)  # type: ignore[attr-defined]
    hints = get_type_hints(cls)
    return {alias(f.name): (f.name, hints[f.name]) for f in dataclasses.fields(cls)}


def _strict(hint: Any, value: Any) -> Any:
    """`value` as `hint` when it already is exactly of that type (lists for tuples, dicts for
    dataclasses, keys as a file writes them); `_Untrusted` on anything else. pydantic gives
    the same result on such a value: this reader only skips pydantic where nothing needs it."""
    origin = get_origin(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = _fields(hint)
        if type(value) is not dict or not value.keys() <= fields.keys():
            raise _Untrusted
        return hint(**{fields[k][0]: _strict(fields[k][1], v) for k, v in value.items()})
    if origin is tuple:
        if type(value) is not list:
            raise _Untrusted
        return tuple(_strict(get_args(hint)[0], v) for v in value)
    if origin is dict:
        if type(value) is not dict or any(type(k) is not str for k in value):
            raise _Untrusted
        return {k: _strict(get_args(hint)[1], v) for k, v in value.items()}
    if origin in (Union, UnionType):
        if value is None:
            return None
        return _strict(next(arg for arg in get_args(hint) if arg is not NoneType), value)
    if origin is Literal:
        if type(value) is not str or value not in get_args(hint):
            raise _Untrusted
        return value
    if type(value) is not hint:
        raise _Untrusted
    return value


def validate(cls: type[T], raw: Any, source: str = "referential") -> T:
    """`raw` (a referential file's data, or part of it) as `cls`: read strictly when every
    value already has its type (pydantic is not even imported), by pydantic otherwise; a
    structure pydantic refuses is `ReferentialInvalid`, with every problem it found."""
    try:
        return _strict(cls, raw)  # type: ignore[no-any-return]
    except (_Untrusted, TypeError):  # TypeError: a required field left out
        pass
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(cls).validate_python(raw)
    except ValidationError as e:
        raise ReferentialInvalid(source, _structure_problems(e)) from None


_MESSAGES = {
    "missing_argument": "Field required",
    "unexpected_keyword_argument": "Extra inputs are not permitted",
}
"""pydantic's words for a dataclass's arguments, as it says them of a model's fields."""


def _structure_problems(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "file"
        out.append(f"{where}: {_MESSAGES.get(item['type'], item['msg'])}")
    return out


def parse_referential(
    text: str, source: str = "referential", fmt: str | None = None, *, new: bool = True
) -> Referential:
    """Parse and validate a referential from TOML (default) or JSON text (`new`: a file to
    validate or publish; False for a version read back from the ledger)."""
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
    loose = loose_counts(raw) if new else []
    if loose:
        raise ReferentialInvalid(source, loose)
    ref = validate(Referential, raw, source)
    found = problems(ref, new=new)
    if found:
        raise ReferentialInvalid(source, found)
    return ref


def explicit(item: Any, *, but: tuple[str, ...] = ()) -> dict[str, Any]:
    """An item's fields that differ from their defaults (what a referential file must say
    of it), by name, but those of `but`."""
    return {
        spec.name: getattr(item, spec.name)
        for spec in dataclasses.fields(item)
        if spec.name not in but and getattr(item, spec.name) != spec.default
    }


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
    from importlib import resources

    return resources.files("ledger").joinpath("data/rncp13080.toml").read_text(encoding="utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
