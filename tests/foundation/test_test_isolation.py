"""Tests never see the model files in the checkout's own ``models/`` folder.

``make test`` runs ``tutor models install-default`` first, which writes the embedded
model there; a test of "no model installed" must still find none, and a test that needs
a model must install one in its own data folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tutor_desktop.composition import Services
from tutor_desktop.core.llm.manager import ModelState
from tutor_desktop.core.paths import install_dir, resolve_paths


def test_the_programs_models_folder_is_an_empty_one_in_tests(services: Services) -> None:
    checkout_models = install_dir() / "models"
    folders = services.paths.model_dirs(services.config.models_dir)
    assert checkout_models not in folders
    assert services.paths.install_models_dir in folders
    assert list(services.paths.install_models_dir.iterdir()) == []
    assert services.models.wait(60).state is ModelState.NOT_INSTALLED


def test_tutor_subprocesses_search_the_same_empty_folder(data_dir: Path) -> None:
    listing = subprocess.run(
        [sys.executable, "-c", "from tutor_desktop.core.paths import resolve_paths; "
                               "print(resolve_paths().install_models_dir)"],
        capture_output=True, text=True, timeout=60, check=True)
    assert Path(listing.stdout.strip()) == resolve_paths(data_dir).install_models_dir
    assert Path(listing.stdout.strip()) != install_dir() / "models"
