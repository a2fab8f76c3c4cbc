"""Is this process running with operating-system administrator rights?

IT's recovery commands (``tutor admin reset-password``) need no sign-in, so
the operating system is the gate: root on Linux/macOS, an elevated
Administrator on Windows. Such a user can read and replace the data files
anyway, so trusting them grants nothing new.
"""

from __future__ import annotations

import os
import sys


def is_os_admin() -> bool:
    """True for root (POSIX) or an elevated Administrator token (Windows)."""
    if sys.platform == "win32":
        import ctypes

        try:
            return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            return False
    return os.geteuid() == 0
