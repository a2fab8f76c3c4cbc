"""The local service's promise, end to end: the service under its own system user, the
terminal and the window as another, unprivileged user — real accounts, real processes,
a real model.

Set-up (as root, as the .deb's postinst would): a system user for the service with its
data folder 0700, a desktop user in the service's group (the socket is 0660), and a
guest outside it. The service process is started directly as its user with ``runuser``
(no systemd in a container). Everything the desktop user does runs in processes of
that user: ``tutor chat`` with scripted standard input, a small client script that
sends six wrong PINs at once, and the window itself, offscreen (a driver script that
builds the real ``MainWindow`` in client mode, signs in through the PIN pad's page and
asks through the chat view). Running the window as the other user, rather than in this
root test process with pytest-qt, is what shows the boundary: root could read the files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from os_accounts import Account, as_user, python_for_everyone, useradd, userdel

from tests.model_files import gemma_gguf
from tutor_desktop.core.config import load_config
from tutor_desktop.core.paths import resolve_paths
from tutor_desktop.service.client import connect, wait_for_socket

pytestmark = pytest.mark.slow


def _chown(path: Path, account: Account, mode: int) -> None:
    os.chown(path, account.uid, account.gid)
    os.chmod(path, mode)


@pytest.fixture(scope="module")
def lab_pc() -> Iterator[SimpleNamespace]:
    suffix = str(os.getpid() % 100_000)
    service_user = useradd(f"tutorsvc{suffix}", system=True)
    names = [service_user.name]
    try:
        desktop = useradd(f"pupils{suffix}", groups=(service_user.name,))
        names.append(desktop.name)
        guest = useradd(f"guest{suffix}")
        names.append(guest.name)
        base = Path(tempfile.mkdtemp(prefix="tutor-lab-pc-"))
        os.chmod(base, 0o755)
        data, run, home = base / "var-lib-tutor", base / "run", base / "home"
        for folder in (data, run, home, base / "guest", base / "models", base / "shipped"):
            folder.mkdir()
            os.chmod(folder, 0o755)
        _chown(data, service_user, 0o700)
        _chown(run, service_user, 0o750)   # the desktop user reaches the socket via its group
        _chown(home, desktop, 0o700)
        _chown(base / "guest", guest, 0o700)
        (base / "models" / "gemma.gguf").symlink_to(gemma_gguf())
        python, env = python_for_everyone()
        command = [*python, "-m", "tutor_desktop"]
        env = {**os.environ, **env, "TUTOR_MODELS_DIR": str(base / "models"),
               "TUTOR_SHIPPED_MODELS_DIR": str(base / "shipped"), "TUTOR_ANSWER_GATE": "0",
               "TUTOR_MAX_NEW_TOKENS": "24", "LANG": "C.UTF-8", "TUTOR_LANGUAGE": "en"}
        # The service's secret store gets a secret (the school's USB key), as on a real PC.
        subprocess.run(as_user(service_user, [*command, "--data-dir", str(data), "sync",
                                              "enroll", "--code", "LAB-CODE-1234"]),
                       env={**env, "HOME": str(data)}, check=True, capture_output=True)
        socket_path = run / "tutor.sock"
        process = subprocess.Popen(
            as_user(service_user, [*command, "--data-dir", str(data), "service",
                                   "--socket", str(socket_path), "--group", service_user.name]),
            env={**env, "HOME": str(data)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            wait_for_socket(socket_path, timeout=120)
        except Exception:
            process.kill()
            raise AssertionError(process.communicate()[1]) from None
        client_env = {**env, "HOME": str(home), "TUTOR_HOME": str(home / "tutor"),
                      "TUTOR_SERVICE_SOCKET": str(socket_path), "XDG_RUNTIME_DIR": str(home)}
        # Before any school exists: the desktop user (a group member) tries to create it
        # and make itself admin, then IT does it with `tutor setup` as root.
        claim = subprocess.run(
            as_user(desktop, [*python, "-c", _CLAIM_SCHOOL, str(socket_path)]),
            env=client_env, capture_output=True, text=True, timeout=300)
        setup = subprocess.run(
            [*command, "setup", "--school", "Lab School", "--admin-name", "Admin",
             "--admin-username", "admin", "--language", "en", "--password-stdin"],
            input="admin-pass-1\n", env={**client_env, "HOME": str(base)},
            capture_output=True, text=True, timeout=300)
        school = _school(socket_path, base)
        yield SimpleNamespace(service_user=service_user, desktop=desktop, guest=guest,
                              data=data, socket=socket_path, command=command, python=python,
                              env=client_env, claim=claim, setup=setup,
                              process=process, school=school, base=base)
        process.terminate()
        process.wait(30)
        shutil.rmtree(base, ignore_errors=True)
    finally:
        for name in names:
            userdel(name)


def _school(socket_path: Path, base: Path) -> SimpleNamespace:
    """Classes and students, over the socket, by the admin IT created with `tutor setup`."""
    paths = resolve_paths(base / "it-client")
    services = connect(socket_path, paths, load_config(paths.user_config_file))
    try:
        accounts = services.accounts
        admin = accounts.sign_in_staff("admin", "admin-pass-1")
        class_7a = accounts.create_class(admin, "7A", 7)
        anu = accounts.create_student(admin, class_7a.id, "Анужин", "1234")
        bold = accounts.create_student(admin, class_7a.id, "Болд", "5678")
        return SimpleNamespace(class_7a=class_7a, anu=anu, bold=bold)
    finally:
        services.close()


_CLAIM_SCHOOL = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.client import connect

    services = connect(Path(sys.argv[1]), resolve_paths(None), load_config(None))
    try:
        services.accounts.first_run_setup("Pupils' School", "Me", "me", "me-pass-123", "en")
        outcome = "created"
    except Exception as error:
        outcome = type(error).__name__
    print(json.dumps({"outcome": outcome, "set_up": services.accounts.is_set_up()}))
""")


def _as_desktop(pc: SimpleNamespace, args: list[str], stdin: str = "", *,
                user: Account | None = None) -> subprocess.CompletedProcess[str]:
    env = pc.env
    if user is not None and user != pc.desktop:   # another account, its own home
        env = {**env, "HOME": str(pc.base / "guest"), "TUTOR_HOME": str(pc.base / "guest")}
    return subprocess.run(as_user(user or pc.desktop, args), input=stdin, text=True,
                          capture_output=True, env=env, timeout=600)


def _teacher_view(pc: SimpleNamespace) -> tuple[Any, Any]:
    paths = resolve_paths(pc.base / "it-client")
    services = connect(pc.socket, paths, load_config(paths.user_config_file))
    return services, services.accounts.sign_in_staff("admin", "admin-pass-1")


def test_the_desktop_user_cannot_open_the_database_or_the_secrets(lab_pc) -> None:
    database = lab_pc.data / "tutor.sqlite3"
    assert database.exists() and any(lab_pc.data.glob("secret*")), sorted(lab_pc.data.iterdir())
    for target in [database, *lab_pc.data.glob("secret*"), lab_pc.data]:
        opened = _as_desktop(lab_pc, ["cat" if target.is_file() else "ls", str(target)])
        assert opened.returncode != 0
        assert "Permission denied" in opened.stderr, opened.stderr
    # The socket is 0660 for the service's group: an account outside it cannot connect.
    guest = _as_desktop(lab_pc, [*lab_pc.command, "chat"], user=lab_pc.guest)
    assert guest.returncode == 3
    assert "may not use the tutor service" in guest.stderr, guest.stderr


def test_sign_in_and_a_streamed_answer_in_tutor_chat(lab_pc) -> None:
    chat = _as_desktop(lab_pc, [*lab_pc.command, "chat", "--class", "7A", "--student",
                                "Анужин"], "1234\nWhat is 2 + 3?\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "Анужин" in chat.stdout
    services, admin = _teacher_view(lab_pc)
    try:
        conversations = services.conversations.list_for(admin, lab_pc.school.anu.id)
        assert len(conversations) == 1   # stored by the service, under the student
        answer = services.conversations.messages(admin, conversations[0].id)[-1]
        assert answer.role == "assistant" and answer.backend == "local"
        assert answer.content.strip() and answer.content.strip() in chat.stdout
    finally:
        services.close()
    # Nothing of the school's data landed in the desktop user's folders.
    assert not list((lab_pc.base / "home").rglob("*.sqlite3"))


_PARALLEL = textwrap.dedent("""
    import json, sys, threading
    from pathlib import Path
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.client import connect

    socket, student = Path(sys.argv[1]), sys.argv[2]
    paths = resolve_paths(None)
    links = [connect(socket, paths, load_config(None)) for _ in range(6)]
    barrier, results = threading.Barrier(6), []

    def guess(services):
        barrier.wait()
        try:
            services.accounts.sign_in_student(student, "0000")
            results.append("signed in")
        except Exception as error:
            results.append(type(error).__name__)

    threads = [threading.Thread(target=guess, args=(s,)) for s in links]
    [t.start() for t in threads]
    [t.join() for t in threads]
    services = links[0]
    try:
        services.accounts.sign_in_student(student, "5678")
        right = "signed in"
    except Exception as error:
        right = type(error).__name__
    refused = {}
    for label, call in [("no sign-in", lambda: services.library.remove(None, "x")),
                        ("as IT", lambda: services.tutor.answer_once(None, "hi"))]:
        try:
            call()
            refused[label] = "done"
        except Exception as error:
            refused[label] = type(error).__name__
    pupil = services.accounts.sign_in_student(%r, "1234")
    for label, call in [("as a student", lambda: services.library.remove(pupil, "x")),
                        ("answer as a student", lambda: services.tutor.answer_once(pupil, "hi"))]:
        try:
            call()
            refused[label] = "done"
        except Exception as error:
            refused[label] = type(error).__name__
    print(json.dumps({"guesses": results, "right_pin": right, "refused": refused}))
    [s.close() for s in links]
""")


def test_six_parallel_wrong_pins_lock_and_staff_calls_are_refused(lab_pc) -> None:
    """Six wrong PINs sent at once from the desktop user's process, each on its own
    connection: the student is locked (even the right PIN is refused now). Then staff
    calls from that user without a staff sign-in are refused: the library's by the core
    (the session travels with the call), an unrecorded answer too."""
    script = lab_pc.base / "home" / "parallel.py"
    script.write_text(_PARALLEL % lab_pc.school.anu.id, encoding="utf-8")
    os.chmod(script, 0o644)
    ran = _as_desktop(lab_pc, [*lab_pc.python, str(script), str(lab_pc.socket),
                               lab_pc.school.bold.id])
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])
    assert "signed in" not in outcome["guesses"]
    assert outcome["guesses"].count("WrongPin") <= 5 and "LockedOut" in outcome["guesses"]
    assert outcome["right_pin"] == "LockedOut"
    assert outcome["refused"] == {"no sign-in": "NotAllowed", "as IT": "NotAllowed",
                                  "as a student": "NotAllowed",
                                  "answer as a student": "NotAllowed"}
    # And the terminal's staff command, as that user, without a staff sign-in.
    resume = _as_desktop(lab_pc, [*lab_pc.command, "library", "resume"])
    assert resume.returncode == 2 and "teacher" in resume.stderr.lower(), resume.stderr


def test_the_service_keeps_running_while_clients_come_and_go(lab_pc) -> None:
    assert lab_pc.process.poll() is None
    health = wait_for_socket(lab_pc.socket, timeout=5)
    assert health["uid"] == lab_pc.service_user.uid   # answered by the service's account


def test_the_window_as_the_desktop_user(lab_pc) -> None:
    """The real MainWindow, offscreen, in a process of the desktop user: PIN pad, subject
    tile, a question; the answer streams from the service's model."""
    driver = lab_pc.base / "home" / "window_driver.py"
    shutil.copyfile(Path(__file__).with_name("window_driver.py"), driver)
    os.chmod(driver, 0o644)
    ran = _as_desktop(lab_pc, [*lab_pc.python, str(driver), "7A", "Анужин", "1234",
                               "What is 3 + 4?"])
    assert ran.returncode == 0, ran.stderr[-3000:]
    shown = json.loads(ran.stdout.strip().splitlines()[-1])
    assert shown["mode"] == "service" and shown["user"] == "Анужин"
    assert shown["deltas"] > 3 and shown["messages"] == ["user", "assistant"]
    services, admin = _teacher_view(lab_pc)
    try:
        latest = services.conversations.list_for(admin, lab_pc.school.anu.id)[0]
        assert latest.subject == "math"
        assert services.conversations.messages(admin, latest.id)[0].content == "What is 3 + 4?"
    finally:
        services.close()


def test_only_it_creates_the_school_through_the_service(lab_pc) -> None:
    """Before a school exists nobody can sign in: a group member (the students' desktop
    account) is refused when it tries to create the school and become its admin; root's
    ``tutor setup`` creates it through the service (SO_PEERCRED says uid 0)."""
    assert lab_pc.claim.returncode == 0, lab_pc.claim.stderr
    claimed = json.loads(lab_pc.claim.stdout.strip().splitlines()[-1])
    assert claimed == {"outcome": "SetupNeedsOsAdmin", "set_up": False}
    assert lab_pc.setup.returncode == 0, lab_pc.setup.stderr
    assert "Lab School" in lab_pc.setup.stdout
    services, admin = _teacher_view(lab_pc)   # the admin root created signs in
    try:
        assert services.accounts.school_name() == "Lab School" and admin.is_admin
    finally:
        services.close()
    # Once the school exists the core refuses a second set-up, even for IT.
    again = subprocess.run([*lab_pc.command, "setup", "--school", "Other", "--password-stdin"],
                           input="another-pass-1\n", env=lab_pc.env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 2, again.stdout + again.stderr


def test_doctor_names_the_mode_and_the_desktop_user_cannot_read_the_data(lab_pc) -> None:
    doctor = _as_desktop(lab_pc, [*lab_pc.command, "doctor", "--lang", "en"])
    lines = doctor.stdout.splitlines()
    mode = next(line for line in lines if line.split()[1:2] == ["mode"])
    assert mode.startswith("OK") and f"service at {lab_pc.socket}" in mode
    privacy = next(line for line in lines if line.split()[1:2] == ["data-privacy"])
    assert privacy.startswith("OK") and "belongs to the service's account" in privacy
    # The service's own checks come through: its database, its data folder.
    assert any(line.split()[1:2] == ["service:database"] for line in lines), doctor.stdout
    assert doctor.returncode in (0, 1), doctor.stdout + doctor.stderr
