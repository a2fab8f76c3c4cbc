"""Where ``tutor service`` listens, per OS, and how a client reaches it.

Two kinds of address, one rule for the server and the client:

* a **Unix socket** (Linux, macOS): who may connect is who may open the socket, i.e.
  the ``tutor`` group (0660 socket in a 0750 folder); the service learns the caller's
  OS account from the socket (``SO_PEERCRED``).
* an **endpoint file** (a path ending in ``.json``; Windows, where CPython has no Unix
  sockets and uvicorn no named pipes): the service listens on loopback TCP on a port
  chosen by the OS and writes ``{"host", "port", "key"}`` to that file. Who may connect is
  who may *read the file* (the installer's ACL: the service account, Administrators and
  the accounts allowed to use the tutor); every request carries the 256-bit key, checked
  in constant time, so another program on the PC that can reach the port but not read
  the file gets 403. The same scheme as Jupyter's connection files.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

KEY_HEADER = "x-tutor-key"


def well_known_address() -> Path:
    """Where the packaged service of this OS listens (the installers' path)."""
    if sys.platform == "win32":
        program_data = Path(os.environ.get("PROGRAMDATA") or r"C:\ProgramData")
        return program_data / "TutorDesktop" / "run" / "endpoint.json"
    if sys.platform == "darwin":   # /var/run is emptied at boot and launchd makes no folders
        return Path("/Library/Application Support/TutorDesktop/run/tutor.sock")
    return Path("/run/tutor-desktop/tutor.sock")


def is_endpoint_file(address: Path) -> bool:
    """A ``.json`` address names an endpoint file (loopback TCP + key), else a socket."""
    return Path(address).suffix.lower() == ".json"


@dataclass(frozen=True)
class Endpoint:
    """What the endpoint file says: where to connect and the key to show."""

    host: str
    port: int
    key: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def new(cls, port: int) -> Endpoint:
        return cls("127.0.0.1", port, secrets.token_urlsafe(32))

    def write(self, path: Path) -> None:
        """Replace the file in one step (a client never reads half a key). The folder's
        permissions (the installer's ACL, or 0750 with the group on POSIX) decide who
        reads it; on POSIX the file itself is 0640."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        old = os.umask(0o137) if hasattr(os, "umask") else None
        try:
            temporary.write_text(json.dumps({"host": self.host, "port": self.port,
                                             "key": self.key}), "utf-8")
        finally:
            if old is not None:
                os.umask(old)
        os.replace(temporary, path)

    @classmethod
    def read(cls, path: Path) -> Endpoint:
        """Raises ``PermissionError`` (this account may not use the service), ``OSError``
        (no service) or ``ValueError`` (not an endpoint file)."""
        data = json.loads(Path(path).read_text("utf-8"))
        if not isinstance(data, dict) or data.get("host") not in ("127.0.0.1", "::1"):
            raise ValueError("not a loopback endpoint")   # a key is never sent elsewhere
        return cls(str(data["host"]), int(data["port"]), str(data["key"]))
