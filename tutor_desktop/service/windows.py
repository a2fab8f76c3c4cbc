"""``tutor service --windows-service``: the Windows service control manager's side.

A Windows service must answer the service control manager (SCM): register a control
handler within 30 s of starting, report "running", and stop when asked, or Windows kills
it and logs error 1053. pywin32's ``win32serviceutil.ServiceFramework`` does that; the
frozen ``tutor.exe`` hosts one service (``PrepareToHostSingle``), so the installer
registers ``"tutor.exe" --data-dir … service --windows-service --socket …\\endpoint.json``
under ``NT AUTHORITY\\LocalService`` (installers/windows/tutor.nsi). ``run`` is the same
serving loop as on Linux, called on the SCM's service thread; ``stop`` ends it.

Untested here: pywin32 exists only on Windows, and this machine builds no Windows
bundle. The Windows workflow installs the real build and checks the service runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tutor_desktop.core.i18n import environment_language, tr

SERVICE_NAME = "TutorDesktop"
DISPLAY_NAME = "Tutor Desktop"


def run_under_scm(run: Callable[[], None], stop: Callable[[], None]) -> int:
    """Hand this process to the SCM; returns when the service has stopped."""
    try:
        import servicemanager
        import win32service
        import win32serviceutil
    except ImportError:   # not Windows, or a build without pywin32
        print(tr("service_windows_only", environment_language()), file=sys.stderr)
        return 3

    class TutorDesktopService(win32serviceutil.ServiceFramework):  # type: ignore[misc]
        _svc_name_ = SERVICE_NAME
        _svc_display_name_ = DISPLAY_NAME

        def SvcStop(self) -> None:   # pywin32 names these
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
            stop()

        def SvcDoRun(self) -> None:
            try:
                run()
            except BaseException as error:   # SystemExit(3): a broken config, a newer database
                # The Event Log is where IT looks; returning reports "stopped" to the SCM.
                servicemanager.LogErrorMsg(f"{DISPLAY_NAME} stopped: {error!r}")

    servicemanager.Initialize()
    servicemanager.PrepareToHostSingle(TutorDesktopService)
    servicemanager.StartServiceCtrlDispatcher()
    return 0
