"""Whether this machine lets a test install a .deb inside a private mount namespace."""

from __future__ import annotations

import shutil
import subprocess


def namespace_works() -> bool:
    """``unshare --mount`` with a tmpfs works here (root, no seccomp filter against it): the
    .deb tests then install into a namespace and never touch the real system."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True, timeout=30)
    return probe.returncode == 0
