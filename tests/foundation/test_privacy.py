"""A student sees only their own conversations, a teacher only their classes."""

from __future__ import annotations

import pytest

from tutor_desktop.core.i18n import TutorError


def test_students_cannot_read_each_others_conversations(services, school) -> None:
    store, accounts = services.conversations, services.accounts
    anu = accounts.sign_in_student(school.anu.id, "1234")
    temuulen = accounts.sign_in_student(school.temuulen.id, "5678")
    conv = store.create(anu, subject="math", grade=7, title="Бутархай")
    store.add_message(anu, conv.id, "user", "1/2 + 1/3 хэд вэ?")

    assert [c.id for c in store.list_for(anu)] == [conv.id]
    assert store.list_for(temuulen) == []
    with pytest.raises(TutorError, match="not allowed"):
        store.messages(temuulen, conv.id)
    with pytest.raises(TutorError, match="not allowed"):
        store.list_for(temuulen, user_id=school.anu.id)
    with pytest.raises(TutorError, match="not allowed"):
        store.add_message(temuulen, conv.id, "user", "hijack")
    assert [m.content for m in store.messages(anu, conv.id)] == ["1/2 + 1/3 хэд вэ?"]


def test_teachers_see_only_their_classes_and_admins_everything(services, school) -> None:
    store, accounts = services.conversations, services.accounts
    anu = accounts.sign_in_student(school.anu.id, "1234")
    small = accounts.sign_in_student(school.small.id, None)  # class 2A, not Bat's
    conv_anu = store.create(anu, subject="math")
    conv_small = store.create(small, subject="math")

    teacher = school.teacher_session
    assert [c.id for c in store.list_for(teacher, user_id=school.anu.id)] == [conv_anu.id]
    with pytest.raises(TutorError, match="not allowed"):
        store.messages(teacher, conv_small.id)
    assert store.messages(school.admin, conv_small.id) == []
    # Teachers can read, but never write into a student's conversation.
    with pytest.raises(TutorError, match="not allowed"):
        store.add_message(teacher, conv_anu.id, "user", "x")
