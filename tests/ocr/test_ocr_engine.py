"""OCR with the real Tesseract program: `tutor ocr`, bad pictures, huge pictures, doctor."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from ocr_helpers import english_paragraph, mongolian_paragraph, render_text, save_png
from PIL import Image

from tutor_desktop.cli.main import main
from tutor_desktop.core.doctor import Status
from tutor_desktop.core.ocr import MAX_OCR_PIXELS, OcrError, TesseractEngine, char_accuracy
from tutor_desktop.core.ocr.doctor_checks import ocr_checks
from tutor_desktop.core.ocr.document import recognise_file
from tutor_desktop.core.ocr.images import load_image


def _ocr_json(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> dict[str, object]:
    code = main(["--data-dir", str(data_dir), "ocr", *args, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    result: dict[str, object] = json.loads(out)
    return result


def test_tutor_ocr_reads_a_mongolian_paragraph(tmp_path: Path, data_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    printed = mongolian_paragraph()
    picture = save_png(render_text(printed), tmp_path / "problem.png")
    result = _ocr_json(capsys, data_dir, str(picture), "--lang", "mn")
    accuracy = char_accuracy(printed, str(result["text"]))
    print(f"\nMongolian paragraph: character accuracy {accuracy:.3f}, "
          f"confidence {result['confidence']}, {result['seconds']} s")
    assert accuracy >= 0.90, result["text"]
    assert set(result) == {"text", "confidence", "pages", "seconds"}
    assert result["pages"] == 1
    assert 0.7 <= float(str(result["confidence"])) <= 1.0


def test_english_and_both_languages_from_a_jpeg(tmp_path: Path, data_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    printed = english_paragraph()
    picture = tmp_path / "photo.jpg"
    render_text(printed).convert("RGB").save(picture, quality=90)
    english = _ocr_json(capsys, data_dir, str(picture), "--lang", "en")
    assert char_accuracy(printed, str(english["text"])) >= 0.95
    both = _ocr_json(capsys, data_dir, str(picture), "--lang", "both")
    assert char_accuracy(printed, str(both["text"])) >= 0.9


def test_a_scanned_pdf_is_read_page_by_page(tmp_path: Path, data_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    first, second = render_text("Page one: the force of gravity."), render_text(
        "Page two: friction slows a moving body.")
    pdf = tmp_path / "scan.pdf"
    first.save(pdf, save_all=True, append_images=[second], resolution=300)
    result = _ocr_json(capsys, data_dir, str(pdf), "--lang", "en")
    assert result["pages"] == 2
    text = str(result["text"])
    assert "gravity" in text and "friction" in text
    assert text.index("gravity") < text.index("friction")


def test_a_damaged_picture_gets_a_clear_translated_message(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "good.png"
    save_png(render_text("A whole picture"), good)
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 3])  # cut-off download
    monkeypatch.setenv("TUTOR_LANGUAGE", "mn")
    code = main(["--data-dir", str(data_dir), "ocr", str(damaged), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert "damaged.png" in err and "зураг" in err and "Traceback" not in err
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "ocr", str(tmp_path / "notes.txt")]) == 2
    assert "PNG, JPG" in capsys.readouterr().err


def test_a_picture_without_text_says_so(tmp_path: Path, data_dir: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (1200, 900), 255).save(blank)
    assert main(["--data-dir", str(data_dir), "ocr", str(blank), "--lang", "mn"]) == 1
    assert "No text was found" in capsys.readouterr().err
    result = _ocr_json(capsys, data_dir, str(blank), "--lang", "mn")
    assert result["text"] == "" and result["confidence"] == 0


def test_huge_pictures_are_shrunk_before_ocr(tmp_path: Path) -> None:
    """A 40-megapixel phone photo is decoded small; the text still reads."""
    page = render_text(english_paragraph(), width=2100, size=42)
    photo = Image.new("RGB", (6300, 4200), (250, 250, 245))  # 26 MP
    photo.paste(page.resize((page.width * 3, page.height * 3)).convert("RGB"), (0, 300))
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=85)
    assert photo.width * photo.height > MAX_OCR_PIXELS
    image = load_image(path)
    assert image.width * image.height <= MAX_OCR_PIXELS
    assert image.mode == "L"
    result = TesseractEngine().recognise(image, "en")
    assert char_accuracy(english_paragraph(), result.text) >= 0.9


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims a huge size (what a decompression bomb looks like)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [11_000, 20_000])
def test_a_picture_too_large_to_decode_is_refused_without_decoding(tmp_path: Path,
                                                                    side: int) -> None:
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, side, side)
    with pytest.raises(OcrError) as caught:
        load_image(bomb)
    assert caught.value.message_id == "ocr_image_too_large"
    assert "хэт том" in caught.value.message("mn")


def test_doctor_reports_ocr_per_language(data_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    main(["--data-dir", str(data_dir), "doctor", "--json"])
    out = capsys.readouterr().out
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["ocr:mn"]["status"] == "OK" and "mon" in checks["ocr:mn"]["detail"]
    assert checks["ocr:en"]["status"] == "OK"


def test_without_tesseract_doctor_and_ocr_say_how_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on the PATH
    engine = TesseractEngine()
    [check] = ocr_checks(engine)
    assert check.status is Status.WARN and "tesseract-ocr-mon" in check.hint
    picture = save_png(render_text("text"), tmp_path / "p.png")
    with pytest.raises(OcrError) as caught:
        recognise_file(engine, picture, "mn")
    assert caught.value.message_id == "ocr_not_installed"
    assert "Tesseract" in caught.value.message("mn")


def test_printed_line_breaks_are_unwrapped_for_reading() -> None:
    from tutor_desktop.core.ocr.engine import unwrap_lines

    assert unwrap_lines("Ногоон ургамал нар-\nны гэрлийг\nашиглана.\n\nШинэ нэр") == (
        "Ногоон ургамал нарны гэрлийг ашиглана.\n\nШинэ нэр")
