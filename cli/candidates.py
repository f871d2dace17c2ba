"""`candidate ...`, `assessment record` and `vae admit/interview`."""

from __future__ import annotations

from datetime import date

import click

from cli.main import CONTEXT, recording, report, session_of
from cli.output import show_date
from cli.params import CODES, DATE, SEX
from ledger.i18n import _

ROUTES = (
    "formation_initiale",
    "apprentissage",
    "formation_continue",
    "contrat_professionnalisation",
    "candidature_individuelle",
    "vae",
)
ROUTE_HELP = "The access route: " + ", ".join(ROUTES) + " (or one the referential defines)."
VAE_PATH = click.Choice(["VAE_CLASSIQUE", "CONGES_VAE"])


@click.group(context_settings=CONTEXT)
def candidate() -> None:
    """Enrol candidates and record what happens to their enrolment.

    \b
    Example:
      certledger candidate enroll V1 --route vae --on 2017-01-09 --birth-name Durand \\
          --first-name Alice --birth-date 1984-05-02 --sex F --birth-insee 75112
      certledger candidate withdraw V1 --on 2018-02-01 --reason "moved abroad"
    """


@candidate.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--route", required=True, help=ROUTE_HELP)
@click.option("--on", "on", type=DATE, required=True, help="Enrolment date.")
@click.option("--birth-name", required=True, help="Birth name (nom de naissance).")
@click.option(
    "--first-name",
    "first_names",
    multiple=True,
    required=True,
    help="First name; repeat for up to three.",
)
@click.option("--birth-date", type=DATE, required=True, help="Date of birth.")
@click.option("--sex", type=SEX, required=True, help="M or F.")
@click.option("--birth-insee", default=None, help="INSEE code of the birth commune (5 chars).")
@click.option("--birth-postcode", default=None, help="Postcode of the birth commune.")
@click.option("--usage-name", default=None, help="Usage name (nom d'usage), if any.")
@click.option("--birth-country", default=None, help="Birth country code (3 characters).")
@click.option(
    "--vae-path",
    type=VAE_PATH,
    default=None,
    help="For VAE: VAE_CLASSIQUE (default) or CONGES_VAE.",
)
@click.option(
    "--linked-person",
    "linked",
    multiple=True,
    help="A person who may not sit on this candidate's jury; repeatable.",
)
@recording
@click.pass_context
def enroll(
    ctx: click.Context,
    candidate_id: str,
    route: str,
    on: date,
    birth_name: str,
    first_names: tuple[str, ...],
    birth_date: date,
    sex: str,
    birth_insee: str | None,
    birth_postcode: str | None,
    usage_name: str | None,
    birth_country: str | None,
    vae_path: str | None,
    linked: tuple[str, ...],
    request_id: str | None,
    as_json: bool,
) -> None:
    """Enrol a candidate on an access route, with the identity the CPF flow needs.

    Give exactly one of --birth-insee and --birth-postcode.

    \b
    Example:
      certledger candidate enroll V1 --route formation_continue --on 2016-09-12 \\
          --birth-name Durand --first-name Alice --birth-date 1990-01-02 --sex F \\
          --birth-insee 75112
    """
    session = session_of(ctx)
    identity = {
        "birth_name": birth_name,
        "usage_name": usage_name,
        "first_names": first_names,
        "birth_date": birth_date,
        "sex": sex,
        "birth_insee": birth_insee,
        "birth_postcode": birth_postcode,
        "birth_country": birth_country,
    }
    result = session.ledger().enroll(
        candidate_id,
        route=route,
        on=on,
        identity=identity,
        vae_path=vae_path,
        linked_persons=linked,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Enrolled candidate {candidate} on route {route} on {day}.").format(
            candidate=candidate_id, route=route, day=show_date(on)
        ),
    )


@candidate.command("link-person", context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--name", required=True, help="The person's name.")
@click.option(
    "--relation",
    type=click.Choice(["accompanist", "tutor", "employer", "other"]),
    required=True,
    help="How they are linked to the candidate.",
)
@click.option("--on", "on", type=DATE, required=True, help="Date the link was declared.")
@recording
@click.pass_context
def link_person(
    ctx: click.Context,
    candidate_id: str,
    name: str,
    relation: str,
    on: date,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Declare a person linked to the candidate (they may not sit on the candidate's jury).

    \b
    Example:
      certledger candidate link-person V1 --name "Marc Petit" --relation accompanist --on 2017-02-01
    """
    session = session_of(ctx)
    result = session.ledger().link_person(
        candidate_id,
        name=name,
        relation=relation,
        on=on,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Linked {name} ({relation}) to candidate {candidate}.").format(
            name=name, relation=relation, candidate=candidate_id
        ),
    )


@candidate.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--on", "on", type=DATE, required=True, help="Date of the withdrawal.")
@click.option("--reason", required=True, help="Why the candidate withdrew.")
@recording
@click.pass_context
def withdraw(
    ctx: click.Context,
    candidate_id: str,
    on: date,
    reason: str,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Record that a candidate withdrew (refused if a decision is dated after it).

    \b
    Example:
      certledger candidate withdraw V1 --on 2018-02-01 --reason "moved abroad"
    """
    session = session_of(ctx)
    result = session.ledger().withdraw(
        candidate_id, on=on, reason=reason, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Candidate {candidate} withdrew on {day}.").format(
            candidate=candidate_id, day=show_date(on)
        ),
    )


@candidate.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--route", required=True, help=ROUTE_HELP)
@click.option("--on", "on", type=DATE, required=True, help="Date of the re-enrolment.")
@click.option("--vae-path", type=VAE_PATH, default=None, help="For VAE: the VAE path.")
@recording
@click.pass_context
def reenroll(
    ctx: click.Context,
    candidate_id: str,
    route: str,
    on: date,
    vae_path: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Re-enrol a withdrawn candidate; what they acquired stays theirs.

    \b
    Example:
      certledger candidate reenroll V1 --route vae --on 2019-01-07
    """
    session = session_of(ctx)
    result = session.ledger().reenroll(
        candidate_id,
        route=route,
        on=on,
        vae_path=vae_path,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Re-enrolled candidate {candidate} on route {route} on {day}.").format(
            candidate=candidate_id, route=route, day=show_date(on)
        ),
    )


@candidate.command("change-route", context_settings=CONTEXT)
@click.argument("candidate_id", metavar="ID")
@click.option("--route", required=True, help=ROUTE_HELP)
@click.option("--on", "on", type=DATE, required=True, help="Date the new route applies from.")
@click.option("--vae-path", type=VAE_PATH, default=None, help="For VAE: the VAE path.")
@recording
@click.pass_context
def change_route(
    ctx: click.Context,
    candidate_id: str,
    route: str,
    on: date,
    vae_path: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Move a candidate to another access route from a date (past decisions keep theirs).

    \b
    Example:
      certledger candidate change-route V1 --route vae --on 2018-09-01
    """
    session = session_of(ctx)
    result = session.ledger().change_route(
        candidate_id,
        route=route,
        on=on,
        vae_path=vae_path,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("Candidate {candidate} is on route {route} from {day}.").format(
            candidate=candidate_id, route=route, day=show_date(on)
        ),
    )


@click.group(context_settings=CONTEXT)
def assessment() -> None:
    """Record épreuve results (the evidence behind jury decisions).

    \b
    Example:
      certledger assessment record V1 --epreuve BC01-E1 --on 2017-06-01 --passed C01,C02
    """


@assessment.command("record", context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--epreuve", required=True, help="The épreuve's code, e.g. BC01-E1.")
@click.option("--on", "on", type=DATE, required=True, help="Date of the épreuve.")
@click.option("--passed", type=CODES, default="", help="Competencies passed, e.g. C01,C02.")
@click.option("--failed", type=CODES, default="", help="Competencies failed.")
@click.option("--assessor", default=None, help="Who assessed.")
@recording
@click.pass_context
def record_assessment(
    ctx: click.Context,
    candidate_id: str,
    epreuve: str,
    on: date,
    passed: tuple[str, ...],
    failed: tuple[str, ...],
    assessor: str | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Record the result of an épreuve: the competencies passed and failed.

    \b
    Example:
      certledger assessment record V1 --epreuve BC01-E1 --on 2017-06-01 \\
          --passed C01,C02,C03,C05 --failed C07 --assessor "J. Martin"
    """
    session = session_of(ctx)
    result = session.ledger().record_assessment(
        candidate_id,
        epreuve=epreuve,
        on=on,
        passed=passed,
        failed=failed,
        assessor=assessor,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _(
            "Recorded épreuve {epreuve} of {day} for candidate {candidate}: passed {passed}; "
            "failed {failed}."
        ).format(
            epreuve=epreuve,
            day=show_date(on),
            candidate=candidate_id,
            passed=",".join(passed) or _("none"),
            failed=",".join(failed) or _("none"),
        ),
    )


@click.group(context_settings=CONTEXT)
def vae() -> None:
    """Record the VAE steps: admission (livret 1) and the interview (after livret 2).

    \b
    Example:
      certledger vae admit V2 --on 2017-01-20
      certledger vae interview V2 --on 2017-05-30 --livret2-received 2017-04-28
    """


@vae.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--on", "on", type=DATE, required=True, help="Date livret 1 was accepted.")
@recording
@click.pass_context
def admit(
    ctx: click.Context, candidate_id: str, on: date, request_id: str | None, as_json: bool
) -> None:
    """Record a VAE candidate's admission (recevabilité, livret 1 accepted).

    \b
    Example:
      certledger vae admit V2 --on 2017-01-20
    """
    session = session_of(ctx)
    result = session.ledger().admit_vae(
        candidate_id, on=on, by=session.actor, request_id=request_id
    )
    report(
        result,
        as_json,
        _("Candidate {candidate} admitted to VAE on {day}.").format(
            candidate=candidate_id, day=show_date(on)
        ),
    )


@vae.command(context_settings=CONTEXT)
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--on", "on", type=DATE, required=True, help="Date of the interview.")
@click.option("--livret2-received", type=DATE, required=True, help="Date livret 2 was received.")
@recording
@click.pass_context
def interview(
    ctx: click.Context,
    candidate_id: str,
    on: date,
    livret2_received: date,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Record a VAE interview (admitted <= livret 2 received <= interview).

    \b
    Example:
      certledger vae interview V2 --on 2017-05-30 --livret2-received 2017-04-28
    """
    session = session_of(ctx)
    result = session.ledger().hold_vae_interview(
        candidate_id,
        on=on,
        livret2_received_on=livret2_received,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _("VAE interview of candidate {candidate} recorded on {day}.").format(
            candidate=candidate_id, day=show_date(on)
        ),
    )


COMMANDS = [candidate, assessment, vae]
