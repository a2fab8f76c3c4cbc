"""Which setting wins: built-in default < machine ``tutor.toml`` < user config < ``TUTOR_*``.

IT staff pre-seed a lab with the machine file, a teacher's own config refines it, and a
variable set for one run (a test, a support session) beats both. Each key is decided on its
own: a layer that does not mention a key leaves the lower layer's value in place.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tutor_desktop.core.config import Config, load_config
from tutor_desktop.core.paths import MACHINE_CONFIG_NAME


def _layers(tmp_path: Path, machine: str, user: str) -> tuple[Path, Path]:
    machine_dir = tmp_path / "install"
    machine_dir.mkdir()
    (machine_dir / MACHINE_CONFIG_NAME).write_text(machine, encoding="utf-8")
    user_file = tmp_path / "config" / "config.toml"
    user_file.parent.mkdir()
    user_file.write_text(user, encoding="utf-8")
    return machine_dir, user_file


MACHINE = """
school_name = "Сургууль 5"
language = "en"
max_new_tokens = 300
routing_policy = "local-only"
echo_guard = true

[[remote_providers]]
name = "lab"
base_url = "https://lab.example/v1"
model = "lab-model"
"""

USER = """
language = "mn"
max_new_tokens = 200

[[remote_providers]]
name = "teacher"
base_url = "https://teacher.example/v1"
model = "teacher-model"
"""


def test_each_layer_overrides_the_one_below_key_by_key(tmp_path: Path) -> None:
    machine_dir, user_file = _layers(tmp_path, MACHINE, USER)
    config = load_config(user_file, machine_dir=machine_dir,
                         environ={"TUTOR_MAX_NEW_TOKENS": "100"})
    assert config.school_name == "Сургууль 5"        # machine only
    assert config.routing_policy == "local-only"     # machine only
    assert config.language == "mn"                   # user beats machine
    assert config.max_new_tokens == 100              # environment beats both
    assert config.n_ctx == Config().n_ctx            # nobody set it: the default
    assert config.sources == (str(machine_dir / MACHINE_CONFIG_NAME), str(user_file),
                              "environment")


def test_without_the_upper_layers_the_machine_file_decides(tmp_path: Path) -> None:
    machine_dir, _user_file = _layers(tmp_path, MACHINE, USER)
    config = load_config(tmp_path / "no-user-config.toml", machine_dir=machine_dir, environ={})
    assert (config.language, config.max_new_tokens) == ("en", 300)
    assert [p.name for p in config.remote_providers] == ["lab"]


def test_a_user_provider_list_replaces_the_machine_list_and_the_environment_replaces_both(
        tmp_path: Path) -> None:
    machine_dir, user_file = _layers(tmp_path, MACHINE, USER)
    config = load_config(user_file, machine_dir=machine_dir, environ={})
    assert [p.name for p in config.remote_providers] == ["teacher"]  # not merged
    config = load_config(user_file, machine_dir=machine_dir, environ={
        "TUTOR_REMOTE_BASE_URL": "https://support.example/v1",
        "TUTOR_REMOTE_MODEL": "support-model"})
    assert [(p.name, p.model) for p in config.remote_providers] == [("env", "support-model")]


def test_an_empty_variable_does_not_override_and_a_false_one_does(tmp_path: Path) -> None:
    machine_dir, user_file = _layers(tmp_path, MACHINE, USER)
    config = load_config(user_file, machine_dir=machine_dir,
                         environ={"TUTOR_LANGUAGE": "", "TUTOR_ECHO_GUARD": "0"})
    assert config.language == "mn"      # an empty TUTOR_LANGUAGE is "not set"
    assert config.echo_guard is False   # "0" turns off what the machine file turned on


def test_a_bad_config_value_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "TUTOR_ROUTING_POLICY": "remote-only"}
    result = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir",
                             str(tmp_path), "ask", "hi"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 3
    assert "configuration is not valid" in result.stderr and "Traceback" not in result.stderr
