"""The `certledger` command group: global options, the store handle, and the error translation."""

from __future__ import annotations

import contextlib
import getpass
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger import i18n
from ledger.i18n import LANGUAGES, _

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.clock import Clock

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Session:
    """What the group callback sets up for every command: the store, the actor, the clock."""

    def __init__(
        self,
        store: str,
        actor: str,
        read_only: bool = False,
        clock: Clock | None = None,
        keys: Path | None = None,
    ) -> None:
        self.store = store
        self.actor = actor
        self.read_only = read_only
        self.clock = clock
        self.keys = keys
        self._ledger: Ledger | None = None

    def ledger(self, *, create: bool = False) -> Ledger:
        """The ledger on the store, opened on first use (never for `--help`); with `create`,
        a store that does not exist yet is created and initialised first (a store another
        process creates at the same moment is used once it is there)."""
        if self._ledger is None:
            from ledger.application import Ledger
            from ledger.exceptions import AlreadyExists
            from ledger.store import parse_store_url

            url = parse_store_url(self.store)
            if create and not self.read_only and not url.exists():
                with contextlib.suppress(AlreadyExists):
                    self._ledger, _ = Ledger.create(
                        url, by=self.actor, clock=self.clock, keys=self.keys
                    )
                    self._created(self._ledger)
                # Another process is creating it: use it once it is there.
                for _ in range(600):
                    if self._ledger is not None or url.dialect.state(url) != "creating":
                        break
                    time.sleep(0.1)
            if self._ledger is None:
                self._ledger = Ledger(
                    url, read_only=self.read_only, clock=self.clock, keys=self.keys
                )
        return self._ledger

    def create(self, **options: Any) -> dict[str, Any]:
        """Create the store and publish its first referential (`Ledger.create`); the new
        ledger serves the rest of the command."""
        from ledger.application import Ledger
        from ledger.exceptions import ReadOnly

        if self.read_only:
            raise ReadOnly(_("the ledger is open read-only: it cannot be created"))
        self.close()
        self._ledger, result = Ledger.create(
            self.store, by=self.actor, clock=self.clock, keys=self.keys, **options
        )
        self._created(self._ledger)
        return result

    @staticmethod
    def _created(ledger: Ledger) -> None:
        """What the process that created a store makes besides: the status view (only the
        creator runs DDL, so two commands racing to create a store never both do)."""
        from projections.view_store import open_view

        open_view(ledger, create=True)

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def language_asked(args: list[str]) -> str | None:
    """The language the first `--lang` asks for, read before click parses anything so that
    its help and its errors speak it too (click then checks the option itself)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        else:
            continue
        return value if value in LANGUAGES else None
    return None


class LedgerGroup(click.Group):
    """A group that speaks the language asked (`--lang`, else the locale), and turns every
    LedgerError into `Error: ...` on stderr and exit code 1."""

    def main(self, args: Any = None, *pos: Any, **kwargs: Any) -> Any:
        import sys

        from cli.translation import translate_tree

        argv = list(sys.argv[1:] if args is None else args)
        before = i18n.language()
        i18n.use(language_asked(argv))
        translate_tree(self)
        try:
            return super().main(argv, *pos, **kwargs)
        finally:
            # A program running several commands (the tests) finds the language it had.
            i18n.use(before)
            translate_tree(self)

    def invoke(self, ctx: click.Context) -> Any:
        from ledger.exceptions import LedgerError

        try:
            return super().invoke(ctx)
        except LedgerError as e:
            click.echo(_("Error: {message}").format(message=e), err=True)
            ctx.exit(1)


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.group(cls=LedgerGroup, context_settings=CONTEXT)
@click.option(
    "--store",
    envvar="CERTLEDGER_STORE",
    default="sqlite:///certledger.db",
    show_default=True,
    help="Where the ledger lives: sqlite:///FILE, a bare path, or postgresql://user@host:port/db.",
)
@click.option(
    "--actor",
    envvar="CERTLEDGER_ACTOR",
    default=None,
    help="Who records (stored on every event). Default: $CERTLEDGER_ACTOR, else the OS user.",
)
@click.option(
    "--read-only",
    is_flag=True,
    envvar="CERTLEDGER_READ_ONLY",
    help="Open the ledger read-only (auditors): every command that records is refused.",
)
@click.option(
    "--keys",
    envvar="CERTLEDGER_KEYS",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The key file that unlocks personal data (kept outside the database). Default: "
    "beside an SQLite store (certledger.keys), else ~/.local/share/certledger/.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The language of messages, help and tables: fr or en. Default: French when the "
    "locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) is fr_*, else English.",
)
@click.version_option(package_name="certledger")
@click.pass_context
def cli(
    ctx: click.Context,
    store: str,
    actor: str | None,
    read_only: bool,
    keys: Path | None,
    lang: str | None,
) -> None:
    """certledger: the assessment ledger of the RNCP13080 title.

    Every evaluation, jury decision and certificate is an immutable event; statuses are
    computed as of any date from what the ledger held at any instant.

    \b
    Example:
      certledger init
      certledger candidate enroll V1 --route vae --on 2017-01-09 --birth-name Durand \\
          --first-name Alice --birth-date 1984-05-02 --sex F --birth-insee 75112
      certledger status V1 --as-of 2018-12-31
    """
    from ledger.clock import Clock

    # A program embedding the command (the tests) may hand it a clock: `obj=FixedClock(...)`.
    clock = ctx.obj if isinstance(ctx.obj, Clock) else None
    name = actor or os.environ.get("CERTLEDGER_ACTOR") or default_actor()
    session = Session(store, name, read_only, clock, keys)
    ctx.obj = session
    ctx.call_on_close(session.close)


def session_of(ctx: click.Context) -> Session:
    session = ctx.find_object(Session)
    assert session is not None
    return session


def recording(f: F) -> F:
    """The options every recording command takes: --request-id and --json (and a mark that
    says it records, which the tests walk the command tree for)."""
    f.records = True  # type: ignore[attr-defined]
    f = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(f)
    f = click.option(
        "--request-id",
        default=None,
        metavar="KEY",
        help="Idempotency key: the same key with the same content is a no-op.",
    )(f)
    return f


def report(result: dict[str, Any], as_json: bool, sentence: str) -> None:
    from cli.output import emit_json

    if as_json:
        emit_json(result)
        return
    click.echo(sentence)
    for warning in result.get("warnings", ()):
        click.echo(_("Warning: {message}").format(message=warning), err=True)
    if result.get("replayed"):
        click.echo(_("(already recorded under this request id: nothing written)"), err=True)


MODULES = (
    "referential",
    "rncp",
    "candidates",
    "jury",
    "certificates",
    "credentials",
    "surveys",
    "corrections",
    "views",
    "reports",
    "statistics",
    "audit",
    "integrity",
    "importer",
    "demo",
)
"""The command modules; a module may also add subcommands to a group another one defines."""


def _register() -> None:
    import importlib

    for name in MODULES:
        module = importlib.import_module(f"cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="certledger")
