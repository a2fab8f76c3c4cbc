"""API keys and tokens are never stored in plaintext."""

from __future__ import annotations

import stat
from pathlib import Path

from tutor_desktop.core.secrets_store import EncryptedFileStore

SECRET = "sk-or-v1-THIS-IS-A-TEST-KEY-123456"


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_secrets_are_encrypted_at_rest(services) -> None:
    services.secrets.set("openrouter", SECRET)
    assert services.secrets.get("openrouter") == SECRET
    services.close()
    everything = _all_bytes(services.paths.data_dir)
    assert SECRET.encode() not in everything
    assert b"THIS-IS-A-TEST-KEY" not in everything


def test_key_file_is_private_and_store_survives_reopen(tmp_path: Path) -> None:
    store = EncryptedFileStore(tmp_path / "secrets.enc")
    store.set("sync-token", SECRET)
    mode = stat.S_IMODE((tmp_path / "secrets.key").stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE((tmp_path / "secrets.enc").stat().st_mode) == 0o600
    again = EncryptedFileStore(tmp_path / "secrets.enc")
    assert again.get("sync-token") == SECRET
    again.delete("sync-token")
    assert again.get("sync-token") is None


def test_a_secrets_file_from_another_machine_is_set_aside_not_fatal(tmp_path: Path) -> None:
    store = EncryptedFileStore(tmp_path / "secrets.enc")
    store.set("openrouter", SECRET)
    (tmp_path / "secrets.key").write_bytes(b"another machine's key material....")
    cloned = EncryptedFileStore(tmp_path / "secrets.enc")
    assert cloned.get("openrouter") is None          # unreadable here: asked again
    assert (tmp_path / "secrets.unreadable").exists()  # nothing silently deleted
    cloned.set("openrouter", "sk-new")                 # the teacher can enter it again
    assert cloned.get("openrouter") == "sk-new"
