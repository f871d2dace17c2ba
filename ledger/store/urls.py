"""Store URLs: where a ledger lives (an SQLite file, or a PostgreSQL database and schema)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ledger.exceptions import StoreError
from ledger.i18n import _
from ledger.text import refused_character

if TYPE_CHECKING:
    from ledger.store.dialects import Dialect

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class StoreURL:
    """Where the ledger lives: an SQLite file or a PostgreSQL database (and schema)."""

    kind: str
    path: Path | None = None
    dbname: str = ""
    host: str = ""
    port: str = "5432"
    user: str = ""
    password: str = ""
    schema: str = ""

    def __str__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        auth = f"{self.user}@" if self.user else ""
        schema = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{auth}{self.host}:{self.port}/{self.dbname}{schema}"

    @property
    def dialect(self) -> Dialect:
        from ledger.store.dialects import dialect_of

        return dialect_of(self.kind)

    def exists(self) -> bool:
        """Whether a ledger was created here."""
        return self.dialect.exists(self)

    def default_key_file(self) -> Path:
        """Where the ledger's key-encryption key lives unless told otherwise: beside an SQLite
        file (`certledger.db` -> `certledger.keys`); for PostgreSQL, in the user's data folder
        ($XDG_DATA_HOME, else ~/.local/share), named after the server, database and schema."""
        if self.kind == "sqlite":
            assert self.path is not None
            return self.path.with_name(f"{self.path.stem}.keys")
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        name = f"{self.host}-{self.port}-{self.dbname}-{self.schema or 'public'}.keys"
        return Path(base) / "certledger" / name


def parse_store_url(url: str) -> StoreURL:
    """`sqlite:///file.db`, a bare path, or `postgresql://user[:pw]@host[:port]/db[?schema=s]`."""
    if refused_character(url) is not None:
        raise StoreError(
            _("store {url!r}: a store URL holds no control characters").format(url=url)
        )
    if url.startswith(("postgresql://", "postgres://")):
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError as e:
            raise StoreError(
                _("store {url}: not a PostgreSQL URL ({e})").format(url=url, e=e)
            ) from None
        dbname = parts.path.lstrip("/")
        if not dbname or not host:
            raise StoreError(
                _("store {url}: a PostgreSQL URL needs a host and a database name").format(url=url)
            )
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        schema = query.get("schema", "")
        if schema and not _SCHEMA.match(schema):
            raise StoreError(
                _("store {url}: schema {schema!r} is not a plain lower-case name").format(
                    url=url, schema=schema
                )
            )
        return StoreURL(
            kind="postgresql",
            dbname=dbname,
            host=host,
            port=str(port or 5432),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            schema=schema,
        )
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise StoreError(_("store {url}: no file name").format(url=url))
        return _sqlite(url, path)
    if "://" in url:
        raise StoreError(
            _("store {url}: unknown kind (use sqlite:///FILE or postgresql://...)").format(url=url)
        )
    return _sqlite(url, url)


def _sqlite(url: str, path: str) -> StoreURL:
    # SQLite would read these as URI options or an in-memory database: a ledger kept
    # nowhere would then report success.
    if not path or path == ":memory:" or "?" in path or path.startswith("file:"):
        raise StoreError(
            _("store {url}: give a plain file name (no ':memory:', 'file:' or '?' options)").format(
                url=url
            )
        )
    return StoreURL(kind="sqlite", path=Path(path))
