"""The terminal commands, run as a teacher or IT person would run them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "TUTOR_LANGUAGE": "mn"}
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], input=stdin, capture_output=True, text=True, timeout=300,
                          env=env)


@pytest.fixture
def classroom(services: Any, school8: Any, books: Any, progress: Any) -> Any:
    """7A has practised; a student with a formula-like name tests CSV escaping."""
    accounts = services.accounts
    accounts.create_student(school8.teacher_session, school8.class_7a.id, "=HYPERLINK(1)",
                            "9999")
    topic = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    for item in progress.practice_set(school8.anu_session, topic.id):
        progress.answer(school8.anu_session, item.id, item.answer)
    for item in progress.practice_set(school8.temuulen_session, topic.id)[:4]:
        progress.answer(school8.temuulen_session, item.id, "0")
    return school8


def test_topics_and_items_lists(services: Any, data_dir: Path, books: Any) -> None:
    services.close()
    topics = json.loads(_tutor(data_dir, "topics", "list", "--json").stdout)
    assert {t["book"] for t in topics} == {"Биологи 7", "Physics 8"}
    assert "1.2 Навч ба хлоропласт" in [t["title"] for t in topics]
    result = _tutor(data_dir, "items", "list", "--book", "Physics 8", "--topic",
                    "2.4 Newton's second law", "--json")
    items = json.loads(result.stdout)
    assert items and {i["book"] for i in items} == {"Physics 8"}
    numeric = next(i for i in items if i["kind"] == "numeric")
    assert "F = m a" in numeric["passage"] and numeric["page"] == 4
    text = _tutor(data_dir, "items", "list", "--book", "Биологи 7").stdout
    assert "Энэ үйл явцыг _____ гэнэ." in text and "→ фотосинтез" in text


def test_progress_and_reports(services: Any, data_dir: Path, classroom: Any,
                              tmp_path: Path) -> None:
    services.close()
    shown = _tutor(data_dir, "progress", "--class", "7A", "--json", "--user", "bat",
                   "--password-stdin", stdin="teacher-pass-1\n")
    assert shown.returncode == 0, shown.stderr
    grid = json.loads(shown.stdout)
    levels = {s["name"]: set(s["levels"].values()) for s in grid["students"]}
    assert levels["Анужин"] == {"mastered"} and levels["Тэмүүлэн"] == {"beginner"}
    assert any(h["student"] == "Тэмүүлэн" and h["reason"] == "help_many_wrong"
               for h in grid["needs_help"])
    one = _tutor(data_dir, "progress", "--class", "7A", "--student", "Анужин", "--user", "bat",
                 "--password-stdin", stdin="teacher-pass-1\n")
    assert "Эзэмшсэн" in one.stdout
    refused = _tutor(data_dir, "progress", "--class", "7A", "--user", "dorj",
                     "--password-stdin", stdin="teacher-pass-2\n")
    assert refused.returncode == 2 and "эрх" in refused.stderr

    out_csv = tmp_path / "7a.csv"
    made = _tutor(data_dir, "report", "--class", "7A", "--format", "csv", "--out",
                  str(out_csv), "--user", "bat", "--password-stdin", stdin="teacher-pass-1\n")
    assert made.returncode == 0, made.stderr
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert {(r["student"], r["level_name"]) for r in rows} >= {("Анужин", "Эзэмшсэн")}
    out_pdf = tmp_path / "7a.pdf"
    made = _tutor(data_dir, "report", "--class", "7A", "--format", "pdf", "--out",
                  str(out_pdf), "--user", "bat", "--password-stdin", stdin="teacher-pass-1\n")
    assert made.returncode == 0, made.stderr
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(out_pdf))
    text = document[0].get_textpage().get_text_range()
    assert "Анужин" in text and "Тэмүүлэн" in text and "Эзэмшсэн" in text
    document.close()
    bad = _tutor(data_dir, "report", "--class", "7A", "--format", "xls", "--out",
                 str(tmp_path / "x"), "--user", "bat", "--password-stdin",
                 stdin="teacher-pass-1\n")
    assert bad.returncode == 2 and "csv" in bad.stderr


def test_csv_escapes_formulas_and_an_empty_class_reports(services: Any, classroom: Any,
                                                         progress: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.progress.report import csv_report, pdf_report, safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+7", "-2", "@a", "Бат")] == [
        "'=1+1", "'+7", "'-2", "'@a", "Бат"]
    teacher = classroom.teacher_session
    formula = next(s for s in services.accounts.list_students(classroom.class_7a.id)
                   if s.display_name.startswith("="))
    item = progress.items(kind="cloze")[0]
    progress.answer(services.accounts.sign_in_student(formula.id, "9999"), item.id, "x")
    text = csv_report(progress.class_progress(teacher, classroom.class_7a.id))
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text
    empty_class = services.accounts.create_class(teacher, "7C", 7)
    empty = progress.class_progress(teacher, empty_class.id)
    assert empty.students == [] and csv_report(empty).count("\n") == 1
    assert pdf_report(empty, tmp_path / "empty.pdf").stat().st_size > 0


def test_practice_in_the_terminal_chat(services: Any, data_dir: Path, classroom: Any) -> None:
    services.close()
    result = _tutor(data_dir, "chat", "--class", "7A", "--student", "Тэмүүлэн",
                    stdin="5678\n/practice 1.2 Навч\nамсар\n1\nхлорофилл\n\n\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "1/" in result.stdout and "Зөв!" in result.stdout
    assert "Биологи 7, 2-р хуудсыг үзээрэй" in result.stdout
    assert "зөв. Түвшин:" in result.stdout


def test_practice_without_a_topic_offers_the_assigned_set_then_the_weakest_topic(
        services: Any, data_dir: Path, classroom: Any, progress: Any, books: Any) -> None:
    """Тэмүүлэн got 2.4 wrong four times (the classroom fixture); the teacher then gives
    7A a set of three items on 1.2. ``/practice`` offers the set first; once it is done,
    the weakest topic."""
    leaves = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.2"))
    newton = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    assigned = progress.assign(classroom.teacher_session, classroom.class_7a.id, leaves.title,
                               [leaves.id], 3, "2026-12-07")
    services.close()
    answers = "\n".join(["1"] * 3 + ["/practice"] + ["1"] * 5) + "\n/quit\n"
    result = _tutor(data_dir, "chat", "--class", "7A", "--student", "Тэмүүлэн",
                    stdin="5678\n/practice\n" + answers)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    first = out.index("Багшийн өгсөн даалгавар: 1.2 Навч ба хлоропласт "
                      "(хугацаа 2026-12-07; 3-аас 0 хийсэн)")
    second = out.index(f"Хүндрэлтэй байгаа сэдвээ давтъя: {newton.title}")
    assert first < out.index("\n1/3. ") < out.index("\n3/3. ") < second
    assert second < out.index("\n5/5. ")
    from tutor_desktop.composition import build_services

    again = build_services(data_dir)
    try:
        teacher = again.accounts.sign_in_staff("bat", "teacher-pass-1")
        status = again.progress.assignments(teacher, classroom.class_7a.id)[0]
        assert status.id == assigned.id and status.done == {classroom.temuulen.id: 3}
    finally:
        again.close()


def test_pdf_report_repeats_the_table_header_on_every_page(
        services: Any, school8: Any, books: Any, progress: Any, tmp_path: Path) -> None:
    """A class of 40 does not fit on one A4 page: every page of the table starts with
    the row of topic titles, so a printed page never shows levels without topics."""
    import pypdfium2 as pdfium

    from tutor_desktop.core.progress.report import pdf_report

    teacher = school8.teacher_session
    topics = [t for t in progress.topics(books["physics"]) if t.item_count][:2]
    names = []
    for number in range(38):
        name = f"Бат-Өлзий {number:02d}"
        student = services.accounts.create_student(teacher, school8.class_7a.id, name,
                                                   f"{1000 + number}")
        session = services.accounts.sign_in_student(student.id, f"{1000 + number}")
        for topic in topics:
            item = progress.practice_set(session, topic.id)[0]
            progress.answer(session, item.id, item.answer if number % 2 else "0")
        names.append(name)
    grid = progress.class_progress(teacher, school8.class_7a.id)
    assert len(grid.students) == 40
    document = pdfium.PdfDocument(str(pdf_report(grid, tmp_path / "7a.pdf", "mn")))
    pages = [" ".join(document[i].get_textpage().get_text_range().split())  # wrapped titles
             for i in range(len(document))]
    if os.environ.get("PROGRESS_SHOTS"):        # for a person to look at
        shots = Path(os.environ["PROGRESS_SHOTS"])
        shots.mkdir(parents=True, exist_ok=True)
        for index in (0, 1):
            document[index].render(scale=1.5).to_pil().save(
                str(shots / f"report_40_page{index + 1}.png"))
    document.close()
    table_pages = [text for text in pages if any(name in text for name in names)]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Сурагч" in text and topics[0].title in text and topics[1].title in text
    assert all(any(name in text for text in table_pages) for name in names)
