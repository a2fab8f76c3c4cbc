"""Where Tutor Desktop keeps things.

One installation has one data folder (database, imported books, user models)
and one config folder. IT staff and tests move the data folder with
``--data-dir`` or ``TUTOR_HOME``; packaged builds find ``models/`` and
``resources/`` next to the executable.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "TutorDesktop"
APP_AUTHOR = "TutorDesktop"
MACHINE_CONFIG_NAME = "tutor.toml"
# Where the Debian package keeps the IT file: a conffile, so upgrades never overwrite it.
LINUX_MACHINE_CONFIG = Path("/etc/tutor-desktop") / MACHINE_CONFIG_NAME


def install_dir() -> Path:
    """The folder the app was installed to (source checkout or PyInstaller bundle)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


def machine_config_files() -> list[Path]:
    """The machine-wide IT files, lowest precedence first: ``tutor.toml`` next to the app
    (Windows installer's /CONFIG=, a bundle copied by hand), then on Linux
    ``/etc/tutor-desktop/tutor.toml`` (the Debian package's conffile)."""
    files = [install_dir() / MACHINE_CONFIG_NAME]
    if sys.platform.startswith("linux"):
        files.append(LINUX_MACHINE_CONFIG)
    return files


def resources_dir() -> Path:
    """Translations, fonts, prompts and the sample library shipped with the app."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return install_dir() / "resources"


@dataclass(frozen=True)
class AppPaths:
    """All folders of one installation, resolved once at start-up."""

    data_dir: Path
    config_dir: Path
    # Tests and portable installs may point the shipped-models folder elsewhere.
    shipped_models_dir: Path | None = None

    @property
    def database(self) -> Path:
        return self.data_dir / "tutor.sqlite3"

    @property
    def user_models_dir(self) -> Path:
        return self.data_dir / "models"

    def model_dirs(self, configured: str | os.PathLike[str] | None = None) -> list[Path]:
        """Where model files (chat, embedding, speech) are looked for, first match wins.

        The one search order for every kind of model: the folder the config's
        ``models_dir`` names (the README promises it overrides), then this
        installation's own ``models/`` in the data folder (where ``tutor models
        install-default`` and the converter write), then the ``models/`` shipped
        next to the program. Folders that do not exist are kept: a caller may
        create or report them.
        """
        dirs = [Path(configured).expanduser()] if configured else []
        dirs += [self.user_models_dir, self.install_models_dir]
        unique: list[Path] = []
        for folder in dirs:
            if folder not in unique:
                unique.append(folder)
        return unique

    @property
    def install_models_dir(self) -> Path:
        """The ``models/`` folder shipped with the program (read-only on lab PCs)."""
        return self.shipped_models_dir or install_dir() / "models"

    @property
    def library_dir(self) -> Path:
        return self.data_dir / "library"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def user_config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def secrets_file(self) -> Path:
        return self.data_dir / "secrets.enc"

    def ensure(self) -> None:
        """Create the folders; raises OSError if the location is not writable.

        The data folder is private to this OS account (0700 on POSIX): it holds
        every student's conversations and the PIN hashes.
        """
        from tutor_desktop.core.privacy.permissions import make_private_dir

        make_private_dir(self.data_dir)
        for folder in (self.user_models_dir, self.library_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve folders: explicit argument, then ``TUTOR_HOME``, then platformdirs.

    When a data folder is given explicitly the config lives inside it too, so a
    test or a portable install never touches the real user's config.

    ``TUTOR_SHIPPED_MODELS_DIR`` stands in for the ``models/`` folder next to the
    program: a portable install keeps its models elsewhere, and the test suite
    points it at an empty folder so that "no model" and "model installed" never
    depend on what ``tutor models install-default`` left in the checkout.
    """
    shipped_env = os.environ.get("TUTOR_SHIPPED_MODELS_DIR")
    shipped = Path(shipped_env).expanduser().resolve() if shipped_env else None
    chosen = data_dir or os.environ.get("TUTOR_HOME")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data_dir=root, config_dir=root, shipped_models_dir=shipped)
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        shipped_models_dir=shipped,
    )
