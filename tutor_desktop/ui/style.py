"""The look: warm, bright and touch-friendly (big targets for small fingers).

Widgets opt into a style with a dynamic property, e.g.
``button.setProperty("kind", "primary")`` or ``label.setProperty("role", "title")``.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.storage.settings import TEXT_SIZE_SETTING, TEXT_SIZES

FONT_FAMILY = "DejaVu Sans"
ICONS = (resources_dir() / "icons").as_posix()
BACKGROUND = "#FFF8EC"
INK = "#27304A"
PRIMARY = "#4F46E5"
TILE_COLORS = ("#FF7A59", "#4F7CFF", "#2DB87D", "#E85D9A", "#9B6CF0", "#F2A93B", "#1E9E8F",
               "#E0843A")


BASE_POINT_SIZE = 12
# TEXT_SIZES (per cent: normal, large, largest) and TEXT_SIZE_SETTING: core's PcSettings.
__all__ = ["TEXT_SIZES", "TEXT_SIZE_SETTING"]
_text_size = 100


def text_size() -> int:
    """The text size in per cent that the stylesheets are scaled to now."""
    return _text_size


def set_text_size(percent: int) -> int:
    """Scale every later stylesheet's text to ``percent`` (one of TEXT_SIZES)."""
    global _text_size
    _text_size = percent if percent in TEXT_SIZES else 100
    return _text_size


def scaled(sheet: str, percent: int | None = None) -> str:
    """``sheet`` with every ``font-size: Npx`` scaled to the text size: the window's
    sizes are in pixels (a 7-year-old's buttons), so the app font alone would not grow."""
    factor = (percent or _text_size) / 100
    if factor == 1:
        return sheet
    return re.sub(r"font-size:\s*(\d+)px",
                  lambda m: f"font-size: {round(int(m.group(1)) * factor)}px", sheet)


def darker(color: str, factor: int = 125) -> str:
    return QColor(color).darker(factor).name()


def lighter(color: str, factor: int = 112) -> str:
    return QColor(color).lighter(factor).name()


def tile_style(color: str) -> str:
    """A chunky coloured button with a darker bottom edge, so it looks pressable."""
    return scaled(
        f"QPushButton {{ background: {color}; color: white; border: none;"
        f" border-bottom: 6px solid {darker(color)}; border-radius: 22px;"
        f" padding: 0; }}"
        f" QPushButton:hover {{ background: {lighter(color)}; }}"
        f" QPushButton:pressed {{ background: {darker(color, 110)}; border-bottom-width: 2px; }}"
        f" QPushButton:disabled {{ background: #C9C4BA; border-bottom-color: #A8A297; }}"
        f" QLabel {{ color: white; background: transparent; }}"
        f' QLabel[tile="title"] {{ font-size: 22px; font-weight: bold; }}'
        f' QLabel[tile="subtitle"] {{ font-size: 15px; color: rgba(255, 255, 255, 0.88); }}'
    )


STYLESHEET = f"""
* {{ font-family: "{FONT_FAMILY}"; }}
QWidget {{ font-size: 17px; color: {INK}; }}
QMainWindow, QStackedWidget#pages, QWidget[page="true"] {{ background: {BACKGROUND}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; border: none; }}

QFrame#header {{ background: {PRIMARY}; }}
QFrame#header QLabel {{ color: white; }}
QLabel#appTitle {{ font-size: 22px; font-weight: bold; }}
QLabel#schoolName {{ font-size: 16px; color: #E0E7FF; }}
QLabel#userName {{ font-size: 17px; font-weight: bold; }}
QFrame#header QPushButton {{
    background: rgba(255, 255, 255, 0.16); color: white; border: 2px solid rgba(255,255,255,0.35);
    border-radius: 18px; padding: 6px 16px; font-size: 16px; font-weight: bold; min-height: 24px;
}}
QFrame#header QPushButton:hover {{ background: rgba(255, 255, 255, 0.28); }}

QLabel[role="title"] {{ font-size: 32px; font-weight: bold; color: {INK}; }}
QLabel[role="subtitle"] {{ font-size: 20px; color: #5B6478; }}
QLabel[role="section"] {{ font-size: 21px; font-weight: bold; color: {INK}; }}
QLabel[role="hint"] {{ font-size: 15px; color: #6B7280; }}
QLabel[role="pinDots"] {{ font-size: 40px; color: {PRIMARY}; letter-spacing: 6px; }}
QLabel[role="error"] {{
    color: #B42318; background: #FEE4E2; border: 2px solid #FDA29B; border-radius: 14px;
    font-size: 18px; font-weight: bold;
}}
QLabel[role="success"] {{
    color: #067647; background: #DCFAE6; border: 2px solid #75E0A7; border-radius: 14px;
    font-size: 18px; font-weight: bold;
}}

QPushButton {{
    background: white; color: {INK}; border: 2px solid #E6DDCC; border-bottom: 4px solid #D8CCB6;
    border-radius: 16px; padding: 10px 20px; font-size: 18px; min-height: 30px;
}}
QPushButton:hover {{ border-color: #A5B4FC; }}
QPushButton:pressed {{ background: #EEF2FF; }}
QPushButton:disabled {{ color: #A3A3A3; background: #F3F1EC; }}
QPushButton[kind="primary"] {{
    background: {PRIMARY}; color: white; border: none; border-bottom: 5px solid #3730A3;
    font-weight: bold;
}}
QPushButton[kind="primary"]:hover {{ background: #6366F1; }}
QPushButton[kind="primary"]:disabled {{ background: #A5A3E8; border-bottom-color: #8C89D6; }}
QPushButton[kind="back"] {{
    background: transparent; border: none; color: {PRIMARY}; font-weight: bold; font-size: 19px;
    padding: 6px 10px;
}}
QPushButton[kind="back"]:hover {{ color: #3730A3; }}
QPushButton[kind="link"] {{
    background: transparent; border: none; color: {PRIMARY}; text-decoration: underline;
    font-size: 17px; padding: 4px;
}}
QPushButton[kind="key"] {{
    background: white; border: 2px solid #E6DDCC; border-bottom: 5px solid #D8CCB6;
    border-radius: 37px; font-size: 30px; font-weight: bold; min-width: 72px; max-width: 72px;
    min-height: 70px; max-height: 70px; padding: 0;
}}
QPushButton[kind="key"]:hover {{ border-color: #A5B4FC; border-bottom-color: #8B9CF5; }}
QPushButton[kind="key"]:pressed {{ background: #E0E7FF; }}
QPushButton[kind="keyOk"] {{
    background: #2DB87D; color: white; border: 2px solid #2DB87D; border-bottom: 5px solid #1F8A5C;
    border-radius: 37px; font-size: 30px; font-weight: bold; min-width: 72px; max-width: 72px;
    min-height: 70px; max-height: 70px; padding: 0;
}}
QPushButton[kind="keyOk"]:disabled {{
    background: #B9E4CF; border-color: #B9E4CF; border-bottom-color: #9BD3B8;
}}
QPushButton[kind="toggle"]:checked {{
    background: {PRIMARY}; color: white; border-color: {PRIMARY}; border-bottom-color: #3730A3;
}}

QLineEdit {{
    background: white; border: 2px solid #E0D8C8; border-radius: 12px; padding: 8px 12px;
    font-size: 18px; min-height: 26px;
}}
QLineEdit:focus {{ border-color: #818CF8; }}
QComboBox, QSpinBox {{
    background: white; border: 2px solid #E0D8C8; border-radius: 12px; padding: 6px 12px;
    font-size: 18px; min-height: 26px;
}}
QComboBox:focus, QSpinBox:focus {{ border-color: #818CF8; }}
QComboBox::drop-down {{ border: none; width: 30px; }}
QComboBox::down-arrow {{ image: url("{ICONS}/chevron-down.svg"); width: 16px; height: 16px; }}
QComboBox QAbstractItemView {{
    background: white; border: 2px solid #E0D8C8; selection-background-color: #E0E7FF;
    selection-color: {INK}; padding: 4px;
}}
QSpinBox {{ padding-right: 28px; }}
QSpinBox::up-button, QSpinBox::down-button {{ border: none; width: 26px; }}
QSpinBox::up-button {{ subcontrol-origin: border; subcontrol-position: top right; }}
QSpinBox::down-button {{ subcontrol-origin: border; subcontrol-position: bottom right; }}
QSpinBox::up-arrow {{ image: url("{ICONS}/chevron-up.svg"); width: 14px; height: 14px; }}
QSpinBox::down-arrow {{ image: url("{ICONS}/chevron-down.svg"); width: 14px; height: 14px; }}
QCheckBox {{ font-size: 17px; spacing: 10px; }}

/* The teacher area is for adults: denser, so a whole roster fits on a lab PC screen. */
QWidget[compact="true"] QLineEdit, QWidget[compact="true"] QComboBox,
QWidget[compact="true"] QSpinBox {{ padding: 4px 10px; font-size: 16px; min-height: 22px; }}
QWidget[compact="true"] QSpinBox {{ padding-right: 28px; }}
QWidget[compact="true"] QPushButton {{ padding: 6px 14px; font-size: 16px; min-height: 22px; }}
QWidget[compact="true"] QLabel[role="section"] {{ font-size: 18px; }}
QWidget[compact="true"] QLabel, QWidget[compact="true"] QCheckBox {{ font-size: 16px; }}
QWidget[compact="true"] QLabel[role="title"] {{ font-size: 26px; font-weight: bold; }}
QWidget[compact="true"] QLabel[role="hint"] {{ font-size: 14px; color: #6B7280; }}

QScrollBar:vertical {{ background: transparent; width: 12px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: #D8CCB6; border-radius: 4px; min-height: 40px; }}
QScrollBar::handle:vertical:hover {{ background: #BFAF94; }}
QScrollBar:horizontal {{ background: transparent; height: 12px; margin: 2px; }}
QScrollBar::handle:horizontal {{ background: #D8CCB6; border-radius: 4px; min-width: 40px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}

QFrame[card="true"] {{ background: white; border: 2px solid #F0E6D4; border-radius: 22px; }}
QTableWidget {{
    background: white; border: 2px solid #F0E6D4; border-radius: 14px; gridline-color: #F2ECE0;
    font-size: 17px; selection-background-color: #E0E7FF; selection-color: {INK};
}}
QHeaderView::section {{
    background: #FBF5EA; border: none; border-bottom: 2px solid #F0E6D4; padding: 8px;
    font-weight: bold; font-size: 16px;
}}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{
    background: #F3EBDD; border-radius: 14px; padding: 10px 22px; margin: 4px; font-size: 18px;
}}
QTabBar::tab:selected {{ background: {PRIMARY}; color: white; font-weight: bold; }}
QStatusBar {{ background: #F6EEDF; color: #5B6478; font-size: 14px; }}
QStatusBar QLabel {{ font-size: 14px; color: #5B6478; padding: 0 8px; }}
"""


def apply_app_style(app: QApplication) -> None:
    """Fusion looks the same on Windows and Linux lab PCs; our sheet goes on top."""
    app.setStyle("Fusion")
