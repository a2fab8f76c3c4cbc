"""The sync data contract: which tables sync, who owns their rows, how they merge.

Every table of the local database is declared here exactly once, either as
synced (with its merge rule) or as local to the PC. A test fails when a table
exists that is not declared, and another walks every write path of the synced
tables and fails if one skips the outbox (``tests/sync/test_sync_contract.py``).

Merge rules (docs/SYNC.md):

* ``APPEND`` — rows written once by one device (messages, learning
  interactions): they never conflict; a re-send by the same writer replaces it.
* ``LWW`` — mutable rows (school, classes, users, teacher–class links,
  conversation titles): last writer wins on a hybrid logical clock — the
  ``updated_at`` stamp first, then the device id as the tie-break.
* ``DERIVED`` — recomputed from the merged log on every PC (topic mastery);
  never queued, never merged.

Deletes are tombstones: a delete carries no row, only the version; a tombstone
beats every older update and a row is never resurrected by one.

The design follows Kolibri's Morango (per-device counters, instance + database
ids that change when a database is copied) and Anki's sync (server-side update
sequence for pulls, a count check after sync that forces a full upload).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Merge(Enum):
    APPEND = "append-only"
    LWW = "last-writer-wins"
    DERIVED = "derived"


@dataclass(frozen=True)
class Parent:
    """A column that points at a row of another synced table.

    An incoming row whose parent is not here yet waits (parked) until it
    arrives; one whose parent was deleted is held (parked) too, because a newer
    version of the parent may still come and bring it back (core/sync/apply.py,
    ``_hold_children``); the children the deleting PC knew of get tombstones of
    their own (outbox.record_delete), so they stay deleted everywhere.
    """

    column: str
    table: str
    required: bool = True


@dataclass(frozen=True)
class SyncedTable:
    name: str
    merge: Merge
    owner: str                                 # who may write its rows (documentation + checks)
    parents: tuple[Parent, ...] = ()
    local_columns: frozenset[str] = frozenset()  # stay on the PC (lockout counters)
    conversation_text: bool = False            # held back when the school keeps text local
    key: str = "id"
    # A row in this state is not queued yet (a streaming answer is queued when it completes).
    unsent_while: tuple[str, str] | None = None
    # Another unique key besides the id (class name per school, username, a teacher's
    # link to a class): two PCs can create clashing rows offline; core/sync/merge.py
    # decides the same way on every PC (the older row is kept; a class merges, a
    # username is renamed, a link is dropped).
    unique_besides_key: bool = False

    @property
    def rank(self) -> int:
        """Apply order inside a page: parents before children."""
        return TABLE_ORDER.index(self.name)


SYNCED_TABLES: dict[str, SyncedTable] = {t.name: t for t in (
    # Merge decisions (core/sync/merge.py) come first in a page: a row naming an id that
    # was merged away is re-pointed as it lands.
    # Also marks the school the server took ("enrolled:<id>"): every PC ranks schools alike.
    SyncedTable("row_merges", Merge.LWW,
                owner="sync (decided alike on every PC); staff dismiss or act on notices"),
    SyncedTable("schools", Merge.LWW, owner="admin"),
    SyncedTable("classes", Merge.LWW, owner="admin or the class's teacher",
                parents=(Parent("school_id", "schools"),), unique_besides_key=True),
    SyncedTable("users", Merge.LWW, owner="admin; a teacher for the students of their classes",
                parents=(Parent("school_id", "schools"), Parent("class_id", "classes", False)),
                local_columns=frozenset({"failed_attempts", "locked_until"}),
                unique_besides_key=True),
    SyncedTable("teacher_classes", Merge.LWW, owner="admin",
                parents=(Parent("teacher_id", "users"), Parent("class_id", "classes")),
                unique_besides_key=True),
    SyncedTable("conversations", Merge.LWW, owner="the student",
                parents=(Parent("user_id", "users"),), conversation_text=True),
    SyncedTable("messages", Merge.APPEND, owner="the student (questions) and the tutor",
                parents=(Parent("conversation_id", "conversations"),), conversation_text=True,
                unsent_while=("status", "partial")),
    SyncedTable("learning_interactions", Merge.APPEND, owner="the student",
                parents=(Parent("user_id", "users"),)),
    SyncedTable("practice_assignments", Merge.LWW, owner="the class's teacher",
                parents=(Parent("class_id", "classes"),)),
    SyncedTable("topic_mastery", Merge.DERIVED, owner="recomputed from learning_interactions",
                parents=(Parent("user_id", "users"),)),
    # Safety: a case for the class's teachers (school staff only, never students;
    # kept even when conversation text stays on the PC: the teacher must act on it), and the
    # class's per-minute fair-use limits.
    SyncedTable("safety_events", Merge.LWW,
                owner="the tutor (created); the class's teacher or an admin (acknowledged)",
                parents=(Parent("student_id", "users"), Parent("class_id", "classes", False))),
    SyncedTable("class_fair_use", Merge.LWW, owner="admin or the class's teacher",
                parents=(Parent("class_id", "classes"),), key="class_id"),
)}

TABLE_ORDER: tuple[str, ...] = tuple(SYNCED_TABLES)

# Tables that stay on the PC, with the reason (a new table must be added to one list).
LOCAL_TABLES: dict[str, str] = {
    "textbooks": "each PC imports its own books (textbook packs travel separately)",
    "chunks": "search index of the PC's own books",
    "textbook_pages": "printed page numbers of the PC's own books",
    "chunks_fts": "full-text index (derived from chunks)",
    "chunk_staging": "vectors of books still importing",
    "import_jobs": "this PC's unfinished imports of scanned books, resumed at start",
    "ocr_pages": "text recognised on this PC's scanned book pages (by file sha256)",
    "settings": "this PC's model, policy and language choices",
    "response_cache": "this PC's cached answers",
    "sync_outbox": "the queue itself",
    "sync_state": "this PC's device id, sequence and clock",
    "sync_versions": "the version (clock, device, tombstone) of every synced row",
    "sync_parked": "incoming rows waiting for their parent row",
    "sync_relay": "events of other PCs brought by USB, waiting to be forwarded",
    "topics": "derived from the PC's books (ids from the book's sha256: equal on every PC)",
    "practice_items": "generated from the PC's books",
    "review_cards": "derived from learning_interactions (FSRS state), like topic_mastery",
    "sign_in_throttle": "staff sign-in failures per (username, OS account) on this PC",
}


class UnknownTableError(KeyError):
    """A write path named a table the contract does not declare as synced."""


def table(name: str) -> SyncedTable:
    try:
        return SYNCED_TABLES[name]
    except KeyError:
        raise UnknownTableError(name) from None


def queued_tables() -> tuple[SyncedTable, ...]:
    """The tables whose rows travel (every synced table but the derived ones)."""
    return tuple(t for t in SYNCED_TABLES.values() if t.merge is not Merge.DERIVED)


@dataclass(frozen=True, order=True)
class Version:
    """A row version: the hybrid-logical-clock stamp, then the device id.

    Ordering two versions is the whole of last-writer-wins: the larger wins.
    A tombstone compares like any version, so it beats every older update.
    """

    hlc: str
    device_id: str
    deleted: bool = False

    def beats(self, other: Version | None) -> bool:
        if other is None:
            return True
        # At an equal stamp (one device never makes two), a tombstone still wins.
        return (self.hlc, self.device_id, self.deleted) > (other.hlc, other.device_id,
                                                           other.deleted)
