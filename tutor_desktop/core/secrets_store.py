"""Secrets (API keys, sync tokens): the OS keyring, or an encrypted file.

On Windows and macOS the OS keyring holds them. Headless Linux lab servers
often have no keyring backend at all (only keyring's "fail" backend), so there
we keep an encrypted file: Fernet (AES-128-CBC + HMAC) with a key derived by
HKDF from a random 0600 key file and the machine id. Secrets never go to the
config file or the logs, in any case.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

SERVICE = "tutor-desktop"
#: Keyring entry holding the encrypted file's key when IT forces the file store.
FILE_KEY_ENTRY = "secrets-file-key"
log = logging.getLogger(__name__)


class SecretStore(Protocol):
    """Where secrets live; ``backend_name`` is shown by ``tutor doctor``."""

    backend_name: str

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class KeyringStore:
    def __init__(self, backend: object) -> None:
        self._backend = backend
        self.backend_name = f"keyring:{type(backend).__name__}"

    def get(self, name: str) -> str | None:
        value = self._backend.get_password(SERVICE, name)  # type: ignore[attr-defined]
        return None if value is None else str(value)

    def set(self, name: str, value: str) -> None:
        self._backend.set_password(SERVICE, name, value)  # type: ignore[attr-defined]

    def delete(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self._backend.delete_password(SERVICE, name)  # type: ignore[attr-defined]


def _machine_id() -> bytes:
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        with contextlib.suppress(OSError):
            return Path(candidate).read_bytes().strip()
    return os.environ.get("COMPUTERNAME", "tutor-desktop").encode()


class EncryptedFileStore:
    """A JSON dict of secrets, encrypted at rest; written atomically."""

    backend_name = "encrypted-file"

    def __init__(self, path: Path, key_keyring: object | None = None) -> None:
        """``key_keyring``: a usable OS keyring to hold the file's key. A key file
        next to the secrets protects nothing from whoever can read the folder, so
        where a keyring exists (IT forced the file store) the key lives there and
        an old key file is moved into it."""
        self.path = path
        self.key_path = path.with_suffix(".key")
        self._key_keyring = key_keyring

    def _key_material(self) -> bytes:
        if self._key_keyring is not None:
            ring: Any = self._key_keyring
            stored = ring.get_password(SERVICE, FILE_KEY_ENTRY)
            if stored is None:
                material = (self.key_path.read_bytes() if self.key_path.exists()
                            else secrets.token_bytes(32))
                ring.set_password(SERVICE, FILE_KEY_ENTRY,
                                  base64.b64encode(material).decode("ascii"))
                stored = ring.get_password(SERVICE, FILE_KEY_ENTRY)
            if stored is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.key_path.unlink()  # only once the keyring really holds it
                return base64.b64decode(stored)
        if not self.key_path.exists():
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        return self.key_path.read_bytes()

    def _fernet(self) -> Fernet:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        material = self._key_material()
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_machine_id(),
                   info=b"tutor-desktop secrets v1").derive(material)
        return Fernet(base64.urlsafe_b64encode(key))

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        from cryptography.fernet import InvalidToken

        try:
            data: dict[str, str] = json.loads(self._fernet().decrypt(self.path.read_bytes()))
        except (InvalidToken, ValueError):
            # Another machine's key (a cloned PC, a copied data folder) or a damaged file:
            # keep it aside and start empty, so a teacher can enter the keys again.
            aside = self.path.with_suffix(".unreadable")
            os.replace(self.path, aside)
            log.warning("secrets file could not be decrypted; moved to %s", aside.name)
            return {}
        return data

    def _save(self, data: dict[str, str]) -> None:
        token = self._fernet().encrypt(json.dumps(data).encode("utf-8"))
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def get(self, name: str) -> str | None:
        return self._load().get(name)

    def set(self, name: str, value: str) -> None:
        data = self._load()
        data[name] = value
        self._save(data)

    def delete(self, name: str) -> None:
        data = self._load()
        if data.pop(name, None) is not None:
            self._save(data)


def _usable_keyring() -> object | None:
    """The OS keyring backend if it is a real one (not fail/null/plaintext)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower():
        return None
    if "keyrings.alt" in name or "plaintext" in name.lower():
        return None  # base64 "encryption" is not good enough for student data
    priority = getattr(backend, "priority", 0)
    try:
        if float(priority) <= 0:
            return None
    except (TypeError, ValueError):
        return None
    return backend


def open_secret_store(fallback_file: Path, *, prefer_keyring: bool = True) -> SecretStore:
    """The OS keyring where a usable one exists, else the encrypted file.

    Secrets an earlier start left in the encrypted file (before a keyring was
    available) move into the keyring, and the file and its key are deleted, so
    nothing readable stays in the data folder.
    """
    backend = _usable_keyring()
    if backend is not None and prefer_keyring \
            and os.environ.get("TUTOR_SECRETS_BACKEND") != "file":
        store = KeyringStore(backend)
        _move_file_secrets(fallback_file, store)
        return store
    return EncryptedFileStore(fallback_file, key_keyring=backend)


def _move_file_secrets(fallback_file: Path, store: KeyringStore) -> None:
    if not fallback_file.exists():
        return
    old = EncryptedFileStore(fallback_file)
    for name, value in old._load().items():
        if store.get(name) is None:
            store.set(name, value)
    for leftover in (fallback_file, old.key_path):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    log.info("secrets moved from %s into the OS keyring", fallback_file.name)
