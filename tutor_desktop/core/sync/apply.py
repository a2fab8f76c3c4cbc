"""Applying events from other PCs: the merge rules of the contract, in one place.

Called with one page of pulled events inside one write transaction, so a page
is applied whole or not at all. Each event is compared with the version this
PC holds for the row (:class:`Version`: clock, then device id); only a newer
one changes anything, so applying the same page twice, or pages in another
order, ends in the same rows (tests/sync/test_sync_merge_props.py checks this
with hypothesis).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

import sqlean

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.ids import utc_now
from tutor_desktop.core.sync.contract import SYNCED_TABLES, Merge, SyncedTable, Version
from tutor_desktop.core.sync.identity import observe
from tutor_desktop.core.sync.merge import alias_of, merge_into, on_clash, resolve, rewrite_row
from tutor_desktop.core.sync.outbox import Event, get_version, record_change, set_version

log = logging.getLogger(__name__)

# Recomputers of derived tables (e.g. topic_mastery, rebuilt from the merged log, never
# merged): called with the user ids whose log changed. Passed in by the composition root.
Recompute = Callable[[Connection, set[str]], None]


@dataclass
class ApplyResult:
    applied: int = 0
    ignored: int = 0      # older or equal versions, unknown tables
    parked: int = 0       # waiting for a parent row (not here yet, or deleted: held)
    conflicts: list[str] = field(default_factory=list)  # unique-key clashes kept out
    merged: list[str] = field(default_factory=list)  # rows made one (core/sync/merge.py)

    def add(self, other: ApplyResult) -> None:
        self.applied += other.applied
        self.ignored += other.ignored
        self.parked += other.parked
        self.conflicts += other.conflicts
        self.merged += other.merged


def apply_events(conn: Connection, events: Iterable[Event],
                 recompute: Sequence[Recompute] = ()) -> ApplyResult:
    """Merge ``events`` into the local tables (inside the caller's transaction), then
    rebuild the derived tables of the users whose learning log changed."""
    result = ApplyResult()
    touched_users: set[str] = set()
    ordered = sorted(events, key=lambda e: SYNCED_TABLES[e.entity].rank
                     if e.entity in SYNCED_TABLES else len(SYNCED_TABLES))
    for _name, run in groupby(ordered, key=lambda e: e.entity):  # table by table
        for event in _apply_batch(conn, list(run), result, touched_users):
            outcome = _apply_one(conn, event)
            _count(result, outcome, event)
            if outcome == "applied" and event.row and event.entity == "learning_interactions":
                touched_users.add(str(event.row.get("user_id", "")))
            elif outcome == "merged" and event.entity == "users":  # its log moved here
                touched_users.add(alias_of(conn, "users", event.row_id) or "")
    result.add(_retry_parked(conn, touched_users))
    newest = max((e.hlc for e in ordered), default="")
    if newest:  # the clock's receive rule, once per page
        observe(conn, newest)
    # One thing created twice offline (a class "7A" on two PCs) is made one, alike on
    # every PC; the decisions travel through the outbox like any edit.
    conn.execute("SAVEPOINT sync_resolve")
    try:
        result.merged += resolve(conn, recompute)
    except sqlean.Error as exc:  # a merge rule must never block the school's sync
        conn.execute("ROLLBACK TO sync_resolve")
        log.warning("sync: merging rows created twice failed: %s", exc)
        result.conflicts.append(f"merge rules: {exc}")
    conn.execute("RELEASE sync_resolve")
    if touched_users:
        for rebuild in recompute:
            rebuild(conn, touched_users)
    return result


# Fewer events of one table than this in a page go one by one (nothing to gain).
BATCH_FROM = 8


def _apply_batch(conn: Connection, events: list[Event], result: ApplyResult,
                 touched_users: set[str]) -> list[Event]:
    """The common case of a page, in a few statements: new or newer rows of one table
    whose parents are here, written with ``executemany``. A fresh PC pulling a school
    is almost only this (measured in bench/sync_bench.py: row by row, ~8 statements
    per row made applying most of a pull's time). Returns the events that need the
    full rules one by one (tombstones, clashes, merged ids, missing parents, parked
    versions, a row twice in one page), in their order."""
    spec = SYNCED_TABLES.get(events[0].entity)
    if (spec is None or spec.merge is Merge.DERIVED or spec.unique_besides_key
            or len(events) < BATCH_FROM):
        return events
    aliases = {str(r[0]) for r in conn.execute(  # ids merged away (merge.py)
        "SELECT old_id FROM row_merges WHERE kind = 'merged'").fetchall()}
    counts: dict[str, int] = {}
    for event in events:
        counts[event.row_id] = counts.get(event.row_id, 0) + 1
    held = _versions(conn, spec.name, list(counts))
    parked = {str(r[0]) for r in conn.execute(
        "SELECT entity_id FROM sync_parked WHERE entity = ?", (spec.name,)).fetchall()}
    present = {p.column: _present(conn, p.table, {str(e.row[p.column]) for e in events
                                                  if e.row and e.row.get(p.column) is not None})
               for p in spec.parents}
    extra = [c for t, c in _EXTRA_COLUMNS if t == spec.name]
    table_columns = set(_columns(conn, spec.name))
    fast: list[tuple[Event, tuple[str, ...]]] = []
    slow: list[Event] = []
    for event in events:
        row = event.row
        if (event.op != "upsert" or row is None or counts[event.row_id] > 1
                or event.row_id in parked or event.row_id in aliases
                or any(row.get(c) is not None and str(row[c]) in aliases
                       for c in (*present, *extra))):
            slow.append(event)
            continue
        if not event.version.beats(held.get(event.row_id)):
            result.ignored += 1
            continue
        if any(row.get(c) is not None and str(row[c]) not in ids for c, ids in present.items()):
            slow.append(event)  # a parent not here (yet), or deleted: the full rules
            continue
        columns = tuple(c for c in row if c in table_columns and c not in spec.local_columns)
        if spec.key not in columns:
            result.ignored += 1
            continue
        fast.append((event, columns))
    for columns, run in groupby(sorted(fast, key=lambda f: f[1]), key=lambda f: f[1]):
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != spec.key)
        conn.executemany(
            f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)}) ON CONFLICT({spec.key}) DO UPDATE SET "
            f"{updates}", [[_sql_value(e.row[c]) for c in columns]  # type: ignore[index]
                           for e, _ in run])
    if not fast:
        return slow
    conn.executemany(
        "INSERT INTO sync_versions (entity, row_id, hlc, device_id, deleted) VALUES (?,?,?,?,0) "
        "ON CONFLICT(entity, row_id) DO UPDATE SET hlc = excluded.hlc, "
        "device_id = excluded.device_id, deleted = 0",
        [(spec.name, e.row_id, e.version.hlc, e.version.device_id) for e, _ in fast])
    result.applied += len(fast)
    if spec.name == "messages":  # a conversation lists by its latest message
        latest: dict[str, str] = {}
        for e, _ in fast:
            assert e.row is not None
            conv, created = str(e.row.get("conversation_id")), str(e.row.get("created_at") or "")
            latest[conv] = max(latest.get(conv, ""), created)
        conn.executemany("UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
                         [(created, conv) for conv, created in latest.items()])
    elif spec.name == "learning_interactions":
        touched_users.update(str(e.row.get("user_id", "")) for e, _ in fast if e.row)
    elif spec.name == "conversations":
        _keep_latest_activity(conn, [e.row_id for e, _ in fast])
    return slow


def _keep_latest_activity(conn: Connection, conversation_ids: list[str]) -> None:
    """A conversation lists by its latest activity: its own stamp (a rename) or its
    latest message, whichever is later. A rename made offline before a question asked
    on another PC must not pull the time back where the rename lands last (the list
    would be in another order there): the same on every PC, whatever the order."""
    conn.executemany(
        "UPDATE conversations SET updated_at = max(updated_at, coalesce((SELECT "
        "max(created_at) FROM messages WHERE conversation_id = ?), '')) WHERE id = ?",
        [(c, c) for c in conversation_ids])


_EXTRA_COLUMNS = (("safety_events", "acknowledged_by"),)  # merge.py's plain references


def _versions(conn: Connection, entity: str, row_ids: list[str]) -> dict[str, Version]:
    found: dict[str, Version] = {}
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        for row_id, hlc, device, deleted in conn.execute(
                "SELECT row_id, hlc, device_id, deleted FROM sync_versions WHERE entity = ? "
                f"AND row_id IN ({', '.join('?' for _ in chunk)})", (entity, *chunk)).fetchall():
            found[str(row_id)] = Version(str(hlc), str(device), bool(deleted))
    return found


def _present(conn: Connection, table_name: str, ids: set[str]) -> set[str]:
    spec = SYNCED_TABLES[table_name]
    wanted = sorted(ids)
    here: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        here.update(str(r[0]) for r in conn.execute(
            f"SELECT {spec.key} FROM {table_name} WHERE {spec.key} IN "
            f"({', '.join('?' for _ in chunk)})", chunk).fetchall())
    return here


def _count(result: ApplyResult, outcome: str, event: Event) -> None:
    if outcome == "applied":
        result.applied += 1
    elif outcome == "parked":
        result.parked += 1
    elif outcome == "conflict":
        result.conflicts.append(f"{event.entity} {event.row_id}")
    elif outcome == "merged":
        result.merged.append(f"{event.entity} {event.row_id}")
    else:
        result.ignored += 1


def _apply_one(conn: Connection, event: Event, allow_equal: bool = False) -> str:
    spec = SYNCED_TABLES.get(event.entity)
    if spec is None or spec.merge is Merge.DERIVED:
        return "ignored"
    incoming = event.version
    current = get_version(conn, spec.name, event.row_id)
    if not (incoming.beats(current) or (allow_equal and incoming == current)):
        return "ignored"
    alias = alias_of(conn, spec.name, event.row_id)
    if alias is not None and alias != event.row_id and _exists(conn, spec, alias):
        return _merged_away(conn, spec, event, alias)
    if event.op == "delete" or event.row is None:
        _hold_children(conn, spec.name, event.row_id)
        conn.execute(f"DELETE FROM {spec.name} WHERE {spec.key} = ?", (event.row_id,))
        _unpark_if_older(conn, spec.name, event.row_id, incoming)
        set_version(conn, spec.name, event.row_id, Version(incoming.hlc, incoming.device_id, True))
        return "applied"
    event, repointed = _repointed(conn, spec, event)
    assert event.row is not None
    state, nulled = _parents_state(conn, spec, event.row)
    if state == "deleted":  # held: a newer version of the parent may bring it back
        _hold(conn, event)
        return "parked"
    if state == "missing":
        _park(conn, event)
        return "parked"
    row = {**event.row, **dict.fromkeys(nulled)}
    outcome = _upsert(conn, spec, event, row, incoming)
    if outcome == "applied" and nulled:
        # Its optional parent (a class) is deleted here: the row lands without it, as
        # the database's ON DELETE SET NULL would leave it, and this version waits in
        # case a newer version of the parent brings it back.
        _hold(conn, event)
    if outcome == "applied" and repointed:  # the server learns the re-pointed row
        record_change(conn, spec.name, event.row_id)
    return outcome


def _repointed(conn: Connection, spec: SyncedTable, event: Event) -> tuple[Event, bool]:
    """The event with its references to rows merged away re-pointed (a student added
    to class 7A on a PC that had not heard that its 7A was merged into another)."""
    if event.row is None:
        return event, False
    row, changed = rewrite_row(conn, spec, event.row)
    if not changed:
        return event, False
    return replace(event, row=row), True


def _merged_away(conn: Connection, spec: SyncedTable, event: Event, alias: str) -> str:
    """A version of a row that was merged into another: it does not come back. Whatever
    still names it here moves to the kept row, and a tombstone newer than this version
    goes out, so the server and the other PCs settle on the merge too."""
    if event.op == "delete" and not _exists(conn, spec, event.row_id):
        set_version(conn, spec.name, event.row_id, event.version)
        return "applied"
    merge_into(conn, spec.name, event.row_id, alias)
    return "merged"


def _exists(conn: Connection, spec: SyncedTable, row_id: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {spec.name} WHERE {spec.key} = ?",
                        (row_id,)).fetchone() is not None


def _upsert(conn: Connection, spec: SyncedTable, event: Event, row: dict[str, Any],
            version: Version) -> str:
    columns = [c for c in _columns(conn, spec.name) if c in row and c not in spec.local_columns]
    if spec.key not in columns:
        return "ignored"
    values = [_sql_value(row[c]) for c in columns]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != spec.key)
    sql = (f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES "
           f"({', '.join('?' for _ in columns)}) ON CONFLICT({spec.key}) DO UPDATE SET {updates}")
    if spec.unique_besides_key:  # a second unique key (a class name) may clash
        conn.execute("SAVEPOINT sync_row")
        try:
            conn.execute(sql, values)
        except sqlean.IntegrityError:
            conn.execute("ROLLBACK TO sync_row")
            conn.execute("RELEASE sync_row")
            # The same class, username or link created on two PCs: merge.py decides
            # alike on every PC (the older row is kept).
            outcome = on_clash(conn, spec, row, version,
                               lambda r: conn.execute(sql, [_sql_value(r[c]) for c in columns]))
            _unpark_if_older(conn, spec.name, event.row_id, version)
            return outcome
        conn.execute("RELEASE sync_row")
    else:
        conn.execute(sql, values)
    _unpark_if_older(conn, spec.name, event.row_id, version)
    set_version(conn, spec.name, event.row_id, version)
    if spec.name == "messages":  # a conversation lists by its latest message, as on its PC
        conn.execute("UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
                     (row.get("created_at") or "", row.get("conversation_id")))
    elif spec.name == "conversations":
        _keep_latest_activity(conn, [event.row_id])
    return "applied"


def _sql_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


_COLUMNS: dict[tuple[int, str], tuple[str, ...]] = {}


def _columns(conn: Connection, table_name: str) -> tuple[str, ...]:
    """The table's real columns: incoming column names are never trusted into SQL.

    Cached per connection (every database is migrated to the latest schema when it
    opens, before anything is applied).
    """
    key = (id(conn), table_name)
    found = _COLUMNS.get(key)
    if found is None:
        found = tuple(str(r[1]) for r in conn.execute(f"PRAGMA table_info({table_name})"))
        _COLUMNS[key] = found
    return found


def _parents_state(conn: Connection, spec: SyncedTable,
                   row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """ok | missing (wait for the parent) | deleted (held until a newer version of the
    parent, if any, brings it back: see _hold_children), and the
    optional parent columns whose row is deleted (cleared, as ON DELETE SET NULL does)."""
    nulled: list[str] = []
    for parent in spec.parents:
        value = row.get(parent.column)
        if value is None:
            continue
        target = SYNCED_TABLES[parent.table]
        if conn.execute(f"SELECT 1 FROM {target.name} WHERE {target.key} = ?",
                        (value,)).fetchone():
            continue
        version = get_version(conn, target.name, str(value))
        if version is not None and version.deleted:
            if parent.required:
                return "deleted", ()
            nulled.append(parent.column)
            continue
        return "missing", ()
    return "ok", tuple(nulled)


def _hold_children(conn: Connection, parent_table: str, parent_id: str) -> None:
    """Before a parent's tombstone deletes it here, hold the current version of every
    row that the delete takes away (required parents: ON DELETE CASCADE, through
    grandchildren) or leaves without it (optional parents: ON DELETE SET NULL).

    Why: under last-writer-wins a tombstone is not final. A newer version of the
    parent (a conversation renamed on a PC that had not heard of the delete) may
    arrive in a later page or USB bundle, and then the children come back with it,
    exactly as on a PC that received the newer version first and ignored the older
    tombstone. Children the deleting PC knew of do not come back: its delete
    queued a tombstone for each of them (outbox.record_delete), which beats the
    held version wherever it lands. Held rows are what they would be had they
    arrived after the delete, so every PC ends the same whatever the order.
    """
    for child in SYNCED_TABLES.values():
        for parent in child.parents:
            if parent.table != parent_table:
                continue
            cursor = conn.execute(f"SELECT * FROM {child.name} WHERE {parent.column} = ?",
                                  (parent_id,))
            names = [d[0] for d in cursor.description]
            for found in cursor.fetchall():
                row = {k: v for k, v in zip(names, found, strict=True)
                       if k not in child.local_columns}
                row_id = str(row[child.key])
                if parent.required:  # the cascade takes its own children too
                    _hold_children(conn, child.name, row_id)
                version = get_version(conn, child.name, row_id)
                if version is not None and not version.deleted:
                    _hold(conn, Event(child.name, row_id, "upsert", row, version.hlc,
                                      version.device_id, 0, version.device_id))


def _hold(conn: Connection, event: Event) -> None:
    """Park ``event`` while a parent of it is deleted here, keeping only the newest
    version of the row (an older one could never win once the parent is back), so
    the held rows are the same on every PC whatever order the versions came in."""
    version = event.version
    for (held,) in conn.execute("SELECT event FROM sync_parked WHERE entity = ? AND "
                                "entity_id = ?", (event.entity, event.row_id)).fetchall():
        if Event.from_json(json.loads(held)).version.beats(version):
            return
    conn.execute("DELETE FROM sync_parked WHERE entity = ? AND entity_id = ?",
                 (event.entity, event.row_id))
    _park(conn, event)


def _park(conn: Connection, event: Event) -> None:
    """Keep this version until its parent arrives (every version: see the migration)."""
    version = event.version
    conn.execute(
        "INSERT INTO sync_parked (entity, entity_id, hlc, device_id, event, payload, parked_at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
        (event.entity, event.row_id, version.hlc, version.device_id,
         json.dumps(event.to_json(), ensure_ascii=False),
         json.dumps(event.row, ensure_ascii=False), utc_now()))


def _unpark_if_older(conn: Connection, entity: str, row_id: str, version: Version) -> None:
    """Parked versions no newer than the one just applied are obsolete; newer ones keep
    waiting for their parent (and win once it arrives)."""
    for (held,) in conn.execute("SELECT event FROM sync_parked WHERE entity = ? AND "
                                "entity_id = ?", (entity, row_id)).fetchall():
        parked = Event.from_json(json.loads(held))
        if not parked.version.beats(version):
            conn.execute("DELETE FROM sync_parked WHERE entity = ? AND entity_id = ? AND "
                         "hlc = ? AND device_id = ?",
                         (entity, row_id, parked.version.hlc, parked.version.device_id))


def _retry_parked(conn: Connection, touched_users: set[str]) -> ApplyResult:
    """Apply parked rows whose parents have arrived, until nothing more moves."""
    result = ApplyResult()
    while True:
        rows = conn.execute("SELECT entity, entity_id, hlc, device_id, event "
                            "FROM sync_parked").fetchall()
        progress = False
        for row in sorted(rows, key=lambda r: (SYNCED_TABLES[str(r[0])].rank, r[2], r[3])):
            event = Event.from_json(json.loads(row[4]))
            spec = SYNCED_TABLES[event.entity]
            event, moved = _repointed(conn, spec, event)
            assert event.row is not None
            state, nulled = _parents_state(conn, spec, event.row)
            if state in ("missing", "deleted"):  # still waiting, or held (_hold)
                continue
            if nulled:  # applies without the deleted parent when newer; stays parked
                if event.version.beats(get_version(conn, spec.name, event.row_id)):
                    _count(result, _apply_one(conn, event), event)
                    progress = True
                continue
            conn.execute("DELETE FROM sync_parked WHERE entity = ? AND entity_id = ? AND "
                         "hlc = ? AND device_id = ?", (row[0], row[1], row[2], row[3]))
            outcome = _apply_one(conn, event, allow_equal=True)
            if outcome == "applied" and moved:  # re-pointed from a row merged away
                record_change(conn, spec.name, event.row_id)
            _count(result, outcome, event)
            if outcome == "applied" and event.entity == "learning_interactions":
                touched_users.add(str(event.row.get("user_id", "")))
            progress = True
        if not progress:
            return result


def parked_count(conn: Connection) -> int:
    """Rows waiting for a parent that has not arrived yet (the sync is not complete).

    Rows held because their parent is deleted here (_hold_children) are not counted:
    the sync is complete for them, and they must not stop the count check for good.
    """
    waiting = 0
    for entity, payload in conn.execute("SELECT entity, payload FROM sync_parked").fetchall():
        row = json.loads(payload)
        if isinstance(row, dict) and _parents_state(
                conn, SYNCED_TABLES[str(entity)], row)[0] == "missing":
            waiting += 1
    return waiting


def held_count(conn: Connection) -> int:
    """Every parked version: waiting for a parent, or held under a deleted one."""
    return int(conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0])
