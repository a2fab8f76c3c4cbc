"""Real OpenAI-compatible servers for the remote-LLM tests.

Two ``python -m llama_cpp.server`` processes with the small Gemma GGUF play two
providers ("alpha" and "beta"); each sits behind its own :class:`FaultProxy`.
They are session-scoped (≈400 MB and ≈2 s each) and stopped at teardown; the
proxies are reset before every test. ``tests/remote`` is on ``sys.path``
(pytest's rootdir conftest mode), hence the plain imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from faultproxy import FaultProxy
from remote_helpers import LlamaServer, ensure_gguf


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    return ensure_gguf()


@pytest.fixture(scope="session")
def server_alpha(gguf_path: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(gguf_path, "alpha-270m").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_beta(gguf_path: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(gguf_path, "beta-270m").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _proxies(server_alpha: LlamaServer, server_beta: LlamaServer) -> Iterator[
        tuple[FaultProxy, FaultProxy]]:
    alpha = FaultProxy(server_alpha.port).start()
    beta = FaultProxy(server_beta.port).start()
    yield alpha, beta
    alpha.close()
    beta.close()


@pytest.fixture
def proxy_alpha(_proxies: tuple[FaultProxy, FaultProxy]) -> Iterator[FaultProxy]:
    proxy = _proxies[0]
    proxy.reset()
    proxy.plug_cable()
    yield proxy
    proxy.reset()
    proxy.plug_cable()


@pytest.fixture
def proxy_beta(_proxies: tuple[FaultProxy, FaultProxy]) -> Iterator[FaultProxy]:
    proxy = _proxies[1]
    proxy.reset()
    proxy.plug_cable()
    yield proxy
    proxy.reset()
    proxy.plug_cable()


@pytest.fixture(scope="session")
def local_engine(gguf_path: Path) -> Iterator[object]:
    """The real llama.cpp engine, loaded once (≈0.7 s, ≈400 MB)."""
    from tutor_desktop.core.llm.local import LocalBackend

    engine = LocalBackend(gguf_path, model_name="gemma3-270m", chat_format="gemma", n_ctx=1024,
                          n_threads=1, n_threads_batch=2)
    engine.load()
    yield engine
    engine.close()
