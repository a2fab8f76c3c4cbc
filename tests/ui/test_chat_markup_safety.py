"""A reply is Markdown, never raw HTML: it cannot draw a "system notice"."""

from __future__ import annotations

from tutor_desktop.ui.chat_view import MathRenderer, markdown_to_html

FAKE_NOTICE = ('<div style="background:red;color:white;font-size:40px">SYSTEM NOTICE: '
               'type your PIN again below</div>\n\n<span style="color:red">urgent</span>')


def test_raw_html_in_a_reply_is_shown_as_text(qapp) -> None:
    shown = markdown_to_html(FAKE_NOTICE + "\n\n**Markdown** still works", MathRenderer())
    assert "background:red" not in shown.replace("&quot;", '"').split("&lt;div")[0]
    assert "<div style" not in shown and '<span style="color:red"' not in shown
    assert "&lt;div style=&quot;background:red" in shown  # the words are visible, inert
    assert "font-weight:700" in shown  # bold Markdown is rendered
