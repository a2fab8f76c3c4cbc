"""The terminal asks for a sign-in like the window: staff actions need a staff
sign-in (or IT as OS admin), ``tutor ask`` is recorded and limited, "local model only"
holds for ``--backend remote``, and ``library remove %`` matches no book."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tutor_desktop.cli.main import main
from tutor_desktop.core.privacy import os_admin
from tutor_desktop.core.storage import new_id, utc_now


@pytest.fixture
def not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """A student's desktop account: no OS-administrator rights (tests run as root)."""
    monkeypatch.setattr(os_admin, "is_os_admin", lambda: False)


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path,
         *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("action", [["add", "nothing.pdf"], ["remove", "0123456789abcdef"],
                                    ["import-samples"], ["resume"]])
def test_library_changes_need_a_staff_sign_in(services, school, not_root, monkeypatch, capsys,
                                              action: list[str]) -> None:
    data = services.paths.data_dir
    code, _out, err = _run(monkeypatch, capsys, data, "library", *action)
    assert code == 2 and "Only a teacher or an admin" in err
    # A student's PIN is no staff sign-in...
    code, _out, err = _run(monkeypatch, capsys, data, "library", *action, "--user", "bat",
                           "--password-stdin", stdin="1234\n")
    assert code == 2 and "Wrong name or password" in err


def test_library_resume_works_for_a_signed_in_teacher(services, school, not_root, monkeypatch,
                                                      capsys) -> None:
    code, _out, err = _run(monkeypatch, capsys, services.paths.data_dir, "library", "resume",
                           "--user", "bat", "--password-stdin", stdin="teacher-pass-1\n")
    assert code == 0, err


def test_remove_percent_matches_no_book(services, school, not_root, monkeypatch, capsys) -> None:
    book_id, now = new_id(), utc_now()
    with services.db.write() as conn:
        conn.execute("INSERT INTO textbooks (id, title, subject, grade, language, sha256, status,"
                     " created_at, updated_at) VALUES (?, 'Биологи 7', 'biology', 7, 'mn', 'x',"
                     " 'ready', ?, ?)", (book_id, now, now))
    library = services.library
    assert library.find("%") is None and library.find("_") is None
    assert library.find(book_id[:4]) is None  # too short to be sure which book
    assert library.find(book_id[:8]).id == book_id
    for pattern in ("%", "_%", book_id[:7] + "%"):
        code, _out, _err = _run(monkeypatch, capsys, services.paths.data_dir, "library",
                                "remove", pattern, "--user", "admin", "--password-stdin",
                                stdin="admin-pass-1\n")
        assert code == 2
    assert library.get(book_id) is not None


def test_ask_needs_a_sign_in_and_is_recorded_within_the_daily_limit(
        services, school, not_root, monkeypatch, capsys) -> None:
    data = services.paths.data_dir
    code, _out, err = _run(monkeypatch, capsys, data, "ask", "2+2?", "--lang", "en")
    assert code == 2 and "Sign in first" in err
    services.accounts.update_class(school.teacher_session, school.class_7a.id,
                                   daily_message_limit=1)
    code, _out, err = _run(monkeypatch, capsys, data, "ask", "2+2 хэд вэ?", "--class", "7A",
                           "--name", "Анужин", "--lang", "en", stdin="0000\n")
    assert code == 2 and "PIN is not right" in err
    _run(monkeypatch, capsys, data, "ask", "2+2 хэд вэ?", "--class", "7A", "--name", "Анужин",
         "--lang", "en", "--backend", "local", stdin="1234\n")
    anu = services.accounts.sign_in_student(school.anu.id, "1234")
    (conversation,) = services.conversations.list_for(anu)
    asked = [m.content for m in services.conversations.messages(anu, conversation.id)
             if m.role == "user"]
    assert asked == ["2+2 хэд вэ?"]
    code, _out, err = _run(monkeypatch, capsys, data, "ask", "3+3?", "--class", "7A", "--name",
                           "Анужин", "--lang", "en", stdin="1234\n")
    assert code == 2 and "questions for today" in err


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1", seen
    server.shutdown()
    server.server_close()


def test_local_only_policy_holds_for_backend_remote(tmp_path: Path, listener, monkeypatch,
                                                    capsys) -> None:
    url, seen = listener
    data = tmp_path / "data"
    (tmp_path / "config").mkdir()
    monkeypatch.setenv("TUTOR_ROUTING_POLICY", "local-only")
    monkeypatch.setenv("TUTOR_REMOTE_BASE_URL", url)
    monkeypatch.setenv("TUTOR_REMOTE_MODEL", "m")
    monkeypatch.setenv("TUTOR_REMOTE_API_KEY", "sk-must-not-leave")
    code, _out, _err = _run(monkeypatch, capsys, data, "setup", "--demo")
    assert code == 0
    code, out, err = _run(monkeypatch, capsys, data, "ask", "2+2?", "--lang", "en",
                          "--backend", "remote", "--class", "7A", "--name", "Сурагч",
                          "--json")
    assert "local model only" in out + err
    assert seen == []  # the loopback "provider" received nothing: no question, no key
