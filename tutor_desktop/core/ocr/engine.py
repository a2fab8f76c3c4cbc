"""Tesseract, run as a separate program with TSV output.

Why the ``tesseract`` program and not a Python binding: the TSV output gives a
confidence per word (how sure a page is, for the teacher's low-confidence list)
with nothing to compile (tesserocr builds against the C++ headers) and no extra
package (pytesseract is itself a wrapper around this same program). A separate
process also keeps Tesseract's memory out of the app, can be stopped at once
when an import is cancelled, and is what a Windows installer can carry in its
own folder. ``OMP_THREAD_LIMIT=1`` by default: on a 2-core lab PC Tesseract's
own threads only fight with the GUI and the embedder.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tutor_desktop.core.i18n import TutorError

if TYPE_CHECKING:
    from PIL import Image

#: The app's language codes and Tesseract's names for their trained data.
TESSERACT_CODES = {"mn": "mon", "en": "eng"}


class OcrError(TutorError):
    """A translated OCR problem (not installed, unreadable image, …)."""

    def __init__(self, message_id: str, **params: Any) -> None:
        super().__init__(message_id, **params)


class OcrCancelled(OcrError):
    def __init__(self) -> None:
        super().__init__("ocr_cancelled")


def tesseract_languages(language: str) -> str:
    """``mn`` → ``mon``, ``en`` → ``eng``, ``both`` / ``mn+en`` → ``mon+eng``."""
    key = language.strip().lower()
    if key in ("both", "all"):
        key = "mn+en"
    codes = []
    for part in key.replace(",", "+").split("+"):
        part = part.strip()
        if part not in TESSERACT_CODES:
            raise OcrError("ocr_bad_language", language=language)
        codes.append(TESSERACT_CODES[part])
    return "+".join(dict.fromkeys(codes))


@dataclass(frozen=True)
class OcrResult:
    """Recognised text; ``confidence`` is 0..1 (Tesseract's word confidences weighted by
    word length), 0 when nothing was read."""

    text: str
    confidence: float
    words: int
    seconds: float
    pages: int = 1
    page_confidences: tuple[float, ...] = field(default=())
    #: The type size of each line of ``text`` (blank lines skipped), in points when the
    #: dpi was known, else in pixels: its letters' width (see :func:`parse_tsv`). A
    #: scanned book's headings are the lines set clearly larger (core/library/pdf.py).
    sizes: tuple[float, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not any(ch.isalnum() for ch in self.text)

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 3),
                "pages": self.pages, "seconds": round(self.seconds, 2)}


def parse_tsv(tsv: str, dpi: int | None = None
              ) -> tuple[str, float, int, tuple[float, ...]]:
    """Text (lines joined, paragraphs separated by a blank line), confidence, word count,
    and each line's type size.

    A line's size is its width per letter (its words' boxes, spaces left out). Heights
    were tried first and do not separate levels: a box is as tall as the ascenders and
    descenders its letters happen to have (measured on a 300 dpi scan of the sample
    book: body lines 35-45 px high, 14 pt headings 44-57, 18 pt capitals 57), while
    the width per letter is steady (body 25-28.5 px, 14 pt headings 37-38.5, 18 pt
    capitals 52). In points with ``dpi``.
    """
    paragraphs: list[list[list[str]]] = []
    widths: list[list[list[tuple[int, int]]]] = []   # (box width, letters) per word
    last_par: tuple[str, ...] | None = None
    last_line: tuple[str, ...] | None = None
    weighted = 0.0
    letters = 0
    words = 0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        word = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            conf = -1.0
        if not word or conf < 0:
            continue
        par = (row["page_num"], row["block_num"], row["par_num"])
        line = (*par, row["line_num"])
        if par != last_par:
            paragraphs.append([])
            widths.append([])
            last_par, last_line = par, None
        if line != last_line:
            paragraphs[-1].append([])
            widths[-1].append([])
            last_line = line
        paragraphs[-1][-1].append(word)
        try:
            widths[-1][-1].append((int(row.get("width") or 0), len(word)))
        except ValueError:
            widths[-1][-1].append((0, len(word)))
        weight = max(1, sum(ch.isalnum() for ch in word))
        weighted += conf * weight
        letters += weight
        words += 1
    text = "\n\n".join("\n".join(" ".join(line) for line in par) for par in paragraphs)
    scale = 72.0 / dpi if dpi else 1.0
    sizes = tuple(round(sum(w for w, _n in line) / max(1, sum(n for _w, n in line)) * scale, 2)
                  for par in widths for line in par)
    return text, (weighted / letters / 100.0 if letters else 0.0), words, sizes



def unwrap_lines(text: str) -> str:
    """Paragraphs on one line each (blank lines between them): the printed line breaks
    of a page or photo are layout, and an end-of-line hyphen before a lower-case letter
    joins the word again. For reading and editing the text, not for search."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        out = ""
        for line in (ln.strip() for ln in paragraph.splitlines()):
            if not line:
                continue
            if out.endswith("-") and line[:1].islower():
                out = out[:-1] + line
            else:
                out = f"{out} {line}" if out else line
        if out:
            paragraphs.append(out)
    return "\n\n".join(paragraphs)


def find_tesseract(explicit: str | None = None) -> Path | None:
    """The program: an explicit path, ``TUTOR_TESSERACT``, a copy carried with the app
    (the Windows installer puts one in ``tesseract/`` next to ``tutor.exe``, see
    installers/windows/ocr_tesseract.nsh; a bundle may hold one beside its resources),
    then the PATH."""
    from tutor_desktop.core.paths import install_dir, resources_dir

    candidates = [explicit, os.environ.get("TUTOR_TESSERACT")]
    exe = "tesseract.exe" if sys.platform == "win32" else "tesseract"
    for folder in dict.fromkeys((install_dir(), resources_dir().parent)):
        candidates.append(str(folder / "tesseract" / exe))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("tesseract")
    return Path(found) if found else None


StopFn = Callable[[], bool]


def _feed(stream: IO[bytes] | None, data: bytes | None) -> None:
    if stream is None:
        return
    try:
        if data:
            stream.write(data)
    except (BrokenPipeError, OSError, ValueError):
        pass  # Tesseract exited early (killed, or refused the input): its exit code says why
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.close()


def _drain(stream: IO[bytes] | None, into: dict[str, bytes], key: str) -> None:
    if stream is not None:
        with contextlib.suppress(OSError, ValueError):
            into[key] = stream.read()


class TesseractEngine:
    """Runs Tesseract on one image at a time; safe to share between threads."""

    def __init__(self, executable: str | None = None, *, timeout: float = 300.0,
                 threads: int = 1) -> None:
        self._explicit = executable
        self.timeout = timeout
        self.threads = threads

    @cached_property
    def executable(self) -> Path | None:
        return find_tesseract(self._explicit)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("OMP_THREAD_LIMIT", str(self.threads))
        exe = self.executable
        if exe is not None and (exe.parent / "tessdata").is_dir():
            env.setdefault("TESSDATA_PREFIX", str(exe.parent / "tessdata"))
        return env

    def _run(self, args: list[str], data: bytes | None = None,
             should_stop: StopFn | None = None) -> str:
        exe = self.executable
        if exe is None:
            raise OcrError("ocr_not_installed")
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flashing on Windows
        try:
            process = subprocess.Popen(
                [str(exe), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=self._env(), creationflags=flags)
        except OSError as exc:
            raise OcrError("ocr_failed", reason=str(exc)) from exc
        # Own threads feed stdin and drain the outputs: Popen.communicate() retried after
        # a timeout stops writing input bigger than the pipe buffer (CPython 3.11).
        outputs: dict[str, bytes] = {}
        threads = [threading.Thread(target=_feed, args=(process.stdin, data), daemon=True),
                   threading.Thread(target=_drain, args=(process.stdout, outputs, "out"),
                                    daemon=True),
                   threading.Thread(target=_drain, args=(process.stderr, outputs, "err"),
                                    daemon=True)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    process.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    if should_stop is not None and should_stop():
                        raise OcrCancelled() from None
                    if time.monotonic() > deadline:
                        raise OcrError("ocr_timeout", seconds=int(self.timeout)) from None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            for thread in threads:
                thread.join(timeout=5)
        out, err = outputs.get("out", b""), outputs.get("err", b"")
        if process.returncode != 0:
            lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
            raise OcrError("ocr_failed", reason=lines[-1] if lines else
                           f"exit code {process.returncode}")
        return out.decode("utf-8", "replace")

    @cached_property
    def version(self) -> str:
        try:
            first = self._run(["--version"]).splitlines()
        except OcrError:
            return ""
        return first[0].strip() if first else ""

    def installed_languages(self) -> set[str]:
        """Tesseract's trained-data names (``mon``, ``eng``, …); empty when not installed."""
        if self.executable is None:
            return set()
        try:
            listing = self._run(["--list-langs"])
        except OcrError:
            return set()
        return {ln.strip() for ln in listing.splitlines()[1:] if ln.strip()}

    def check_language(self, language: str) -> str:
        """Tesseract's language string for ``language``, or why it cannot be read here."""
        codes = tesseract_languages(language)
        if self.executable is None:
            raise OcrError("ocr_not_installed")
        missing = [c for c in codes.split("+") if c not in self.installed_languages()]
        if missing:
            raise OcrError("ocr_language_missing", language=language,
                           package=" ".join(f"tesseract-ocr-{c}" for c in missing))
        return codes

    def recognise(self, image: Image.Image, language: str, *, dpi: int | None = None,
                  should_stop: StopFn | None = None) -> OcrResult:
        """Text of one (already size-bounded) image in ``language`` (mn, en, both)."""
        codes = self.check_language(language)
        started = time.monotonic()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        args = ["stdin", "stdout", "-l", codes, "--psm", "3"]
        if dpi:
            args += ["--dpi", str(dpi)]
        tsv = self._run([*args, "tsv"], buffer.getvalue(), should_stop)
        text, confidence, words, sizes = parse_tsv(tsv, dpi)
        return OcrResult(text, confidence, words, time.monotonic() - started,
                         page_confidences=(confidence,), sizes=sizes)
