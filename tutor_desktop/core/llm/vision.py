"""A student's picture sent with the question to a remote model that can see pictures.

The picture of a problem is always read on this PC first (core/ocr): its text lands in
the input box for the student to check. When the answering model is a remote
OpenAI-compatible one that the school marked as able to read pictures
(``vision = true`` on its ``[[remote_providers]]`` table), the picture can go with the
question as an ``image_url`` content part holding a ``data:`` URL, so the model sees the
drawing or formula OCR could not read.

Rules, each enforced in one place:

* **Bounded size** (:func:`prepare_picture`): at most :data:`MAX_SIDE` pixels on the long
  side and :data:`MAX_BYTES` of JPEG, whatever the camera produced, so a 3G link and the
  service's request limit are never strained and the provider bills few image tokens.
* **Only to models that read pictures**: the remote client adds the image part only when
  its provider says ``vision``; the local engine never sees it; a ``local-only`` policy
  builds a chain without any remote model at all (core/llm/router.py).
* **Never kept**: the picture is not stored with the message, not put in the response
  cache (a question with a picture is never a "common first question") and not
  written to disk; only the answer's notice says whether it went.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import Any, TypeVar

from tutor_desktop.core.i18n import Notice, TutorError

#: Long side in pixels: enough for a printed problem to stay legible to a vision model
#: (providers tile images at 512-768 px) and small enough for a slow link.
MAX_SIDE = 1280
#: Upper bound of the JPEG sent (the data: URL is ~4/3 of this).
MAX_BYTES = 400 * 1024
#: Pictures larger than this are refused before decoding (a lab PC's RAM).
MAX_INPUT_BYTES = 30 * 1024 * 1024
#: Other formats are decoded whole first: refuse more pixels than a lab PC should hold.
MAX_INPUT_PIXELS = 60_000_000
MIME = "image/jpeg"

R = TypeVar("R")
PICTURE_SENT = "picture_sent_to_model"
PICTURE_KEPT = "picture_kept_on_pc"


class PictureError(TutorError):
    """The picture could not be prepared for sending (the question still goes as text)."""


def prepare_picture(data: bytes) -> bytes:
    """JPEG bytes of ``data`` (any format Pillow reads), upright, RGB, at most
    :data:`MAX_SIDE` px and :data:`MAX_BYTES`; raises :class:`PictureError`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data or len(data) > MAX_INPUT_BYTES:
        raise PictureError("picture_unusable")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format == "JPEG":
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a huge photo small
            elif opened.width * opened.height > MAX_INPUT_PIXELS:
                raise PictureError("picture_unusable")
            opened.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            SyntaxError) as exc:
        raise PictureError("picture_unusable") from exc
    image: Image.Image = ImageOps.exif_transpose(opened) or opened
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        image = paper
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    quality = 85
    while True:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() <= MAX_BYTES or max(image.size) <= 320:
            return buffer.getvalue()
        if quality > 45:
            quality -= 15
        else:  # still too large (a very busy photo): smaller, not blurrier
            image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)),
                                 Image.Resampling.LANCZOS)


def data_url(jpeg: bytes) -> str:
    return f"data:{MIME};base64," + base64.b64encode(jpeg).decode("ascii")


def content_parts(text: str, images: tuple[bytes, ...]) -> list[dict[str, Any]]:
    """OpenAI chat content: the text, then each picture as an ``image_url`` part."""
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    parts += [{"type": "image_url", "image_url": {"url": data_url(image)}} for image in images]
    return parts


def picture_notice(sent: bool) -> Notice:
    """What the student is told under the answer: did the picture leave this PC?"""
    return Notice(PICTURE_SENT if sent else PICTURE_KEPT)


def with_picture_notice(reply: R, picture: bytes | None) -> R:
    """``reply`` with the picture's notice when the question had one (every answer path:
    the model's, the textbook tutor's, a hint ladder's step)."""
    if picture is not None:
        notices = getattr(reply, "notices", None)
        if isinstance(notices, list):
            notices.append(picture_notice(bool(getattr(reply, "picture_sent", False))))
    return reply
