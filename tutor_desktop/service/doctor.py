"""``tutor doctor`` and the service: which mode is in use, and is the data really private?

In-process, the desktop account owns the data folder, so on a PC with several
accounts (or students sharing one) every role check is only the app's promise: the
doctor says so and points to ``tutor service``. In service mode the doctor asks the
service for its own checks (its data folder, models, database) and checks from this
side that the desktop account can *not* open the service's data folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tutor_desktop.core.config import Config
from tutor_desktop.core.doctor import (
    Check,
    DoctorContext,
    Status,
    check_microphone,
    check_python,
    check_qt,
    run_checks,
)
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.paths import AppPaths
from tutor_desktop.core.privacy.os_admin import is_os_admin

_NO_LOGIN = ("nologin", "false", "sync", "halt", "shutdown")


def human_accounts() -> list[str]:
    """OS accounts people log in with (uid ≥ 1000, a login shell, a home folder)."""
    try:
        import pwd
    except ImportError:   # Windows: the installer's service account is the boundary
        return []
    return [entry.pw_name for entry in pwd.getpwall()
            if 1000 <= entry.pw_uid < 65534 and not entry.pw_shell.endswith(_NO_LOGIN)
            and Path(entry.pw_dir).is_dir()]


def in_process_checks(paths: AppPaths) -> list[Check]:
    """The mode line, and a warning where other people's accounts share this PC."""
    checks = [Check("mode", Status.OK, tr("doctor_mode_in_process", data_dir=paths.data_dir))]
    people = human_accounts()
    if len(people) > 1:
        checks.append(Check("shared-pc", Status.WARN, tr("doctor_shared_pc", count=len(people)),
                            tr("doctor_shared_pc_fix")))
    return checks


def readable_by_me(folder: Path) -> bool:
    try:
        os.listdir(folder)
    except OSError:
        return False
    return True


def service_checks(services: Any, paths: AppPaths, config: Config) -> list[Check]:
    """Client mode: the mode line, this side's checks, the privacy check, the service's."""
    link = services.service_link
    health = link.health()
    data_dir = Path(str(health.get("data_dir", "")))
    checks = [Check("mode", Status.OK,
                    tr("doctor_mode_service", socket=link.socket_path, pid=health.get("pid"),
                       uid=health.get("uid"), data_dir=data_dir))]
    ctx = DoctorContext(paths=paths, config=config)
    for local in (check_python, check_qt, check_microphone):
        checks.append(local(ctx))
    geteuid = getattr(os, "geteuid", None)   # Windows has no uids: the ACL decides
    same_account = geteuid is not None and geteuid() == health.get("uid")
    if readable_by_me(data_dir) and not is_os_admin() and not same_account:
        checks.append(Check("data-privacy", Status.WARN,
                            tr("doctor_service_data_readable", data_dir=data_dir),
                            tr("doctor_service_data_fix", data_dir=data_dir)))
    else:
        checks.append(Check("data-privacy", Status.OK,
                            tr("doctor_service_data_private", data_dir=data_dir)))
    remote: list[Check] = link.call("doctor", "run", {})
    return checks + [Check(f"service:{c.name}", c.status, c.detail, c.hint) for c in remote]


def service_inventory(services: Any, checks: list[Check]) -> dict[str, Any]:
    """``tutor doctor --json``'s inventory in client mode: the service's (build, machine
    id, its models, RAM, its data folder's disk, sync) and this side's microphone, from
    ``checks`` (the microphone belongs to the desktop user, not to the service)."""
    inventory: dict[str, Any] = services.service_link.call("doctor", "inventory", {})
    mic = next((c for c in checks if c.name == "microphone"), None)
    inventory["microphone"] = None if mic is None else {"status": mic.status.value,
                                                        "detail": mic.detail}
    return inventory


class ServiceDoctor:
    """The service's own ``tutor doctor`` checks, offered to clients."""

    def __init__(self, services: Any) -> None:
        self.services = services

    def run(self) -> list[Check]:
        ctx = DoctorContext(paths=self.services.paths, config=self.services.config,
                            db=self.services.db, secrets=self.services.secrets)
        return run_checks(ctx, self.services.doctor_checks())

    def inventory(self) -> dict[str, Any]:
        """The PC's inventory as the service sees it (its models, its data folder and disk,
        sync); the client adds its microphone, which is on its side."""
        from tutor_desktop.core.inventory import collect

        return collect(self.services.paths.data_dir, self.services, [],
                       self.services.inventory_sections())
