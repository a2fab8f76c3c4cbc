"""What IT staff see per PC: `tutor --version`, `tutor doctor --json`'s inventory and its
exit codes, and the machine-wide IT file under /etc on Linux."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from model_files import e5_gguf, link_into

from tutor_desktop.core import paths
from tutor_desktop.core.build_info import BuildInfo, build_info, git_build_info
from tutor_desktop.core.config import load_config
from tutor_desktop.core.inventory import machine_id

ROOT = Path(__file__).resolve().parents[2]


def _tutor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_version_names_the_commit_from_a_checkout() -> None:
    result = _tutor("--version")
    assert result.returncode == 0
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    if not head:
        pytest.skip("not a git checkout")
    assert result.stdout.startswith("tutor-desktop 0.")
    assert f"commit {head}" in result.stdout
    assert "built 20" in result.stdout  # the commit's date


def test_build_file_wins_and_nothing_known_says_unknown(tmp_path: Path) -> None:
    (tmp_path / "build_info.json").write_text(json.dumps(
        {"version": "9.9.9", "commit": "abc123def456", "date": "2026-11-30T21:00:00+00:00"}))
    info = build_info.__wrapped__(tmp_path)
    assert info == BuildInfo("9.9.9", "abc123def456", "2026-11-30T21:00:00+00:00", "build")
    assert info.line() == ("tutor-desktop 9.9.9 (commit abc123def456, "
                           "built 2026-11-30T21:00:00+00:00)")
    bare = build_info.__wrapped__(tmp_path / "elsewhere")
    assert (bare.commit, bare.date, bare.source) == ("unknown", "unknown", "unknown")
    assert git_build_info(tmp_path) is None


def test_machine_id_is_stable_and_does_not_reveal_the_os_id(tmp_path: Path) -> None:
    first = machine_id(tmp_path, os_id="0123456789abcdef0123456789abcdef")
    assert first == machine_id(tmp_path / "other", os_id="0123456789abcdef0123456789abcdef")
    assert first != machine_id(tmp_path, os_id="fedcba9876543210fedcba9876543210")
    assert "0123456789abcdef" not in first and len(first) == 32
    # No OS id (a minimal container): a random id, kept in the data folder.
    kept = machine_id(tmp_path, os_id="")
    assert kept == machine_id(tmp_path, os_id="") and len(kept) == 32


def test_doctor_json_carries_the_inventory_and_exit_codes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    link_into(e5_gguf(), data / "models")
    result = _tutor("--data-dir", str(data), "doctor", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == report["exit_code"] == {"OK": 0, "WARN": 1,
                                                        "FAIL": 2}[report["status"]]
    inventory = report["inventory"]
    version = _tutor("--version").stdout
    assert f"tutor-desktop {inventory['version']} (commit {inventory['build_commit']}, " \
           f"built {inventory['build_date']})" in version
    assert inventory["machine_id"] == json.loads(_tutor(
        "--data-dir", str(tmp_path / "other"), "doctor", "--json").stdout)["inventory"][
        "machine_id"]
    assert inventory["ram_bytes"] > 0 and inventory["disk_free_bytes"] > 0
    e5 = next(m for m in inventory["models"] if m["file"].startswith(str(data)))
    assert (e5["name"], e5["kind"], e5["status"], e5["verified"]) == (
        "multilingual-e5-small", "embedding", "ok", True)
    assert inventory["microphone"]["status"] in ("OK", "WARN")
    assert "sync" in inventory  # null until sync reports its state
    summary = _tutor("--data-dir", str(data), "doctor", "--summary", "--lang", "en")
    assert summary.returncode == result.returncode
    last = summary.stdout.strip().splitlines()[-1]
    assert last.startswith("tutor-desktop ") and f"(exit {result.returncode})" in last
    assert not any(line.startswith("OK ") for line in summary.stdout.splitlines())


def test_an_older_build_refuses_a_newer_database_in_doctor(tmp_path: Path) -> None:
    import sqlean

    from tutor_desktop.core.storage import SCHEMA_VERSION

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlean.connect(data / "tutor.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    result = _tutor("--data-dir", str(data), "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert result.returncode == 2
    assert "newer version of Tutor Desktop" in checks["startup"]["detail"]


def test_the_linux_it_file_under_etc_is_read(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    etc_file = tmp_path / "etc" / "tutor-desktop" / "tutor.toml"
    etc_file.parent.mkdir(parents=True)
    etc_file.write_text('school_name = "Сургууль 5"\nlanguage = "en"\n', "utf-8")
    monkeypatch.setattr(paths, "LINUX_MACHINE_CONFIG", etc_file)
    if sys.platform.startswith("linux"):
        assert paths.machine_config_files()[-1] == etc_file
        config = load_config(environ={})
        assert (config.school_name, config.language) == ("Сургууль 5", "en")
        assert str(etc_file) in config.sources
    user = tmp_path / "config.toml"
    user.write_text('language = "mn"\n', "utf-8")
    assert load_config(user, environ={}).language == "mn"  # the user's file still wins
