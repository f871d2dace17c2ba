"""Files written for people (CPF flows, audit pages, referential skeletons, credentials): whole,
or not at all.

Each is written to a new file beside its target and renamed into place only once complete
(and, for a CPF flow, valid and recorded); a failure leaves no partial file, and every error
of the file system is one clear line.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ledger.exceptions import OutputError
from ledger.i18n import _


def _failed(path: Path, error: OSError) -> OutputError:
    return OutputError(
        _("cannot write {path}: {value}").format(path=path, value=error.strerror or error)
    )


class Draft:
    """A file being written beside `target`, put in its place by `keep()` (or dropped)."""

    def __init__(self, target: Path, *, binary: bool = False) -> None:
        self.target = target
        if not target.name or target.is_dir():
            raise OutputError(
                _("cannot write {str!r}: give the name of a file").format(str=str(target))
            )
        self.path = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            mode = "wb" if binary else "w"
            options: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
            self.file: IO[Any] = os.fdopen(handle, mode, **options)
        except OSError as e:
            raise _failed(target, e) from None

    def write(self, data: Any) -> None:
        try:
            self.file.write(data)
        except OSError as e:
            self.discard()
            raise _failed(self.target, e) from None

    def close(self) -> None:
        """Finish writing (the draft stays beside the target until kept or discarded)."""
        if self.file.closed:
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        except OSError as e:
            self.discard()
            raise _failed(self.target, e) from None

    def keep(self, *, replace: bool = True) -> None:
        """Put the draft in its target's place; with `replace` False, refuse to replace a file
        that exists (FileExistsError), leaving it and dropping the draft."""
        self.close()
        try:
            if replace:
                os.replace(self.path, self.target)
            else:
                try:
                    os.link(self.path, self.target)
                finally:
                    self.path.unlink(missing_ok=True)
        except FileExistsError:
            raise
        except OSError as e:
            self.discard()
            raise _failed(self.target, e) from None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def write_atomically(path: Path, data: str | bytes, *, replace: bool = True) -> None:
    """Write a whole file or nothing (see `Draft`)."""
    draft = Draft(path, binary=isinstance(data, bytes))
    draft.write(data)
    draft.keep(replace=replace)


@contextlib.contextmanager
def folder(path: Path) -> Iterator[Path]:
    """The folder `path`, made if missing; if the work inside fails, a folder made for it is
    removed again when still empty (a refused flow leaves nothing behind)."""
    made = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _failed(path, e) from None
    try:
        yield path
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
