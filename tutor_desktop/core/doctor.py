"""``tutor doctor``: one line per thing that can be wrong on a lab PC, with a fix.

Each check is a small function returning a :class:`Check`. Feature areas write
checks that take their own service; the composition root binds them to the
services it built and passes them to :func:`run_checks`, so this module stays
free of feature imports and holds no global registry.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from tutor_desktop.core.config import Config
from tutor_desktop.core.paths import AppPaths
from tutor_desktop.core.secrets_store import SecretStore
from tutor_desktop.core.storage import Database


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    hint: str = ""

    def as_dict(self) -> dict[str, str]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass
class DoctorContext:
    """What checks may look at; ``db`` and ``secrets`` are None when the services
    could not be built (a damaged database, an unwritable folder)."""

    paths: AppPaths
    config: Config
    db: Database | None = None
    secrets: SecretStore | None = None


CheckFn = Callable[[DoctorContext], Check | list[Check]]


def check_python(_: DoctorContext) -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", Status.OK, f"Python {version}")


def check_qt(_: DoctorContext) -> Check:
    if importlib.util.find_spec("PySide6") is None:
        return Check("qt", Status.FAIL, "PySide6 is not installed",
                     "pip install pyside6-essentials")
    platform = os.environ.get("QT_QPA_PLATFORM")
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and not (platform or has_display):
        return Check("qt", Status.WARN, "no display: the window cannot open here",
                     "Use `tutor chat`, or run under a desktop / Xvfb.")
    from importlib import metadata

    spec = importlib.util.find_spec("PySide6")
    root = Path(spec.origin).parent if spec and spec.origin else Path()
    plugins = root / "Qt" / "plugins" / "platforms"
    names = sorted(p.name for p in plugins.glob("*")) if plugins.is_dir() else []
    try:
        version = metadata.version("pyside6-essentials")
    except metadata.PackageNotFoundError:
        version = "?"
    detail = f"PySide6 {version}; platform {platform or 'default'}"
    if names:
        detail += f"; plugins: {', '.join(n.split('.')[0].removeprefix('libq') for n in names[:6])}"
    return Check("qt", Status.OK, detail)


def check_sqlite(ctx: DoctorContext) -> Check:
    try:
        import sqlean

        from tutor_desktop.core.storage.connection import load_vec, sqlite_version

        conn = sqlean.connect(":memory:")
        try:
            vec = load_vec(conn)
        finally:
            conn.close()
    except Exception as exc:
        return Check("sqlite", Status.FAIL, f"sqlite-vec cannot load: {exc}",
                     "Reinstall: pip install --force-reinstall sqlite-vec sqlean.py")
    return Check("sqlite", Status.OK, f"SQLite {sqlite_version()}, sqlite-vec {vec}")


def check_database(ctx: DoctorContext) -> Check:
    if ctx.db is None:
        return Check("database", Status.FAIL, f"cannot open {ctx.paths.database}",
                     "See the error above; restore from backup if the file is damaged.")
    result = ctx.db.integrity_check()
    if result != "ok":
        return Check("database", Status.FAIL, f"integrity check: {result}",
                     "Copy tutor.sqlite3 aside and contact support.")
    return Check("database", Status.OK, f"{ctx.paths.database} (integrity ok)")


def check_llama(_: DoctorContext) -> Check:
    try:
        from tutor_desktop.core.cpu import prepare_openmp

        prepare_openmp()  # the doctor may be the first to load llama.cpp in this process
        import llama_cpp
    except Exception as exc:
        return Check("llama-cpp", Status.FAIL, f"llama-cpp-python does not load: {exc}",
                     "pip install llama-cpp-python (builds from source, ~5 min)")
    return Check("llama-cpp", Status.OK, f"llama-cpp-python {llama_cpp.__version__}")


def check_keyring(ctx: DoctorContext) -> Check:
    if ctx.secrets is None:
        return Check("secrets", Status.WARN, "not checked (database unavailable)")
    name = ctx.secrets.backend_name
    if name == "encrypted-file":
        return Check("secrets", Status.OK, "encrypted file store (no OS keyring on this system)")
    return Check("secrets", Status.OK, name)


def check_data_dir(ctx: DoctorContext) -> Check:
    folder = ctx.paths.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True) as handle:
            handle.write(b"ok")
            handle.flush()
    except OSError as exc:
        return Check("data-folder", Status.FAIL, f"{folder} is not writable ({exc.strerror})",
                     "Give the app's users write access, or start with --data-dir DIR.")
    return Check("data-folder", Status.OK, f"{folder} writable")


def check_data_privacy(ctx: DoctorContext) -> Check:
    """Other OS accounts must not read the students' data."""
    from tutor_desktop.core.privacy.permissions import exposed

    folder = ctx.paths.data_dir
    problems = exposed([folder, ctx.paths.database, ctx.paths.secrets_file])
    if problems:
        return Check("data-privacy", Status.WARN, "; ".join(problems),
                     f"Other accounts on this PC can copy students' conversations. Run "
                     f"'chmod 700 {folder}' (or start the app once: it tightens the folder).")
    return Check("data-privacy", Status.OK, f"{folder} is private to this OS account")


def check_disk(ctx: DoctorContext) -> Check:
    folder = ctx.paths.data_dir
    probe = folder if folder.exists() else folder.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free_gb = shutil.disk_usage(probe).free / 1024**3
    if free_gb < 0.5:
        return Check("disk", Status.FAIL, f"{free_gb:.1f} GB free", "Free at least 2 GB.")
    if free_gb < 2:
        return Check("disk", Status.WARN, f"{free_gb:.1f} GB free",
                     "Models and textbooks need about 2 GB; free some space.")
    return Check("disk", Status.OK, f"{free_gb:.1f} GB free")


def check_models_folder(ctx: DoctorContext) -> Check:
    folders = ctx.paths.model_dirs(ctx.config.models_dir)
    found = [p for folder in folders if folder.is_dir() for p in folder.glob("*.gguf")]
    if not found:
        return Check("models", Status.WARN, "no GGUF model files found",
                     "Run `tutor models install-default` or copy a .gguf into models/.")
    return Check("models", Status.OK, f"{len(found)} GGUF file(s): "
                 + ", ".join(p.name for p in found[:4]))


def check_microphone(_: DoctorContext) -> Check:
    try:
        import sounddevice
    except OSError:
        return Check("microphone", Status.WARN, "PortAudio library not found",
                     "Install libportaudio2 (Linux) to use voice questions.")
    except Exception as exc:
        return Check("microphone", Status.WARN, f"sounddevice unavailable: {exc}")
    try:
        device = sounddevice.query_devices(kind="input")
    except Exception:
        return Check("microphone", Status.WARN, "no input device",
                     "Plug in a microphone; students can still type.")
    return Check("microphone", Status.OK, str(device["name"]))


def check_remote(ctx: DoctorContext) -> list[Check]:
    results: list[Check] = []
    targets = [(p.name, p.base_url) for p in ctx.config.remote_providers]
    if ctx.config.cloud_api_url:
        targets.append(("sync-api", ctx.config.cloud_api_url))
    if not targets:
        return [Check("remote", Status.OK, "no remote services configured (offline mode)")]
    import httpx

    for name, url in targets:
        try:
            response = httpx.get(url, timeout=httpx.Timeout(5.0), follow_redirects=False)
            results.append(Check(f"remote:{name}", Status.OK,
                                 f"{url} reachable (HTTP {response.status_code})"))
        except httpx.HTTPError as exc:
            results.append(Check(f"remote:{name}", Status.WARN,
                                 f"{url} unreachable ({type(exc).__name__})",
                                 "Offline is fine: the local model answers. Check the network."))
    return results


CORE_CHECKS: tuple[CheckFn, ...] = (
    check_python, check_qt, check_sqlite, check_data_dir, check_data_privacy, check_database,
    check_disk,
    check_llama, check_models_folder, check_microphone, check_keyring, check_remote,
)


def run_checks(ctx: DoctorContext, extra: Sequence[CheckFn] = ()) -> list[Check]:
    """Run the core checks, then ``extra`` (the feature checks the composition root
    bound to its services); a check that crashes is reported as FAIL, never raised."""
    results: list[Check] = []
    for check in (*CORE_CHECKS, *extra):
        try:
            outcome = check(ctx)
        except Exception as exc:
            outcome = Check(getattr(check, "__name__", "check"), Status.FAIL,
                            f"check crashed: {exc}")
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results
