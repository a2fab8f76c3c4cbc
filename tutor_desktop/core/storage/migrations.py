"""Forward-only schema migrations, numbered by ``PRAGMA user_version``.

Each migration runs in its own transaction together with the version bump, so
a crash leaves the database at the previous version, never in between. A
database written by a newer app is refused untouched.

Rows that sync carry a UUID ``id`` plus ``created_at``/``updated_at`` (UTC ISO).
"""

from __future__ import annotations

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.storage.connection import Connection

_INITIAL = """
CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE classes (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 12),
    allow_no_pin INTEGER NOT NULL DEFAULT 0,
    daily_message_limit INTEGER NOT NULL DEFAULT 50,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'student')),
    display_name TEXT NOT NULL,
    username TEXT UNIQUE,                 -- teachers and admins sign in by name
    class_id TEXT REFERENCES classes(id) ON DELETE SET NULL,  -- students only
    secret_hash TEXT,                     -- scrypt hash of password or PIN; NULL = no PIN
    language TEXT NOT NULL DEFAULT 'mn',
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_class ON users(class_id, display_name);

CREATE TABLE teacher_classes (
    teacher_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    PRIMARY KEY (teacher_id, class_id)
);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    grade INTEGER,
    language TEXT NOT NULL DEFAULT 'mn',
    mode TEXT NOT NULL DEFAULT 'socratic',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX conversations_user ON conversations(user_id, updated_at);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL,
    -- complete | partial (stream stopped or app died) | error | cached
    status TEXT NOT NULL DEFAULT 'complete',
    backend TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    citations TEXT NOT NULL DEFAULT '[]',  -- JSON list
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

CREATE TABLE learning_interactions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    topic TEXT NOT NULL,
    grade INTEGER,
    kind TEXT NOT NULL,                  -- question | quiz_answer | hint | ...
    correct INTEGER,
    details TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX learning_user ON learning_interactions(user_id, subject, topic);

CREATE TABLE topic_mastery (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    topic TEXT NOT NULL,
    grade INTEGER,
    mastery REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, subject, topic)
);

CREATE TABLE textbooks (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    grade INTEGER NOT NULL,
    language TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_path TEXT NOT NULL DEFAULT '',
    stored_path TEXT NOT NULL DEFAULT '',
    page_count INTEGER NOT NULL DEFAULT 0,
    -- importing: not searchable yet | ready | failed
    status TEXT NOT NULL DEFAULT 'importing',
    embed_model TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX textbooks_sha ON textbooks(sha256);

CREATE TABLE chunks (
    rowid INTEGER PRIMARY KEY,           -- shared with the vector and FTS indexes
    id TEXT NOT NULL UNIQUE,
    textbook_id TEXT NOT NULL REFERENCES textbooks(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (textbook_id, ordinal)
);

CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, heading, content='chunks', content_rowid='rowid', tokenize='unicode61'
);

CREATE TABLE sync_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX sync_outbox_pending ON sync_outbox(sent_at, seq);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,                 -- JSON
    updated_at TEXT NOT NULL
);

CREATE TABLE response_cache (
    key TEXT PRIMARY KEY,
    answer TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    asked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""

# Library: resumable imports and atomic replacement.
# - chunk_staging holds vectors of books still importing (or being re-indexed), so
#   nothing half-done is searchable; a finished book moves them into the vec0
#   table (created at run time: its dimension depends on the embedding model).
# - textbooks.replaces names the book a changed file replaces; the swap happens in
#   the transaction that makes the new one ready.
_LIBRARY_IMPORTS = """
ALTER TABLE textbooks ADD COLUMN replaces TEXT NOT NULL DEFAULT '';

CREATE TABLE chunk_staging (
    chunk_rowid INTEGER PRIMARY KEY REFERENCES chunks(rowid) ON DELETE CASCADE,
    embedding BLOB NOT NULL
);
"""

# Learning progress: topics from the books, practice items, assignments.
# - topics: chapter -> section tree per book (ids derived from the book's sha256 and the
#   heading path, so the same book imported on two PCs gives the same topic ids);
#   chunks.topic_id: every passage belongs to one topic.
# - learning_interactions gains the item, duration, message and assignment it came from
#   (the log is append-only and synced); topic_mastery gains the level and the totals of
#   the original design (it is derived from the log and never synced).
# - review_cards: FSRS state per student x item, also derived from the log.
_PROGRESS = """
CREATE TABLE topics (
    id TEXT PRIMARY KEY,
    textbook_id TEXT NOT NULL REFERENCES textbooks(id) ON DELETE CASCADE,
    parent_id TEXT,
    ordinal INTEGER NOT NULL,
    level INTEGER NOT NULL,
    title TEXT NOT NULL,
    custom_title TEXT NOT NULL DEFAULT '',
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    source TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX topics_book ON topics(textbook_id, ordinal);

ALTER TABLE chunks ADD COLUMN topic_id TEXT;
CREATE INDEX chunks_topic ON chunks(topic_id);

ALTER TABLE learning_interactions ADD COLUMN item_id TEXT NOT NULL DEFAULT '';
ALTER TABLE learning_interactions ADD COLUMN duration_ms INTEGER;
ALTER TABLE learning_interactions ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE learning_interactions ADD COLUMN assignment_id TEXT NOT NULL DEFAULT '';
CREATE INDEX learning_time ON learning_interactions(created_at);
CREATE INDEX learning_topic ON learning_interactions(topic, kind);

ALTER TABLE topic_mastery ADD COLUMN level TEXT NOT NULL DEFAULT 'beginner';
ALTER TABLE topic_mastery ADD COLUMN total_interactions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topic_mastery ADD COLUMN questions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topic_mastery ADD COLUMN wrong_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topic_mastery ADD COLUMN last_interaction_at TEXT NOT NULL DEFAULT '';
ALTER TABLE topic_mastery ADD COLUMN reason TEXT NOT NULL DEFAULT '';

CREATE TABLE practice_items (
    id TEXT PRIMARY KEY,
    textbook_id TEXT NOT NULL REFERENCES textbooks(id) ON DELETE CASCADE,
    topic_id TEXT,
    chunk_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cloze', 'choice', 'numeric')),
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',
    data TEXT NOT NULL DEFAULT '{}',
    page INTEGER NOT NULL,
    origin TEXT NOT NULL DEFAULT 'rules',
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX practice_items_topic ON practice_items(topic_id, enabled);
CREATE INDEX practice_items_book ON practice_items(textbook_id);

CREATE TABLE review_cards (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    due TEXT NOT NULL,
    card TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, item_id)
);
CREATE INDEX review_due ON review_cards(user_id, due);

CREATE TABLE practice_assignments (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    teacher_id TEXT NOT NULL,
    title TEXT NOT NULL,
    topic_ids TEXT NOT NULL DEFAULT '[]',
    item_count INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX practice_assignments_class ON practice_assignments(class_id, due_date);
"""

# Staff sign-in failures are counted per (username, source) -- the source is the
# OS account at the keyboard -- so a student cannot keep ``admin`` locked for the
# admin's own OS account, and unknown usernames are throttled exactly like known
# ones (no answer tells them apart). ``locks`` drives the back-off.
_SIGN_IN_THROTTLE = """
CREATE TABLE sign_in_throttle (
    username TEXT NOT NULL,
    source TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locks INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (username, source)
);
"""

# Sync: the data contract (core/sync/contract.py, docs/SYNC.md).
# - teacher_classes gets an id (and times) so a link and its removal can sync.
# - schools.sync_conversation_text: 0 keeps conversation text on the PC (progress syncs).
# - sync_outbox carries the device id, per-device sequence, clock stamp and author of
#   each event; the old partial payloads are dropped: the first sync uploads everything.
# - sync_state (device id, sequence, clock), sync_versions (version + tombstone per row),
#   sync_parked (rows waiting for their parent), sync_relay (other PCs' events from USB).
_SYNC_CONTRACT = """
ALTER TABLE schools ADD COLUMN sync_conversation_text INTEGER NOT NULL DEFAULT 1;

CREATE TABLE teacher_classes_v2 (
    id TEXT PRIMARY KEY,
    teacher_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (teacher_id, class_id)
);
INSERT INTO teacher_classes_v2 (id, teacher_id, class_id, created_at, updated_at)
    SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                 substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' ||
                 hex(randomblob(6))),
           teacher_id, class_id,
           strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM teacher_classes;
DROP TABLE teacher_classes;
ALTER TABLE teacher_classes_v2 RENAME TO teacher_classes;
CREATE INDEX teacher_classes_class ON teacher_classes(class_id);

ALTER TABLE sync_outbox ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_outbox ADD COLUMN device_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_outbox ADD COLUMN hlc TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_outbox ADD COLUMN author TEXT NOT NULL DEFAULT '';
DELETE FROM sync_outbox;
CREATE INDEX sync_outbox_entity ON sync_outbox(entity, entity_id);

CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sync_versions (
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, row_id)
) WITHOUT ROWID;

CREATE TABLE sync_parked (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    event TEXT NOT NULL,                 -- the whole event (JSON)
    payload TEXT NOT NULL,               -- its row (JSON), for cascading deletes
    parked_at TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);

CREATE TABLE sync_relay (
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);
"""

# Safety: cases the class's teachers must see (synced to staff only), and the
# per-minute fair-use limits of each class (no row = the defaults, 30 questions and 10
# recordings a minute). A deleted conversation keeps its case: the note is the teacher's.
_SAFETY = """
CREATE TABLE safety_events (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    class_id TEXT REFERENCES classes(id) ON DELETE SET NULL,
    category TEXT NOT NULL,
    message TEXT NOT NULL,
    conversation_id TEXT REFERENCES conversations(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX safety_events_class ON safety_events(class_id, acknowledged_at, created_at);

CREATE TABLE class_fair_use (
    class_id TEXT PRIMARY KEY REFERENCES classes(id) ON DELETE CASCADE,
    questions_per_minute INTEGER NOT NULL DEFAULT 30,
    recordings_per_minute INTEGER NOT NULL DEFAULT 10,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

# Sync: rows waiting for a parent keep every version (not only the newest), so an
# older version that becomes applicable first is not lost and all PCs end the same.
_SYNC_PARKED_VERSIONS = """
DROP TABLE sync_parked;
CREATE TABLE sync_parked (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    event TEXT NOT NULL,                 -- the whole event (JSON)
    payload TEXT NOT NULL,               -- its row (JSON), for cascading deletes
    parked_at TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, hlc, device_id)
);
"""

# OCR: passages read by OCR from scanned pages are marked, and every recognised
# page is kept by the file's sha256 (OCR is 5-10 s a page: a cancelled or killed import
# continues after the last recognised page; the page viewer shows the recognised text).
_OCR = """
ALTER TABLE chunks ADD COLUMN recognised INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ocr_pages (
    sha256 TEXT NOT NULL,
    page INTEGER NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    confidence REAL NOT NULL,
    seconds REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, page, language)
);
"""

# The printed page number of each page of a book ("38" where the PDF's page 52 says
# so): citations show it, the viewer opens the PDF index. Books imported
# earlier get their rows lazily (Library.backfill_page_labels).
_PAGE_LABELS = """
CREATE TABLE textbook_pages (
    textbook_id TEXT NOT NULL REFERENCES textbooks(id) ON DELETE CASCADE,
    page INTEGER NOT NULL,               -- 1-based PDF index
    label TEXT NOT NULL,                 -- as printed: "38", "xiv"
    PRIMARY KEY (textbook_id, page)
) WITHOUT ROWID;
"""

# Text hygiene: real PDFs carry U+FFFE and soft hyphens at hyphenation
# points ("тушаа\ufffeлын"); imports now drop them. Passages imported before are cleaned
# once here and the full-text index rebuilt from the cleaned text, so keyword search
# finds "тушаалын" in old libraries too.
_TEXT_HYGIENE = """
UPDATE chunks SET
    text = replace(replace(text, char(65534), ''), char(173), ''),
    heading = replace(replace(heading, char(65534), ''), char(173), '')
WHERE instr(text, char(65534)) OR instr(text, char(173))
   OR instr(heading, char(65534)) OR instr(heading, char(173));

INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild');
"""

# The passages the migration above cleaned were embedded from text with U+FFFE in it
# (e5 read "тушаа" + "лын"; measured on lshort-mn: cosine 0.989-0.9998 to the clean
# text's vector, and 2 of 40 passages moved a rank for a query made of their own words).
# Which ones were cleaned is not known any more, so every book imported before is checked
# once by the library (its PDF's text layer, ~900 pages/s): passages of pages with
# marks are embedded again in the background; the book stays searchable meanwhile.
# Books imported from now on were embedded clean (the column's default).
_MARKS_CHECK = """
ALTER TABLE textbooks ADD COLUMN marks_checked INTEGER NOT NULL DEFAULT 1;
UPDATE textbooks SET marks_checked = 0;
"""

# Imports that OCR scanned pages take minutes; one killed (power cut, app closed by
# force) must finish by itself at the next start, not wait for the teacher to notice.
# The file is kept in the library's incoming/ folder until the book is stored, because
# the original may have been on a USB stick that is gone by then.
_IMPORT_JOBS = """
CREATE TABLE import_jobs (
    sha256 TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,             -- as the teacher picked it, for messages
    title TEXT NOT NULL,
    grade INTEGER NOT NULL,
    subject TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
"""

# Sync: what two PCs created offline that is one thing for a teacher (class "7A" made on
# two PCs, a school set up on a PC before it was enrolled) is merged, and a staff
# username taken twice is renamed. Each decision is a synced row with an id the same on
# every PC that makes it: "merged" rows map an id merged away to the one kept (late rows
# naming the old id are re-pointed), "renamed" rows tell the admin, "duplicate" rows ask
# the teacher whether two students of one name are one child (core/sync/merge.py).
# A later kind, "enrolled" (status "done", id "enrolled:<school id>"), marks the school a PC
# enrolled with the server, so a PC that never goes online still knows which school every
# other school on the stick merges into (core/sync/merge.py: mark_enrolled).
_ROW_MERGES = """
CREATE TABLE row_merges (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                  -- merged | renamed | duplicate
    entity TEXT NOT NULL,                -- schools | classes | users
    old_id TEXT NOT NULL,                -- merged away / renamed / first of a pair
    new_id TEXT NOT NULL DEFAULT '',     -- kept / '' / second of a pair
    detail TEXT NOT NULL DEFAULT '{}',   -- names for the notice (JSON)
    status TEXT NOT NULL DEFAULT 'open', -- open | dismissed | merged
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX row_merges_old ON row_merges(entity, old_id);
"""

# The type size of each line OCR read on a scanned page (JSON list, points): the
# larger ones become the book's headings and topics (core/library/pdf.py); kept so an
# interrupted import that resumes gets the same headings. "" for pages read before.
_OCR_SIZES = """
ALTER TABLE ocr_pages ADD COLUMN sizes TEXT NOT NULL DEFAULT '';
"""

# The class dashboard's "no activity for N days": each student's latest activity is
# one seek in this index (it read every one of the student's ~300 topic rows).
_MASTERY_LAST_SEEN = """
CREATE INDEX topic_mastery_last_seen ON topic_mastery(user_id, last_interaction_at, subject);
"""

MIGRATIONS: tuple[str, ...] = (_INITIAL, _LIBRARY_IMPORTS, _PROGRESS, _SIGN_IN_THROTTLE,
                               _SYNC_CONTRACT, _SAFETY, _SYNC_PARKED_VERSIONS, _OCR,
                               _PAGE_LABELS,
                               _TEXT_HYGIENE,
                               _MARKS_CHECK,
                               _IMPORT_JOBS,
                               _ROW_MERGES,
                               _OCR_SIZES,
                               _MASTERY_LAST_SEEN)
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseTooNewError(TutorError):
    """The database was written by a newer version of the app; it is left untouched."""

    message_id = "database_too_new"

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(found=found, supported=supported)
        self.found = found
        self.supported = supported


def current_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Bring ``conn`` up to date; returns the number of migrations applied."""
    found = current_version(conn)
    if found > len(migrations):
        raise DatabaseTooNewError(found, len(migrations))
    applied = 0
    for number in range(found + 1, len(migrations) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit; run statements one by one instead.
            for statement in _split(migrations[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied += 1
    return applied


def _split(script: str) -> list[str]:
    """Split a script into complete statements (``sqlite3.complete_statement``)."""
    import sqlean

    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlean.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
