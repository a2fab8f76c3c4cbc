"""A student's picture goes with the question only to a remote model that reads pictures.

Real database, the real tutor service and router, the real httpx client against a real
OpenAI-compatible server on 127.0.0.1 that records each request body
(:mod:`openai_recorder`). What the student would notice: the notice under the answer
says whether the picture left the PC; what the school would check: the bytes on the
wire (an ``image_url`` part, bounded in size, or nothing at all), nothing in the
database or the response cache.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openai_recorder import RecordingOpenAI
from PIL import Image, ImageDraw

from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.llm import vision
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
from tutor_desktop.core.llm.router import Router

QUESTION = "What is the area of this triangle?"


@pytest.fixture
def server() -> Iterator[RecordingOpenAI]:
    recorder = RecordingOpenAI().start()
    yield recorder
    recorder.close()


@pytest.fixture
def student(services: Any, school: Any) -> Any:
    return services.accounts.sign_in_student(school.anu.id, "1234")


def photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel phone photo of a problem: grainy paper (JPEG-hostile) and a drawing."""
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    draw = ImageDraw.Draw(grain)
    draw.polygon([(500, 2500), (3500, 2500), (500, 500)], outline=(0, 0, 0), width=25)
    draw.text((600, 2600), "a = 3 cm, b = 4 cm", fill=(0, 0, 0))
    buffer = io.BytesIO()
    grain.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def use_router(services: Any, server: RecordingOpenAI, *, vision_model: bool,
               policy: str = "remote-first") -> None:
    provider = RemoteProvider("school-ai", server.base_url, "vision-model", vision=vision_model)
    services.tutor.backends = Router(None, [RemoteBackend(provider, key_lookup({}, {}))],
                                     policy=policy)
    services.tutor.may_write = None   # the test is about the request, not the answer gate


def english(reply: Any) -> list[str]:
    return [n.message("en") for n in reply.notices]


def stored_text(services: Any) -> str:
    """Every row of every ordinary table, as text (what a copy of the database holds)."""
    tables = [r["name"] for r in services.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    rows = [dict(r) for t in tables for r in services.db.query(f'SELECT * FROM "{t}"')]
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_a_picture_goes_to_a_vision_model_bounded_and_is_never_kept(
        services: Any, student: Any, server: RecordingOpenAI) -> None:
    use_router(services, server, vision_model=True)
    picture = photo()
    assert len(picture) > 20 * vision.MAX_BYTES     # a real photo, far over the bound
    conv = services.tutor.start_conversation(student, subject="math", language="en")
    reply = services.tutor.ask(student, conv.id, QUESTION, image=picture)

    assert reply.status == "complete" and reply.text == "The picture shows a triangle."
    assert reply.picture_sent
    assert vision.picture_notice(True).message("en") in english(reply)
    (body,) = server.bodies
    question = body["messages"][-1]
    assert question["role"] == "user"
    text_part, image_part = question["content"]
    assert text_part["type"] == "text" and text_part["text"].endswith(QUESTION)
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    jpeg = base64.b64decode(url.split(",", 1)[1])
    assert len(jpeg) <= vision.MAX_BYTES
    with Image.open(io.BytesIO(jpeg)) as sent:
        assert sent.format == "JPEG" and max(sent.size) <= vision.MAX_SIDE
        assert sent.size[0] / sent.size[1] == pytest.approx(4 / 3, rel=0.01)  # not squashed
    # Earlier turns and the system prompt stay plain text.
    assert all(isinstance(m["content"], str) for m in body["messages"][:-1])

    # Nothing of the picture is stored: the question is its text, the answer its text.
    saved = stored_text(services)
    assert QUESTION in saved and "base64" not in saved and "image_url" not in saved
    # A follow-up does not send the picture again (it was for that turn only).
    services.tutor.ask(student, conv.id, "And its perimeter?")
    assert "image_url" not in server.raw[-1].decode()


def test_a_question_with_a_picture_is_never_answered_from_the_cache(
        services: Any, student: Any, server: RecordingOpenAI) -> None:
    from tutor_desktop.core.cache import ResponseCache

    services.tutor.cache = ResponseCache(services.db)
    use_router(services, server, vision_model=True)
    small = photo(800, 600)
    for _ in range(4):   # a first question asked often enough is cached, unless it has a picture
        conv = services.tutor.start_conversation(student, subject="math", language="en")
        reply = services.tutor.ask(student, conv.id, QUESTION, image=small)
        assert reply.status == "complete"
    assert len(server.bodies) == 4
    assert services.db.query_one("SELECT count(*) AS n FROM response_cache")["n"] == 0


def test_a_model_that_cannot_see_gets_only_the_text(services: Any, student: Any,
                                                    server: RecordingOpenAI) -> None:
    use_router(services, server, vision_model=False)
    conv = services.tutor.start_conversation(student, subject="math", language="en")
    reply = services.tutor.ask(student, conv.id, QUESTION, image=photo(800, 600))
    assert reply.status == "complete" and not reply.picture_sent
    assert vision.picture_notice(False).message("en") in english(reply)
    (raw,) = server.raw
    assert b"image_url" not in raw and b"base64" not in raw
    assert server.bodies[0]["messages"][-1]["content"].endswith(QUESTION)


def test_local_only_policy_never_sends_the_picture(services: Any, student: Any,
                                                   server: RecordingOpenAI) -> None:
    use_router(services, server, vision_model=True, policy="local-only")
    conv = services.tutor.start_conversation(student, subject="math", language="mn")
    reply = services.tutor.ask(student, conv.id, "Энэ гурвалжны талбай хэд вэ?",
                               image=photo(800, 600))
    assert server.bodies == []                       # nothing left the PC
    assert not reply.picture_sent
    assert vision.picture_notice(False).message("mn") in [n.message("mn") for n in reply.notices]


def test_a_broken_picture_is_refused_before_anything_is_stored(
        services: Any, student: Any, server: RecordingOpenAI) -> None:
    use_router(services, server, vision_model=True)
    conv = services.tutor.start_conversation(student, subject="math", language="en")
    with pytest.raises(vision.PictureError) as caught:
        services.tutor.ask(student, conv.id, QUESTION, image=b"\x89PNG\r\n\x1a\n broken")
    assert "cannot be used" in caught.value.message("en")
    assert services.conversations.messages(student, conv.id) == []
    assert server.bodies == []


# --- in the window ------------------------------------------------------------------------
def _problem_picture(path: Any) -> Any:
    """A printed problem with a drawing, as a student would paste a screenshot of it."""
    from PIL import ImageFont

    from tutor_desktop.core.library.samples import font_path

    image = Image.new("RGB", (1400, 700), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path()), 44)
    draw.text((60, 60), "Гурвалжны талбайг ол: суурь 6 см, өндөр 4 см.", font=font, fill="black")
    draw.polygon([(200, 620), (900, 620), (200, 220)], outline="black", width=6)
    image.save(path)
    return path


def test_the_window_sends_the_picture_and_says_so(
        qtbot: Any, qapp: Any, services: Any, student: Any, server: RecordingOpenAI,
        tmp_path: Any) -> None:
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QImage

    from tutor_desktop.core.paths import install_dir
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.chat_view import make_chat_page
    from tutor_desktop.ui.i18n import ui_language

    use_router(services, server, vision_model=True)
    load_fonts(qapp)
    language = ui_language()
    language.set_language("mn")
    shots = install_dir() / "screenshots"
    shots.mkdir(exist_ok=True)
    try:
        view: Any = make_chat_page(services, student, "math", 7)
        qtbot.addWidget(view)
        view.resize(1024, 768)
        view.show()
        mime = QMimeData()
        mime.setImageData(QImage(str(_problem_picture(tmp_path / "problem.png"))))
        with qtbot.waitSignal(view.picture.text_ready, timeout=60_000):
            view.input.insertFromMimeData(mime)
        assert "талбай" in view.input.toPlainText()
        assert view.picture_chip.isVisible() and not view.picture_chip.thumb.pixmap().isNull()
        assert "онлайн загвар" in view.picture_chip.label.text()   # says where it may go
        qtbot.wait(50)
        assert view.grab().save(str(shots / "chat_picture_attached_mn.png"))
        assert server.bodies == []                                 # nothing sent by itself

        view.send()
        sent = vision.picture_notice(True).message("mn")
        qtbot.waitUntil(lambda: sent in view.notice_label.text(), timeout=30_000)
        assert not view.picture_chip.isVisible() and view.picture.attachment is None
        (body,) = server.bodies
        assert body["messages"][-1]["content"][1]["type"] == "image_url"
        qtbot.wait(50)
        assert view.grab().save(str(shots / "chat_picture_sent_mn.png"))
    finally:
        language.set_language("en")


def test_only_a_true_or_false_vision_flag_is_accepted(tmp_path: Any) -> None:
    from tutor_desktop.core.config import ConfigError, load_config

    config_file = tmp_path / "config.toml"
    provider = '[[remote_providers]]\nname = "a"\nbase_url = "https://ai.example/v1"\nmodel = "m"\n'
    config_file.write_text(provider + "vision = true\n", encoding="utf-8")
    (loaded,) = load_config(config_file, machine_dir=tmp_path / "none", environ={}).remote_providers
    assert loaded.vision
    config_file.write_text(provider, encoding="utf-8")
    (loaded,) = load_config(config_file, machine_dir=tmp_path / "none", environ={}).remote_providers
    assert not loaded.vision                          # pictures stay unless the school says so
    config_file.write_text(provider + 'vision = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="vision must be true or false"):
        load_config(config_file, machine_dir=tmp_path / "none", environ={})
