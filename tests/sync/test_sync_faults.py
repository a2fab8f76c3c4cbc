"""Sync over a bad network, a killed PC and a cloned disk image: nothing lost, nothing doubled.

The fault proxy (tests/remote/faultproxy.py) sits between the PCs and the real
service on PostgreSQL: it drops connections, loses answers after the server
stored the batch, duplicates requests, holds one PC's request until another's
has been served (reordering), delays, and answers 5xx.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import rows, set_up_school

sys.path.insert(0, str(Path(__file__).parents[1] / "remote"))
from faultproxy import Fault, FaultProxy

from tutor_desktop.core.sync.client import SyncError

FAULTS = {
    "drop": Fault.drop(),
    "lose_answer": Fault.lose_answer(),
    "duplicate": Fault.duplicate(),
    "status_503": Fault.http(503),
    "status_after_500": Fault.status_after(500),
    "delay_answer": Fault.delay_answer(0.3),
    "hold": Fault.hold(1.0),
}


def sync_until_done(pc: Any, attempts: int = 12) -> None:
    """What the background worker does: try again after a failure."""
    for _ in range(attempts):
        try:
            pc.sync.sync_now()
            return
        except SyncError:
            time.sleep(0.05)
    pc.sync.sync_now()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_two_pcs_converge_under_each_fault(cloud, lab, fault: str) -> None:
    proxy = FaultProxy(int(cloud.url.rsplit(":", 1)[1])).start()
    url = f"http://127.0.0.1:{proxy.port}"
    try:
        _, code = cloud.school()
        pc_a, pc_b = lab("pc-a"), lab("pc-b")
        admin_a, class_7a, anu = set_up_school(pc_a)
        pc_a.sync.enroll(url, code)
        sync_until_done(pc_a)
        pc_b.sync.enroll(url, code)
        sync_until_done(pc_b)
        admin_b = pc_b.accounts.sign_in_staff("admin", "admin-pass-1")
        created = 0
        for pc, admin, name in ((pc_a, admin_a, "Бат"), (pc_b, admin_b, "Дулмаа")):
            pc.accounts.create_student(admin, class_7a.id, name, "1111")
            session = pc.accounts.sign_in_student(anu.id, "1234")
            conv = pc.conversations.create(session, subject="math")
            for number in range(3):
                pc.conversations.add_message(session, conv.id, "user", f"{name} {number}")
                created += 1
        pc_a.accounts.update_class(admin_a, class_7a.id, daily_message_limit=11)
        # Two edits in the same millisecond are simultaneous: the device id breaks that tie
        # (either value is right as long as both PCs agree). Here pc-b's edit is the later one.
        time.sleep(0.01)
        pc_b.accounts.update_class(admin_b, class_7a.id, daily_message_limit=22)
        proxy.default = FAULTS[fault]  # every request of this round meets the fault
        import threading

        errors: list[BaseException] = []

        def attempt(pc: Any) -> None:
            try:
                pc.sync.sync_now()
            except SyncError:
                pass
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=attempt, args=(pc,)) for pc in (pc_a, pc_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        proxy.default = Fault.ok()
        for pc in (pc_a, pc_b, pc_a):
            sync_until_done(pc)
        assert rows(pc_a) == rows(pc_b)
        assert len(rows(pc_a)["messages"]) == created  # nothing lost, nothing doubled
        assert pc_a.db.query_one("SELECT daily_message_limit FROM classes")[0] == 22
        school = cloud.store.device_for(pc_a.secrets.get("sync_device_token")).school_id
        assert cloud.store.counts(school)["messages"] == created
        with cloud.store.db.transaction() as conn:
            stored = conn.execute("SELECT count(*), count(DISTINCT (device_id, seq)) "
                                  "FROM sync_events WHERE school_id = ?", (school,))[0]
        assert stored[0] == stored[1]
        for pc in (pc_a, pc_b):
            assert pc.sync.status()["waiting"] == 0
        assert proxy.requests > 0
    finally:
        proxy.close()


KILLED_PUSH = """
import sys
from tutor_desktop.composition import build_services
services = build_services(sys.argv[1])
services.sync.batch = 100
services.sync.sync_now(check_counts=False)
"""


def test_a_pc_killed_mid_push_resumes_without_loss_or_doubles(cloud, lab, tmp_path) -> None:
    proxy = FaultProxy(int(cloud.url.rsplit(":", 1)[1])).start()
    try:
        school_id, code = cloud.school()
        pc = lab("pc-a")
        _admin, _class, anu = set_up_school(pc)
        session = pc.accounts.sign_in_student(anu.id, "1234")
        conv = pc.conversations.create(session, subject="math")
        for number in range(600):
            pc.conversations.add_message(session, conv.id, "user", f"асуулт {number}")
        pc.sync.enroll(f"http://127.0.0.1:{proxy.port}", code)
        total = pc.sync.status()["waiting"]
        assert total > 600
        folder = str(pc.paths.data_dir)
        pc.close()
        proxy.default = Fault.delay_answer(0.4)  # slow answers: the kill lands mid-push
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen([sys.executable, "-c", KILLED_PUSH, folder], env=env)
        deadline = time.monotonic() + 60
        while cloud.store.event_count(school_id) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        stored_at_kill = cloud.store.event_count(school_id)
        assert 0 < stored_at_kill < total, "the kill must land in the middle of the push"
        proxy.default = Fault.ok()
        again = lab("pc-a")  # the same data folder, reopened after the crash
        again.sync.sync_now()
        assert again.sync.status()["waiting"] == 0
        assert cloud.store.event_count(school_id) == total  # each event stored exactly once
        counts = cloud.store.counts(school_id)
        assert counts["messages"] == 600
        assert again.sync.server_counts() == again.sync.local_counts()
    finally:
        proxy.close()


def test_a_cloned_pc_takes_a_new_device_id_and_both_sync(cloud, lab, tmp_path, monkeypatch) -> None:
    school_id, code = cloud.school()
    monkeypatch.setenv("TUTOR_MACHINE_FINGERPRINT", "image-master")
    master = lab("master")
    set_up_school(master)
    master.sync.enroll(cloud.url, code)
    master.sync.sync_now()
    master_device = master.sync.status()["device_id"]
    master.close()
    # The disk image is copied to a second PC: same files, another machine.
    shutil.copytree(tmp_path / "master", tmp_path / "clone")
    monkeypatch.setenv("TUTOR_MACHINE_FINGERPRINT", "lab-pc-07")
    clone = lab("clone")
    assert clone.sync.status()["device_id"] != master_device
    monkeypatch.setenv("TUTOR_MACHINE_FINGERPRINT", "image-master")
    original = lab("master")
    assert original.sync.status()["device_id"] == master_device
    admin_c = clone.accounts.sign_in_staff("admin", "admin-pass-1")
    admin_o = original.accounts.sign_in_staff("admin", "admin-pass-1")
    class_id = clone.accounts.list_classes()[0].id
    clone.accounts.create_student(admin_c, class_id, "Клон", "1111")
    original.accounts.create_student(admin_o, class_id, "Эх", "2222")
    for pc in (clone, original, clone):
        pc.sync.sync_now()
    assert rows(clone) == rows(original)
    with cloud.store.db.transaction() as conn:
        devices = {r[0] for r in conn.execute(
            "SELECT DISTINCT device_id FROM sync_events WHERE school_id = ?", (school_id,))}
    assert master_device in devices and len(devices) == 2
    names = {r["display_name"] for r in clone.db.query("SELECT display_name FROM users")}
    assert {"Клон", "Эх"} <= names
