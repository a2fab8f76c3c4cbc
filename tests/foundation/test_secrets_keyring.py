"""Secrets in the OS keyring, where the PC has a usable one (Windows, macOS, a desktop Linux).

Headless test machines only have keyring's "fail" backend, so a small file-backed backend
stands in for the OS one. It implements keyring's backend API and passes keyring's own
conformance tests (``keyring.testing``), so the store is exercised through the same calls
Windows Credential Manager or the macOS Keychain would receive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError
from keyring.testing.backend import BackendBasicTests

from tutor_desktop.core.secrets_store import SERVICE, KeyringStore, open_secret_store

SECRET = "sk-or-v1-KEYRING-TEST-KEY-123456"


class FileKeyring(KeyringBackend):
    """A keyring backend keeping its entries in a JSON file (one file per test)."""

    priority = 1  # a usable backend, like the OS ones

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _entries(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        entries: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        return entries

    def _save(self, entries: dict[str, str]) -> None:
        self.path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def _key(service: str, username: str) -> str:
        return json.dumps([service, username], ensure_ascii=False)

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._entries()
        entries[self._key(service, username)] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        if entries.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError("no such password")
        self._save(entries)


class PlaintextKeyring(FileKeyring):
    """Named like keyrings.alt's base64 "encryption" backend, which must not be trusted."""


class TestFileKeyringBehavesLikeAKeyring(BackendBasicTests):
    """keyring's own conformance tests, so the stand-in is a faithful backend."""

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def init_keyring(self) -> FileKeyring:
        return FileKeyring(self.folder / "keyring.json")


@pytest.fixture
def os_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    """This PC's keyring is a usable one, and the tests' "file only" setting is lifted."""
    monkeypatch.delenv("TUTOR_SECRETS_BACKEND", raising=False)
    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_a_usable_os_keyring_holds_the_secrets_and_no_file_is_written(
        os_keyring: FileKeyring, tmp_path: Path) -> None:
    store = open_secret_store(tmp_path / "data" / "secrets.enc")
    assert isinstance(store, KeyringStore)
    assert store.backend_name == "keyring:FileKeyring"  # what `tutor doctor` shows
    store.set("openrouter", SECRET)
    assert os_keyring.get_password(SERVICE, "openrouter") == SECRET
    assert not (tmp_path / "data").exists()  # no encrypted file, no key file
    reopened = open_secret_store(tmp_path / "data" / "secrets.enc")
    assert reopened.get("openrouter") == SECRET


def test_keyring_secrets_are_replaced_and_deleted_and_keep_cyrillic(
        os_keyring: FileKeyring, tmp_path: Path) -> None:
    store = open_secret_store(tmp_path / "secrets.enc")
    store.set("sync-token", "хуучин-токен")
    store.set("sync-token", "шинэ-токен")
    assert store.get("sync-token") == "шинэ-токен"
    store.delete("sync-token")
    assert store.get("sync-token") is None
    store.delete("sync-token")  # deleting twice (a key already removed) is not an error
    assert store.get("never-set") is None


@pytest.mark.parametrize("backend_class", [fail.Keyring, PlaintextKeyring])
def test_an_unusable_or_plaintext_keyring_falls_back_to_the_encrypted_file(
        backend_class: type[KeyringBackend], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTOR_SECRETS_BACKEND", raising=False)
    previous = keyring.get_keyring()
    backend = (backend_class(tmp_path / "keyring.json")
               if issubclass(backend_class, FileKeyring) else backend_class())
    keyring.set_keyring(backend)
    try:
        store = open_secret_store(tmp_path / "secrets.enc")
        store.set("openrouter", SECRET)
    finally:
        keyring.set_keyring(previous)
    assert store.backend_name == "encrypted-file"
    assert (tmp_path / "secrets.enc").exists()
    assert SECRET.encode() not in (tmp_path / "secrets.enc").read_bytes()
    assert not (tmp_path / "keyring.json").exists()


def test_it_staff_can_force_the_encrypted_file_despite_a_keyring(
        os_keyring: FileKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_SECRETS_BACKEND", "file")
    store = open_secret_store(tmp_path / "secrets.enc")
    store.set("openrouter", SECRET)
    assert store.backend_name == "encrypted-file"
    assert os_keyring.get_password(SERVICE, "openrouter") is None
