"""The rules as pure functions of a dossier and the referential: validity, jury, evidence, awards.

The application calls them before writing; the projections call the same ones to build a
status or an explanation, so the code that decides is the code that explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from ledger.dossier import Assessment, Decision, Dossier, VaeStep
from ledger.exceptions import RuleViolation
from ledger.referential import Block, Epreuve, Referential, Role, Route
from ledger.text import check_text, normalise_name

if TYPE_CHECKING:
    from ledger.publication import PublishedVersion, Versions


STATES = ("certified", "withdrawn", "in_progress")
"""What decides a candidate's overall state, in order: the first that holds is the state;
"enrolled" when none does. The status projection, the status view and its SQL all read it."""

DEFAULT_STATE = "enrolled"


def overall_state(holds: Iterable[str]) -> str:
    """The state of a candidate of whom the given STATES hold."""
    found = set(holds)
    return next((state for state in STATES if state in found), DEFAULT_STATE)


class CodesInForce:
    """Rule 1: the codes a command names exist in the referential in force on its date.

    Every command and read that takes a code asks here, so the rule and its wording live in
    one place; lookups give back what the code names (block codes in their official form).
    """

    def __init__(self, versions: Versions, day: date) -> None:
        self.published: PublishedVersion = versions.at(day)
        self.ref = self.published.referential
        self.day = day

    def missing(self, what: str, listing: str = "") -> RuleViolation:
        return RuleViolation(
            1,
            f"{what} does not exist in referential {self.published.version} in force on "
            f"{self.day.isoformat()}{f' ({listing})' if listing else ''}",
        )

    def competencies(self, codes: Iterable[str]) -> tuple[str, ...]:
        for code in codes:
            check_text("a competency code", code)
            if code not in self.ref.competency_codes:
                raise self.missing(f"competency {code}")
        return tuple(dict.fromkeys(codes))

    def block(self, code: str) -> Block:
        block = self.ref.block(check_text("a block code", code))
        if block is None:
            raise self.missing(
                f"block {code}", f"blocks: {', '.join(b.short for b in self.ref.blocks)}"
            )
        return block

    def blocks(self, codes: Iterable[str]) -> tuple[str, ...]:
        """Blocks given short (BC01) or official (RNCP13080BC01), as official codes."""
        return tuple(dict.fromkeys(self.block(code).code for code in codes))

    def epreuve(self, code: str, assessed: Iterable[str] = ()) -> tuple[Block, Epreuve]:
        """An épreuve, and the competencies it is said to assess (which must be its own)."""
        found = self.ref.epreuve(check_text("an épreuve code", code))
        if found is None:
            raise self.missing(f"épreuve {code}")
        block, epreuve = found
        for competency in assessed:
            self.competencies((competency,))
            if competency not in epreuve.competencies:
                raise RuleViolation(
                    1,
                    f"épreuve {code} ({block.short}) does not assess competency {competency}; "
                    f"it assesses {', '.join(epreuve.competencies)}",
                )
        return found

    def route(self, code: str) -> Route:
        route = self.ref.route(check_text("a route code", code))
        if route is None:
            raise self.missing(
                f"route {code}", f"routes: {', '.join(r.code for r in self.ref.routes)}"
            )
        return route

    def role(self, code: str, member: str) -> Role:
        role = self.ref.role(check_text("a jury role", code))
        if role is None:
            raise self.missing(
                f"jury role {code} (for {member})",
                f"roles: {', '.join(r.code for r in self.ref.roles)}",
            )
        return role


def add_years(day: date, years: int) -> date:
    """The same month and day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def within(start: date, until: date | None, day: date) -> bool:
    """Whether `day` lies in [start, until), `until` None meaning for good."""
    return start <= day and (until is None or day < until)


class Validation(NamedTuple):
    """One validation of one competency by one decision, and how long it counts."""

    competency: str
    on: date
    until: date | None  # exclusive end; None when permanent
    decision: Decision
    referential: str

    @property
    def permanent(self) -> bool:
        return self.until is None

    def counts_on(self, day: date) -> bool:
        return within(self.on, self.until, day)


class BlockAward(NamedTuple):
    block: str
    on: date
    until: date | None
    decision: Decision
    referential: str

    def counts_on(self, day: date) -> bool:
        return within(self.on, self.until, day)


def decision_until(decision: Decision, versions: Versions) -> tuple[date | None, str]:
    """How long what a decision validates counts, under the referential in force on its date.

    VAE decisions (by the route in force when the jury sat) count for good when the
    referential says so; the others count for `validity_years`.
    """
    published = versions.at(decision.on)
    ref = published.referential
    route = ref.route(decision.route)
    if route is not None and route.vae and ref.vae_permanent:
        return None, published.version
    return add_years(decision.on, ref.validity_years), published.version


def validations(decisions: Iterable[Decision], versions: Versions) -> list[Validation]:
    """Every competency validation by the given (live) decisions."""
    found = []
    for decision in decisions:
        until, version = decision_until(decision, versions)
        for code in decision.validated:
            found.append(Validation(code, decision.on, until, decision, version))
    return found


def block_awards(decisions: Iterable[Decision], versions: Versions) -> list[BlockAward]:
    found = []
    for decision in decisions:
        until, version = decision_until(decision, versions)
        for code in decision.blocks:
            found.append(BlockAward(code, decision.on, until, decision, version))
    return found


def counting(found: Iterable[Validation], day: date) -> set[str]:
    """The competencies that count on `day`: any of their validations counts."""
    return {v.competency for v in found if v.counts_on(day)}


@dataclass(frozen=True, slots=True)
class Standing:
    """How many of a block's (or the title's) competencies count, against what it requires."""

    code: str
    counting: tuple[str, ...]
    required: int
    of: int

    @property
    def eligible(self) -> bool:
        return len(self.counting) >= self.required

    def shortfall(self) -> str:
        listed = ", ".join(self.counting) or "none"
        return f"{len(self.counting)} of the {self.of} count ({listed}), {self.required} required"


def block_standing(block: Block, codes: set[str]) -> Standing:
    members = tuple(c for c in block.competencies if c in codes)
    return Standing(block.code, members, block.required, len(block.competencies))


def title_standing(ref: Referential, codes: set[str]) -> Standing:
    members = tuple(c.code for c in ref.competencies if c.code in codes)
    return Standing(ref.code, members, ref.title.required, len(ref.competencies))


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
    members: Sequence[dict[str, str]],
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


def evidence_for(
    dossier: Dossier, competency: str, day: date, ref: Referential, vae: bool
) -> Assessment | VaeStep | None:
    """What backs validating `competency` on `day` (rule 4), or None.

    A passed assessment dated on or before `day` and less than `validity_years` old; for a VAE
    candidate, a VAE interview held within the same window also backs every competency.
    """
    best: Assessment | VaeStep | None = None
    for assessment in dossier.assessments:
        if (
            competency in assessment.passed
            and within(assessment.on, add_years(assessment.on, ref.validity_years), day)
            and (best is None or assessment.on >= best.on)
        ):
            best = assessment
    if vae:
        for step in dossier.vae_steps:
            if (
                step.kind == "interview"
                and within(step.on, add_years(step.on, ref.validity_years), day)
                and (best is None or step.on >= best.on)
            ):
                best = step
    return best


def award_registered(ref: Referential, day: date, enrolled_on: date) -> bool:
    """Rule 6: an award on `day` falls inside a registration period (or the referential lets
    candidates enrolled while the fiche was registered be awarded after it expired)."""
    if ref.registered_on(day):
        return True
    return ref.award_after_registration_for_enrolled_before and ref.registered_on(enrolled_on)


def counting_on(
    dossier: Dossier, versions: Versions, day: date, exclude: str | None = None
) -> set[str]:
    """The competencies of a candidate that count on `day`, from their live decisions
    (leaving out decision `exclude`, when judging that decision again)."""
    live = [d for d in dossier.live_decisions() if d.on <= day and d.id != exclude]
    return counting(validations(live, versions), day)


@dataclass(frozen=True)
class Review:
    """Everything rules 3 to 6 say about a decision a jury would take on `day`.

    Built for a real decision (what the jury wants to validate and award) and for
    `jury propose` (everything the evidence would allow), by the same function.
    """

    candidate: str
    session: str
    day: date
    referential: str
    route: str
    vae: bool
    jury: JuryCheck
    validated: tuple[str, ...]
    evidence: dict[str, Assessment | VaeStep | None]
    counting_before: frozenset[str]
    blocks: dict[str, Standing]
    title: Standing
    registered: bool
    registrations: str

    @property
    def unbacked(self) -> tuple[str, ...]:
        return tuple(code for code, backing in self.evidence.items() if backing is None)


def review_decision(
    dossier: Dossier,
    versions: Versions,
    session: str,
    members: Sequence[dict[str, str]],
    president: str,
    day: date,
    route: str,
    validated: Sequence[str],
    exclude: str | None = None,
) -> Review:
    """Judge what a decision on `day` would rest on, under the referential in force that day.

    `exclude` names a recorded decision being judged again (a rectification): what it
    validated itself does not count before it.
    """
    published = versions.at(day)
    ref = published.referential
    route_rules = ref.route(route)
    vae = bool(route_rules and route_rules.vae)
    linked = [p.name for p in dossier.linked_on(day)]
    before = counting_on(dossier, versions, day, exclude)
    after = before | set(validated)
    return Review(
        candidate=dossier.candidate,
        session=session,
        day=day,
        referential=published.version,
        route=route,
        vae=vae,
        jury=check_jury(members, president, ref.jury_roles(route), linked),
        validated=tuple(validated),
        evidence={code: evidence_for(dossier, code, day, ref, vae) for code in validated},
        counting_before=frozenset(before),
        blocks={b.code: block_standing(b, after) for b in ref.blocks},
        title=title_standing(ref, after),
        registered=award_registered(ref, day, dossier.enrolled_on()),
        registrations=ref.registrations_text,
    )


def check_decision(
    review: Review, blocks: Sequence[str], title: bool, derogation: str | None
) -> None:
    """Rules 3 to 6 on a review: raise the first rule the decision breaks. A written
    derogation overrides a missing jury role (3), evidence (4) and thresholds (5) only."""
    day = review.day.isoformat()
    jury = review.jury
    if jury.linked_members:
        raise RuleViolation(
            3,
            f"{', '.join(jury.linked_members)} sits on jury session {review.session} but is "
            f"linked to candidate {review.candidate} (no derogation allowed)",
        )
    if not jury.president_is_member:
        raise RuleViolation(
            3, f"the president of jury session {review.session} is not one of its members"
        )
    override = " (a --derogation can override it)"
    if jury.missing and derogation is None:
        raise RuleViolation(
            3,
            f"jury session {review.session} lacks role(s) {', '.join(jury.missing)} required "
            f"for route {review.route} on {day}{override}",
        )
    if review.unbacked and derogation is None:
        what = "passed assessment or VAE interview" if review.vae else "passed assessment"
        raise RuleViolation(
            4,
            f"no {what} on or before {day} and less than the validity period old backs "
            f"competency {', '.join(review.unbacked)}{override}",
        )
    for code in blocks:
        standing = review.blocks[code]
        if not standing.eligible and derogation is None:
            raise RuleViolation(5, f"block {code} on {day}: {standing.shortfall()}{override}")
    if title and not review.title.eligible and derogation is None:
        raise RuleViolation(
            5,
            f"the title on {day}: {len(review.title.counting)} distinct competencies count, "
            f"{review.title.required} required{override}",
        )
    if (blocks or title) and not review.registered:
        awarded = ", ".join([*blocks, *(["the title"] if title else [])])
        raise RuleViolation(
            6,
            f"{awarded} cannot be awarded on {day}, outside the RNCP registration periods "
            f"of referential {review.referential} ({review.registrations})",
        )
