"""The grounding module's words, sentences, answer comparison and passage choice."""

from __future__ import annotations

from tutor_desktop.core.grounding import (
    Passage,
    answer_matches,
    clean_text,
    clip,
    deduplicate,
    definition_term,
    excerpt,
    is_definition,
    normalise_answer,
    relevance,
    script_language,
    split_sentences,
)
from tutor_desktop.core.library.samples import sample_dir

BIOLOGY = (sample_dir() / "biology7_photosynthesis_mn.txt").read_text(encoding="utf-8")
PAGE_1 = BIOLOGY.split("\n---\n")[0]


def test_hyphenation_marks_vanish_inside_words() -> None:
    assert clean_text("тушаа\ufffeлын зу\u00adраас") == "тушаалын зураас"


def test_sentences_of_mongolian_and_english_text() -> None:
    text = ("Энэ үйл явцыг фотосинтез гэнэ. \"Фото\" гэдэг нь гэрэл юм. Эрдэмтэн 17-р зуунд "
            "ажиглажээ. See p. 12 for more. A force is a push! Is it?")
    assert split_sentences(text) == [
        "Энэ үйл явцыг фотосинтез гэнэ.", "\"Фото\" гэдэг нь гэрэл юм.",
        "Эрдэмтэн 17-р зуунд ажиглажээ.", "See p. 12 for more.", "A force is a push!", "Is it?"]
    assert script_language("Фотосинтез гэж юу вэ?") == "mn"
    assert script_language("What is a force?") == "en"


def test_definition_questions_and_sentences() -> None:
    assert definition_term("Фотосинтез гэж юу вэ?") == "фотосинтез"
    assert definition_term("Автотроф организм гэж юуг хэлэх вэ?") == "автотроф организм"
    assert definition_term("What is electric current?") == "electric current"
    assert definition_term("Хамгаалах эсүүд ямар үүрэгтэй вэ?") == ""
    assert is_definition("Энэ үйл явцыг фотосинтез гэнэ.", "фотосинтез")
    assert is_definition("Хлоропласт бол фотосинтез явагддаг эсийн эрхтэнцэр юм.", "хлоропласт")
    assert is_definition("Ийм организмыг автотроф организм гэж нэрлэдэг.", "автотроф организм")
    assert is_definition("A force is a push or a pull that acts on an object.", "force")
    assert is_definition("The single force is called the resultant force.", "resultant force")
    # Mentions the term, but defines another word (хлорофилл), or does not define at all.
    assert not is_definition("Хлоропласт дотор хлорофилл хэмээх ногоон пигмент агуулагдана.",
                             "хлоропласт")
    assert not is_definition("Фотосинтезийн үр дүнд глюкоз үүснэ.", "фотосинтез")


def test_student_answers_compare_like_a_teacher_would() -> None:
    assert normalise_answer("  Нүүрсхүчлийн   ХИЙ!! ") == normalise_answer("нуурсхучлийн хий")
    # Latin look-alikes typed on a lab keyboard, ө/ү typed as о/у, a case ending added.
    assert answer_matches("opгaник", "органик")
    assert answer_matches("Хүчилтөрөгч.", "хучилторогч")
    assert answer_matches("глюкозыг", "глюкоз")
    assert answer_matches("Newtons", "newton")
    assert not answer_matches("ус", "органик")
    assert not answer_matches("", "органик")


def test_relevance_and_de_duplication() -> None:
    assert relevance("Фотосинтез гэж юу вэ?", PAGE_1) == 1.0
    assert relevance("What is electric current?", PAGE_1) == 0.0
    first = Passage("a", "Биологи 7", 1, PAGE_1)
    overlap = Passage("b", "Биологи 7", 1, " ".join(split_sentences(PAGE_1)[2:]))
    other = Passage("c", "Биологи 7", 2, "Навч нь өргөн хавтгай хэлбэртэй.")
    assert [p.chunk_id for p in deduplicate([first, overlap, other, first])] == ["a", "c"]


def test_a_short_word_is_not_found_inside_a_longer_one() -> None:
    """«Хүч гэж юу вэ?» (What is force?) is not about oxygen («хүчилтөрөгч»), while the
    inflected forms of «хүч» still count."""
    oxygen = "Ургамал хүчилтөрөгч ялгаруулдаг. Хүчилтөрөгчөөр амьсгалдаг."
    force = "Биед үйлчлэх хүчийг ньютоноор хэмждэг. Хүчнээс хурдатгал хамаарна."
    assert relevance("Хүч гэж юу вэ?", oxygen) == 0.0
    assert relevance("Хүч гэж юу вэ?", force) == 1.0
    assert relevance("What is a force?", "Forces change how objects move.") == 1.0


def test_clip_and_excerpt_cut_at_words() -> None:
    assert clip("один два\ufffe три " * 100, 30) == "один два три один два три …"
    quote = excerpt(PAGE_1, "Фотосинтез гэж юу вэ?")
    assert "Энэ үйл явцыг фотосинтез гэнэ." in quote and len(quote) <= 270
