"""``tutor doctor`` lines for the model files: each one found, checked against the manifest.

Hashes are cached by size and modification time, so doctor stays quick on a PC
with several gigabytes of models; ``tutor models verify`` re-hashes everything.
"""

from __future__ import annotations

from tutor_desktop.core.doctor import Check, Status
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.llm.discovery import scan_models
from tutor_desktop.core.llm.manager import ModelManager, corrupt_notice

CHECKED_KINDS = ("chat", "embedding")


def model_file_checks(manager: ModelManager) -> list[Check]:
    """One line per model file the manager can see, and a warning if none can chat."""
    scan = scan_models(manager.entries, manager.folders, manager.cache, kinds=CHECKED_KINDS)
    results: list[Check] = []
    for found in scan.files:
        name = f"model:{found.name}"
        if found.status == "corrupt":
            notice = corrupt_notice(found)
            results.append(Check(name, Status.FAIL, tr(notice.message_id, "en", **notice.params),
                                 "Copy the file again, then run `tutor models verify`."))
        elif found.status == "ok":
            results.append(Check(name, Status.OK,
                                 f"{found.path.name}: sha256 matches the manifest"))
        else:
            results.append(Check(name, Status.WARN,
                                 f"{found.path.name}: not in models/manifest.toml, checksum "
                                 "unknown", "Add it to the manifest to have it verified."))
    if not scan.usable("chat"):
        results.append(Check("model:chat", Status.WARN, "no usable chat model",
                             "Run `tutor models install-default` or copy a GGUF into models/."))
    return results

