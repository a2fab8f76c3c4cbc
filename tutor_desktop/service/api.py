"""What a client may ask of ``tutor service``: a whitelist of (service, method) pairs.

Anything not listed here is refused before it reaches the core, so a client can
never reach ``services.db``, the secret store or a private helper through the
socket. Each entry says who may call it:

* ``PUBLIC``  — no sign-in (the sign-in screen: classes, names, the school's name);
* ``SESSION`` — the method takes the caller's session and the core checks it (every
  permission, limit and lockout stays in the core, now running in the service);
* ``OS_ADMIN`` — only the PC's administrator: the connecting process runs as root or as
  the service's own account (``SO_PEERCRED`` on the socket, which a client cannot
  choose). Creating the school is one: before a school exists nobody can sign in, so
  otherwise any member of the ``tutor`` group — a student at the shared desktop
  account — could make themselves its first admin.

``callbacks`` name keyword arguments that are functions on the client (streamed deltas,
import progress): they come back as lines of the streamed reply. ``events`` name
``threading.Event`` arguments (stop an answer, cancel an import): the client sets them
through a cancel call. ``uploads`` name path arguments: the client sends the file's
bytes (the service account cannot read a teacher's home folder) and the service hands
the core its own copy. ``peer`` names a keyword the service fills with the caller's OS
account (staff sign-in throttling is per OS account, and the client cannot choose it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Guard(StrEnum):
    PUBLIC = "public"
    SESSION = "session"
    OS_ADMIN = "os-admin"


@dataclass(frozen=True)
class Method:
    guard: Guard
    callbacks: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    uploads: tuple[str, ...] = ()
    peer: str | None = None


P, S = Method(Guard.PUBLIC), Method(Guard.SESSION)
_ANSWER = Method(Guard.SESSION, callbacks=("on_delta", "on_sources"), events=("stop_event",))

METHODS: dict[tuple[str, str], Method] = {
    # accounts: the sign-in screen is public; everything else passes the session.
    ("accounts", "is_set_up"): P,
    ("accounts", "school_name"): P,
    ("accounts", "default_language"): P,
    ("accounts", "list_classes"): P,
    ("accounts", "get_class"): P,
    ("accounts", "list_students"): P,
    # IT creates the school (`sudo tutor setup`); the core refuses it once one exists.
    ("accounts", "first_run_setup"): Method(Guard.OS_ADMIN),
    ("accounts", "sign_in_student"): P,
    ("accounts", "sign_in_staff"): Method(Guard.PUBLIC, peer="source"),
    ("accounts", "set_default_language"): S,
    ("accounts", "classes_for"): S,
    ("accounts", "can_manage_class"): S,
    ("accounts", "can_view_user"): S,
    ("accounts", "create_class"): S,
    ("accounts", "update_class"): S,
    ("accounts", "set_conversation_text_sync"): S,
    ("accounts", "conversation_text_sync"): P,  # the school's choice, shown in Settings
    ("accounts", "notices"): S,                 # what sync merged or renamed (staff only)
    ("accounts", "dismiss_notice"): S,
    ("accounts", "merge_students"): S,
    ("accounts", "create_teacher"): S,
    ("accounts", "list_staff"): S,
    ("accounts", "assign_teacher"): S,
    ("accounts", "create_student"): S,
    ("accounts", "import_roster"): S,
    ("accounts", "reset_pin"): S,
    ("accounts", "change_own_password"): S,
    ("accounts", "reset_staff_password"): S,
    # conversations (privacy checked by the store on every call)
    ("conversations", "get"): S,
    ("conversations", "list_for"): S,
    ("conversations", "messages"): S,
    ("conversations", "rename"): S,
    ("conversations", "delete"): S,
    # the tutor
    ("tutor", "start_conversation"): S,
    ("tutor", "usage"): S,
    ("tutor", "ask"): _ANSWER,
    ("tutor", "regenerate"): _ANSWER,
    ("tutor", "hint"): Method(Guard.SESSION, callbacks=("on_delta", "on_sources")),
    # unrecorded answers: the core refuses anyone but staff (require_staff)
    ("tutor", "answer_once"): Method(Guard.SESSION, callbacks=("on_delta",),
                                     events=("stop_event",)),
    # the textbook library: reading is open (citations, the page viewer); changes take the
    # session and the core refuses anyone but staff (core/accounts/session.py require_staff)
    ("library", "books"): P,
    ("library", "get"): P,
    ("library", "find"): P,
    ("library", "pending"): P,
    ("library", "passages"): P,
    ("library", "page_info"): P,
    ("library", "page_label"): P,
    ("library", "locate_chunk"): P,
    ("library", "render_page"): P,
    ("library", "import_file"): Method(Guard.SESSION, callbacks=("progress",),
                                       events=("cancel",), uploads=("path",)),
    ("library", "update_meta"): S,
    ("library", "remove"): S,
    ("library", "resume_pending"): Method(Guard.SESSION, callbacks=("progress",),
                                          events=("cancel",)),
    ("retriever", "search"): P,
    ("retriever", "search_detailed"): P,
    # learning progress
    ("progress", "ensure_indexed"): P,     # the window's start: older books, in the background
    ("progress", "topics"): P,
    ("progress", "topic"): P,
    ("progress", "rename_topic"): S,
    ("progress", "hide_topic"): S,
    ("progress", "merge_topics"): S,
    ("progress", "topic_for_message"): S,
    ("progress", "weakest_topic"): S,       # /practice in tutor chat
    ("progress", "last_topic"): S,
    ("progress", "items"): P,
    ("progress", "item"): P,
    ("progress", "set_item_enabled"): S,
    ("progress", "edit_item"): S,
    ("progress", "practice_set"): S,
    ("progress", "review_items"): S,
    ("progress", "due_count"): S,
    ("progress", "answer"): S,
    ("progress", "my_progress"): S,
    ("progress", "student_progress"): S,
    ("progress", "class_progress"): S,
    ("progress", "assign"): S,
    ("progress", "assignments"): S,
    ("progress", "my_assignments"): S,
    ("progress", "assignment_items"): S,
    # safety: the teacher's list and fair use
    ("safety", "before_recording"): S,
    # speech: the microphone is the window's; the online service's key stays here
    ("speech", "remote_url"): P,
    ("speech", "remote_url_locked"): P,
    ("speech", "remote_status"): P,
    ("speech", "configure_remote"): S,     # the core refuses anyone but an admin
    ("speech", "transcribe_remote"): S,
    ("safety", "fair_use_limits"): P,
    ("safety", "set_fair_use_limits"): S,
    ("safety.events", "list_for"): S,
    ("safety.events", "unacknowledged_count"): S,
    ("safety.events", "acknowledge"): S,
    # the routing policy (the core refuses students)
    ("routing", "current"): P,
    ("routing", "locked"): P,
    ("routing", "choose"): S,
    ("exams", "all"): P,
    # this PC's display settings: whoever sits at the PC may make the text bigger
    ("pc_settings", "text_size"): P,
    ("pc_settings", "set_text_size"): P,
    # status: read-only
    ("models", "status"): P,
    ("models", "start"): P,
    ("models", "wait"): P,
    ("sync", "status"): P,
    ("connectivity", "statuses"): P,
    ("connectivity", "summary"): P,
    ("connectivity", "check_now"): P,
    ("doctor", "run"): P,
    ("doctor", "inventory"): P,
}


def lookup(service: str, method: str) -> Method | None:
    """The entry for a call, or None when clients may not make it."""
    return METHODS.get((service, method))
