"""The kinds of errors a user reads, one class per kind.

Each class carries its message id (translated in ``resources/translations``),
so the window and the terminal say the same thing in the reader's language, and
code that must react differently (ask for the PIN again, keep the question in
the input box) tests the type, never the text. Errors owned by one area live
with it and subclass :class:`TutorError` too: ``BackendUnavailable`` and
``BackendError`` (llm), ``StorageFullError`` and ``DatabaseTooNewError``
(storage), ``ConfigError`` (config), ``LibraryError`` (library).
"""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.i18n import TutorError


# -- accounts and sessions ------------------------------------------------------------
class NotAllowed(TutorError):
    """The signed-in person may not do this (a student changing a setting, a teacher
    reading another class)."""

    message_id = "not_allowed"


class ClassNameTaken(TutorError):
    """The school has this class already, or one a teacher reads as the same ("7a",
    "7 А"): a second one would be merged into it at the next sync (core/sync/merge.py)."""

    message_id = "class_name_taken"


class AccountUnknown(TutorError):
    message_id = "account_unknown"


class WrongPin(TutorError):
    """A student typed a wrong PIN; ``remaining`` tries are left before a lock."""

    message_id = "wrong_pin"


class WrongPassword(TutorError):
    message_id = "wrong_password"


class LockedOut(TutorError):
    """Too many wrong PINs or passwords; ``until`` says when to try again."""

    message_id = "account_locked"


class SessionExpired(TutorError):
    """The session was idle too long: the next person at a shared PC must not continue it."""

    message_id = "session_expired"


class InvalidPin(TutorError):
    message_id = "pin_format"


class PasswordTooShort(TutorError):
    message_id = "password_too_short"


class SetupAlreadyDone(TutorError):
    message_id = "setup_done_already"


class RosterRowInvalid(TutorError):
    message_id = "roster_bad_row"


class UnknownLanguage(TutorError):
    message_id = "language_unknown"


# -- questions -------------------------------------------------------------------------
class EmptyQuestion(TutorError):
    """Nothing to answer (only spaces): not stored, not counted."""

    message_id = "question_empty"


class QuestionTooLong(TutorError):
    """The question does not fit the model's context even alone: not stored, not counted."""

    message_id = "question_too_long"


class DailyLimitReached(TutorError):
    """The class's daily question limit is used up (``limit``, ``reset``)."""

    message_id = "daily_limit_reached"


class SpeechGrammarEmpty(TutorError):
    """None of the words of a fixed answer list is in the speech model's vocabulary."""

    message_id = "speech_grammar_empty"


# -- start-up --------------------------------------------------------------------------
class DataFolderNotWritable(TutorError):
    """The data folder cannot be created or written (``path``)."""

    message_id = "data_dir_not_writable"

    def __init__(self, path: Any) -> None:
        super().__init__(path=str(path))


__all__ = [
    "AccountUnknown", "DailyLimitReached", "DataFolderNotWritable", "EmptyQuestion",
    "InvalidPin", "LockedOut", "NotAllowed", "PasswordTooShort", "QuestionTooLong",
    "RosterRowInvalid", "SessionExpired", "SetupAlreadyDone", "SpeechGrammarEmpty", "TutorError",
    "UnknownLanguage",
    "WrongPassword", "WrongPin",
]
