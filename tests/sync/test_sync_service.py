"""Lab PCs sync through the real service on a real PostgreSQL.

Each PC is a full desktop data folder (build_services); the service runs under
uvicorn on loopback. What a school would notice: a student created on PC A
signs in on PC B; both PCs end with the same rows; a token of another school
sees nothing; bad batches are refused with a message and store nothing.
"""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import httpx
import pytest
from sync_helpers import rows, set_up_school

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.sync.client import TOKEN_SECRET, SyncError


def test_a_student_created_on_pc_a_signs_in_on_pc_b(cloud, lab) -> None:
    school_id, code = cloud.school("School 12")
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class_7a, anu = set_up_school(pc_a)
    student = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(student, subject="math")
    pc_a.conversations.add_message(student, conv.id, "user", "Бутархай гэж юу вэ?")

    first = pc_a.sync.enroll(cloud.url, code, "PC A")
    assert first["school_id"] == school_id and first["queued"] >= 6
    assert pc_a.secrets.get(TOKEN_SECRET) and "token" not in json.dumps(pc_a.sync.status())
    report_a = pc_a.sync.sync_now()
    assert report_a.pushed >= 6 and pc_a.sync.status()["waiting"] == 0

    assert not pc_b.accounts.is_set_up()
    pc_b.sync.enroll(cloud.url, code, "PC B")
    report_b = pc_b.sync.sync_now()
    assert report_b.counts_match is True
    # The student signs in on PC B with the PIN set on PC A, and sees their conversation.
    on_b = pc_b.accounts.sign_in_student(anu.id, "1234")
    with pytest.raises(TutorError) as wrong:
        pc_b.accounts.sign_in_student(anu.id, "9999")
    assert wrong.value.message_id == "wrong_pin"
    assert [m.content for m in pc_b.conversations.messages(on_b, conv.id)] == [
        "Бутархай гэж юу вэ?"]
    assert rows(pc_a) == rows(pc_b)


def test_concurrent_edits_converge_last_writer_wins(cloud, lab) -> None:
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    admin_a, class_7a, anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    admin_b = pc_b.accounts.sign_in_staff("admin", "admin-pass-1")
    # Offline on both: A changes the daily limit, then B changes it later; both add students
    # and questions.
    pc_a.accounts.update_class(admin_a, class_7a.id, daily_message_limit=10)
    time.sleep(0.01)  # "later" by more than the clock's millisecond (a tie goes to a device id)
    pc_b.accounts.update_class(admin_b, class_7a.id, daily_message_limit=25, allow_no_pin=True)
    pc_a.accounts.create_student(admin_a, class_7a.id, "Бат", "1111")
    pc_b.accounts.create_student(admin_b, class_7a.id, "Дулмаа", "2222")
    for pc in (pc_a, pc_b):
        session = pc.accounts.sign_in_student(anu.id, "1234")
        conv = pc.conversations.create(session, subject="physics")
        pc.conversations.add_message(session, conv.id, "user", f"асуулт {pc.paths.data_dir.name}")
    for pc in (pc_a, pc_b, pc_a):
        pc.sync.sync_now()
    assert rows(pc_a) == rows(pc_b)
    limit = pc_a.db.query_one("SELECT daily_message_limit, allow_no_pin FROM classes")
    assert tuple(limit) == (25, 1)  # B's later edit wins on both PCs
    names = {r["display_name"] for r in pc_a.db.query("SELECT display_name FROM users")}
    assert {"Бат", "Дулмаа", "Анужин"} <= names
    assert cloud.store.counts(cloud.store.device_for(pc_a.secrets.get(TOKEN_SECRET)).school_id)[
        "messages"] == 2


def test_deleting_a_conversation_removes_its_text_everywhere(cloud, lab, pg_server) -> None:
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class, anu = set_up_school(pc_a)
    session = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(session, subject="math")
    pc_a.conversations.add_message(session, conv.id, "user", "миний нууц асуулт")
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    assert pc_b.db.query_one("SELECT count(*) AS n FROM messages")["n"] == 1
    pc_a.conversations.delete(session, conv.id)
    pc_a.sync.sync_now()
    pc_b.sync.sync_now()
    assert pc_b.db.query_one("SELECT count(*) AS n FROM messages")["n"] == 0
    with cloud.store.db.transaction() as conn:
        bodies = conn.execute("SELECT coalesce(body, '') FROM sync_rows")
    assert not any("нууц" in str(b[0]) for b in bodies)
    # A late copy of the old conversation (an older version) does not bring it back.
    assert rows(pc_a) == rows(pc_b)


def test_school_isolation_and_revoked_tokens(cloud, lab) -> None:
    _, code_a = cloud.school("A")
    _, code_b = cloud.school("B")
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code_a)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code_b)
    report = pc_b.sync.sync_now()
    assert report.pulled == 0 and not pc_b.accounts.is_set_up()
    token_b = pc_b.secrets.get(TOKEN_SECRET)
    with httpx.Client(base_url=cloud.url) as client:
        seen = client.get("/v1/pull", params={"cursor": 0},
                          headers={"Authorization": f"Bearer {token_b}"}).json()
        assert seen["events"] == []
    device_b = pc_b.sync.status()["device_id"]
    assert cloud.store.revoke(device_b) == 1
    with pytest.raises(SyncError) as refused:
        pc_b.sync.sync_now()
    assert refused.value.message_id == "sync_refused"


def _push(cloud, token: str, body: bytes, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=cloud.url) as client:
        return client.post("/v1/push", content=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers})


def _event(number: int, **changes: Any) -> dict[str, Any]:
    event = {"entity": "classes", "id": f"c{number}", "op": "upsert",
             "row": {"id": f"c{number}", "name": "x"},
             "updated_at": "2026-05-01T08:00:00.000+00:00", "device_id": "dev-1", "seq": number}
    event.update(changes)
    return event


def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(cloud) -> None:
    school_id, code = cloud.school()
    token = cloud.store.enrol(code, "dev-1", "probe")[0]
    cases = [
        (b"{not json", {}, 400, "not JSON"),
        (json.dumps({"events": [_event(n) for n in range(1, 502)]}).encode(), {}, 413, "500"),
        (b"x" * (1024 * 1024 + 10), {}, 413, "bytes"),
        (gzip.compress(b" " * (3 * 1024 * 1024)), {"Content-Encoding": "gzip"}, 413, "bytes"),
        (json.dumps({"events": [_event(1), _event(2, entity="passwords")]}).encode(), {}, 422,
         "contract"),
        (json.dumps({"events": [_event(1, op="delete")]}).encode(), {}, 422, "contract"),
        (json.dumps({"events": [_event(1, seq=0)]}).encode(), {}, 422, "contract"),
        (json.dumps({"events": [_event(1, id="x'; DROP TABLE sync_rows;--")]}).encode(), {},
         422, "contract"),
    ]
    for body, headers, status, words in cases:
        answer = _push(cloud, token, body, **headers)
        assert answer.status_code == status, (answer.status_code, answer.text[:200])
        assert words in json.dumps(answer.json()), answer.text[:300]
    wrong = _push(cloud, "not-a-token", json.dumps({"events": [_event(1)]}).encode())
    assert wrong.status_code == 401 and "token" in wrong.json()["detail"]["message"]
    assert cloud.store.event_count(school_id) == 0 and cloud.store.counts(school_id) == {}
    good = _push(cloud, token, json.dumps({"events": [_event(1)]}).encode())
    assert good.status_code == 200 and good.json()["highest"] == {"dev-1": 1}
    again = _push(cloud, token, json.dumps({"events": [_event(1)]}).encode())
    assert again.json()["duplicates"] == 1 and cloud.store.event_count(school_id) == 1


def test_health_and_openapi(cloud) -> None:
    with httpx.Client(base_url=cloud.url) as client:
        health = client.get("/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert set(health.json()) == {"status", "timestamp", "services"}
        spec = client.get("/openapi.json").json()
        assert {"/v1/push", "/v1/pull", "/v1/health", "/v1/enroll"} <= set(spec["paths"])


def test_health_is_503_when_the_database_is_gone(pg_server) -> None:
    from sync_cloud import start_service

    service = start_service(pg_server.new_database())
    try:
        service.store.db.close()  # the database goes away under the running service
        with httpx.Client(base_url=service.url) as client:
            answer = client.get("/v1/health")
        assert answer.status_code == 503 and answer.json()["status"] == "degraded"
    finally:
        service.server.should_exit = True
        service.thread.join(timeout=10)


def test_rate_limit_per_device(pg_server) -> None:
    from sync_cloud import start_service

    service = start_service(pg_server.new_database(), rate=1.0, burst=3.0)
    try:
        _, code = service.school()
        token = service.store.enrol(code, "dev-1", "")[0]
        with httpx.Client(base_url=service.url) as client:
            answers = [client.get("/v1/counts", headers={"Authorization": f"Bearer {token}"})
                       for _ in range(6)]
        assert [a.status_code for a in answers][:3] == [200, 200, 200]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and limited[0].headers["Retry-After"]
    finally:
        service.stop()


def test_progress_from_pc_a_gives_the_same_mastery_on_pc_b(cloud, lab) -> None:
    from tutor_desktop.core.progress.service import mastery_table, record_interaction

    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class, anu = set_up_school(pc_a)
    with pc_a.db.write() as conn:
        for number in range(6):
            record_interaction(conn, user_id=anu.id, subject="math", topic="fractions",
                               kind="quiz", correct=number != 2, item_id="item-1",
                               created_at=f"2026-05-0{number + 1}T08:00:00.000+00:00")
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    # Mastery is derived: recomputed on PC B from the merged log, never sent.
    assert mastery_table(pc_b.db) == mastery_table(pc_a.db) != []
    assert pc_b.db.query("SELECT card FROM review_cards") == pc_a.db.query(
        "SELECT card FROM review_cards")
