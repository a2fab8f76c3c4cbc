"""The sync contract holds: every table is declared, and no write path skips the outbox.

Two walks: a dynamic one runs every public write method of the services that own
synced tables and checks that each row it changed reached the outbox in full, in
the same transaction; a static one reads every SQL statement in the source and
fails if a function writes a synced table without calling the outbox (so a write
path added later, by any feature, is caught even before it has a test).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

import tutor_desktop
from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.conversations import ConversationStore
from tutor_desktop.core.sync.contract import LOCAL_TABLES, SYNCED_TABLES, Merge, queued_tables


def test_every_table_is_declared_synced_or_local(services) -> None:
    names = {r["name"] for r in services.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    shadow = {n for n in names if re.match(r"^(chunks_fts|vec_\w+|chunk_vec\w*)_", n)}
    undeclared = sorted(names - shadow - set(SYNCED_TABLES) - set(LOCAL_TABLES)
                        - {n for n in names if n.startswith(("vec_", "chunk_vec"))})
    assert undeclared == [], (
        f"declare these tables in core/sync/contract.py (SYNCED_TABLES or LOCAL_TABLES): "
        f"{undeclared}")
    assert set(SYNCED_TABLES) <= names


def _snapshot(db) -> dict[tuple[str, str], dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for spec in queued_tables():
        for row in db.query(f"SELECT * FROM {spec.name}"):
            data = {k: row[k] for k in row.keys() if k not in spec.local_columns}  # noqa: SIM118
            rows[(spec.name, str(row[spec.key]))] = data
    return rows


def _significant(row: dict[str, Any]) -> dict[str, Any]:
    # updated_at alone moving is a touch (a conversation sorted by its newest message).
    return {k: v for k, v in row.items() if k != "updated_at"}


def _unsent(spec_name: str, row: dict[str, Any]) -> bool:
    rule = SYNCED_TABLES[spec_name].unsent_while
    return rule is not None and row.get(rule[0]) == rule[1]


def _cascaded(table: str, row: dict[str, Any], events: dict[tuple[str, str], Any]) -> bool:
    """A child removed with its parent travels as the parent's tombstone (the delete cascades)."""
    for parent in SYNCED_TABLES[table].parents:
        event = events.get((parent.table, str(row.get(parent.column))))
        if parent.required and event is not None and event["op"] == "delete":
            return True
    return False


def _check(db, action, label: str) -> None:
    before = _snapshot(db)
    last = db.query_one("SELECT coalesce(max(seq), 0) AS s FROM sync_outbox")["s"]
    action()
    after = _snapshot(db)
    events = {(r["entity"], r["entity_id"]): r for r in db.query(
        "SELECT * FROM sync_outbox WHERE seq > ? ORDER BY seq", (last,))}
    changed = [k for k in after if k not in before
               or _significant(before[k]) != _significant(after[k])]
    removed = [k for k in before if k not in after]
    assert changed or removed, f"{label}: the walk expected this write path to change a row"
    for key in changed:
        if _unsent(key[0], after[key]):
            assert key not in events, f"{label}: {key} queued while still {after[key]}"
            continue
        assert key in events, f"{label}: {key} changed but nothing was queued"
        event = events[key]
        assert event["op"] == "upsert"
        assert json.loads(event["payload"]) == after[key], f"{label}: {key} not the full row"
        assert event["device_id"] and event["device_seq"] > 0 and event["hlc"]
        assert event["hlc"] == after[key]["updated_at"]
    for key in removed:
        if _unsent(key[0], before[key]) or _cascaded(key[0], before[key], events):
            continue
        assert key in events and events[key]["op"] == "delete", f"{label}: {key} deleted silently"
        assert json.loads(events[key]["payload"]) is None


# Every public method of the services that own synced rows: a write path (walked
# below) or a read. A new method must be added to one of the two.
READS = {
    AccountService: {"is_set_up", "school_id", "school_name", "get_user", "list_classes",
                     "get_class", "list_students", "teacher_class_ids", "classes_for",
                     "can_manage_class", "can_view_user", "list_staff", "sign_in_staff",
                     "sign_in_student", "conversation_text_sync", "notices"},
    ConversationStore: {"get", "list_for", "messages", "user_messages_since"},
}
# Writes to this PC's own tables only (contract.LOCAL_TABLES): never queued for sync.
LOCAL_WRITES = {
    AccountService: {"default_language", "set_default_language"},
    ConversationStore: set(),
}
WRITES = {
    AccountService: {"first_run_setup", "create_class", "update_class", "create_teacher",
                     "assign_teacher", "create_student", "import_roster", "reset_pin",
                     "it_reset_password", "set_conversation_text_sync", "change_own_password",
                     "reset_staff_password", "merge_students", "dismiss_notice"},
    ConversationStore: {"create", "rename", "delete", "add_message", "update_message",
                        "delete_message"},
}


@pytest.mark.parametrize("service", [AccountService, ConversationStore])
def test_every_public_method_is_classified(service) -> None:
    public = {n for n, _ in inspect.getmembers(service, inspect.isfunction)
              if not n.startswith("_")}
    unknown = public - READS[service] - WRITES[service] - LOCAL_WRITES[service]
    assert not unknown, f"classify {service.__name__}.{sorted(unknown)} in this test (and walk it)"


def test_every_write_path_queues_the_full_row(services) -> None:
    accounts, store, db = services.accounts, services.conversations, services.db
    walked: set[str] = set()

    def walk(name: str, action) -> Any:
        walked.add(name)
        result: list[Any] = []
        _check(db, lambda: result.append(action()), name)
        return result[0]

    walk("first_run_setup", lambda: accounts.first_run_setup(
        "School 1", "Admin", "admin", "admin-pass-1"))
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    teacher = walk("create_teacher", lambda: accounts.create_teacher(
        admin, "bat", "Bat", "teacher-pass-1"))
    teacher_session = accounts.sign_in_staff("bat", "teacher-pass-1")
    class_7a = walk("create_class", lambda: accounts.create_class(teacher_session, "7A", 7))
    class_8b = accounts.create_class(admin, "8B", 8)
    walk("update_class", lambda: accounts.update_class(
        teacher_session, class_7a.id, allow_no_pin=True, daily_message_limit=9))
    walk("assign_teacher", lambda: accounts.assign_teacher(admin, teacher.id, class_8b.id))
    anu = walk("create_student", lambda: accounts.create_student(
        teacher_session, class_7a.id, "Анужин", "1234"))
    walk("import_roster", lambda: accounts.import_roster(
        teacher_session, class_7a.id, "name,pin\nБат,1111\nДулмаа,2222\n"))
    walk("reset_pin", lambda: accounts.reset_pin(teacher_session, anu.id, "4321"))
    walk("set_conversation_text_sync", lambda: accounts.set_conversation_text_sync(admin, False))
    walk("set_conversation_text_sync", lambda: accounts.set_conversation_text_sync(admin, True))
    walk("reset_staff_password", lambda: accounts.reset_staff_password(
        admin, teacher.id, "teacher-pass-3"))
    walk("change_own_password", lambda: accounts.change_own_password(
        admin, "admin-pass-1", "admin-pass-2"))
    walk("it_reset_password", lambda: accounts.it_reset_password(
        "bat", "teacher-pass-2", os_admin=lambda: True))
    twin = accounts.create_student(teacher_session, class_7a.id, "Анужин", "5555")
    walk("merge_students", lambda: accounts.merge_students(teacher_session, anu.id, twin.id))
    note = accounts.notices(admin)[0]
    walk("dismiss_notice", lambda: accounts.dismiss_notice(admin, note["id"]))
    student = accounts.sign_in_student(anu.id, "4321")
    conv = walk("create", lambda: store.create(student, subject="math", grade=7))
    walk("rename", lambda: store.rename(student, conv.id, "Бутархай"))
    walk("add_message", lambda: store.add_message(student, conv.id, "user", "1/2 гэж юу вэ?"))
    answer = walk("add_message(partial)", lambda: store.add_message(
        student, conv.id, "assistant", "", status="partial"))
    walk("update_message", lambda: store.update_message(
        student, answer.id, "Хагас.", status="complete"))
    walk("delete_message", lambda: store.delete_message(student, answer.id))
    walk("delete", lambda: store.delete(student, conv.id))
    expected = WRITES[AccountService] | WRITES[ConversationStore]
    assert expected <= walked


_WRITE_SQL = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(\w+)"
    r"((?:(?!\b(?:INSERT|UPDATE|DELETE)\b).)*)", re.I | re.S)
_SET_COLUMNS = re.compile(r"\bSET\s+(.*?)(?:\bWHERE\b|$)", re.I | re.S)


def _sql_strings(node: ast.AST) -> list[str]:
    found = []
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            found.append(child.value)
        elif isinstance(child, ast.JoinedStr):
            found.append("".join(v.value for v in child.values
                                 if isinstance(v, ast.Constant) and isinstance(v.value, str)))
    return found


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _concat_adjacent(strings: list[str]) -> str:
    return " ".join(strings)


def test_no_function_writes_a_synced_table_without_the_outbox() -> None:
    root = Path(tutor_desktop.__file__).parent
    queued = {t.name for t in queued_tables()}
    derived = {t.name for t in SYNCED_TABLES.values() if t.merge is Merge.DERIVED}
    offenders = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("core/sync/") or rel == "core/storage/migrations.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            text = _concat_adjacent(_sql_strings(func))
            for match in _WRITE_SQL.finditer(text):
                name = match.group(1).lower()
                if name in derived or name not in queued:
                    continue
                spec = SYNCED_TABLES[name]
                sets = _SET_COLUMNS.search(match.group(2) or "")
                if match.group(0).lstrip().upper().startswith("UPDATE") and sets:
                    columns = {c.split("=")[0].strip().lower() for c in sets.group(1).split(",")}
                    if columns <= spec.local_columns | {"updated_at"}:
                        continue  # lockout counters, or a touch of the sort time
                if not ({"record_change", "record_delete", "queue_synced_row"} & _calls(func)):
                    offenders.append(f"{rel}:{func.lineno} {func.name} writes {name}")
    assert offenders == [], ("these functions write synced rows without record_change/"
                             f"record_delete (core/sync/outbox.py): {offenders}")


def test_this_pcs_start_language_stays_on_this_pc(services) -> None:
    """The sign-in language is chosen per PC (a lab may have an English-speaking corner):
    changing it writes only the local settings table and queues nothing for sync."""
    accounts, db = services.accounts, services.db
    accounts.first_run_setup("School 1", "Admin", "admin", "admin-pass-1")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    queued = db.query_one("SELECT count(*) FROM sync_outbox")[0]
    accounts.set_default_language(admin, "en")
    assert accounts.default_language() == "en"
    assert db.query_one("SELECT count(*) FROM sync_outbox")[0] == queued
    assert "settings" in LOCAL_TABLES
