"""The composition root: the one place that builds the services from the config.

The Qt window and the CLI both call :func:`build_services` and receive the same
GUI-free core objects. Swapping a backend (local vs remote LLM, Vosk vs remote
speech) is a one-line change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.config import Config, load_config
from tutor_desktop.core.conversations import ConversationStore
from tutor_desktop.core.paths import AppPaths, resolve_paths
from tutor_desktop.core.secrets_store import SecretStore, open_secret_store
from tutor_desktop.core.storage import Database


@dataclass
class Services:
    """Everything the UI or CLI needs, wired once."""

    paths: AppPaths
    config: Config
    db: Database
    accounts: AccountService
    conversations: ConversationStore
    secrets: SecretStore
    # Feature services, added by their issues (each wired in its own block below).
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for service in self.extras.values():
            closer = getattr(service, "close", None)
            if callable(closer):
                closer()
        self.db.close()


def build_services(data_dir: str | Path | None = None) -> Services:
    """Resolve folders, load config, open (and migrate) the database, wire services."""
    paths = resolve_paths(data_dir)
    paths.ensure()
    config = load_config(paths.user_config_file)
    db = Database(paths.database)
    accounts = AccountService(db, idle_minutes=config.inactivity_minutes)
    services = Services(
        paths=paths,
        config=config,
        db=db,
        accounts=accounts,
        conversations=ConversationStore(db, accounts),
        secrets=open_secret_store(paths.secrets_file),
    )
    # --- llm/tutor wiring (issue 3) ---
    # The model loads lazily: the GUI calls extras["models"].start(); an answer waits for it.
    from tutor_desktop.core.llm.doctor_checks import register_doctor_check as models_doctor
    from tutor_desktop.core.llm.manager import model_manager_for
    from tutor_desktop.core.tutor import TutorService

    services.extras["models"] = model_manager_for(paths, config, db)
    models_doctor()
    services.extras["tutor"] = TutorService(
        services.conversations, accounts, services.extras["models"],
        max_new_tokens=config.max_new_tokens)
    # --- library/retrieval wiring (issue 4) ---
    from tutor_desktop.core.library.wiring import library_services

    services.extras.update(library_services(paths, config, db))
    services.extras["tutor"].retriever = services.extras["retriever"]
    # --- remote llm wiring (issue 5) ---
    # Router (policy local-first/remote-first/local-only) replaces the tutor's model source;
    # response cache; connectivity monitor (the window starts it; `tutor doctor` probes once).
    from tutor_desktop.core.llm.remote_wiring import remote_services

    services.extras.update(remote_services(config, db, services.secrets, services.extras))
    # --- end remote llm wiring (issue 5) ---
    # --- speech wiring (issue 6) ---
    # Cheap: probes the microphone and loads a Vosk model only when first asked.
    from tutor_desktop.core.speech import SpeechService
    from tutor_desktop.core.speech.doctor_checks import register_doctor_check as speech_doctor

    services.extras["speech"] = SpeechService.for_app(config, paths, services.secrets)
    speech_doctor()
    # --- end speech wiring (issue 6) ---
    # --- progress wiring (issue 9) ---
    # A finished tutor answer records the question's topic in its own transaction.
    from tutor_desktop.core.progress import ProgressService
    from tutor_desktop.core.progress.tutor_hook import on_message_final

    services.conversations.observers.append(on_message_final)
    services.extras["progress"] = ProgressService(db, accounts, paths.library_dir)
    # --- end progress wiring (issue 9) ---
    return services
