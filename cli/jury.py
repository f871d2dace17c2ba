"""`jury convene/decide/propose`."""

from __future__ import annotations

from datetime import date

import click

from cli.main import CONTEXT, recording, report, session_of
from cli.output import emit_json, table, yes
from cli.params import CODES, DATE, MEMBER
from ledger.i18n import _, show_date


@click.group(context_settings=CONTEXT)
def jury() -> None:
    """Convene jury sessions and record their decisions.

    \b
    Example:
      certledger jury convene JV6 --on 2017-06-20 --member "Ana Roy:realisateur" ... \\
          --president "Ana Roy"
      certledger jury propose JV6 V1
      certledger jury decide JV6 V1 --validate C01,C02 --award-block BC01
    """


@jury.command(context_settings=CONTEXT)
@click.argument("session_id", metavar="SESSION")
@click.option(
    "--on", "on", type=DATE, required=True, help="The day the jury sits (may be in the future)."
)
@click.option(
    "--member",
    "members",
    type=MEMBER,
    multiple=True,
    required=True,
    help='A member, "NAME:ROLE" or "NAME:ROLE:F|M" with their gender (for the VAE jury '
    "balance); repeat for each member.",
)
@click.option("--president", required=True, help="The president's name (one of the members).")
@recording
@click.pass_context
def convene(
    ctx: click.Context,
    session_id: str,
    on: date,
    members: tuple[tuple[str, str, str | None], ...],
    president: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Convene a jury session: its date, its members with their roles, its president.

    Roles: realisateur, producteur, monteur_truquiste, responsable_pedagogique,
    directeur_ecole, technicien (or those the referential defines). A member's gender (F or
    M, optional) lets the audit show a VAE jury's balance of women and men.

    \b
    Example:
      certledger jury convene JV6 --on 2017-06-20 \\
          --member "Ana Roy:realisateur:F" --member "Paul Blanc:producteur:M" \\
          --member "Lea Noir:monteur_truquiste:F" --member "Ines Vert:responsable_pedagogique:F" \\
          --member "Hugo Bleu:directeur_ecole:M" --member "Tom Gris:technicien:M" \\
          --president "Hugo Bleu"
    """
    session = session_of(ctx)
    result = session.ledger().convene_jury(
        session_id,
        on=on,
        members=members,
        president=president,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Convened jury session {session_id} sitting on {on}.").format(
            session_id=session_id, on=show_date(on)
        ),
    )


@jury.command(context_settings=CONTEXT)
@click.argument("session_id", metavar="SESSION")
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option(
    "--validate",
    "validated",
    type=CODES,
    default="",
    help="Competencies the jury validates, e.g. C01,C02.",
)
@click.option(
    "--award-block",
    "blocks",
    multiple=True,
    help="A block awarded (BC01 or RNCP13080BC01); repeatable.",
)
@click.option("--award-title", is_flag=True, help="Award the title.")
@click.option(
    "--derogation",
    default=None,
    help="Written derogation: overrides a missing jury role, or the evidence of a route other "
    "than VAE; never a threshold nor the VAE procedure.",
)
@recording
@click.pass_context
def decide(
    ctx: click.Context,
    session_id: str,
    candidate_id: str,
    validated: tuple[str, ...],
    blocks: tuple[str, ...],
    award_title: bool,
    derogation: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Record the jury's decision about a candidate, dated the session's day; prints its id.

    Every rule is checked first: codes, enrolment, jury composition, evidence, thresholds,
    RNCP registration. A decision with nothing validated records that the candidate was
    presented and failed.

    \b
    Example:
      certledger jury decide JV6 V1 --validate C01,C02,C03,C04,C05,C06,C07 --award-block BC01
    """
    session = session_of(ctx)
    result = session.ledger().record_decision(
        session_id,
        candidate_id,
        validated=validated,
        blocks=blocks,
        title=award_title,
        derogation=derogation,
        by=session.actor,
        request_id=request_id,
    )
    report(result, as_json, str(result["id"]))


@jury.command(context_settings=CONTEXT)
@click.argument("session_id", metavar="SESSION")
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--json", "as_json", is_flag=True, help="Print the proposal as JSON.")
@click.pass_context
def propose(ctx: click.Context, session_id: str, candidate_id: str, as_json: bool) -> None:
    """Show what a candidate is eligible for at the session's date, by the decision rules.

    \b
    Example:
      certledger jury propose JV6 V1
    """
    proposal = session_of(ctx).ledger().propose(session_id, candidate_id)
    review = proposal.review
    document = proposal.as_json(session_id, candidate_id)
    if as_json:
        emit_json(document)
        return
    click.echo(
        _(
            "Candidate {candidate_id} before jury session {session_id} on {sits_on} "
            "(route {route}, referential {referential})"
        ).format(
            candidate_id=candidate_id,
            session_id=session_id,
            sits_on=show_date(proposal.sits_on),
            route=review.route,
            referential=review.referential,
        )
    )
    jury_line = (
        "complete"
        if review.jury.ok
        else (
            _("missing {value}; linked members {value2}; president is member {yes}").format(
                value=", ".join(review.jury.missing) or "-",
                value2=", ".join(review.jury.linked_members) or "-",
                yes=yes(review.jury.president_is_member),
            )
        )
    )
    click.echo(_("jury: {jury_line}").format(jury_line=jury_line))
    if review.balance is not None:
        problems = review.balance.problems()
        click.echo(
            _("VAE jury balance: {detail}").format(
                detail="; ".join(problems) if problems else "met"
            )
        )
    if review.vae and review.vae_gap is not None:
        click.echo(
            _("VAE procedure not complete: {vae_gap} (nothing can be validated)").format(
                vae_gap=review.vae_gap
            )
        )
    click.echo(
        _("already counting: {value}").format(
            value=", ".join(sorted(review.counting_before)) or "none"
        )
    )
    click.echo(
        _("can validate (evidence on file): {value}").format(
            value=", ".join(proposal.can_validate) or "none"
        )
    )
    table(
        None,
        ["block", "eligible", "counting", "required"],
        [
            [code, yes(s.eligible), f"{len(s.counting)}/{s.of}", s.required]
            for code, s in review.blocks.items()
        ],
    )
    click.echo(
        _("title: eligible {yes} ({count} of {required} required)").format(
            yes=yes(proposal.title_eligible),
            count=len(review.title.counting),
            required=review.title.required,
        )
    )
    if not review.registered:
        click.echo(
            _("no award possible on this date: outside the registrations ({registrations})").format(
                registrations=review.registrations
            )
        )


COMMANDS = [jury]
