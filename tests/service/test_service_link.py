"""The window's and the terminal's calls through ``tutor service`` (a thread here, a real
socket): the same answers and the same errors as in-process, nothing more allowed."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from tutor_desktop.core.accounts import Role, Session, User
from tutor_desktop.core.errors import NotAllowed, WrongPin
from tutor_desktop.service.codec import Codec, WireError
from tutor_desktop.service.errors import NotOfferedByService


def _codec(*, allow_paths: bool) -> Codec:
    return Codec(session_ref=lambda _v: None, session_for=lambda _f: None,
                 allow_paths=allow_paths)


def test_codec_rebuilds_registered_records_and_refuses_the_rest() -> None:
    codec = _codec(allow_paths=True)
    user = User("u1", Role.STUDENT, "Анужин", None, "c1", "mn", True)
    wire = codec.encode({"who": user, "grades": (7, 8), 3: {"x"}})
    assert codec.decode(wire) == {"who": user, "grades": (7, 8), 3: {"x"}}
    assert isinstance(codec.decode(wire)["who"].role, Role)
    # A session never crosses as data: only a token the receiver resolves.
    with pytest.raises(WireError):
        codec.encode(Session(user, 600))
    # Only registered types are rebuilt: no class can be named into existence.
    with pytest.raises(WireError):
        codec.decode({"$t": "Database", "v": {}})
    with pytest.raises(WireError):
        codec.decode({"$t": "User", "v": {"id": "u1"}})   # fields must match exactly
    # The service takes no paths from a client: it would open them with its own rights.
    with pytest.raises(WireError):
        _codec(allow_paths=False).decode({"$path": "/var/lib/tutor-desktop/tutor.sqlite3"})


def test_the_apps_own_system_actor_cannot_be_sent_by_a_client() -> None:
    """SYSTEM passes the core's staff rule; it has no wire form, so a client sending it
    (to import a book as the app itself) is refused before anything leaves."""
    from tutor_desktop.core.accounts import SYSTEM

    with pytest.raises(WireError):
        _codec(allow_paths=True).encode({"actor": SYSTEM})


def test_sign_in_and_permissions_are_the_cores_inside_the_service(client, school) -> None:
    accounts = client.accounts
    assert client.mode == "service"
    assert [c.name for c in accounts.list_classes()] == ["2A", "7A"]
    with pytest.raises(WrongPin) as wrong:
        accounts.sign_in_student(school.anu.id, "0000")
    assert wrong.value.params["remaining"] == 4   # the core's counter, translated id intact
    session = accounts.sign_in_student(school.anu.id, "1234")
    assert isinstance(session, Session) and session.is_student
    assert session.user.display_name == "Анужин"
    # The core's permission check, raised here as the same class.
    with pytest.raises(NotAllowed):
        accounts.create_class(session, "9Z", 9)
    # The library's changes take the session, and the core refuses a student's or none.
    for who in (session, None):
        with pytest.raises(NotAllowed) as refused_change:
            client.library.remove(who, "no-such-book")
        assert refused_change.value.message_id == "not_allowed"
    # Not on the whitelist: refused with a translated message, never an AttributeError.
    with pytest.raises(NotOfferedByService) as refused:
        client.db.query_one("SELECT secret_hash FROM users")
    assert "tutor service" in refused.value.message("en")
    assert "туторын үйлчилгээ" in refused.value.message("mn").lower()


def test_a_forged_token_is_no_session(client, school) -> None:
    from tutor_desktop.service.client import RemoteSession
    from tutor_desktop.service.errors import SessionUnknown

    real = client.accounts.sign_in_student(school.anu.id, "1234")
    teacher_user = school.teacher_session.user
    # A client may claim to be a teacher: the service only knows the token.
    forged = RemoteSession(user=teacher_user, idle_limit_s=600, token="x" * 43,
                           link=real.link)
    with pytest.raises(SessionUnknown):
        client.accounts.classes_for(forged)
    dressed_up = RemoteSession(user=teacher_user, idle_limit_s=600, token=real.token,
                               link=real.link)
    with pytest.raises(NotAllowed):   # the student's token stays the student's session
        client.accounts.create_class(dressed_up, "9Z", 9)


@pytest.mark.slow
def test_a_streamed_answer_through_the_service(gemma_writes, client, school) -> None:
    session = client.accounts.sign_in_student(school.anu.id, "1234")
    tutor = client.tutor
    conversation = tutor.start_conversation(session, subject="math")
    deltas: list[str] = []
    reply = tutor.ask(session, conversation.id, "What is 2 + 3?", on_delta=deltas.append)
    assert reply.status == "complete" and reply.backend == "local"
    assert len(deltas) > 3 and "".join(deltas).strip() == reply.text.strip()
    stored = client.conversations.messages(session, conversation.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == reply.text


@pytest.mark.slow
def test_stopping_an_answer_stops_it_in_the_service(gemma_writes, client, school,
                                                    monkeypatch) -> None:
    session = client.accounts.sign_in_student(school.anu.id, "1234")
    conversation = client.tutor.start_conversation(session)
    stop = threading.Event()
    seen: list[str] = []

    def on_delta(text: str) -> None:
        seen.append(text)
        if len(seen) == 2:
            stop.set()

    reply = client.tutor.ask(session, conversation.id, "Tell me a long story about the sea.",
                             on_delta=on_delta, stop_event=stop, max_tokens=400)
    assert reply.status == "partial"
    assert len(seen) < 60


@pytest.fixture
def embedder_installed(data_dir: Path) -> Path:
    """The default e5 embedder in the service's data folder, as set-up leaves it."""
    from tests.model_files import e5_gguf, link_into

    return link_into(e5_gguf(), data_dir / "models")


@pytest.mark.slow
def test_library_import_sends_the_bytes_and_reports_progress(embedder_installed, client,
                                                             school, tmp_path: Path,
                                                             services) -> None:
    """The teacher's PDF lies where the service account may not read: its bytes go over
    the socket; progress comes back; a student may not import; the book is searchable."""
    from tutor_desktop.core.library import BookMeta

    pdf = tmp_path / "teacher-home" / "Biology 7.pdf"
    pdf.parent.mkdir()
    _write_pdf(pdf)
    meta = BookMeta(title="Biology 7", grade=7, subject="biology", language="en")
    pupil = client.accounts.sign_in_student(school.anu.id, "1234")
    with pytest.raises(NotAllowed):
        client.library.import_file(pupil, pdf, meta)
    # Not even the bytes are taken from a student: nobody else may fill the service's disk.
    assert not any((services.paths.data_dir / "uploads").iterdir())
    teacher = client.accounts.sign_in_staff("bat", "teacher-pass-1")
    progress: list[object] = []
    result = client.library.import_file(teacher, pdf, meta, progress=progress.append)
    assert result.outcome == "imported" and result.book.title == "Biology 7"
    assert progress and type(progress[-1]).__name__ == "ImportProgress"
    assert [b.title for b in services.library.books()] == ["Biology 7"]   # in the service
    hits = client.retriever.search("basic unit of life", grade=7, k=2)
    assert hits and hits[0].textbook_id == result.book.id
    # The service kept its own copy; the upload is gone from its spool folder.
    assert not any((services.paths.data_dir / "uploads").iterdir())


def _write_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Cells are the basic unit of life. " * 20)
    pdf.output(str(path))


def _tutor(args: list[str], socket_path: Path, home: Path,
           stdin: str) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    env = {**os.environ, "TUTOR_SERVICE_SOCKET": str(socket_path), "TUTOR_HOME": str(home),
           "LANG": "C.UTF-8", "TUTOR_LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "tutor_desktop", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_tutor_chat_and_ask_work_through_the_service(gemma_writes, service, school,
                                                     tmp_path: Path, services) -> None:
    """The terminal in client mode: its own (empty) data folder, everything in the service."""
    home = tmp_path / "desktop-home"
    chat = _tutor(["chat", "--class", "7A", "--student", "Анужин"], service.socket_path, home,
                  "1234\nWhat is 2 + 3?\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "Анужин" in chat.stdout
    stored = services.conversations.list_for(school.teacher_session, school.anu.id)
    assert len(stored) == 1   # recorded in the service's database, under the student
    assert not (home / "tutor.sqlite3").exists()   # nothing written on the desktop side
    # A staff command as IT (root here) without a staff sign-in: the service refuses it.
    refused = _tutor(["library", "resume"], service.socket_path, home, "")
    assert refused.returncode == 2
    assert "teacher or an admin" in refused.stderr
    asked = _tutor(["ask", "What is 2 + 3?", "--json", "--class", "7A", "--name", "Тэмүүлэн"],
                   service.socket_path, home, "5678\n")
    assert asked.returncode == 0, asked.stderr
    import json

    assert json.loads(asked.stdout)["backend"] == "local"


def test_staff_sign_in_is_throttled_per_connecting_os_account(client, school,
                                                              services) -> None:
    """The throttle's source is the peer's OS account from the socket (SO_PEERCRED), never
    what the client claims."""
    import pwd

    from tutor_desktop.core.errors import WrongPassword

    with pytest.raises(WrongPassword):
        client.accounts.sign_in_staff("bat", "not-the-password", source="os:someone-else")
    rows = services.db.query("SELECT source FROM sign_in_throttle WHERE username = 'bat'")
    assert [row["source"] for row in rows] == [f"os:{pwd.getpwuid(os.geteuid()).pw_name}"]


def test_signing_out_ends_the_token_in_the_service(client, school) -> None:
    from tutor_desktop.service.errors import SessionUnknown

    session = client.accounts.sign_in_student(school.anu.id, "1234")
    assert client.tutor.usage(session).used == 0
    session.end()   # what the window's sign-out calls
    with pytest.raises(SessionUnknown):
        client.tutor.usage(session)


def test_commands_not_offered_by_the_service_say_where_to_run_them(service, tmp_path: Path,
                                                                   school) -> None:
    """Beside a service, a command that does not work through it (`tutor sync status`) must
    not quietly open a second school in the desktop account's folder: it says to run it on
    the service's data instead. `tutor setup` goes through the service (IT's first run)."""
    home = tmp_path / "desktop-home"
    status = _tutor(["sync", "status"], service.socket_path, home, "")
    assert status.returncode == 3
    assert '"tutor sync" does not work through the tutor service yet' in status.stderr
    setup = _tutor(["setup", "--demo"], service.socket_path, home, "")
    assert setup.returncode == 0 and "Already set up." in setup.stdout   # the service's
    assert not list(home.rglob("*.sqlite3"))
    listed = _tutor(["library", "list"], service.socket_path, home, "")   # offered: works
    assert listed.returncode == 0, listed.stderr
    # The window (`tutor gui`) connects too: nothing of a school in the desktop folder.
    window = _tutor(["gui", "--smoke"], service.socket_path, home, "")
    assert window.returncode == 0, window.stderr
    assert not list(home.rglob("*.sqlite3"))


def test_a_picture_goes_through_the_service_to_a_model_that_reads_pictures(
        services, client, school, tmp_path: Path) -> None:
    """The window sends the picture's bytes over the socket; the service's router sends
    it on (the bytes cross the wire once, then are gone)."""
    import io

    from openai_recorder import RecordingOpenAI
    from PIL import Image

    from tutor_desktop.core.config import RemoteProvider
    from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
    from tutor_desktop.core.llm.router import Router

    server = RecordingOpenAI().start()
    try:
        provider = RemoteProvider("school-ai", server.base_url, "vision-model", vision=True)
        services.tutor.backends = Router(None, [RemoteBackend(provider, key_lookup({}, {}))],
                                         policy="remote-first")
        services.tutor.may_write = None
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), "white").save(buffer, format="PNG")
        session = client.accounts.sign_in_student(school.anu.id, "1234")
        conversation = client.tutor.start_conversation(session, subject="math")
        reply = client.tutor.ask(session, conversation.id, "What is drawn here?",
                                 image=buffer.getvalue())
        assert reply.status == "complete" and reply.picture_sent
        assert [n.message_id for n in reply.notices][-1] == "picture_sent_to_model"
        (body,) = server.bodies
        assert body["messages"][-1]["content"][1]["image_url"]["url"].startswith(
            "data:image/jpeg;base64,")
    finally:
        server.close()
