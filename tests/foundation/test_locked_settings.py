"""IT can lock settings in the machine-wide tutor.toml: a locked key beats the
user config, TUTOR_* variables and the in-app setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor_desktop.core.config import ConfigError, load_config
from tutor_desktop.core.llm.router import effective_policy, set_policy

MACHINE = """
language = "mn"
inactivity_minutes = 10

[locked]
routing_policy = "local-only"
remote_providers = []
inactivity_minutes = 5
"""


@pytest.fixture
def it_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "machine"
    folder.mkdir()
    (folder / "tutor.toml").write_text(MACHINE, encoding="utf-8")
    return folder


def test_locked_settings_beat_user_config_and_environment(tmp_path: Path,
                                                          it_folder: Path) -> None:
    user = tmp_path / "config.toml"
    user.write_text('routing_policy = "remote-first"\ninactivity_minutes = 240\n'
                    'language = "en"\n[[remote_providers]]\nname = "x"\n'
                    'base_url = "https://x.example/v1"\nmodel = "m"\n', encoding="utf-8")
    env = {"TUTOR_ROUTING_POLICY": "remote-first", "TUTOR_INACTIVITY_MINUTES": "120",
           "TUTOR_REMOTE_BASE_URL": "https://y.example/v1", "TUTOR_REMOTE_MODEL": "m"}
    config = load_config(user, machine_dir=it_folder, environ=env)
    assert config.routing_policy == "local-only"
    assert config.remote_providers == ()
    assert config.inactivity_minutes == 5
    assert config.language == "en"  # not locked: the user's choice stands
    assert config.locked == {"routing_policy", "remote_providers", "inactivity_minutes"}


def test_a_locked_policy_beats_the_in_app_setting(services, school, it_folder: Path) -> None:
    config = load_config(machine_dir=it_folder, environ={})
    set_policy(services.db, school.admin, "remote-first")
    assert effective_policy(config, services.db) == "local-only"
    unlocked = load_config(machine_dir=Path("/nonexistent"), environ={})
    assert effective_policy(unlocked, services.db) == "remote-first"


def test_a_lock_in_a_user_config_locks_nothing(tmp_path: Path) -> None:
    user = tmp_path / "config.toml"
    user.write_text('[locked]\nrouting_policy = "remote-first"\n', encoding="utf-8")
    config = load_config(user, machine_dir=Path("/nonexistent"),
                         environ={"TUTOR_ROUTING_POLICY": "local-first"})
    assert config.routing_policy == "local-first" and config.locked == frozenset()


def test_unknown_or_malformed_locks_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "tutor.toml").write_text('[locked]\nroutng_policy = "local-only"\n',
                                         encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown settings: routng_policy"):
        load_config(machine_dir=tmp_path, environ={})
    (tmp_path / "tutor.toml").write_text('locked = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[locked\] must be a table"):
        load_config(machine_dir=tmp_path, environ={})
