"""Pictures of printed text for OCR tests: real paragraphs from the sample books, drawn
with the bundled DejaVu font the way a page would look on a scan."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tutor_desktop.core.library.samples import font_path, sample_dir

MN_PARAGRAPH_LINE = 4  # "Ногоон ургамал нарны гэрлийн энергийг ашиглан ..."
EN_PARAGRAPH_LINE = 3


def sample_paragraph(source: str, line: int) -> str:
    return (sample_dir() / source).read_text(encoding="utf-8").splitlines()[line - 1].strip()


def mongolian_paragraph() -> str:
    return sample_paragraph("biology7_photosynthesis_mn.txt", MN_PARAGRAPH_LINE)


def english_paragraph() -> str:
    return sample_paragraph("physics8_forces_en.txt", EN_PARAGRAPH_LINE)


def render_text(text: str, *, width: int = 2100, size: int = 42, margin: int = 120) -> Image.Image:
    """``text`` word-wrapped in black on white, ~11 pt at 300 dpi (A4 text width)."""
    font = ImageFont.truetype(str(font_path()), size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if font.getlength(candidate) > width - 2 * margin and line:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    step = int(size * 1.5)
    image = Image.new("L", (width, 2 * margin + step * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((margin, margin + number * step), line, font=font, fill=0)
    return image


def save_png(image: Image.Image, path: Path) -> Path:
    image.save(path, dpi=(300, 300))
    return path
