"""The commands an admin types: tutor-cloud school create, tutor sync enroll/now/status,
tutor doctor's sync line; and `tutor hub --print-code`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")},
       "TUTOR_SECRETS_BACKEND": "file", "QT_QPA_PLATFORM": "offscreen"}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=ENV,
                          input=stdin, timeout=180)


def test_admin_enrols_a_pc_from_the_terminal(cloud, pg_server, tmp_path: Path) -> None:
    created = run("-m", "tutor_cloud", "school", "create", "School 12", "--json",
                  "--db", cloud.store.db.dsn)
    assert created.returncode == 0, created.stderr
    school = json.loads(created.stdout)
    assert school["school_id"] and len(school["enrolment_code"]) == 14
    pc = str(tmp_path / "pc")
    assert run("-m", "tutor_desktop", "--data-dir", pc, "setup", "--demo").returncode == 0
    enrolled = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "enroll", "--url",
                   cloud.url, "--code", school["enrolment_code"], "--name", "PC 1")
    assert enrolled.returncode == 0, enrolled.stderr
    assert "School 12" in enrolled.stdout and "0 waiting" in enrolled.stdout
    status = json.loads(run("-m", "tutor_desktop", "--data-dir", pc, "sync", "status",
                            "--json").stdout)
    assert status["server"] == cloud.url and status["waiting"] == 0 and status["device_id"]
    assert status["last_push_at"] and status["last_pull_at"]
    # The token is in the secret store, never in the config or the status.
    token_hash_count = len(cloud.store.devices(school["school_id"]))
    assert token_hash_count == 1
    for file in Path(pc).rglob("*.toml"):
        assert "Bearer" not in file.read_text()
    now = json.loads(run("-m", "tutor_desktop", "--data-dir", pc, "sync", "now",
                         "--json").stdout)
    assert now["counts_match"] is True and now["waiting"] == 0
    doctor = json.loads(run("-m", "tutor_desktop", "--data-dir", pc, "doctor", "--json").stdout)
    line = next(c for c in doctor["checks"] if c["name"] == "sync")
    assert line["status"] == "OK" and "synced" in line["detail"] and "0 waiting" in line["detail"]
    assert doctor["inventory"]["sync"]["server"] == cloud.url


def test_a_wrong_code_and_an_insecure_url_are_clear(cloud, tmp_path: Path) -> None:
    pc = str(tmp_path / "pc")
    wrong = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "enroll", "--url", cloud.url,
                "--code", "NOPE-NOPE-NOPE")
    assert wrong.returncode == 2 and "refused" in wrong.stderr and "Traceback" not in wrong.stderr
    plain = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "enroll", "--url",
                "http://sync.example.org", "--code", "ABCD-EFGH-JKLM")
    assert plain.returncode == 2 and "https://" in plain.stderr
    assert run("-m", "tutor_desktop", "--data-dir", pc, "sync", "now").returncode == 2


def test_hub_prints_its_enrolment_code(tmp_path: Path) -> None:
    pc = str(tmp_path / "teacher")
    assert run("-m", "tutor_desktop", "--data-dir", pc, "setup", "--demo").returncode == 0
    first = run("-m", "tutor_desktop", "--data-dir", pc, "hub", "--print-code")
    again = run("-m", "tutor_desktop", "--data-dir", pc, "hub", "--print-code")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == again.stdout.strip() and len(first.stdout.strip()) == 14


def test_the_admin_keeps_conversations_on_the_pcs(tmp_path: Path) -> None:
    """The school's privacy switch from the terminal: shown to anyone, changed only by
    the admin (a wrong password or no sign-in changes nothing), and obeyed by the queue."""
    pc = str(tmp_path / "pc")
    setup = run("-m", "tutor_desktop", "--data-dir", pc, "setup", "--school", "School 5",
                "--password-stdin", stdin="admin-pass-1\n")
    assert setup.returncode == 0, setup.stderr
    shown = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "conversation-text")
    assert shown.returncode == 0 and "Conversations sync" in shown.stdout
    refused = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "conversation-text", "off")
    assert refused.returncode != 0 and "--user" in refused.stderr
    wrong = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "conversation-text", "off",
                "--user", "admin", "--password-stdin", stdin="not-the-password\n")
    assert wrong.returncode != 0
    assert "Conversations sync" in run("-m", "tutor_desktop", "--data-dir", pc, "sync",
                                       "conversation-text").stdout
    done = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "conversation-text", "off",
               "--user", "admin", "--password-stdin", stdin="admin-pass-1\n")
    assert done.returncode == 0, done.stderr
    assert "stay on each PC" in done.stdout

    from tutor_desktop.composition import build_services

    services = build_services(Path(pc))
    try:
        admin = services.accounts.sign_in_staff("admin", "admin-pass-1")
        klass = services.accounts.create_class(admin, "7A", 7)
        anu = services.accounts.create_student(admin, klass.id, "Анужин", "1234")
        student = services.accounts.sign_in_student(anu.id, "1234")
        conv = services.conversations.create(student, subject="math")
        services.conversations.add_message(student, conv.id, "user", "нууц асуулт")
        queued = [r["entity"] for r in services.db.query("SELECT entity FROM sync_outbox")]
        assert "users" in queued and "messages" not in queued
    finally:
        services.close()


def test_a_pc_set_up_alone_joins_and_the_admin_reads_what_changed(cloud, tmp_path) -> None:
    """Two PCs each ran `tutor setup --demo` (7A, 8B, an admin "admin", a student
    "Сурагч"), then were enrolled: one school, one 7A, and `tutor sync status` says
    what sync merged and renamed."""
    created = json.loads(run("-m", "tutor_cloud", "school", "create", "School 12", "--json",
                             "--db", cloud.store.db.dsn).stdout)
    code = created["enrolment_code"]
    pcs = [str(tmp_path / "pc1"), str(tmp_path / "pc2")]
    for pc in pcs:
        assert run("-m", "tutor_desktop", "--data-dir", pc, "setup", "--demo").returncode == 0
        enrolled = run("-m", "tutor_desktop", "--data-dir", pc, "sync", "enroll", "--url",
                       cloud.url, "--code", code)
        assert enrolled.returncode == 0, enrolled.stderr
    for pc in pcs:
        assert run("-m", "tutor_desktop", "--data-dir", pc, "sync", "now").returncode == 0
    status = run("-m", "tutor_desktop", "--data-dir", pcs[0], "sync", "status")
    assert status.returncode == 0, status.stderr
    assert "now signs in as «admin-2»" in status.stdout
    assert "«7A» was created on two PCs" in status.stdout
    assert "Two students named «Сурагч» in one class" in status.stdout
    state = json.loads(run("-m", "tutor_desktop", "--data-dir", pcs[1], "sync", "status",
                           "--json").stdout)
    kinds = sorted(n["kind"] for n in state["notices"])
    assert kinds.count("renamed") == 1 and kinds.count("duplicate") == 2
    counts = json.loads(run("-m", "tutor_desktop", "--data-dir", pcs[1], "sync", "now",
                            "--json").stdout)
    assert counts["counts_match"] is True
    on_server = cloud.store.counts(created["school_id"])  # one school, one 7A, one 8B
    assert (on_server["schools"], on_server["classes"]) == (1, 2)
