"""The rules as pure functions of a dossier and the referential: validity, jury, evidence, awards.

The application calls them before writing; the projections call the same ones to build a
status or an explanation, so the code that decides is the code that explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from ledger.composition import Balance, JuryCheck, check_jury, jury_balance
from ledger.dossier import Assessment, Decision, Dossier, VaeStep
from ledger.exceptions import RuleViolation
from ledger.i18n import _, show_date
from ledger.referential import Block, Epreuve, Referential, Role, Route
from ledger.text import check_text

if TYPE_CHECKING:
    from ledger.publication import PublishedVersion, Versions


STATES = ("revoked", "certified", "withdrawn", "in_progress")
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
            _("{what} does not exist in referential {version} in force on {day}{detail}").format(
                what=what,
                version=self.published.version,
                day=show_date(self.day),
                detail=f" ({listing})" if listing else "",
            ),
        )

    def competencies(self, codes: Iterable[str]) -> tuple[str, ...]:
        for code in codes:
            check_text(_("a competency code"), code)
            if code not in self.ref.competency_codes:
                raise self.missing(_("competency {code}").format(code=code))
        return tuple(dict.fromkeys(codes))

    def block(self, code: str) -> Block:
        block = self.ref.block(check_text(_("a block code"), code))
        if block is None:
            raise self.missing(
                _("block {code}").format(code=code),
                _("blocks: {blocks}").format(blocks=", ".join(b.short for b in self.ref.blocks)),
            )
        return block

    def blocks(self, codes: Iterable[str]) -> tuple[str, ...]:
        """Blocks given short (BC01) or official (RNCP13080BC01), as official codes."""
        return tuple(dict.fromkeys(self.block(code).code for code in codes))

    def epreuve(self, code: str, assessed: Iterable[str] = ()) -> tuple[Block, Epreuve]:
        """An épreuve, and the competencies it is said to assess (which must be its own)."""
        found = self.ref.epreuve(check_text(_("an épreuve code"), code))
        if found is None:
            raise self.missing(_("épreuve {code}").format(code=code))
        block, epreuve = found
        for competency in assessed:
            self.competencies((competency,))
            if competency not in epreuve.competencies:
                raise RuleViolation(
                    1,
                    _(
                        "épreuve {code} ({short}) does not assess competency {competency}; it "
                        "assesses {competencies}"
                    ).format(
                        code=code,
                        short=block.short,
                        competency=competency,
                        competencies=", ".join(epreuve.competencies),
                    ),
                )
        return found

    def route(self, code: str) -> Route:
        route = self.ref.route(check_text(_("a route code"), code))
        if route is None:
            raise self.missing(
                _("route {code}").format(code=code),
                _("routes: {routes}").format(routes=", ".join(r.code for r in self.ref.routes)),
            )
        return route

    def open_route(self, code: str, what: str) -> Route:
        """Rule 12: a candidate is put on a route (`what`: the enrolment, the re-enrolment,
        the route change) only on a day the referential in force opens it."""
        route = self.route(code)
        if not route.open_on(self.day):
            raise RuleViolation(
                12,
                _(
                    "route {code} is {openings} in referential {version}: {what} onto it on "
                    "{day} is refused"
                ).format(
                    code=code,
                    openings=route.openings,
                    version=self.published.version,
                    what=what,
                    day=show_date(self.day),
                ),
            )
        return route

    def role(self, code: str, member: str) -> Role:
        role = self.ref.role(check_text(_("a jury role"), code))
        if role is None:
            raise self.missing(
                _("jury role {code} (for {member})").format(code=code, member=member),
                _("roles: {roles}").format(roles=", ".join(r.code for r in self.ref.roles)),
            )
        return role


def add_years(day: date, years: int) -> date:
    """The same month and day `years` later; 29 February becomes 28 February; past the last
    year a date can hold (a validity of thousands of years, published before the validator
    bounded it), the last day there is."""
    if day.year + years > date.max.year:
        return date.max
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
    """The block's code on the day looked at (a renewed fiche's block, by correspondence)."""
    on: date
    until: date | None
    decision: Decision
    referential: str
    awarded_as: str = ""
    """The code the decision awarded, when a renewal has carried it to another block."""

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


def block_awards(
    decisions: Iterable[Decision], versions: Versions, day: date | None = None
) -> list[BlockAward]:
    """Every block the decisions awarded; named as on `day` when given (a fiche renewed since
    the award carries its blocks to the new fiche's, by the renewal's correspondence)."""
    found = []
    for decision in decisions:
        until, version = decision_until(decision, versions)
        for code in decision.blocks:
            shown = code if day is None else versions.block_on(code, decision.on, day)
            awarded_as = code if shown != code else ""
            found.append(BlockAward(shown, decision.on, until, decision, version, awarded_as))
    return found


def counting(decisions: Iterable[Decision], versions: Versions, day: date) -> set[str]:
    """The competencies that count on `day`: any of their validations by the given (live)
    decisions counts. A decision's validations share its dates, so each decision is judged
    once rather than each validation built (a replay does this for every candidate)."""
    found: set[str] = set()
    for decision in decisions:
        if within(decision.on, decision_until(decision, versions)[0], day):
            found.update(decision.validated)
    return found


class Standing(NamedTuple):
    """How many of a block's (or the title's) competencies count, against what it requires.
    A named tuple: a replay makes five for every candidate."""

    code: str
    counting: tuple[str, ...]
    required: int
    of: int

    @property
    def eligible(self) -> bool:
        return len(self.counting) >= self.required

    def shortfall(self) -> str:
        listed = ", ".join(self.counting) or "none"
        return _("{count} of the {of} count ({listed}), {required} required").format(
            count=len(self.counting), of=self.of, listed=listed, required=self.required
        )


def block_standing(block: Block, codes: set[str]) -> Standing:
    members = tuple([c for c in block.competencies if c in codes])
    return Standing(block.code, members, block.required, len(block.competencies))


def block_count(block: Block, codes: set[str]) -> tuple[int, bool]:
    """How many of a block's competencies count, and whether that is enough: what
    `block_standing` says without listing them (a replay asks it of every block of every
    candidate; a block's competencies are distinct, `problems()` sees to it)."""
    counting = len(codes.intersection(block.competencies))
    return counting, counting >= block.required


def title_standing(ref: Referential, codes: set[str]) -> Standing:
    members = tuple([code for code in ref.competency_order if code in codes])
    return Standing(ref.code, members, ref.title.required, len(ref.competencies))


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


def vae_gap(dossier: Dossier, day: date) -> str | None:
    """Rule 4 for a VAE decision on `day`: what the procedure still lacks (None: admitted,
    livret 2 received, then interviewed, all on or before `day`). Recording the interview
    already checked admitted <= livret 2 received <= interview."""
    steps = [s for s in dossier.vae_steps if s.on <= day]
    if not any(s.kind == "admitted" for s in steps):
        return _("no admission (recevabilité, livret 1) on or before {day}").format(
            day=show_date(day)
        )
    if not any(s.kind == "interview" for s in steps):
        return _("no interview, after livret 2 was received, on or before {day}").format(
            day=show_date(day)
        )
    return None


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
    return counting(live, versions, day)


def blocks_counting_on(
    dossier: Dossier, versions: Versions, day: date, exclude: str | None = None
) -> set[str]:
    """The blocks a candidate holds on `day` (awarded and still counting)."""
    live = [d for d in dossier.live_decisions() if d.on <= day and d.id != exclude]
    return blocks_held(live, versions, day)


def blocks_held(decisions: Iterable[Decision], versions: Versions, day: date) -> set[str]:
    """The blocks the decisions awarded that still count on `day`."""
    return {a.block for a in block_awards(decisions, versions, day) if a.counts_on(day)}


def check_later_awards(
    dossier: Dossier, versions: Versions, decision_id: str, becomes: Decision | None
) -> None:
    """Rule 5 on the awards of the candidate's other decisions, once decision `decision_id`
    is rectified into `becomes` (None: annulled). A block or title awarded on its decision's
    date rests on what every decision until then validated: one that reached its threshold
    and would no longer reach it makes the correction refused, naming the decision to
    correct first. (An award already short before, an earlier version's doing, is not this
    correction's: only what the correction breaks is refused.)"""
    live = dossier.live_decisions()
    start = next((d.on for d in live if d.id == decision_id), None)
    if start is None:  # not a live decision: the correction itself says why it is refused
        return
    changed = [d for d in live if d.id != decision_id] + ([becomes] if becomes else [])
    already = {(d.id, what) for d, what, _ in _short_awards(live, versions, decision_id, start)}
    for later, what, standing in _short_awards(changed, versions, decision_id, start):
        if (later.id, what) not in already:
            raise RuleViolation(
                5,
                _(
                    "{what} awarded by decision {later} on {on} rests on decision {decision}: "
                    "it would fall short of its threshold ({shortfall}); rectify or annul "
                    "decision {later} first"
                ).format(
                    what=_("the title") if what == "title" else _("block {code}").format(code=what),
                    later=later.id,
                    on=show_date(later.on),
                    decision=decision_id,
                    shortfall=standing.shortfall(),
                ),
            )


def _short_awards(
    decisions: Sequence[Decision], versions: Versions, since: str, start: date
) -> list[tuple[Decision, str, Standing]]:
    """The awards (block code, or "title") of the decisions dated on or after `start` (the
    day of decision `since`), other than `since`, that fall short of their threshold on their
    own date, given `decisions` as the live ones."""
    short = []
    for award in decisions:
        if award.id == since or not (award.blocks or award.title) or award.on < start:
            continue
        earlier = [d for d in decisions if d.on <= award.on and d.id != award.id]
        codes = counting(earlier, versions, award.on) | set(award.validated)
        ref = versions.at(award.on).referential
        for code in award.blocks:
            block = ref.block(code)
            if block is not None and not (standing := block_standing(block, codes)).eligible:
                short.append((award, code, standing))
        if award.title:
            standing = title_standing(ref, codes)
            held = blocks_held(earlier, versions, award.on)
            every = bool(ref.blocks) and {b.code for b in ref.blocks} <= held | set(award.blocks)
            if not (standing.eligible or (ref.title_by_all_blocks and every)):
                short.append((award, "title", standing))
    return short


def title_note(ref: Referential, standing: Standing, held: Iterable[str]) -> str | None:
    """Rule 5 in words when every block is held: the title then needs its own count, unless
    the referential awards it on the blocks (`title_by_all_blocks`)."""
    if not ref.blocks or not {b.code for b in ref.blocks} <= set(held):
        return None
    if ref.title_by_all_blocks:
        return _("every block held: the referential awards the title on its blocks")
    if standing.eligible:
        return None
    return _("every block held; the title needs {required}, has {count}").format(
        required=standing.required, count=len(standing.counting)
    )


def title_revoked_on(dossier: Dossier, decision: Decision) -> date | None:
    """The day the title a decision awarded stands revoked: when every certificate issued for
    it is revoked, the last revocation's day (None while one of them is held, or none was
    issued)."""
    issued = [
        c for c in dossier.certificates.values() if c.decision == decision.id and c.kind == "title"
    ]
    days = [c.revoked_on for c in issued]
    if not decision.title or not days or None in days:
        return None
    return max(d for d in days if d is not None)


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
    balance: Balance | None
    """The VAE jury's balance (None for another route)."""
    balance_required: bool
    validated: tuple[str, ...]
    evidence: dict[str, Assessment | VaeStep | None]
    vae_gap: str | None
    """What the VAE procedure lacks on `day` (None when complete, or not VAE)."""
    counting_before: frozenset[str]
    blocks_held: frozenset[str]
    """The blocks held on `day` before this decision."""
    blocks: dict[str, Standing]
    title: Standing
    title_by_all_blocks: bool
    registered: bool
    registrations: str
    linked_unread: tuple[str, ...] = ()
    """Why each person linked on `day` whose name cannot be read cannot be ("sealed",
    "erased"): rule 3 cannot be checked against them."""

    @property
    def unbacked(self) -> tuple[str, ...]:
        return tuple(code for code, backing in self.evidence.items() if backing is None)

    def title_allowed(self, awarded: Iterable[str]) -> bool:
        """Rule 5 for the title, this decision awarding the blocks `awarded`: its count, or
        every block held where the referential awards the title on its blocks."""
        if self.title.eligible:
            return True
        held = self.blocks_held | set(awarded)
        return self.title_by_all_blocks and set(self.blocks) <= held


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
        balance=jury_balance(members, ref) if vae else None,
        balance_required=ref.vae_jury_balance_required,
        validated=tuple(validated),
        evidence={code: evidence_for(dossier, code, day, ref, vae) for code in validated},
        vae_gap=vae_gap(dossier, day) if vae else None,
        counting_before=frozenset(before),
        blocks_held=frozenset(blocks_counting_on(dossier, versions, day, exclude)),
        blocks={b.code: block_standing(b, after) for b in ref.blocks},
        title=title_standing(ref, after),
        title_by_all_blocks=ref.title_by_all_blocks,
        registered=award_registered(ref, day, dossier.enrolled_on()),
        registrations=ref.registrations_text,
        linked_unread=tuple(dossier.unread_linked_on(day)),
    )


def check_decision(
    review: Review, blocks: Sequence[str], title: bool, derogation: str | None
) -> None:
    """Rules 3 to 6 on a review: raise the first rule the decision breaks. A written
    derogation overrides a missing jury role (3) and the evidence of a route other than VAE
    (4) only: never a linked member, the VAE procedure, nor a threshold (5)."""
    day = review.day
    jury = review.jury
    if "sealed" in review.linked_unread:
        raise RuleViolation(
            3,
            _(
                "the names of the persons linked to candidate {candidate} cannot be read without "
                "the key file that holds the ledger's key, so no one can tell whether they sit "
                "on jury session {session} (give the key file with --keys or $CERTLEDGER_KEYS)"
            ).format(candidate=review.candidate, session=review.session),
        )
    if jury.linked_members:
        raise RuleViolation(
            3,
            _(
                "{linked_members} sits on jury session {session} but is linked to candidate "
                "{candidate} (no derogation allowed)"
            ).format(
                linked_members=", ".join(jury.linked_members),
                session=review.session,
                candidate=review.candidate,
            ),
        )
    if not jury.president_is_member:
        raise RuleViolation(
            3,
            _("the president of jury session {session} is not one of its members").format(
                session=review.session
            ),
        )
    override = _(" (a --derogation can override it)")
    if jury.missing and derogation is None:
        raise RuleViolation(
            3,
            _(
                "jury session {session} lacks role(s) {missing} required for route {route} "
                "on {day}{override}"
            ).format(
                session=review.session,
                missing=", ".join(jury.missing),
                route=review.route,
                day=show_date(day),
                override=override,
            ),
        )
    if review.balance is not None and review.balance_required and not review.balance.ok:
        raise RuleViolation(
            3,
            _(
                "the VAE jury of session {session} is not shown to be balanced: {listing} "
                "(referential {referential} requires it; no derogation allowed)"
            ).format(
                session=review.session,
                listing="; ".join(review.balance.problems()),
                referential=review.referential,
            ),
        )
    if review.vae and review.validated and review.vae_gap is not None:
        raise RuleViolation(
            4,
            _(
                "candidate {candidate}'s VAE procedure is not complete: {vae_gap} (the VAE "
                "procedure admits no derogation)"
            ).format(candidate=review.candidate, vae_gap=review.vae_gap),
        )
    if review.unbacked and (derogation is None or review.vae):
        what = _("passed assessment or VAE interview") if review.vae else _("passed assessment")
        why = _(" (the VAE procedure admits no derogation)") if review.vae else override
        raise RuleViolation(
            4,
            _(
                "no {what} on or before {day} and less than the validity period old backs "
                "competency {unbacked}{why}"
            ).format(what=what, day=show_date(day), unbacked=", ".join(review.unbacked), why=why),
        )
    never = _(" (thresholds admit no derogation)")
    for code in blocks:
        standing = review.blocks[code]
        if not standing.eligible:
            raise RuleViolation(
                5,
                _("block {code} on {day}: {value}{never}").format(
                    code=code, day=show_date(day), value=standing.shortfall(), never=never
                ),
            )
    if title and not review.title_allowed(blocks):
        held = review.blocks_held | set(blocks)
        every = set(review.blocks) <= held
        raise RuleViolation(
            5,
            _("the title on {day}: ").format(day=show_date(day))
            + (
                _(
                    "every block held; the title needs {required}, has {count} distinct "
                    "competencies"
                ).format(required=review.title.required, count=len(review.title.counting))
                if every
                else _("{count} distinct competencies count, {required} required").format(
                    count=len(review.title.counting), required=review.title.required
                )
            )
            + never,
        )
    if (blocks or title) and not review.registered:
        awarded = ", ".join([*blocks, *([_("the title")] if title else [])])
        raise RuleViolation(
            6,
            _(
                "{awarded} cannot be awarded on {day}, outside the RNCP registration periods "
                "of referential {referential} ({registrations})"
            ).format(
                awarded=awarded,
                day=show_date(day),
                referential=review.referential,
                registrations=review.registrations,
            ),
        )
