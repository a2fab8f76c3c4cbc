"""The textbook tutor on the sample chapters' pages (no model, no index): what it quotes,
how it hints, and what it refuses to make up."""

from __future__ import annotations

from tutor_desktop.core.grounding import Passage, TextbookTutor
from tutor_desktop.core.grounding.service_hooks import ladder_state, looks_like_attempt
from tutor_desktop.core.grounding.tutor import cloze_question, worked_example
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.library.samples import sample_dir


def _pages(name: str, book: str, subject: str) -> list[Passage]:
    text = (sample_dir() / name).read_text(encoding="utf-8")
    return [Passage(f"{subject}{n}", book, n, page, subject=subject)
            for n, page in enumerate(text.split("\n---\n"), 1)]


BIOLOGY = _pages("biology7_photosynthesis_mn.txt", "Биологи 7", "biology")
PHYSICS = _pages("physics8_forces_en.txt", "Physics 8", "physics")
TUTOR = TextbookTutor()


def test_definitions_come_first_with_book_and_page() -> None:
    answer = TUTOR.answer("Хлоропласт гэж юу вэ?", BIOLOGY + PHYSICS, "mn")
    assert answer.found and answer.sources[0].page == 2
    assert answer.quotes[0] == "Хлоропласт бол фотосинтез явагддаг эсийн эрхтэнцэр юм."
    assert "Биологи 7, х. 2" in answer.text
    english = TUTOR.answer("What is the resultant force?", BIOLOGY + PHYSICS, "en")
    assert "is called the resultant force" in english.quotes[0]
    assert "Physics 8, p. 2" in english.text
    # "this process" is quoted with the sentence that says what the process is
    photosynthesis = TUTOR.answer("Фотосинтез гэж юу вэ?", BIOLOGY, "mn")
    assert photosynthesis.quotes[:2] == [
        "Ногоон ургамал нарны гэрлийн энергийг ашиглан нүүрсхүчлийн хий ба уснаас органик "
        "бодис үүсгэдэг.", "Энэ үйл явцыг фотосинтез гэнэ."]


def test_not_found_instead_of_a_page_that_only_shares_a_word() -> None:
    for question, language in (("What is electric current?", "en"),
                               ("x^2 - 5x + 6 = 0 тэгшитгэлийг бод", "mn"),
                               ("Монголын нийслэл хаана вэ?", "mn")):
        answer = TUTOR.answer(question, BIOLOGY + PHYSICS, language)
        assert not answer.found and answer.sources == []
        assert answer.text == tr("textbook_not_found", language)


def test_maths_worked_example_only_when_the_book_has_one() -> None:
    algebra = Passage("m1", "Математик 8", 40, "Квадрат тэгшитгэл. Жишээ. x^2 - 7x + 12 = 0 "
                      "тэгшитгэлийг бодъё. Үржвэр нь 12, нийлбэр нь 7 болох тоо 3 ба 4. "
                      "Иймд x = 3 эсвэл x = 4.", subject="math")
    theory = Passage("m2", "Математик 8", 41, "Квадрат тэгшитгэл нь ax^2 + bx + c = 0 хэлбэртэй "
                     "тэгшитгэл юм.", subject="math")
    question = "x^2 - 5x + 6 = 0 тэгшитгэлийг бод"
    shown = TUTOR.answer(question, [algebra, theory], "mn", subject="math")
    assert shown.text.startswith(tr("textbook_example_intro", "mn"))
    assert "x^2 - 7x + 12 = 0" in shown.text and "Математик 8, х. 40" in shown.text
    assert "x = 2" not in shown.text           # never the student's own result
    honest = TUTOR.answer(question, [theory], "mn", subject="math")
    assert honest.text.startswith(tr("textbook_no_example", "mn"))
    assert worked_example(theory.text) == ""


def test_hint_ladder_in_both_languages() -> None:
    for question, passages, language in (("Ургамал илүүдэл глюкозоо ямар бодис болгон "
                                          "хадгалдаг вэ?", BIOLOGY, "mn"),
                                         ("What is a force?", PHYSICS, "en")):
        steps = [TUTOR.hint(question, passages, step, language) for step in (1, 2, 3)]
        point = TUTOR.key_point(question, passages)
        assert point is not None
        assert steps[0].text.rstrip().endswith("?") and point.term not in steps[0].text
        assert "_____" in steps[1].text and point.term not in steps[1].text
        assert point.term in steps[2].text and "_____" not in steps[2].text
        assert all(s.sources == steps[0].sources for s in steps)
        assert TUTOR.check(point.term.upper(), point.term, language)[0]
        assert not TUTOR.check("дэлхий", point.term, language)[0]
    assert cloze_question("Ургамал илүүдлийг нь цардуул болгон хадгалдаг.", "цардуул") == \
        "Ургамал илүүдлийг нь юу болгон хадгалдаг вэ?"
    assert cloze_question("Force is measured in newtons.", "newtons") == \
        "Force is measured in what?"


def test_ladder_state_tells_attempts_from_new_questions() -> None:
    class M:
        def __init__(self, role: str, content: str, backend: str = "", model: str = "") -> None:
            self.role, self.content, self.backend, self.model = role, content, backend, model

    messages = [M("user", "What is a force?"), M("assistant", "…", "textbook", "textbook"),
                M("assistant", "Hint 1", "textbook", "hint-1"), M("user", "table"),
                M("assistant", "Hint 2", "textbook", "hint-2")]
    state = ladder_state(messages)
    assert (state.question, state.step, state.awaiting) == ("What is a force?", 2, True)
    messages.append(M("user", "What is friction?"))
    assert ladder_state(messages).question == "What is friction?"
    assert looks_like_attempt("нүүрсхүчлийн хий") and not looks_like_attempt("Яагаад?")
