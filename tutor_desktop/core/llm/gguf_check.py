"""A fast structural check of a GGUF file: header readable and all tensor data present.

Hashing a 2 GB model takes many seconds; reading its header takes milliseconds
and already catches the common failure on lab PCs — a copy that stopped early
(USB stick pulled, disk full). It also tells us what an unlisted file is.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

GGUF_MAGIC = b"GGUF"
_DEFAULT_ALIGNMENT = 32

# ggml type id -> (elements per block, bytes per block); from ggml's type traits.
_TYPE_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 40), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176),
    14: (256, 210), 15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98),
    19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82), 23: (256, 136),
    24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
    34: (256, 54), 35: (256, 66), 39: (32, 17),
}
# GGUF metadata value types -> struct format of scalars
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_KEPT_KEYS = ("general.name", "general.architecture", "general.alignment", "general.license")


class GGUFFormatError(ValueError):
    """The file is not a complete GGUF model (wrong magic, cut short, unreadable)."""


@dataclass
class GGUFInfo:
    version: int
    tensor_count: int
    expected_size: int          # bytes the header says the file must have at least
    actual_size: int
    metadata: dict[str, Any] = field(default_factory=dict)
    has_chat_template: bool = False
    context_length: int = 0

    @property
    def complete(self) -> bool:
        return self.actual_size >= self.expected_size


class _Reader:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.pos = 0

    def take(self, n: int) -> bytes:
        data = self.handle.read(n)
        if len(data) != n:
            raise GGUFFormatError("header ends early")
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        self.handle.seek(n, 1)
        self.pos += n

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> bytes:
        length = self.unpack("<Q")
        if length > 1 << 26:
            raise GGUFFormatError("implausible string length")
        return self.take(length)

    def value(self, vtype: int, keep: bool) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            if keep:
                return self.string().decode("utf-8", "replace")
            self.skip(self.unpack("<Q"))
            return None
        if vtype == _ARRAY:
            etype, count = self.unpack("<I"), self.unpack("<Q")
            if etype in _SCALARS:
                self.skip(struct.calcsize(_SCALARS[etype]) * count)
            else:
                for _ in range(count):
                    self.value(etype, False)
            return None
        raise GGUFFormatError(f"unknown metadata type {vtype}")


def inspect_gguf(path: Path) -> GGUFInfo:
    """Parse the header of ``path``; raises :class:`GGUFFormatError` if it is not GGUF."""
    actual = path.stat().st_size
    with path.open("rb", buffering=1 << 20) as handle:
        reader = _Reader(handle)
        if reader.take(4) != GGUF_MAGIC:
            raise GGUFFormatError("not a GGUF file")
        version = reader.unpack("<I")
        if version < 2:
            raise GGUFFormatError(f"GGUF version {version} is too old")
        tensor_count, kv_count = reader.unpack("<Q"), reader.unpack("<Q")
        metadata: dict[str, Any] = {}
        has_template, context_length = False, 0
        for _ in range(kv_count):
            key = reader.string().decode("utf-8", "replace")
            vtype = reader.unpack("<I")
            keep = key in _KEPT_KEYS or key.endswith(".context_length")
            value = reader.value(vtype, keep)
            if key == "tokenizer.chat_template":
                has_template = True
            if keep:
                metadata[key] = value
                if key.endswith(".context_length"):
                    context_length = int(value)
        end = 0
        for _ in range(tensor_count):
            reader.string()
            n_dims = reader.unpack("<I")
            if n_dims > 8:
                raise GGUFFormatError("implausible tensor shape")
            elements = 1
            for _ in range(n_dims):
                elements *= reader.unpack("<Q")
            ttype, offset = reader.unpack("<I"), reader.unpack("<Q")
            block, size = _TYPE_SIZES.get(ttype, (1, 0))
            end = max(end, offset + elements // block * size)
        alignment = int(metadata.get("general.alignment") or _DEFAULT_ALIGNMENT)
        data_start = -(-reader.pos // alignment) * alignment
    expected = data_start + end if tensor_count else reader.pos
    return GGUFInfo(version=version, tensor_count=tensor_count, expected_size=expected,
                    actual_size=actual, metadata=metadata, has_chat_template=has_template,
                    context_length=context_length)
