"""The UI language: Qt's translator for widget strings, plus the core's message language.

Switching installs or removes ``tutor_mn.qm`` (our strings) and ``qt_mn.qm``
(Qt's own: the file dialog, standard buttons, text menus; Qt ships no
Mongolian, so we translate the ones the app shows); Qt then sends every widget a
``LanguageChange`` event and each page re-runs its ``retranslate_ui()``.
Core errors (:class:`TutorError`) are rendered with :func:`current_language`.

Other UI code reads the language with ``current_language()`` and reacts to
``ui_language().changed`` (or to ``QEvent.LanguageChange`` in ``changeEvent``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTranslator, Signal

from tutor_desktop.core.paths import resources_dir

LANGUAGE_NAMES = {"en": "English", "mn": "Монгол"}  # each in its own language, never translated


def translations_dir() -> str:
    return str(resources_dir() / "translations")


class UiLanguage(QObject):
    """Owns the installed translator; one per QApplication."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = "en"
        self._translator: QTranslator | None = None
        self._qt_translator: QTranslator | None = None

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> bool:
        """Switch the whole UI; returns False (and stays in English) if no .qm is found."""
        language = language if language in LANGUAGE_NAMES else "en"
        app = QCoreApplication.instance()
        if language == self._language and (language == "en" or self._translator is not None):
            return True
        new_translator: QTranslator | None = None
        new_qt: QTranslator | None = None
        if language != "en":
            new_translator = QTranslator(self)
            if not new_translator.load(f"tutor_{language}", translations_dir()):
                return False
            new_qt = QTranslator(self)
            if not new_qt.load(f"qt_{language}", translations_dir()):
                new_qt = None   # our strings still switch; Qt's dialogs stay English
        self._language = language  # set before Qt sends LanguageChange
        if app is not None:
            for old in (self._translator, self._qt_translator):
                if old is not None:
                    app.removeTranslator(old)
            for new in (new_qt, new_translator):
                if new is not None:
                    app.installTranslator(new)
        self._translator = new_translator
        self._qt_translator = new_qt
        if app is not None:
            # Deliver LanguageChange now, so every text is switched when this returns.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
            QCoreApplication.sendPostedEvents(app, QEvent.Type.LanguageChange)
        self.changed.emit(language)
        return True


_CURRENT: UiLanguage | None = None


def ui_language() -> UiLanguage:
    """The application's language manager (created on first use)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = UiLanguage(QCoreApplication.instance())
    return _CURRENT


def current_language() -> str:
    """``"mn"`` or ``"en"``: pass it to ``TutorError.message()`` and ``tr()``."""
    return _CURRENT.language if _CURRENT is not None else "en"
