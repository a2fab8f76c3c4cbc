"""The PyInstaller spec names every module ``tutor service`` imports by name.

PyInstaller follows ``import`` statements; uvicorn picks its event loop and lifespan
classes from strings when it starts, and Starlette's streamed replies load anyio's
asyncio backend from a string. A bundle without them starts the window but its
service dies at start-up on the lab PC. Building the bundle takes minutes, so this test
does what the bundle would: it runs a real service and a real streamed call in a fresh
interpreter, records every module first loaded through ``importlib.import_module`` (not
by an import statement), and checks the spec lists each one of the service's stack (and
that each listed module exists).
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installers" / "tutor.spec"

# Third-party packages of the service's server and client; the app's own modules are all
# collected by the spec (collect_submodules("tutor_desktop")).
SERVICE_STACK = ("uvicorn", "starlette", "anyio", "h11", "httpx", "httpcore", "sniffio")

_RUN = textwrap.dedent("""
    import importlib, importlib.util, json, sys, tempfile, threading
    loaded = []
    real = importlib.import_module

    def recording(name, package=None):
        full = importlib.util.resolve_name(name, package) if name.startswith(".") else name
        caller = sys._getframe(1).f_globals.get("__name__", "")
        # First loaded here, by name. anyio's lazy importer reads its own source, which a
        # bundle does not have: there it falls back to plain import statements.
        if full not in sys.modules and caller != "anyio._lazyimport":
            loaded.append(full)
        return real(name, package)

    importlib.import_module = recording   # before anything below imports uvicorn or anyio
    from pathlib import Path
    from tutor_desktop.composition import build_services
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.client import connect, wait_for_socket
    from tutor_desktop.service.server import LocalService

    work = Path(tempfile.mkdtemp())
    services = build_services(work / "data")
    accounts = services.accounts
    accounts.first_run_setup("School", "Admin", "admin", "admin-pass-1", "en")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    grade = accounts.create_class(admin, "2A", 2, allow_no_pin=True)
    pupil = accounts.create_student(admin, grade.id, "Bold", None)
    local = LocalService(services, work / "run" / "tutor.sock", group=None)
    thread = threading.Thread(target=local.run, daemon=True)
    thread.start()
    wait_for_socket(local.socket_path, timeout=60)
    paths = resolve_paths(work / "client")
    client = connect(local.socket_path, paths, load_config(paths.user_config_file))
    session = client.accounts.sign_in_student(pupil.id, None)
    conversation = client.tutor.start_conversation(session, subject="math")
    deltas = []
    client.tutor.ask(session, conversation.id, "What is a fraction?", on_delta=deltas.append)
    client.close()
    local.stop()
    thread.join(10)
    services.close()
    print(json.dumps(sorted(set(loaded))))
""")


def _spec_list(name: str) -> list[str]:
    """A list assigned in the spec, read without running PyInstaller."""
    for node in ast.parse(SPEC.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(item) for item in value]
    raise AssertionError(f"{name} is not in {SPEC.name}")


def test_every_module_the_service_loads_by_name_is_in_the_spec() -> None:
    listed = _spec_list("SERVICE_HIDDEN_IMPORTS")
    for module in listed:   # each name resolves (a typo would be a silent no-op)
        importlib.import_module(module)
    ran = subprocess.run([sys.executable, "-c", _RUN], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert ran.returncode == 0, ran.stderr[-3000:]
    loaded = json.loads(ran.stdout.strip().splitlines()[-1])
    by_name = {name for name in loaded if name.split(".")[0] in SERVICE_STACK}
    assert "uvicorn.loops.asyncio" in by_name   # the recording works
    assert sorted(by_name - set(listed)) == []
    spec = SPEC.read_text("utf-8")
    assert "hidden = collect_submodules(\"tutor_desktop\") + SERVICE_HIDDEN_IMPORTS" in spec
    assert "hiddenimports=hidden" in spec


def test_the_windows_service_modules_are_in_the_spec() -> None:
    """pywin32 exists only on Windows: here the spec's list is checked against what
    tutor_desktop/service/windows.py imports."""
    listed = set(_spec_list("WINDOWS_SERVICE_IMPORTS"))
    source = ROOT / "tutor_desktop" / "service" / "windows.py"
    imported = {alias.name for node in ast.walk(ast.parse(source.read_text("utf-8")))
                if isinstance(node, ast.Import) for alias in node.names}
    pywin32 = {name for name in imported if name.startswith(("win32", "servicemanager"))}
    assert pywin32 and pywin32 <= listed
    assert "win32timezone" in listed   # loaded by name by pywin32's service host
    if sys.platform == "win32":
        for module in listed:
            importlib.import_module(module)
