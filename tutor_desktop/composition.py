"""The composition root: the one place that builds the services from the config.

The Qt window and the CLI both call :func:`build_services` and receive the same
GUI-free core objects in one typed :class:`Services`. Every core object gets its
collaborators through its constructor here, and nowhere else: no core module
patches another after construction, registers itself anywhere or picks an
implementation. Swapping a backend (local vs remote LLM, Vosk vs remote speech)
is a change in this file only.

Adding a service is one field on :class:`Services` and one constructor call in
:func:`build_services` (plus one line in :meth:`Services.close` if it holds a
thread, a file or a model).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.cache import ResponseCache
from tutor_desktop.core.config import Config, load_config
from tutor_desktop.core.connectivity import (
    ConnectivityMonitor,
    ServiceKind,
    ServiceProbe,
    build_probes,
    doctor_lines,
    speech_probe,
)
from tutor_desktop.core.conversations import ConversationStore
from tutor_desktop.core.doctor import Check, CheckFn, Status
from tutor_desktop.core.embeddings.discovery import open_default_embedder
from tutor_desktop.core.embeddings.doctor_checks import embedder_weights_checks
from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder
from tutor_desktop.core.errors import DataFolderNotWritable
from tutor_desktop.core.grounding.exam import BackgroundExam, ExamStore
from tutor_desktop.core.grounding.wiring import (
    answer_gate,
    base_models,
    exam_ranking,
    model_exam_checks,
)
from tutor_desktop.core.i18n import TutorError, environment_language
from tutor_desktop.core.library.pack_fetch import PackFetcher, fetch_after_sync
from tutor_desktop.core.library.service import Library
from tutor_desktop.core.llm.doctor_checks import model_file_checks
from tutor_desktop.core.llm.manager import ModelManager, model_manager_for
from tutor_desktop.core.llm.ram_check import ram_check
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
from tutor_desktop.core.llm.router import Router, RoutingSettings, effective_policy
from tutor_desktop.core.ocr import TesseractEngine
from tutor_desktop.core.ocr.doctor_checks import ocr_checks
from tutor_desktop.core.paths import AppPaths, resolve_paths
from tutor_desktop.core.progress import ProgressService
from tutor_desktop.core.progress.proposals import capable_writer
from tutor_desktop.core.progress.sync_queue import recompute_for_users
from tutor_desktop.core.progress.tutor_hook import on_message_final
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.safety import SafetyGuard
from tutor_desktop.core.safety.doctor_checks import safety_check
from tutor_desktop.core.safety.wiring import safety_guard
from tutor_desktop.core.secrets_store import SecretStore, open_secret_store
from tutor_desktop.core.speech import SpeechService
from tutor_desktop.core.speech.doctor_checks import speech_checks
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.settings import PcSettings
from tutor_desktop.core.sync.client import SyncClient, SyncWorker
from tutor_desktop.core.sync.identity import check_identity
from tutor_desktop.core.sync.status import doctor_check as sync_doctor_check
from tutor_desktop.core.tutor import TutorService
from tutor_desktop.core.tutor.prompts import PromptLibrary
from tutor_desktop.service.address import well_known_address

if TYPE_CHECKING:
    from tutor_desktop.service.client import ServiceLink

log = logging.getLogger(__name__)

# Where an installed ``tutor service`` listens (the .deb's systemd unit, the launchd
# daemon, the Windows service's endpoint file); a config's ``service_socket`` names
# another one.
WELL_KNOWN_SOCKET = well_known_address()


@dataclass
class Services:
    """Everything the UI or CLI needs, wired once; one typed field per service."""

    paths: AppPaths
    config: Config
    db: Database
    secrets: SecretStore
    accounts: AccountService
    conversations: ConversationStore
    # The chat model loads lazily: the window calls ``models.start()``; an answer waits.
    models: ModelManager
    # None when there is no embedding model and nothing to convert one from.
    embedder: LazyEmbedder | None
    library: Library
    retriever: HybridRetriever
    # Local model and remote providers by policy (local-first, remote-first, local-only).
    router: Router
    # The policy as the settings page reads and changes it (staff only).
    routing: RoutingSettings
    # This PC's display settings (text size), kept in its database.
    pc_settings: PcSettings
    cache: ResponseCache
    # Cheap: probes the microphone and loads a Vosk model only when first asked.
    speech: SpeechService
    # Not started here: the window starts it; ``tutor doctor`` probes once.
    connectivity: ConnectivityMonitor
    # Child safety: patterns + the e5 embedder, the teacher's cases, per-minute fair use.
    safety: SafetyGuard
    tutor: TutorService
    # The tutoring fitness exam's results, and its background run for a new model.
    exams: ExamStore
    exam_runner: BackgroundExam
    # Learning progress: topics, practice items, mastery and reviews.
    progress: ProgressService
    # Sync with the school hub or the cloud; the window starts ``sync_worker``.
    sync: SyncClient
    sync_worker: SyncWorker
    # The school's textbook packs from the hub, installed after sync rounds.
    packs: PackFetcher
    # Tesseract as a separate program: scanned book pages and pictures in the chat.
    ocr: TesseractEngine
    # Client mode: the link to ``tutor service``; every core field above is then a proxy.
    service_link: ServiceLink | None = None

    @property
    def mode(self) -> str:
        """"in-process" or "service" (``tutor doctor`` says which)."""
        return "in-process" if self.service_link is None else "service"

    def inventory_sections(self) -> dict[str, Callable[[], Any]]:
        """The feature sections of ``tutor doctor --json``'s inventory."""
        return {"sync": self.sync.status}

    def doctor_checks(self) -> list[CheckFn]:
        """The feature checks of ``tutor doctor``, bound to these services."""
        return [
            lambda _ctx: model_file_checks(self.models),
            lambda _ctx: self._ram_check(),
            lambda _ctx: model_exam_checks(self.exams, self.models),
            lambda ctx: speech_checks(self.speech, ctx.config),
            lambda _ctx: [Check(name, Status(level), detail, hint)
                          for name, level, detail, hint
                          in doctor_lines(self.connectivity.check_now())],
            lambda ctx: safety_check(self.safety, ctx.config.language),
            lambda _ctx: sync_doctor_check(self.sync.status()),
            lambda _ctx: ocr_checks(self.ocr),
            lambda ctx: embedder_weights_checks(self.embedder, self.library,
                                                ctx.config.language),
        ]

    def _ram_check(self) -> Check:
        """RAM for the chat model this PC would load and the embedder, vs. the PC's."""
        chosen = self.models.candidates()
        return ram_check(chosen[0].path if chosen else None,
                         self.embedder.model_path if self.embedder is not None else None,
                         self.models.ram_bytes)

    def close(self) -> None:
        """Stop the users of a resource before the resource: background probes and
        imports first, then the models they call, the database last."""
        closers: list[Callable[[], None]] = [
            self.sync_worker.close,    # a sync in flight finishes its transaction first
            self.connectivity.close,   # its thread probes the models and providers
            self.library.close,        # an import must stop before its embedder goes
            self.speech.close,
            self.router.close,         # remote HTTP clients
            self.exam_runner.close,    # a background exam uses the chat model
            self.models.close,         # the resident chat model
        ]
        if self.embedder is not None:
            closers.append(self.embedder.close)
        for closer in closers:
            try:
                closer()
            except Exception:  # one failing close must not leave the database open
                log.exception("closing %s failed", closer)
        self.db.close()
        if self.service_link is not None:
            self.service_link.close()


def build_services(data_dir: str | Path | None = None) -> Services:
    """Resolve folders, load config, open (and migrate) the database, wire services.

    Nothing heavy happens here: models load on first use or when the window asks.
    """
    paths = resolve_paths(data_dir)
    try:
        paths.ensure()
    except OSError as exc:  # no permission, a read-only disk, a file in the way
        raise DataFolderNotWritable(exc.filename or paths.data_dir) from exc
    config = load_config(paths.user_config_file)
    try:
        db = Database(paths.database)
    except OSError as exc:
        if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            raise DataFolderNotWritable(exc.filename or paths.data_dir) from exc
        raise
    try:
        return _wire(paths, config, db)
    except BaseException:
        with contextlib.suppress(Exception):
            db.close()
        raise


def service_socket(config: Config) -> Path | None:
    """The service's socket when one is configured or installed, else None (in-process)."""
    if config.service_socket:
        return Path(config.service_socket)
    try:   # a folder this account may not enter still means "a service is installed"
        WELL_KNOWN_SOCKET.lstat()
    except PermissionError:
        return WELL_KNOWN_SOCKET
    except OSError:
        return None
    return WELL_KNOWN_SOCKET


def connect_services(data_dir: str | Path | None = None) -> Services:
    """One interface, two transports: the window and the terminal call this.

    With a ``tutor service`` configured or installed (and no explicit data folder, which
    IT uses to work on the files directly) the fields are client proxies to it;
    otherwise the core runs in this process, as on a teacher's laptop or in ``make run``.
    """
    if data_dir is None:
        paths = resolve_paths(None)
        config = load_config(paths.user_config_file)
        socket = service_socket(config)
        if socket is not None:
            from tutor_desktop.service.client import connect

            services: Services = connect(socket, paths, config)
            return services
    return build_services(data_dir)


def start_services(data_dir: str | Path | None = None, *, language: str | None = None,
                   stream: TextIO | None = None, client: bool = False) -> Services | None:
    """:func:`build_services` (or, with ``client``, :func:`connect_services`) for the window
    and the terminal alike: a problem IT staff can fix (a broken config, a database from
    a newer app, a data folder without write permission, a service that does not answer)
    is printed as one translated line and None is returned (exit code 3)."""
    try:
        return connect_services(data_dir) if client else build_services(data_dir)
    except TutorError as error:
        print(error.message(language or environment_language()), file=stream or sys.stderr)
        return None


def _wire(paths: AppPaths, config: Config, db: Database) -> Services:
    # Sync: a database copied from another PC takes a new device id here,
    # before anything is written, so two PCs never share one sequence.
    check_identity(db)
    secrets = open_secret_store(paths.secrets_file)
    accounts = AccountService(db, idle_minutes=config.inactivity_minutes,
                              recompute=[recompute_for_users])
    # A finished tutor answer records the question's topic in its own transaction.
    conversations = ConversationStore(db, accounts, observers=[on_message_final])
    # Among the models that fit in RAM, the best tutoring exam result loads first.
    exams = ExamStore(db)
    models = model_manager_for(paths, config, db, rank=exam_ranking(exams))

    embedder = open_default_embedder(paths.model_dirs(config.models_dir),
                                     paths.user_models_dir)
    ocr = TesseractEngine()
    library = Library(db, paths.library_dir, lambda: embedder, ocr=ocr)
    retriever = HybridRetriever(db, lambda: embedder)

    def policy() -> str:
        return effective_policy(config, db)

    keys = key_lookup(secrets)
    remotes = [RemoteBackend(provider, keys) for provider in config.remote_providers]
    router = Router(models, remotes, policy=policy)
    cache = ResponseCache(db)
    speech = SpeechService(config, paths.model_dirs(config.models_dir), secrets)

    probes = build_probes(config, remotes=remotes, model_manager=models)
    probes.append(ServiceProbe("speech", ServiceKind.SPEECH, "speech",
                               speech_probe(speech, config.language)))
    connectivity = ConnectivityMonitor(probes, policy=policy)
    # Real answers and breaker changes update the status panel at once.
    router.add_observer(connectivity.report)
    for breaker in router.breakers.values():
        breaker.add_listener(lambda name, _old, new: connectivity.note_breaker(name, new.value))
    models.subscribe(lambda _status: connectivity.refresh("local"))

    safety = safety_guard(paths.data_dir, db, accounts, embedder)
    # Only models that passed the tutoring exam write answers; the textbook tutor answers
    # otherwise (core/grounding). The exam runs in the background for a new model.
    exam_runner = BackgroundExam(exams, PromptLibrary(), models, skip=base_models(models))
    gate = answer_gate(config, exams, models)
    # A model that may write for children may also propose practice items (validated).
    progress = ProgressService(db, accounts, paths.library_dir,
                               writer=capable_writer(router, gate))
    # The tutor's prompt may name the student's weak topics (then the answer is not cached).
    tutor = TutorService(conversations, accounts, router, retriever=retriever, cache=cache,
                         safety=safety, max_new_tokens=config.max_new_tokens,
                         may_write=gate, weak_topics=progress.weak_topics)
    # Mastery and review cards are recomputed from the merged log when sync brings
    # another PC's interactions (they are derived, never merged).
    sync = SyncClient(db, secrets, recompute=[recompute_for_users])
    # After each sync round a lab PC takes the school's textbook packs from the hub.
    packs = PackFetcher(sync, library, paths.data_dir / "pack-downloads")
    return Services(
        paths=paths, config=config, db=db, secrets=secrets, accounts=accounts,
        conversations=conversations, models=models, embedder=embedder, library=library,
        retriever=retriever, router=router, routing=RoutingSettings(config, db), cache=cache,
        pc_settings=PcSettings(db), speech=speech,
        connectivity=connectivity, safety=safety, tutor=tutor, exams=exams,
        exam_runner=exam_runner,
        progress=progress,
        sync=sync, sync_worker=SyncWorker(sync, after_round=[fetch_after_sync(packs)]),
        packs=packs, ocr=ocr)


def doctor_checks(services: Services | None, paths: AppPaths, config: Config) -> list[CheckFn]:
    """The feature checks for ``tutor doctor``; some still run when the database cannot
    open (then there are no services), so IT staff see speech set-up problems too."""
    if services is not None:
        return services.doctor_checks()
    speech = SpeechService(config, paths.model_dirs(config.models_dir), None)
    return [lambda ctx: speech_checks(speech, ctx.config),
            lambda _ctx: ocr_checks(TesseractEngine())]
