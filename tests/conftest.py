"""Shared fixtures: an isolated data folder and wired services per test."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt aborts without a display; every test runs offscreen. Secrets use the encrypted
# file store so no test touches a real keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["TUTOR_SECRETS_BACKEND"] = "file"
# tests/.cache may be a symlink to a cache shared by several checkouts: create its
# target if it is missing (model_files and speech_audio write below it).
_CACHE = Path(__file__).resolve().parent / ".cache"
if _CACHE.is_symlink() and not _CACHE.exists():
    with contextlib.suppress(OSError):  # e.g. a target that is itself a broken link
        Path(os.readlink(_CACHE)).mkdir(parents=True, exist_ok=True)
# With the file store forced, a usable OS keyring would still be asked to hold the file's
# key: on a developer's desktop no test may touch the real keyring.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
for _var in list(os.environ):
    if _var.startswith("TUTOR_") and _var not in ("TUTOR_SECRETS_BACKEND",):
        del os.environ[_var]
# The safety check of services built by composition runs on its patterns: loading the
# e5 model in every test that asks a question costs a second each. tests/safety runs the
# full check (patterns + the real e5 embedder) explicitly, and its CLI tests opt back in.
os.environ["TUTOR_SAFETY_EMBEDDINGS"] = "0"


# Which tests share a pytest-xdist worker (``make test`` runs ``-n auto --dist loadgroup``):
# the hook lives in its own module, tested on a small project by
# tests/foundation/test_parallel_units.py.
from xdist_units import pytest_xdist_make_scheduler  # noqa: E402, F401


@pytest.fixture(scope="session", autouse=True)
def _empty_program_models_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ``models/`` folder next to the program is an empty one for every test.

    Otherwise "no model" and "model installed" would depend on whether ``make test`` ran
    ``tutor models install-default`` into the checkout first. Tests that need a model link
    one into their data folder. Set in the environment, so ``tutor`` subprocesses see it.
    """
    folder = tmp_path_factory.mktemp("program-models")
    os.environ["TUTOR_SHIPPED_MODELS_DIR"] = str(folder)
    yield folder
    os.environ.pop("TUTOR_SHIPPED_MODELS_DIR", None)


#: scrypt at the app's real cost (N=2^17, 128 MiB) takes ~0.3-0.5 s per hash; the
#: fixtures below create several users per test. Tests use a cheap cost unless
#: they pass ``hash_cost=ScryptCost()`` (tests/foundation/test_sign_in_hardening.py
#: does, with the real parameters).
@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor_desktop.core.accounts import hashing

    monkeypatch.setattr(hashing, "DEFAULT_COST", hashing.ScryptCost(n=2**10))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, built once per session.

    Each test's data folder starts from a copy of it (Anki's template trick) instead of
    running all migrations again: the same file a first start would create, for a copy.
    """
    from tutor_desktop.core.storage import Database

    path = tmp_path_factory.mktemp("template") / "tutor.sqlite3"
    Database(path).close()
    return path


@pytest.fixture
def services(data_dir: Path, migrated_database: Path) -> Iterator[object]:
    from tutor_desktop.composition import build_services
    from tutor_desktop.core.paths import resolve_paths

    database = resolve_paths(data_dir).database
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_database, database)
    built = build_services(data_dir)
    yield built
    built.close()


@pytest.fixture
def school(services):
    """A set-up school: admin, a teacher with class 7A (PINs) and 2A (no PIN), students."""
    from types import SimpleNamespace

    accounts = services.accounts
    accounts.first_run_setup("School 1", "Admin", "admin", "admin-pass-1", "mn")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    teacher = accounts.create_teacher(admin, "bat", "Bat Teacher", "teacher-pass-1")
    teacher_session = accounts.sign_in_staff("bat", "teacher-pass-1")
    class_7a = accounts.create_class(teacher_session, "7A", 7)
    class_2a = accounts.create_class(admin, "2A", 2, allow_no_pin=True)
    anu = accounts.create_student(teacher_session, class_7a.id, "Анужин", "1234")
    temuulen = accounts.create_student(teacher_session, class_7a.id, "Тэмүүлэн", "5678")
    small = accounts.create_student(admin, class_2a.id, "Болд", None)
    return SimpleNamespace(admin=admin, teacher=teacher, teacher_session=teacher_session,
                           class_7a=class_7a, class_2a=class_2a, anu=anu, temuulen=temuulen,
                           small=small)
