"""The certifier's signing key: create it (a private file), record its public half in the
ledger, and find it again to sign parchment codes, credentials and status lists.

The private key never enters the database, a log or an output: it lives in a file of its
own, created readable by its owner only. Its public key is an event of the ledger, so that a
copy of the ledger alone verifies what it signed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials import SIGNING_KEYS_STREAM, SigningKey, SigningKeys, signing_keys
from ledger.exceptions import AlreadyExists, InvalidInput, NotFound
from ledger.i18n import _, show_date
from ledger.signing import did_key, multikey, new_key, read_key_file, write_key_file
from ledger.store import StoreURL
from ledger.text import check_text
from ledger.unit_of_work import Result, Transaction

if TYPE_CHECKING:
    from ledger.application import Ledger

KEY_FILE_ENV = "CERTLEDGER_SIGNING_KEY"
"""The environment variable naming the private key file."""

PLACEHOLDER_STATUS_URL = "https://status-list.invalid/{code}.json"
"""Where the status list is said to be published when `keys init` is not told: a name under
`.invalid` (RFC 6761) never resolves, so verifiers elsewhere fail closed until a real URL
is recorded with a new key."""


def default_key_file(store: StoreURL) -> Path | None:
    """The key file beside an SQLite store (`ledger.db` -> `ledger.db.signing-key.pem`); a
    PostgreSQL store has no folder of its own, so its key file must be named."""
    if store.path is None:
        return None
    return store.path.with_name(store.path.name + ".signing-key.pem")


def key_file_of(ledger: Ledger, given: Path | None) -> Path:
    """The key file: the one given (option, else $CERTLEDGER_SIGNING_KEY), else the default
    beside the SQLite store."""
    if given is not None:
        return given
    if os.environ.get(KEY_FILE_ENV):
        return Path(os.environ[KEY_FILE_ENV])
    found = default_key_file(ledger.store)
    if found is None:
        raise InvalidInput(
            _(
                "a PostgreSQL store keeps no file: name the signing key file with --key-file "
                "or ${KEY_FILE_ENV}"
            ).format(KEY_FILE_ENV=KEY_FILE_ENV)
        )
    return found


def recorded_keys(ledger: Ledger) -> list[SigningKey]:
    """The certifier's public keys recorded in the ledger, oldest first."""
    return signing_keys(ledger.queries.stream_facts(SIGNING_KEYS_STREAM, "signing-keys"))


def check_status_url(url: str) -> str:
    check_text(_("status list URL"), url)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or " " in url:
        raise InvalidInput(_("status list URL {url!r} is not an http(s) URL").format(url=url))
    return url


def init_keys(
    ledger: Ledger,
    *,
    key_file: Path | None = None,
    status_list_url: str | None = None,
    new: bool = False,
    by: str,
    request_id: str | None = None,
) -> Result:
    """Create the certifier's signing key in a new private file and record its public key.

    A key file already there whose key is not recorded yet (a run interrupted between the
    two steps) is recorded as it is. With a key recorded already, a new one is made only
    when asked (`new`): what the old key signed stays verifiable.
    """
    path = key_file_of(ledger, key_file)
    code = ledger.versions().all[-1].referential.code
    url = check_status_url(status_list_url or PLACEHOLDER_STATUS_URL.format(code=code))
    recorded = recorded_keys(ledger)
    created = not path.exists()
    if created:
        if recorded and not new:
            raise AlreadyExists(
                _(
                    "the certifier's key {did_key} is recorded since {recorded_on}, and its "
                    "private key is not at {path}: give its file with --key-file, or record a "
                    "new key with --new"
                ).format(
                    did_key=did_key(recorded[-1].public_key),
                    recorded_on=show_date(recorded[-1].recorded_on),
                    path=path,
                )
            )
        key = new_key()
    else:
        key = read_key_file(path)
    public = multikey(key.public_key())
    today = ledger.clock.today()

    def work(tx: Transaction) -> Result:
        stream = tx.find(SIGNING_KEYS_STREAM, SigningKeys) or SigningKeys.open(today, tx.actor)
        if public in stream.keys:
            raise AlreadyExists(
                _("the key in {path} is recorded already ({did_key})").format(
                    path=path, did_key=did_key(public)
                )
            )
        if stream.keys and not new and created:
            raise AlreadyExists(
                _("another key was recorded meanwhile ({did_key})").format(
                    did_key=did_key(stream.keys[-1])
                )
            )
        stream.record(public, url, today, tx.actor)
        tx.record(stream)
        return {
            "id": did_key(public),
            "public_key": public,
            "key_file": str(path),
            "status_list_url": url,
        }

    if created:
        write_key_file(path, key)
    params = {"public_key": public, "status_list_url": url, "new": new}
    try:
        result = ledger.uow.run("keys init", params, work, by=by, request_id=request_id)
    except BaseException:
        if created:
            path.unlink(missing_ok=True)
        raise
    if created and result.get("replayed"):
        path.unlink(missing_ok=True)
    return result


def signing_key(ledger: Ledger, key_file: Path | None) -> tuple[Ed25519PrivateKey, SigningKey]:
    """The private key that signs, and its record in the ledger (refused if not recorded:
    nothing could then verify what it signed)."""
    path = key_file_of(ledger, key_file)
    key = read_key_file(path)
    public = multikey(key.public_key())
    for record in recorded_keys(ledger):
        if record.public_key == public:
            return key, record
    raise NotFound(
        _(
            "the key in {path} ({did_key}) is not recorded in this ledger: run "
            "`certledger keys init` on it"
        ).format(path=path, did_key=did_key(public))
    )
