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
    from ledger.exceptions import LedgerError, StoreError

F = TypeVar("F", bound=Callable[..., Any])

# certledger uses no pydantic plugin: pydantic need not scan every installed package's
# metadata for one when the first model is built (a start-up cost of every command).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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

    @property
    def opened(self) -> Ledger | None:
        """The ledger, if the command has opened it."""
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("referential",),
    "referential": ("referential", "rncp"),
    "candidate": ("candidates", "corrections", "integrity", "views"),
    "assessment": ("candidates",),
    "vae": ("candidates",),
    "jury": ("jury",),
    "decision": ("corrections",),
    "certificate": ("certificates", "credentials"),
    "keys": ("credentials",),
    "credentials": ("credentials",),
    "survey": ("surveys",),
    "status": ("views",),
    "explain": ("views",),
    "history": ("views",),
    "replay": ("views",),
    "report": ("reports", "statistics"),
    "audit": ("audit",),
    "verify": ("integrity",),
    "import": ("importer",),
    "demo": ("demo",),
}
"""Each command of the group and the `cli/` modules that define it (a module may add
subcommands to a group another one defines: all of them are loaded). A command's module is
imported only when the command runs (or when help lists them all), so that a short command
starts without loading every other command's dependencies."""


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
    """The command group: commands loaded on first use (`COMMANDS`); every LedgerError turned
    into `Error: ...` on stderr and its exit code (1 a refusal, 2 bad input); with `--json`,
    every refusal and usage error also prints one JSON object on stdout (`fail`)."""

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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV] = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as e:
            raise as_reported(e, args) from None

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, loaded (what walks the command tree sees)."""
        for name in COMMANDS:
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    @property
    def loaded(self) -> dict[str, click.Command]:
        """The commands loaded so far (walking them loads nothing)."""
        return self._commands

    def _load(self, name: str) -> click.Command | None:
        """The command `name`, its modules imported first (and, for every other command
        those modules define, that command's modules too: a group is whole once listed),
        its help texts in the language in use."""
        import importlib

        from cli.translation import translate_tree

        if name not in self._commands and name in COMMANDS:
            pending, loaded = list(COMMANDS[name]), set()
            while pending:
                module = pending.pop(0)
                if module in loaded:
                    continue
                loaded.add(module)
                for command in importlib.import_module(f"cli.{module}").COMMANDS:
                    pending.extend(COMMANDS[command.name or ""])
                    self._commands.setdefault(command.name or "", command)
                    translate_tree(command)
        return self._commands.get(name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def invoke(self, ctx: click.Context) -> Any:
        from ledger.exceptions import LedgerError

        args: list[str] = ctx.meta.get(ARGV, [])
        try:
            return super().invoke(ctx)
        except LedgerError as e:
            fail(
                ctx,
                str(e),
                exit_code=e.exit_code,
                rule=getattr(e, "rule", None),
                values=e.values or given_values(self, args),
                as_json=wants_json(args),
            )
        except click.ClickException as e:
            raise as_reported(e, args) from None
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise  # a command's own exit code, or the user's ^C
        except Exception as e:
            error: LedgerError | None = store_failure(ctx, e)
            if error is None:
                if os.environ.get(TRACEBACK) or isinstance(e, BrokenPipeError):
                    raise  # a reader that left (`| head`): click ends quietly
                error = unexpected(e)
            fail(
                ctx,
                str(error),
                exit_code=error.exit_code,
                values=given_values(self, args),
                as_json=wants_json(args),
            )


TRACEBACK = "CERTLEDGER_TRACEBACK"
"""Set (to anything), an unexpected error shows its traceback: for maintainers, and for the
tests, which must see every crash."""


def unexpected(error: Exception) -> LedgerError:
    """The one line an error no one expected stands for: what it was, and what to do (the
    ledger may hold an event edited into a shape the command cannot read, which `verify`
    finds; if it finds nothing, certledger has a bug, which the traceback shows)."""
    from ledger.exceptions import LedgerError as Unexpected
    from ledger.store.dialects import first_line

    return Unexpected(
        _(
            "unexpected {kind}: {reason} (run `certledger verify`; if the ledger is intact, "
            "this is a bug of certledger: {variable}=1 shows where)"
        ).format(kind=type(error).__name__, reason=first_line(error), variable=TRACEBACK)
    )


def store_failure(ctx: click.Context, error: Exception) -> StoreError | None:
    """The one-line error that a failure of the store met while a command ran stands for
    (the connection lost in the middle of a scan, the disk full…), None for any other
    error. Opening the store translates its own (`ledger.store.translated`); a file of the
    command's own is not the store's (an `OSError` is left to the command)."""
    session = ctx.find_object(Session)
    ledger = session.opened if session is not None else None
    if ledger is None or isinstance(error, OSError):
        return None
    from ledger.i18n import N_
    from ledger.store import failure

    return failure(ledger.store, error, N_("use the ledger at"))


ARGV = "certledger.argv"
"""Where the group keeps the command line it was given (in the context's shared `meta`)."""


def wants_json(args: list[str]) -> bool:
    """Whether the command line asks for JSON (`--json`, `--format json`)."""
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg in ("--json", "--format=json"):
            return True
        if arg == "--format" and args[i + 1 : i + 2] == ["json"]:
            return True
    return False


def fail(
    ctx: click.Context,
    message: str,
    *,
    exit_code: int,
    rule: int | None = None,
    values: dict[str, Any] | None = None,
    as_json: bool = False,
) -> None:
    """Refuse: with `as_json`, print `{"error", "rule", "values", "exit"}` on stdout; always
    one `Error: ` line on stderr; exit with `exit_code` (1 a refusal, 2 bad input)."""
    from cli.output import emit_json
    from ledger.i18n import _

    if as_json:
        emit_json({"error": message, "rule": rule, "values": values or {}, "exit": exit_code})
    click.echo(_("Error: {message}").format(message=message), err=True)
    ctx.exit(exit_code)


class Reported(click.ClickException):
    """A usage error already printed as JSON: shown as one `Error: ` line, its exit code kept."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


def as_reported(error: click.ClickException, args: list[str]) -> click.ClickException:
    """A usage error as it is shown: unchanged, or with `--json` printed as one JSON object
    on stdout and then one line on stderr."""
    if not wants_json(args) or isinstance(error, Reported):
        return error
    from cli.output import emit_json

    message = " ".join(error.format_message().splitlines())
    emit_json(
        {"error": message, "rule": None, "values": bad_values(error, args), "exit": error.exit_code}
    )
    return Reported(message, error.exit_code)


def bad_values(error: click.ClickException, args: list[str]) -> dict[str, Any]:
    """The value a usage error is about, under its parameter's name (as typed, when found)."""
    param = getattr(error, "param", None)
    if isinstance(error, click.NoSuchOption):
        return {"option": error.option_name}
    if param is None or param.name is None:
        return {}
    value = None
    for i, arg in enumerate(args):
        for opt in getattr(param, "opts", ()):
            if arg == opt and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(opt + "="):
                value = arg[len(opt) + 1 :]
    return {param.name: value}


def given_values(group: click.Group, args: list[str]) -> dict[str, Any]:
    """The values the refused command was given, by parameter name (what was left out, the
    request id and --json aside): the command line parsed again, without running anything."""
    try:
        ctx = group.make_context("certledger", list(args), resilient_parsing=True)
        command: click.Command = group
        rest = [*ctx._protected_args, *ctx.args]
        while isinstance(command, click.Group) and rest:
            _, found, rest = command.resolve_command(ctx, rest)
            if found is None:
                return {}
            command = found
            ctx = command.make_context(command.name, rest, parent=ctx, resilient_parsing=True)
            rest = [*ctx._protected_args, *ctx.args]
    except (click.ClickException, click.exceptions.Exit, LookupError, ValueError, TypeError):
        return {}
    return {
        name: plain(value)
        for name, value in ctx.params.items()
        if name not in ("as_json", "request_id") and value not in (None, False, (), [])
    }


def plain(value: Any) -> Any:
    """A parameter's value as JSON prints it (dates ISO, paths as text)."""
    from datetime import date

    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


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
    from ledger.i18n import _

    if as_json:
        emit_json(result)
        return
    click.echo(sentence)
    for warning in result.get("warnings", ()):
        warn(warning)
    if result.get("replayed"):
        click.echo(_("(already recorded under this request id: nothing written)"), err=True)


def warn(message: str) -> None:
    """One `Warning: ` line on stderr."""
    from ledger.i18n import _

    click.echo(_("Warning: {message}").format(message=message), err=True)


def main() -> None:
    cli(prog_name="certledger")
