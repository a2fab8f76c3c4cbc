"""Installation configuration, layered so IT staff can pre-seed a silent install.

Precedence, lowest first:

1. built-in defaults (this module);
2. the machine-wide ``tutor.toml`` placed next to the installed app by IT staff, then
   on Linux ``/etc/tutor-desktop/tutor.toml`` (see :func:`paths.machine_config_files`);
3. the user config file (``config.toml`` in the config folder);
4. environment variables ``TUTOR_*``;
5. on top of all: values IT put under ``[locked]`` in a machine-wide file. A user
   config or a ``TUTOR_*`` variable can be written by anyone at the PC's shared
   account; the machine-wide files only by an OS administrator, so a school can pin
   e.g. ``routing_policy = "local-only"`` or its remote providers for good.

Secrets never live here: API keys and sync tokens go to :mod:`secrets_store`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.paths import MACHINE_CONFIG_NAME, machine_config_files
from tutor_desktop.core.privacy.urls import UnsafeUrlError, check_transport_url

LANGUAGES = ("mn", "en")
ROUTING_POLICIES = ("local-first", "remote-first", "local-only")


class ConfigError(TutorError, ValueError):
    """A config file or variable holds a value the app cannot use (``reason`` says which,
    in English: it names a file, a key or a variable)."""

    message_id = "config_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class RemoteProvider:
    """One OpenAI-compatible provider; its API key is looked up in the secret store."""

    name: str
    base_url: str
    model: str
    timeout_s: float = 30.0
    key_name: str = ""
    # The model reads pictures (OpenAI image_url content): a student's picture may go
    # with the question. Off unless the school says so (core/llm/vision.py).
    vision: bool = False


@dataclass(frozen=True)
class Config:
    school_name: str = ""
    language: str = "mn"
    cloud_api_url: str = ""
    models_dir: str = ""
    chat_model: str = ""  # manifest name; empty = pick the best that fits RAM
    max_new_tokens: int = 1024
    n_ctx: int = 4096
    # Unload the chat model after this many minutes without a question (a shared PC's RAM
    # goes back to other programs); the next question loads it again. 0 = keep it loaded.
    model_idle_minutes: int = 15
    routing_policy: str = "local-first"
    inactivity_minutes: int = 10
    remote_providers: tuple[RemoteProvider, ...] = ()
    remote_stt_url: str = ""
    # Cut off a model that recites its instructions or loops (see core/llm/echo_guard.py).
    echo_guard: bool = True
    # Only models that passed the fitness exam write answers; the textbook tutor answers
    # otherwise (core/grounding). Off: every model writes (IT checking raw model text).
    answer_gate: bool = True
    # The socket of ``tutor service`` (the service owns the data; the window and the
    # terminal are its clients). Empty: the well-known socket if it exists, else in-process.
    service_socket: str = ""
    sources: tuple[str, ...] = field(default=(), compare=False)
    #: Settings IT fixed under ``[locked]`` in a machine-wide file: no user config,
    #: ``TUTOR_*`` variable or in-app setting may change them.
    locked: frozenset[str] = field(default=frozenset(), compare=False)


_ENV = {
    "TUTOR_SCHOOL_NAME": "school_name",
    "TUTOR_LANGUAGE": "language",
    "TUTOR_CLOUD_API_URL": "cloud_api_url",
    "TUTOR_MODELS_DIR": "models_dir",
    "TUTOR_CHAT_MODEL": "chat_model",
    "TUTOR_MAX_NEW_TOKENS": "max_new_tokens",
    "TUTOR_N_CTX": "n_ctx",
    "TUTOR_MODEL_IDLE_MINUTES": "model_idle_minutes",
    "TUTOR_ROUTING_POLICY": "routing_policy",
    "TUTOR_INACTIVITY_MINUTES": "inactivity_minutes",
    "TUTOR_REMOTE_STT_URL": "remote_stt_url",
    "TUTOR_ECHO_GUARD": "echo_guard",
    "TUTOR_ANSWER_GATE": "answer_gate",
    "TUTOR_SERVICE_SOCKET": "service_socket",
}


def _coerce(name: str, raw: Any, target: Any) -> Any:
    if isinstance(target, bool):
        return str(raw).lower() in ("1", "true", "yes", "on")
    if isinstance(target, int):
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if not isinstance(raw, str):
        raise ConfigError(f"{name} must be text, got {raw!r}")
    return raw


def _apply(config: Config, values: dict[str, Any], source: str) -> Config:
    known = {f.name: f for f in fields(Config)}
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if key == "remote_providers":
            changes[key] = _providers(raw, source)
        elif key in known and key not in ("sources", "locked"):
            changes[key] = _coerce(key, raw, getattr(config, key))
    return replace(config, **changes, sources=(*config.sources, source))


def _providers(raw: Any, source: str) -> tuple[RemoteProvider, ...]:
    """``[[remote_providers]]`` tables, each field checked for its type (a wrong type
    in a hand-edited file must give a clear message, not a traceback)."""
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: remote_providers must be a list of [[remote_providers]] "
                          f"tables, got {raw!r}")
    providers = []
    for item in raw:
        if not isinstance(item, dict) or not {"name", "base_url", "model"} <= item.keys():
            raise ConfigError(f"{source}: each remote provider needs name, base_url, model")
        for text_field in ("name", "base_url", "model", "key_name"):
            if text_field in item and not isinstance(item[text_field], str):
                raise ConfigError(f"{source}: remote provider {text_field} must be text, "
                                  f"got {item[text_field]!r}")
        timeout = item.get("timeout_s", 30.0)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
                or not 1 <= timeout <= 600:
            raise ConfigError(f"{source}: remote provider timeout_s must be 1-600 seconds, "
                              f"got {timeout!r}")
        if not isinstance(item.get("vision", False), bool):
            raise ConfigError(f"{source}: remote provider vision must be true or false, "
                              f"got {item['vision']!r}")
        allowed = {f.name for f in fields(RemoteProvider)}
        providers.append(RemoteProvider(**{k: v for k, v in item.items() if k in allowed}))
    return tuple(providers)


#: Whole-number settings and the range that makes sense for each. Out of range is an
#: error, not a silent clamp: ``inactivity_minutes = 0`` would sign everyone out at once.
BOUNDS: dict[str, tuple[int, int]] = {
    "inactivity_minutes": (1, 480),
    "max_new_tokens": (16, 32768),
    "n_ctx": (512, 1_048_576),
    "model_idle_minutes": (0, 1440),
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def validate(config: Config) -> Config:
    if config.language not in LANGUAGES:
        raise ConfigError(f"language must be one of {LANGUAGES}, got {config.language!r}")
    if config.routing_policy not in ROUTING_POLICIES:
        raise ConfigError(f"routing_policy must be one of {ROUTING_POLICIES}")
    for name, (low, high) in BOUNDS.items():
        value = getattr(config, name)
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    for provider in config.remote_providers:
        # The parsed host, never a prefix: "http://localhost.attacker.example" is not local.
        try:
            check_transport_url(provider.base_url)
        except UnsafeUrlError as exc:
            raise ConfigError(f"remote provider {provider.name}: {exc}") from None
    return config


def load_config(
    user_config_file: Path | None = None,
    machine_dir: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Config:
    """Build the effective configuration from every layer.

    ``machine_dir`` (tests) replaces the machine-wide files with the one in that folder.
    """
    env = dict(os.environ if environ is None else environ)
    config = Config()
    machine_files = ([machine_dir / MACHINE_CONFIG_NAME] if machine_dir is not None
                     else machine_config_files())
    locked: dict[str, Any] = {}
    for machine_file in machine_files:
        if machine_file.is_file():
            values = _read_toml(machine_file)
            locked.update(_locked_table(values.pop("locked", {}), machine_file))
            config = _apply(config, values, str(machine_file))
    if user_config_file and user_config_file.is_file():
        config = _apply(config, _read_toml(user_config_file), str(user_config_file))
    overrides = {attr: env[var] for var, attr in _ENV.items() if env.get(var)}
    if overrides:
        config = _apply(config, overrides, "environment")
    if env.get("TUTOR_REMOTE_BASE_URL") and env.get("TUTOR_REMOTE_MODEL"):
        single = RemoteProvider(
            name="env",
            base_url=env["TUTOR_REMOTE_BASE_URL"],
            model=env["TUTOR_REMOTE_MODEL"],
            key_name="env",
            vision=env.get("TUTOR_REMOTE_VISION", "").lower() in ("1", "true", "yes", "on"),
        )
        config = replace(config, remote_providers=(single,))
    if locked:
        # IT's locked values go on top of every other layer, whatever those said.
        config = _apply(config, locked, "[locked]")
        config = replace(config, locked=frozenset(locked))
    return validate(config)


def _locked_table(raw: Any, source: Path) -> dict[str, Any]:
    """The ``[locked]`` table of a machine-wide file (only IT can write those)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [locked] must be a table of settings")
    known = {f.name for f in fields(Config)} - {"sources", "locked"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: [locked] names unknown settings: {', '.join(unknown)}")
    return dict(raw)
