"""Helpers for the remote-LLM tests: real llama_cpp.server processes, a fake clock, a local
provider.

Kept out of conftest.py so test modules (and bench/remote_bench.py) can import them.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from model_files import gemma_gguf


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_gguf() -> Path:
    """The 253 MB test model, written once into tests/.cache (shared with other areas)."""
    return gemma_gguf()


class LlamaServer:
    """One ``llama_cpp.server`` process on loopback."""

    def __init__(self, model_path: Path, alias: str, port: int | None = None) -> None:
        self.model_path = model_path
        self.alias = alias
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout_s: float = 90.0) -> LlamaServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
             "--model_alias", self.alias, "--chat_format", "gemma", "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", "1024", "--n_threads", "1",
             "--n_threads_batch", "2", "--verbose", "False"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if \
                    self.process.stderr else ""
                raise RuntimeError(f"llama_cpp.server exited: {err[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("llama_cpp.server did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def kill(self) -> None:
        """Die like a crashed server or a pulled cable: no goodbye."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.stop()


# --- routers over the two providers (and, when asked, the real local engine) -------------------
class FakeClock:
    """Breakers and the monitor take an injectable clock: tests move time, never sleep 30 s."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LocalProvider:
    """The local model as the model manager hands it out (a loaded ``LocalBackend``)."""

    def __init__(self, backend: object | None) -> None:
        self.local = backend
        self.n_ctx = 1024

    def backend(self, prefer: str = "auto") -> object:
        from tutor_desktop.core.llm.backend import BackendUnavailable

        if self.local is None:
            raise BackendUnavailable("no_local_model")
        return self.local


# --- providers and a monitor over the fault proxies ----------------------------------------------
def remotes(*proxies: Any) -> list[Any]:
    """Remote backends "alpha", "beta" pointing at the given proxies."""
    from tutor_desktop.core.config import RemoteProvider
    from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup

    return [RemoteBackend(RemoteProvider(name, proxy.base_url, f"{name}-270m",
                                         key_name=f"{name}-key"), key_lookup({}, {}))
            for name, proxy in zip(("alpha", "beta"), proxies, strict=False)]


def monitor_for(backends: list[Any], *, local: Any = None, policy: str = "remote-first",
                clock: Any = None) -> Any:
    """A connectivity monitor probing ``backends`` (and a fixed local-model state)."""
    from tutor_desktop.core.connectivity import (
        ConnectivityMonitor,
        ProbeResult,
        ServiceKind,
        ServiceProbe,
        remote_probe,
    )

    probes = [ServiceProbe(b.label, ServiceKind.REMOTE, b.provider_name, remote_probe(b))
              for b in backends]
    if local is not None:
        probes.insert(0, ServiceProbe("local", ServiceKind.LOCAL, "local model",
                                      lambda: ProbeResult(local, detail="gemma3-270m")))
    kwargs = {"clock": clock} if clock is not None else {}
    return ConnectivityMonitor(probes, policy=policy, **kwargs)
