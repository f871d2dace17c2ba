"""`keys init`, `certificate print/verify/export` and `credentials status-list`: the
documents holders keep and anyone can check."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from cli.certificates import certificate
from cli.main import CONTEXT, recording, report, session_of
from cli.output import emit_json
from cli.params import DATE, INSTANT
from ledger.files import write_atomically
from ledger.i18n import _, show_date

KEY_FILE = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The certifier's private key file (default: $CERTLEDGER_SIGNING_KEY, else "
    "STORE.signing-key.pem beside an SQLite store).",
)


def json_bytes(document: Any) -> bytes:
    import orjson

    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


@click.group(context_settings=CONTEXT)
def keys() -> None:
    """The certifier's signing key (parchment codes, Open Badges credentials, status lists).

    \b
    Example:
      certledger keys init --status-list-url https://certif.example.fr/status/rncp13080.json
    """


@keys.command("init", context_settings=CONTEXT)
@KEY_FILE
@click.option(
    "--status-list-url",
    default=None,
    metavar="URL",
    help="Where you will publish `credentials status-list` (written into every credential).",
)
@click.option("--new", is_flag=True, help="Record a new key although one is recorded already.")
@recording
@click.pass_context
def init_keys(
    ctx: click.Context,
    key_file: Path | None,
    status_list_url: str | None,
    new: bool,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Create the certifier's Ed25519 key and record its public key in the ledger.

    The private key goes to a new file readable by you only (never overwritten, never
    printed, never in the database); keep it safe and backed up. Its public key is recorded
    as an event, so that a copy of the ledger alone verifies every code and credential.

    \b
    Example:
      certledger keys init --status-list-url https://certif.example.fr/status/rncp13080.json
      certledger --store postgresql://registrar@db/certif keys init --key-file /secure/key.pem
    """
    session = session_of(ctx)
    result = session.ledger().init_keys(
        key_file=key_file,
        status_list_url=status_list_url,
        new=new,
        by=session.actor,
        request_id=request_id,
    )
    report(
        result,
        as_json,
        _(
            "Signing key recorded: {key}\nPrivate key file: {path} (keep it safe: it "
            "signs in your name)\nStatus list URL: {url}"
        ).format(key=result["id"], path=result["key_file"], url=result["status_list_url"]),
    )


@certificate.command("print", context_settings=CONTEXT)
@click.argument("numbers", metavar="NUMBER...", nargs=-1)
@click.option("--session", "session_id", default=None, help="Every certificate of a jury session.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A .pdf file (all parchments in it) or a folder (one NUMBER.pdf each).",
)
@KEY_FILE
@click.pass_context
def print_parchments(
    ctx: click.Context,
    numbers: tuple[str, ...],
    session_id: str | None,
    output: Path,
    key_file: Path | None,
) -> None:
    """Print parchments (PDF) with France Compétences' mandatory mentions, the verification
    code and its QR code.

    Refused for a certificate revoked or void, or whose holder's personal data was erased;
    with --session, those are skipped and named.

    \b
    Example:
      certledger certificate print RNCP13080-2017-00001 -o parchemin.pdf
      certledger certificate print --session J2017-06 -o parchemins/
    """
    from ledger.exceptions import InvalidInput
    from ledger.usecases.credentials import signing_key
    from projections.credential_reads import parchment_of, session_parchments
    from projections.parchment import render

    if bool(numbers) == bool(session_id):
        raise click.UsageError(_("give certificate numbers or --session, not both nor neither"))
    ledger = session_of(ctx).ledger()
    key, __ = signing_key(ledger, key_file)
    skipped: list[str] = []
    if session_id:
        found = list(session_parchments(ledger, session_id, key))
        parchments = [p for __, p in found if not isinstance(p, Exception)]
        skipped = [f"{n}: {p}" for n, p in found if isinstance(p, Exception)]
    else:
        parchments = [parchment_of(ledger, number, key) for number in numbers]
    if not parchments:
        raise InvalidInput(
            _("no parchment to print ({skipped})").format(skipped="; ".join(skipped))
        )
    created = ledger.clock.now()
    if output.suffix.lower() == ".pdf":
        write_atomically(output, render(parchments, created))
        written = [str(output)]
    else:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InvalidInput(
                _("cannot create the folder {output}: {strerror}").format(
                    output=output, strerror=e.strerror
                )
            ) from None
        written = []
        for p in parchments:
            path = output / f"{p.number}.pdf"
            write_atomically(path, render([p], created))
            written.append(str(path))
    click.echo(
        _("Printed {count} parchment(s): {written}").format(
            count=len(parchments), written=", ".join(written)
        )
    )
    for line in skipped:
        click.echo(_("Skipped {line}").format(line=line))


@certificate.command("verify", context_settings=CONTEXT)
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def verify_code(ctx: click.Context, code: str, as_json: bool) -> None:
    """Check the code printed on a parchment, offline, against this ledger (exit 1 if it is
    not genuine): who issued it, what it certifies, held, revoked or void today.

    \b
    Example:
      certledger certificate verify "CL1:RNCP13080-2017-00001:42:9F2C4A1B3D5E6F70:ABCD…"
    """
    from projections.credential_reads import verify_code

    verdict = verify_code(session_of(ctx).ledger(), code)
    if as_json:
        emit_json(verdict.as_json())
    elif verdict.genuine:
        holder = verdict.holder or _("(personal data erased)")
        assert verdict.issued_on is not None
        click.echo(
            _(
                "Genuine: certificate {number} ({kind} {subject}), issued {issued_on} to "
                "{holder}; {state} today."
            ).format(
                number=verdict.number,
                kind=verdict.kind,
                subject=verdict.subject,
                issued_on=show_date(verdict.issued_on),
                holder=holder,
                state=verdict.state,
            )
        )
    else:
        click.echo(
            _("Error: not a genuine certificate code: {reason}").format(reason=verdict.reason),
            err=True,
        )
    if not verdict.genuine:
        raise click.exceptions.Exit(1)


@certificate.command("export", context_settings=CONTEXT)
@click.argument("number")
@click.option(
    "--format", "fmt", type=click.Choice(["ob3"]), required=True, help="ob3: Open Badges 3.0."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The JSON file to write (default: print it).",
)
@KEY_FILE
@click.pass_context
def export(
    ctx: click.Context, number: str, fmt: str, output: Path | None, key_file: Path | None
) -> None:
    """Export a held certificate as an Open Badges 3.0 credential, signed with the
    certifier's key (Data Integrity proof, eddsa-jcs-2022).

    The holder appears only as a salted SHA-256 of their name (an IdentityObject): give them
    the file, and they prove it is theirs by showing who they are.

    \b
    Example:
      certledger certificate export RNCP13080-2017-00001 --format ob3 -o badge.json
    """
    from ledger.usecases.credentials import signing_key
    from projections.credential_reads import ob3_credential

    ledger = session_of(ctx).ledger()
    key, record = signing_key(ledger, key_file)
    document = ob3_credential(ledger, number, key, record, secrets.token_hex(16))
    if output is None:
        emit_json(document)
        return
    write_atomically(output, json_bytes(document))
    click.echo(
        _("Credential of certificate {number} written to {output}").format(
            number=number, output=output
        )
    )


@click.group(context_settings=CONTEXT)
def credentials() -> None:
    """What verifiers of the credentials fetch: the revocation status list.

    \b
    Example:
      certledger credentials status-list -o status.json
    """


@credentials.command("status-list", context_settings=CONTEXT)
@click.option("--as-of", type=DATE, default=None, help="The date the list speaks of (today).")
@click.option(
    "--known-at", type=INSTANT, default=None, help="As the ledger stood then (instant or @N)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The JSON file to write (default: print it).",
)
@KEY_FILE
@click.pass_context
def status_list(
    ctx: click.Context,
    as_of: date | None,
    known_at: datetime | int | None,
    output: Path | None,
    key_file: Path | None,
) -> None:
    """Publish the Bitstring Status List credential: one bit per certificate (its place
    never changes), set when it is revoked or void as of the date.

    Put the file at the status list URL recorded by `keys init`, and publish it again after
    each revocation or annulment.

    \b
    Example:
      certledger credentials status-list -o status.json
      certledger credentials status-list --as-of 2019-12-31 --known-at 2020-01-15
    """
    from ledger.usecases.credentials import signing_key
    from projections.credential_reads import status_list

    ledger = session_of(ctx).ledger()
    key, record = signing_key(ledger, key_file)
    document = status_list(ledger, key, record, as_of, known_at)
    if output is None:
        emit_json(document)
        return
    write_atomically(output, json_bytes(document))
    click.echo(
        _("Status list as of {day} written to {output}").format(
            day=document["validFrom"][:10], output=output
        )
    )


COMMANDS = [keys, credentials]
