"""One thing created twice offline: the rules that make it one again, alike on every PC.

Two lab PCs of a school, both offline, each create class "7A", or a teacher account
"bat", or set the school up on their own before they are enrolled. Once they sync, a
teacher expects one class 7A, one school, and a username that signs in the same way
on every PC. The rules below decide from the rows alone — their names, creation times
and ids, never the order in which a PC happened to receive them — so every PC makes
the same decision, and it travels through the one write path (``record_change`` /
``record_delete``) so the server and the PCs that have not decided yet converge on it:

* **schools** — a PC holds one school. A PC set up alone and then enrolled is adopted
  into the enrolled school (its own school always yields, see :data:`ADOPT_KEY`). The
  school the server took (the first PC's, or the one an adopted PC joined) carries an
  ``enrolled:<id>`` row, so a PC that is never online and was set up alone before the
  school was enrolled yields too when the enrolled school reaches it on a USB stick,
  even if its own school is older. Otherwise (two schools both enrolled at the same
  moment, or two USB-only PCs) the older one is kept. The order is
  (adopting here, not enrolled, ``created_at``, id): every PC sorts the same rows alike.
* **classes** — one class per normalised name in a school ("7A", "7 a" and Cyrillic
  "7А" are one class). The older row (``created_at``, then id) is kept; the other
  becomes an *alias*: its students, teacher links, assignments, safety cases and
  fair-use limits are re-pointed to the kept class, and it is deleted.
* **staff usernames** — unique. The later account keeps its password but is renamed
  ``name-2`` (the first free number); a "renamed" notice tells the admin whom to tell.
* **teacher–class links** — the same link made twice: the later one is dropped.
* **students** — two children can share a name: both are kept, and a "duplicate"
  notice asks the class's teacher; :func:`merge_students` then moves the second one's
  conversations and learning log to the first (mastery is recomputed, never merged).

Each decision is a ``row_merges`` row whose id is derived from the rows it is about
(``merged:<old id>``), so two PCs that decide the same thing write the same row.
A "merged" row is also the alias table: a late row from a PC that has not heard of
the merge (a student added to the old "7A") is re-pointed where it lands.
Kolibri's Morango keeps such rows as separate records for the admin to merge by hand;
for a school lab the automatic rule is what a teacher expects, and the notice says
what happened.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.ids import utc_now
from tutor_desktop.core.sync.contract import SYNCED_TABLES, Merge, SyncedTable, Version
from tutor_desktop.core.sync.outbox import get_version, record_change, record_delete

# sync_state key: the id of this PC's own school while it is being adopted into the
# school it enrolled with (set at enrolment, cleared once adopted). Its rows yield.
ADOPT_KEY = "adopt_school"
# row_merges kind: "this school is the one the server took" (``enrolled:<school id>``).
# A synced row, not PC state, so every PC ranks schools alike; never a notice.
ENROLLED = "enrolled"

# Columns that point at a merged row besides the contract's parents (plain FKs).
_EXTRA_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "users": (("safety_events", "acknowledged_by"),),
}

# Cyrillic letters that look like Latin ones in a class name ("7А" typed on a Mongolian
# keyboard, "7A" on an English one), after casefolding.
_HOMOGLYPHS = str.maketrans("авекмнорстух", "abekmhopctyx")

Recompute = Callable[[Connection, set[str]], None]


def class_key(name: str) -> str:
    """The normalised class name: "7A", "7 a", "7-А" (Cyrillic) are one class."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if ch.isalnum()).translate(_HOMOGLYPHS)


def person_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _row(conn: Connection, table_name: str, row_id: str) -> dict[str, Any] | None:
    spec = SYNCED_TABLES[table_name]
    cursor = conn.execute(f"SELECT * FROM {table_name} WHERE {spec.key} = ?", (row_id,))
    found = cursor.fetchone()
    if found is None:
        return None
    return dict(zip([d[0] for d in cursor.description], found, strict=True))


def adopting(conn: Connection) -> str:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (ADOPT_KEY,)).fetchone()
    return "" if row is None else str(row[0])


def _age(conn: Connection, entity: str, row: dict[str, Any]) -> tuple[int, str, str]:
    """Sort key: the smallest is kept. A row yields when a PC already decided it yields
    (merged away, or an account renamed: a stale copy read later, whose school has been
    re-pointed here meanwhile, must not undo it) or when its school is not the one kept
    (being adopted here, or an older school that was never enrolled meeting the enrolled
    one): the enrolled school's class and admin keep their names."""
    row_id = str(row["id"])
    school = row.get("school_id")
    decided = alias_of(conn, entity, row_id) not in (None, row_id) or (
        entity == "users" and conn.execute("SELECT 1 FROM row_merges WHERE id = ?",
                                           (f"renamed:{row_id}",)).fetchone() is not None)
    yields = decided or bool(school and school != kept_school(conn, str(school)))
    return (int(yields), str(row.get("created_at") or ""), row_id)


def enrolled_schools(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(
        "SELECT old_id FROM row_merges WHERE kind = ?", (ENROLLED,)).fetchall()}


def school_order(conn: Connection) -> list[str]:
    """The schools here, the one kept first: a school being adopted on this PC last,
    then schools the server never took, then by age (``created_at``, id)."""
    own, enrolled = adopting(conn), enrolled_schools(conn)
    found = [(str(r[0]), str(r[1] or "")) for r in conn.execute(
        "SELECT id, created_at FROM schools").fetchall()]
    found.sort(key=lambda s: (s[0] == own, s[0] not in enrolled, s[1], s[0]))
    return [school_id for school_id, _created in found]


def kept_school(conn: Connection, default: str) -> str:
    order = school_order(conn)
    return order[0] if order else default


def mark_enrolled(conn: Connection) -> None:
    """The school left here after an enrolment is the one the server took: say so in a
    synced row, queued before the school's own rows (row_merges come first), so no PC
    holds the school without knowing it is the enrolled one."""
    order = school_order(conn)
    if len(order) != 1 or order[0] in enrolled_schools(conn):
        return
    _note(conn, ENROLLED, "schools", order[0], order[0], {}, note_id=f"{ENROLLED}:{order[0]}",
          status="done")


# -- notes: the decisions, as synced rows ------------------------------------------
def _note(conn: Connection, kind: str, entity: str, old_id: str, new_id: str,
          detail: dict[str, Any], note_id: str | None = None, status: str = "open") -> str:
    note_id = note_id or f"{kind}:{old_id}"
    held = conn.execute("SELECT new_id FROM row_merges WHERE id = ?", (note_id,)).fetchone()
    if held is not None and str(held[0]) == new_id:
        return note_id
    now = utc_now()
    conn.execute(
        "INSERT INTO row_merges (id, kind, entity, old_id, new_id, detail, status, created_at, "
        "updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "new_id = excluded.new_id, detail = excluded.detail",
        (note_id, kind, entity, old_id, new_id, json.dumps(detail, ensure_ascii=False),
         status, now, now))
    record_change(conn, "row_merges", note_id)
    return note_id


def alias_of(conn: Connection, entity: str, row_id: str) -> str | None:
    """The row ``row_id`` was merged into (following chains), or None."""
    seen: set[str] = set()
    target = None
    current = row_id
    while current not in seen:
        seen.add(current)
        found = conn.execute("SELECT new_id FROM row_merges WHERE id = ? AND kind = 'merged'",
                             (f"merged:{current}",)).fetchone()
        if found is None or not found[0]:
            break
        target = current = str(found[0])
    return target


def _references(entity: str) -> list[tuple[SyncedTable, str]]:
    refs = [(t, p.column) for t in SYNCED_TABLES.values() for p in t.parents
            if p.table == entity and t.merge is not Merge.DERIVED]
    refs += [(SYNCED_TABLES[t], c) for t, c in _EXTRA_REFS.get(entity, ())]
    return refs


def rewrite_row(conn: Connection, spec: SyncedTable,
                row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """An incoming row with its references to merged-away rows re-pointed."""
    changed = False
    out = row
    columns = [(p.column, p.table) for p in spec.parents]
    columns += [(c, entity) for entity, refs in _EXTRA_REFS.items()
                for t, c in refs if t == spec.name]
    for column, entity in columns:
        value = row.get(column)
        if value is None:
            continue
        target = alias_of(conn, entity, str(value))
        if target is not None and target != value:
            if not changed:
                out = dict(row)
                changed = True
            out[column] = target
    return out, changed


# -- merging one row into another ---------------------------------------------------
def merge_into(conn: Connection, entity: str, old_id: str, new_id: str) -> set[str]:
    """Move everything that points at ``old_id`` to ``new_id``, then delete ``old_id``
    (a tombstone that does not scrub other PCs' events: they are re-pointed where they
    land). Returns the users whose learning log moved (their mastery is recomputed)."""
    old = _row(conn, entity, old_id)
    new = _row(conn, entity, new_id)
    names = {"name": _label(old), "into": _label(new)}
    _note(conn, "merged", entity, old_id, new_id, names)
    touched: set[str] = set()
    for spec, column in _references(entity):
        ids = [str(r[0]) for r in conn.execute(
            f"SELECT {spec.key} FROM {spec.name} WHERE {column} = ?", (old_id,)).fetchall()]
        for row_id in ids:
            _repoint(conn, spec, row_id, column, old_id, new_id)
        if spec.name == "learning_interactions" and ids:
            touched.add(new_id)
        # Rows waiting (parked) for the old parent now wait for the kept one.
        path = f"$.{column}"
        conn.execute("UPDATE sync_parked SET payload = json_set(payload, ?, ?), "
                     "event = json_set(event, ?, ?) WHERE entity = ? AND "
                     "json_extract(payload, ?) = ?",
                     (path, new_id, f"$.row.{column}", new_id, spec.name, path, old_id))
    if old is not None:
        conn.execute(f"DELETE FROM {entity} WHERE id = ?", (old_id,))
    version = get_version(conn, entity, old_id)
    if old is not None or version is None or not version.deleted:
        record_delete(conn, entity, old_id, scrub=False)
    return touched


def _label(row: dict[str, Any] | None) -> str:
    if row is None:
        return ""
    return str(row.get("name") or row.get("display_name") or row.get("username") or "")


def _repoint(conn: Connection, spec: SyncedTable, row_id: str, column: str, old_id: str,
             new_id: str) -> None:
    if spec.name == "classes" and column == "school_id":
        _move_class(conn, row_id, new_id)
        return
    if spec.key == column:  # keyed by its parent (a class's fair-use limits): move the row
        row = _row(conn, spec.name, row_id)
        assert row is not None
        if _row(conn, spec.name, new_id) is None:
            row[column] = new_id
            conn.execute(f"INSERT INTO {spec.name} ({', '.join(row)}) VALUES "
                         f"({', '.join('?' for _ in row)})", list(row.values()))
            record_change(conn, spec.name, new_id)
        conn.execute(f"DELETE FROM {spec.name} WHERE {spec.key} = ?", (row_id,))
        record_delete(conn, spec.name, row_id, scrub=False)
        return
    if spec.name == "teacher_classes":  # the kept parent may already have this link
        other = "teacher_id" if column == "class_id" else "class_id"
        twin = conn.execute(
            f"SELECT id FROM teacher_classes WHERE {column} = ? AND {other} = "
            f"(SELECT {other} FROM teacher_classes WHERE id = ?) AND id != ?",
            (new_id, row_id, row_id)).fetchone()
        if twin is not None:
            conn.execute("DELETE FROM teacher_classes WHERE id = ?", (row_id,))
            record_delete(conn, "teacher_classes", row_id, scrub=False)
            return
    conn.execute(f"UPDATE {spec.name} SET {column} = ? WHERE {spec.key} = ?", (new_id, row_id))
    record_change(conn, spec.name, row_id)


def _move_class(conn: Connection, class_id: str, school_id: str) -> None:
    """A class of a school merged away joins the kept school; a class of the same name
    there is the one kept (it belongs to the enrolled, or older, school)."""
    row = _row(conn, "classes", class_id)
    assert row is not None
    key = class_key(str(row["name"]))
    for other_id, other_name in conn.execute(
            "SELECT id, name FROM classes WHERE school_id = ?", (school_id,)).fetchall():
        if class_key(str(other_name)) == key:
            merge_into(conn, "classes", class_id, str(other_id))
            return
    conn.execute("UPDATE classes SET school_id = ? WHERE id = ?", (school_id, class_id))
    record_change(conn, "classes", class_id)


# -- clashes found while applying a row ---------------------------------------------
def on_clash(conn: Connection, spec: SyncedTable, row: dict[str, Any], version: Version,
             write: Callable[[dict[str, Any]], None]) -> str:
    """An incoming row broke a unique key (class name, username, teacher link).

    Returns ``applied`` (the row is in, its version set), ``merged`` (it was merged
    into a row kept here) or ``conflict`` (not a clash these rules know)."""
    from tutor_desktop.core.sync.outbox import set_version

    if spec.name == "classes":
        held = _row_where(conn, "classes", "school_id = ? AND name = ? AND id != ?",
                          (row.get("school_id"), row.get("name"), row["id"]))
        if held is None:
            return "conflict"
        if _age(conn, "classes", row) < _age(conn, "classes", held):  # incoming is kept
            conn.execute("UPDATE classes SET name = name || ' ~' || id WHERE id = ?",
                         (held["id"],))  # out of the way, inside this transaction only
            write(row)
            set_version(conn, "classes", str(row["id"]), version)
            merge_into(conn, "classes", str(held["id"]), str(row["id"]))
            return "applied"
        _absorb(conn, "classes", row, version, str(held["id"]))
        return "merged"
    if spec.name == "users" and row.get("username"):
        held = _row_where(conn, "users", "username = ? AND id != ?",
                          (row["username"], row["id"]))
        if held is None:
            return "conflict"
        if _age(conn, "users", row) < _age(conn, "users", held):  # this one is later
            rename_staff(conn, held)
            write(row)
            set_version(conn, "users", str(row["id"]), version)
        else:
            write({**row, "username": _free_username(conn, _base_username(conn, row))})
            set_version(conn, "users", str(row["id"]), version)
            record_change(conn, "users", str(row["id"]))  # the new name travels on
            _renamed(conn, row)
        return "applied"
    if spec.name == "teacher_classes":
        held = _row_where(conn, "teacher_classes", "teacher_id = ? AND class_id = ? AND id != ?",
                          (row.get("teacher_id"), row.get("class_id"), row["id"]))
        if held is None:
            return "conflict"
        if _age(conn, "teacher_classes", row) < _age(conn, "teacher_classes", held):
            conn.execute("DELETE FROM teacher_classes WHERE id = ?", (held["id"],))
            record_delete(conn, "teacher_classes", str(held["id"]), scrub=False)
            write(row)
            set_version(conn, "teacher_classes", str(row["id"]), version)
            return "applied"
        set_version(conn, "teacher_classes", str(row["id"]), version)
        record_delete(conn, "teacher_classes", str(row["id"]), scrub=False)
        return "merged"
    return "conflict"


def _absorb(conn: Connection, entity: str, row: dict[str, Any], version: Version,
            kept_id: str) -> None:
    """The incoming row is merged into one kept here: it never lands; its id becomes
    an alias and a tombstone newer than the version that came in."""
    from tutor_desktop.core.sync.outbox import set_version

    _note(conn, "merged", entity, str(row["id"]), kept_id,
          {"name": _label(row), "into": _label(_row(conn, entity, kept_id))})
    set_version(conn, entity, str(row["id"]), version)
    record_delete(conn, entity, str(row["id"]), scrub=False)


def _row_where(conn: Connection, table_name: str, where: str,
               params: Sequence[Any]) -> dict[str, Any] | None:
    cursor = conn.execute(f"SELECT * FROM {table_name} WHERE {where}", tuple(params))
    found = cursor.fetchone()
    if found is None:
        return None
    return dict(zip([d[0] for d in cursor.description], found, strict=True))


def _free_username(conn: Connection, base: str) -> str:
    number = 2
    while conn.execute("SELECT 1 FROM users WHERE username = ?",
                       (f"{base}-{number}",)).fetchone():
        number += 1
    return f"{base}-{number}"


def _base_username(conn: Connection, row: dict[str, Any]) -> str:
    """The name the account had before sync renamed it ("bat" for "bat-2"): a second
    clash numbers from it ("bat-3"), never "bat-2-2"."""
    found = conn.execute("SELECT detail FROM row_merges WHERE id = ?",
                         (f"renamed:{row['id']}",)).fetchone()
    if found is not None:
        original = json.loads(str(found[0]) or "{}").get("username")
        if original:
            return str(original)
    return str(row["username"])


def rename_staff(conn: Connection, held: dict[str, Any]) -> None:
    """The later of two accounts with one username gets ``name-N`` (and a notice)."""
    conn.execute("UPDATE users SET username = ? WHERE id = ?",
                 (_free_username(conn, _base_username(conn, held)), held["id"]))
    record_change(conn, "users", str(held["id"]))
    _renamed(conn, held)


def _renamed(conn: Connection, row: dict[str, Any]) -> None:
    new = conn.execute("SELECT username FROM users WHERE id = ?", (row["id"],)).fetchone()
    _note(conn, "renamed", "users", str(row["id"]), str(new[0]) if new else "",
          {"name": str(row.get("display_name") or ""), "username": _base_username(conn, row),
           "new_username": str(new[0]) if new else ""},
          note_id=f"renamed:{row['id']}")


# -- the pass after each pulled page --------------------------------------------
def resolve(conn: Connection, recompute: Sequence[Recompute] = ()) -> list[str]:
    """Apply every rule until nothing changes; returns what was merged (for the report).

    Runs inside the transaction of a pulled page, after the page and its parked rows.
    """
    done: list[str] = []
    touched: set[str] = set()
    for _ in range(50):  # each step removes a row; a bound stops a bug from looping
        step = _follow_aliases(conn, touched) or _merge_schools(conn) or _merge_classes(conn)
        if not step:
            break
        done += step
    _flag_duplicates(conn)
    if touched:
        for rebuild in recompute:
            rebuild(conn, touched)
    return done


def _follow_aliases(conn: Connection, touched: set[str]) -> list[str]:
    """A merged-away row that is back (a newer edit from a PC that had not heard of the
    merge) or still named by some row: merge it again into the row kept."""
    for note_id, entity, old_id, new_id in conn.execute(
            "SELECT id, entity, old_id, new_id FROM row_merges WHERE kind = 'merged'").fetchall():
        entity, old_id = str(entity), str(old_id)
        target = alias_of(conn, entity, old_id) or str(new_id)
        if (entity not in SYNCED_TABLES or target == old_id
                or _row(conn, entity, target) is None):
            continue
        alive = _row(conn, entity, old_id) is not None
        named = any(conn.execute(f"SELECT 1 FROM {spec.name} WHERE {column} = ? LIMIT 1",
                                 (old_id,)).fetchone() for spec, column in _references(entity))
        if alive or named:
            touched |= merge_into(conn, entity, old_id, target)
            return [str(note_id)]
    return []


def _merge_schools(conn: Connection) -> list[str]:
    if adopting(conn):
        return []  # the enrolment adopts this PC's school once the pull is complete
    schools = school_order(conn)
    if len(schools) < 2:
        return []
    kept = schools[0]
    for other in schools[1:]:
        merge_into(conn, "schools", other, kept)
    return [f"schools {kept}"]


def adopt_school(conn: Connection, own_id: str) -> bool:
    """This PC's own school joins the school it enrolled with (the enrolled one is kept:
    its name and settings; classes of one name merge into the enrolled school's)."""
    others = [s for s in school_order(conn) if s != own_id]
    if not others or _row(conn, "schools", own_id) is None:
        return False
    merge_into(conn, "schools", own_id, others[0])
    return True


def _row_dict(row: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    return dict(zip(names, row, strict=True))


def _merge_classes(conn: Connection) -> list[str]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for found in conn.execute("SELECT id, school_id, name, created_at FROM classes").fetchall():
        row = _row_dict(found, ("id", "school_id", "name", "created_at"))
        groups.setdefault((str(row["school_id"]), class_key(str(row["name"]))), []).append(row)
    for group in groups.values():
        if len(group) > 1:
            group.sort(key=lambda r: _age(conn, "classes", r))
            for other in group[1:]:
                merge_into(conn, "classes", str(other["id"]), str(group[0]["id"]))
            return [f"classes {group[0]['id']}"]
    return []


def _flag_duplicates(conn: Connection) -> None:
    """Students of one name in one class, written by different PCs: ask the teacher."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for user_id, class_id, name, device in conn.execute(
            "SELECT u.id, u.class_id, u.display_name, coalesce(v.device_id, '') FROM users u "
            "LEFT JOIN sync_versions v ON v.entity = 'users' AND v.row_id = u.id "
            "WHERE u.role = 'student' AND u.active = 1 AND u.class_id IS NOT NULL").fetchall():
        groups.setdefault((str(class_id), person_key(str(name))), []).append(
            (str(user_id), str(device)))
    for (class_id, _), members in groups.items():
        if len(members) < 2 or len({d for _, d in members}) < 2:
            continue
        members.sort()
        for i, (first, _d) in enumerate(members):
            for second, _e in members[i + 1:]:
                note_id = "duplicate:" + hashlib.sha256(
                    f"{first}:{second}".encode()).hexdigest()[:40]
                if conn.execute("SELECT 1 FROM row_merges WHERE id = ?", (note_id,)).fetchone():
                    continue
                name = conn.execute("SELECT display_name FROM users WHERE id = ?",
                                    (first,)).fetchone()
                _note(conn, "duplicate", "users", first, second,
                      {"name": str(name[0]) if name else "", "class_id": class_id},
                      note_id=note_id)


def merge_students(conn: Connection, keep_id: str, other_id: str,
                   recompute: Sequence[Recompute] = ()) -> None:
    """The teacher says two students are one child: ``other_id``'s conversations and
    learning log move to ``keep_id``, whose mastery is recomputed from the merged log."""
    merge_into(conn, "users", other_id, keep_id)
    for note_id, in conn.execute(
            "SELECT id FROM row_merges WHERE kind = 'duplicate' AND status = 'open' AND "
            "(old_id IN (?, ?) OR new_id IN (?, ?))",
            (keep_id, other_id, keep_id, other_id)).fetchall():
        set_note_status(conn, str(note_id), "merged")
    for rebuild in recompute:
        rebuild(conn, {keep_id})


def set_note_status(conn: Connection, note_id: str, status: str) -> None:
    conn.execute("UPDATE row_merges SET status = ? WHERE id = ?", (status, note_id))
    record_change(conn, "row_merges", note_id)


def open_notes(conn: Connection) -> list[dict[str, Any]]:
    """Notices for the staff: merges made, usernames renamed, possible duplicates."""
    cursor = conn.execute("SELECT id, kind, entity, old_id, new_id, detail, status, created_at "
                          "FROM row_merges WHERE status = 'open' ORDER BY created_at, id")
    names = [d[0] for d in cursor.description]
    out = []
    for found in cursor.fetchall():
        row = dict(zip(names, found, strict=True))
        row["detail"] = json.loads(str(row["detail"]) or "{}")
        out.append(row)
    return out
