"""One model-folder search order for chat, embedding and speech models and the doctor.

The README promises that ``models_dir`` in the config overrides the folders the
app looks in; every kind of model must see the same order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor_desktop.core.paths import AppPaths


def test_the_configured_folder_comes_first_then_the_data_folder_then_the_program(
        tmp_path: Path) -> None:
    shipped = tmp_path / "program" / "models"
    paths = AppPaths(data_dir=tmp_path / "data", config_dir=tmp_path / "data",
                     shipped_models_dir=shipped)
    assert paths.model_dirs("") == [paths.user_models_dir, shipped]
    assert paths.model_dirs(str(tmp_path / "lab")) == [tmp_path / "lab",
                                                       paths.user_models_dir, shipped]
    # Naming a folder that is already searched does not search it twice.
    assert paths.model_dirs(str(shipped)) == [shipped, paths.user_models_dir]


def test_every_model_kind_and_the_doctor_search_the_same_folders_in_the_same_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor_desktop.composition import build_services

    lab = tmp_path / "lab-models"
    lab.mkdir()
    monkeypatch.setenv("TUTOR_MODELS_DIR", str(lab))
    services = build_services(tmp_path / "data")
    try:
        expected = services.paths.model_dirs(str(lab))
        assert expected[0] == lab
        assert services.speech.model_dirs == expected
        existing = [folder for folder in expected if folder.is_dir()]
        assert services.models.folders == existing
    finally:
        services.close()


def test_a_chat_model_in_the_configured_folder_overrides_one_of_the_same_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IT staff point ``models_dir`` at a network share with a good copy of a model whose
    local copy is damaged: the configured copy is the one the tutor loads."""
    from model_files import gemma_gguf, link_into

    from tutor_desktop.composition import build_services
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.doctor import DoctorContext, check_models_folder

    lab = tmp_path / "lab-models"
    good = link_into(gemma_gguf(), lab, "lab-chat.gguf")
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    (data / "models" / good.name).write_bytes(b"GGUF broken copy")  # damaged local copy
    monkeypatch.setenv("TUTOR_MODELS_DIR", str(lab))
    services = build_services(data)
    try:
        scan = services.models.scan()
        chosen = [f for f in scan.files if f.path.name == good.name]
        assert [f.path.parent for f in chosen] == [lab]
        assert chosen[0].usable
        assert chosen[0] in services.models.candidates(scan)
        report = check_models_folder(DoctorContext(services.paths, Config(models_dir=str(lab))))
        assert good.name in report.detail
    finally:
        services.close()
