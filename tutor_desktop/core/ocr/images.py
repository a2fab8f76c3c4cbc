"""Opening a picture for OCR with bounded memory.

A phone photo is 12–50 megapixels and a scanner at 600 dpi makes 35 MP A4
pages; Tesseract's memory grows with the pixel count and reads school print
no better above ~300 dpi. So every image is turned upright (EXIF), made
greyscale and shrunk to at most :data:`MAX_OCR_PIXELS` before OCR. JPEGs are
decoded at a reduced scale straight away (``draft``), so even a huge photo
never sits in memory at full size; other formats above :data:`REFUSE_PIXELS`
are refused with a clear message instead of filling the RAM of a lab PC.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from tutor_desktop.core.ocr.engine import OcrError

if TYPE_CHECKING:
    from PIL import Image

#: An A4 page at 300 dpi is 8.7 MP; 12 MP leaves room for larger pages and photos.
MAX_OCR_PIXELS = 12_000_000
#: Decoding more than this (non-JPEG) would need > 400 MB just for the pixels.
REFUSE_PIXELS = 120_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")


def load_image(source: Path | bytes, name: str = "") -> Image.Image:
    """A greyscale, upright image of at most ``MAX_OCR_PIXELS``, or an :class:`OcrError`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    label = name or (source.name if isinstance(source, Path) else "image")
    if isinstance(source, Path):
        if not source.is_file():
            raise OcrError("ocr_file_missing", file=str(source))
        if source.stat().st_size == 0:
            raise OcrError("ocr_unreadable_image", file=label)
    try:
        with warnings.catch_warnings():  # the size is checked below, with our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source if isinstance(source, Path) else io.BytesIO(source))
    except Image.DecompressionBombError as exc:
        raise OcrError("ocr_image_too_large", file=label) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise OcrError("ocr_unreadable_image", file=label) from exc
    try:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise OcrError("ocr_unreadable_image", file=label)
        if image.format == "JPEG" and width * height > MAX_OCR_PIXELS:
            scale = (MAX_OCR_PIXELS / (width * height)) ** 0.5
            image.draft("L", (max(1, int(width * scale)), max(1, int(height * scale))))
        elif width * height > REFUSE_PIXELS:
            raise OcrError("ocr_image_too_large", file=label)
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        grey = _greyscale(upright)
        if grey.width * grey.height > MAX_OCR_PIXELS:
            scale = (MAX_OCR_PIXELS / (grey.width * grey.height)) ** 0.5
            grey = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))),
                               Image.Resampling.LANCZOS)
        return grey
    except OcrError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # a truncated or damaged file fails only when its pixels are decoded
        raise OcrError("ocr_unreadable_image", file=label) from exc
    finally:
        image.close()


def _greyscale(image: Image.Image) -> Image.Image:
    """Transparent pixels become white paper, not black (screenshots, PNG stickers)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        return paper.convert("L")
    return image.convert("L")
