"""Other OS accounts on the PC cannot read the students' data: the data folder
is 0700, the database (with its -wal/-shm) and the secrets 0600, an old install is
tightened at start, the secrets file's key is not kept beside it when a keyring exists,
and ``tutor doctor`` warns when the folder is readable by others."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from test_secrets_keyring import FileKeyring

from tutor_desktop.composition import build_services
from tutor_desktop.core.secrets_store import (
    FILE_KEY_ENTRY,
    SERVICE,
    EncryptedFileStore,
    KeyringStore,
    open_secret_store,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
SECRET = "sk-school-secret-PERMS-123"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_data_folder_database_and_secrets_are_private(tmp_path: Path) -> None:
    services = build_services(tmp_path / "data")
    try:
        services.accounts.first_run_setup("S", "A", "admin", "admin-pass-1")
        services.secrets.set("openrouter", SECRET)
        paths = services.paths
        assert _mode(paths.data_dir) == 0o700
        assert _mode(paths.database) == 0o600
        wal = paths.database.with_name(paths.database.name + "-wal")
        assert wal.exists() and _mode(wal) == 0o600
        assert _mode(paths.secrets_file) == 0o600
        assert _mode(paths.secrets_file.with_suffix(".key")) == 0o600
    finally:
        services.close()


def test_an_old_world_readable_install_is_tightened_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build_services(data).close()
    os.chmod(data, 0o755)
    os.chmod(data / "tutor.sqlite3", 0o644)
    services = build_services(data)
    services.close()
    assert _mode(data) == 0o700 and _mode(data / "tutor.sqlite3") == 0o600


@pytest.fixture
def usable_keyring(tmp_path: Path):
    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "os-keyring.json")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_with_a_keyring_the_file_key_is_not_beside_the_secrets(tmp_path: Path, usable_keyring,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("TUTOR_SECRETS_BACKEND", "file")  # IT forced the encrypted file
    secrets_file = tmp_path / "data" / "secrets.enc"
    # An install from before: secrets and their key file side by side.
    EncryptedFileStore(secrets_file).set("openrouter", SECRET)
    assert secrets_file.with_suffix(".key").exists()

    store = open_secret_store(secrets_file)
    assert store.get("openrouter") == SECRET  # still readable...
    assert not secrets_file.with_suffix(".key").exists()  # ...the key moved to the keyring
    assert usable_keyring.get_password(SERVICE, FILE_KEY_ENTRY)
    store.set("sync-token", "t-1")
    assert not secrets_file.with_suffix(".key").exists()
    # Copying the folder alone no longer gives the secrets away.
    assert b"openrouter" not in secrets_file.read_bytes()
    assert open_secret_store(secrets_file).get("sync-token") == "t-1"


def test_secrets_left_in_a_file_move_into_the_keyring(tmp_path: Path, usable_keyring,
                                                      monkeypatch) -> None:
    secrets_file = tmp_path / "data" / "secrets.enc"
    EncryptedFileStore(secrets_file).set("openrouter", SECRET)
    monkeypatch.delenv("TUTOR_SECRETS_BACKEND", raising=False)
    store = open_secret_store(secrets_file)
    assert isinstance(store, KeyringStore)
    assert store.get("openrouter") == SECRET
    assert not secrets_file.exists() and not secrets_file.with_suffix(".key").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to give the folder to another account")
def test_doctor_warns_when_the_data_folder_is_readable_by_others(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build_services(data).close()
    # A folder the app cannot tighten (another account owns it, e.g. copied by hand).
    os.chown(data, 65534, 65534)
    os.chmod(data, 0o755)
    result = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data),
                             "doctor", "--json"], capture_output=True, text=True, timeout=180)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["data-privacy"]["status"] == "WARN"
    assert "readable by other users" in checks["data-privacy"]["detail"]
    os.chown(data, 0, 0)
    build_services(data).close()  # the owner starts the app: tightened
    result = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data),
                             "doctor", "--json"], capture_output=True, text=True, timeout=180)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["data-privacy"]["status"] == "OK"
