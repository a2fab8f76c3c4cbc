"""``tutor doctor`` lines for voice questions: speech models per language, online service.

The microphone itself is a core doctor check; these say whether anything can
turn speech into text for each UI language, and what IT staff can do if not.
The composition root binds them to its speech service for ``tutor doctor``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tutor_desktop.core.config import LANGUAGES, Config
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.speech.remote import check_remote_url
from tutor_desktop.core.speech.service import SpeechService

if TYPE_CHECKING:
    from tutor_desktop.core.doctor import Check


def speech_checks(speech: SpeechService, config: Config) -> list[Check]:
    """Per UI language: can speech be turned into text here, and if not, how to fix it."""
    from tutor_desktop.core.doctor import Check, Status

    # The config file's, else the one an admin set in Settings → Services.
    remote_url = config.remote_stt_url.strip() or speech.remote_url()
    results: list[Check] = []
    for language in LANGUAGES:
        found = speech.vosk_models(language)
        if found:
            results.append(Check(f"speech:{language}", Status.OK,
                                 "Vosk model " + ", ".join(str(p) for p in found[:2])))
        elif remote_url:
            results.append(Check(f"speech:{language}", Status.OK,
                                 "no local model; the online service is used when reachable"))
        else:
            # Where a school's own model goes and how the app finds it (vosk_engine.py):
            # a folder named for the language, anywhere in the model folders.
            folder = _first_models_dir(speech) / "vosk-model-mn"
            hint = (f"Vosk has no official Mongolian model. To add the school's own, unzip it "
                    f"so its folder is named vosk-model-mn (e.g. {folder}), "
                    f"then run tutor doctor again; or set the speech service's address and "
                    f"key in Settings → Services (remote_stt_url)."
                    if language == "mn" else
                    "Unzip vosk-model-small-en-us-0.15 into models/ (see models/manifest.toml).")
            results.append(Check(f"speech:{language}", Status.WARN,
                                 "no speech model: voice input is disabled, typing works", hint))
    if remote_url:
        try:
            check_remote_url(remote_url)
        except TutorError as error:
            results.append(Check("speech:remote", Status.FAIL, error.message("en"),
                                 "Use an https:// address for remote_stt_url."))
            return results
        engine = speech.remote_engine(config.language)
        if engine is not None and engine.probe():
            results.append(Check("speech:remote", Status.OK, f"{remote_url} reachable"))
        else:
            reason = engine.last_error if engine is not None else "not usable"
            results.append(Check("speech:remote", Status.WARN,
                                 f"{remote_url} unreachable ({reason})",
                                 "Offline is fine where a local speech model is installed."))
    return results


def _first_models_dir(speech: SpeechService) -> Path:
    """Where IT should put a model: the first folder the app searches."""
    return speech.model_dirs[0] if speech.model_dirs else Path("models")
