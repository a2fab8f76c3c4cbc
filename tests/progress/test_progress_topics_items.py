"""Topic trees and rule-made practice items from the real sample books and PDFs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from progress_helpers import store_book


def _topics(services: Any, book_id: str) -> list[Any]:
    return services.db.query("SELECT * FROM topics WHERE textbook_id = ? ORDER BY ordinal",
                             (book_id,))


def test_sample_books_yield_chapter_section_trees(services, books):
    biology = _topics(services, books["biology"])
    assert [(t["level"], t["title"]) for t in biology][:3] == [
        (1, "I БҮЛЭГ. ФОТОСИНТЕЗ"), (2, "1.1 Ургамал хэрхэн хооллодог вэ?"),
        (2, "1.2 Навч ба хлоропласт")]
    chapter = biology[0]["id"]
    assert all(t["parent_id"] == chapter for t in biology[1:])
    assert len(biology) == 6 and {t["source"] for t in biology} == {"headings"}
    physics = _topics(services, books["physics"])
    assert [t["title"] for t in physics][-1] == \
        "2.5 Friction, air resistance and Newton's third law"
    # every passage belongs to exactly one topic of its book
    orphans = services.db.query_one(
        "SELECT count(*) AS n FROM chunks c LEFT JOIN topics t ON t.id = c.topic_id "
        "WHERE t.id IS NULL OR t.textbook_id != c.textbook_id")
    assert orphans["n"] == 0
    # the passage about chlorophyll is in section 1.2 (page 2)
    row = services.db.query_one(
        "SELECT t.title FROM chunks c JOIN topics t ON t.id = c.topic_id "
        "WHERE c.text LIKE '%хлорофилл хэмээх%'")
    assert row["title"] == "1.2 Навч ба хлоропласт"


def test_pdf_without_headings_gets_page_ranges(services, tmp_path: Path):
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    for page in range(23):
        pdf.add_page()
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, f"Хуудас {page + 1}. Энэ бол гарчиггүй энгийн бичвэр юм. " * 8)
    path = tmp_path / "plain.pdf"
    pdf.output(str(path))
    book = type("B", (), {"title": "Гарчиггүй", "grade": 5, "subject": "math",
                          "language": "mn"})()
    book_id = store_book(services, path, book)
    titles = [t["title"] for t in _topics(services, book_id)]
    assert titles == ["х. 1–10", "х. 11–20", "х. 21–23"]
    last = services.db.query_one(
        "SELECT t.title FROM chunks c JOIN topics t ON t.id = c.topic_id "
        "WHERE c.textbook_id = ? ORDER BY c.ordinal DESC LIMIT 1", (book_id,))
    assert last["title"] == "х. 21–23"


def test_pdf_outline_is_preferred(services, tmp_path: Path):
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    for number, name in enumerate(["Тоо", "Бутархай", "Геометр"], 1):
        pdf.add_page()
        pdf.start_section(f"{number}. {name}")      # an outline entry, same type size
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, f"{name} сэдвийн бичвэр. " * 30)
    path = tmp_path / "outlined.pdf"
    pdf.output(str(path))
    book = type("B", (), {"title": "Математик 5", "grade": 5, "subject": "math",
                          "language": "mn"})()
    book_id = store_book(services, path, book)
    topics = _topics(services, book_id)
    assert [(t["title"], t["page_start"], t["source"]) for t in topics] == [
        ("1. Тоо", 1, "outline"), ("2. Бутархай", 2, "outline"), ("3. Геометр", 3, "outline")]


def test_each_kind_of_item_from_the_sample_library(progress, books):
    from tutor_desktop.core.progress.items import Item, supported

    items = progress.items()
    kinds = Counter(i.kind for i in items)
    assert kinds["cloze"] >= 10 and kinds["choice"] >= 10 and kinds["numeric"] >= 6
    by_answer = {(i.kind, i.answer): i for i in items}
    photosynthesis = by_answer[("cloze", "фотосинтез")]
    assert "Энэ үйл явцыг _____ гэнэ." in photosynthesis.prompt
    assert photosynthesis.book == "Биологи 7" and photosynthesis.page == 1
    assert photosynthesis.topic == "1.1 Ургамал хэрхэн хооллодог вэ?"
    choice = by_answer[("choice", "inertia")]
    assert "inertia" in choice.choices and len(choice.choices) == 4
    # distractors are other key terms of the chapter, never a synonym
    drag = by_answer[("choice", "Air resistance")]
    assert "drag" not in [c.casefold() for c in drag.choices]
    # no option gives itself away by its capital letter
    for item in items:
        if item.kind == "choice":
            assert {c[0].isupper() for c in item.choices if not c[:2].isupper()} == {
                item.answer[0].isupper()}, item.choices
    numeric = [i for i in items if i.kind == "numeric" and i.data["formula"] == "F = m a"]
    assert numeric and all(i.page == 4 for i in numeric)
    force = next(i for i in numeric if i.data["target"] == "F")
    values = force.data["values"]
    assert float(force.answer) == values["m"] * values["a"]
    for item in items:          # every stored item is backed by its passage
        plain = Item(item.id, item.kind, item.prompt, item.answer, item.chunk_id,
                     item.topic_id, item.page, item.choices, item.data)
        assert supported(plain, item.passage), item.prompt
    # no duplicates although passages overlap
    assert len({(i.kind, i.prompt) for i in items}) == len(items)


def test_unsupported_items_are_rejected(progress, books):
    from dataclasses import replace

    from tutor_desktop.core.progress.items import Item, supported

    item = next(i for i in progress.items() if i.kind == "cloze")
    plain = Item(item.id, item.kind, item.prompt, item.answer, item.chunk_id, item.topic_id,
                 item.page, item.choices, item.data)
    assert not supported(replace(plain, answer="митохондри"), item.passage)
    numeric = next(i for i in progress.items() if i.kind == "numeric")
    wrong = Item(numeric.id, "numeric", numeric.prompt, str(float(numeric.answer) + 1),
                 numeric.chunk_id, numeric.topic_id, numeric.page, (), numeric.data)
    assert not supported(wrong, numeric.passage)
    assert not supported(replace(wrong, answer=numeric.answer), "No formula here at all.")


def test_numeric_item_from_an_ohm_law_passage():
    from tutor_desktop.core.progress.items import Passage, generate

    passage = Passage("c1", "t1", "t1", 12,
                      "The current through a resistor depends on the voltage across it and "
                      "its resistance: V = I R. Electric charge flows as a current: I = Q / t, "
                      "where t is the time in seconds.")
    items = generate("sha", "en", [passage])
    formulas = {(i.data["formula"], i.data["target"]) for i in items}
    assert ("V = I R", "V") in formulas and ("I = Q / t", "I") in formulas
    ohm = next(i for i in items if i.data["formula"] == "V = I R" and i.data["target"] == "V")
    assert ohm.data["unit"] == "V"
    assert float(ohm.answer) == ohm.data["values"]["I"] * ohm.data["values"]["R"]


def test_teachers_rename_merge_and_hide_topics(services, school8, books, progress):
    import pytest

    from tutor_desktop.core.i18n import TutorError

    topics = progress.topics(books["biology"])
    first, second = topics[1], topics[2]
    progress.rename_topic(school8.teacher_session, first.id, "Ургамлын хоол тэжээл")
    assert progress.topic(first.id).title == "Ургамлын хоол тэжээл"
    progress.merge_topics(school8.teacher_session, second.id, first.id)
    assert second.id not in [t.id for t in progress.topics(books["biology"])]
    assert progress.items(topic=first.id) and not progress.items(topic=second.id)
    progress.hide_topic(school8.teacher_session, topics[3].id)
    assert topics[3].id not in [t.id for t in progress.topics(books["biology"])]
    with pytest.raises(TutorError) as refused:
        progress.rename_topic(school8.anu_session, first.id, "x")
    assert refused.value.message_id == "not_allowed"


def test_backfill_indexes_books_imported_before(services, books, progress):
    with services.db.write() as conn:
        conn.execute("DELETE FROM practice_items")
        conn.execute("UPDATE chunks SET topic_id = NULL")
        conn.execute("DELETE FROM topics")
    assert progress.ensure_indexed() == 2
    assert len(progress.topics(books["biology"])) == 6
    assert progress.items(book=books["physics"], kind="numeric")
    assert progress.ensure_indexed() == 0


def test_noise_from_real_pdfs_makes_no_items():
    from tutor_desktop.core.progress.items import Passage, generate

    noisy = Passage("c1", "t1", "t1", 3,
                    "4.7.1 Вебд зориулсан PDF баримтууд Th`anh хэмээх хүний программ. "
                    "Уг тушаалын \\width, текст хэмээх хувьсагч. "
                    "Хэрэв дээрхийн алийг ч ашигладаггүй бол OS X-д зориулж бэлтгэсэн MacTeX "
                    "хэмээх LaTeX тархцыг татаж авах хэрэгтэй.")
    items = generate("sha", "mn", [noisy])
    assert [(i.kind, i.answer) for i in items] == [("cloze", "MacTeX")]
