"""Finding LaTeX maths in a tutor's Markdown answer, so the window can draw it.

Children must never see raw ``\\frac{a}{b}``. The chat view swaps every
formula for a placeholder, lets Qt render the Markdown, then puts a rendered
picture of the formula where the placeholder was. Code (``` blocks and
`spans`) is left alone, and a lone dollar sign in "5$" stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = "XMATHX{}X"

# Order matters: code first (protected), then display maths, then inline maths.
_TOKENS = re.compile(
    r"(?P<code_block>```.*?(?:```|\Z))"
    r"|(?P<code_span>`[^`\n]+`)"
    r"|(?P<display>\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\])"
    r"|(?P<inline>\\\((?P<i1>.+?)\\\)|(?<![\\$\w])\$(?P<i2>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?!\d))",
    re.DOTALL)


@dataclass(frozen=True)
class MathSpan:
    latex: str
    display: bool


def extract_math(text: str) -> tuple[str, list[MathSpan]]:
    """``text`` with each formula replaced by ``XMATHX<n>X``, and the formulas in order.

    Display formulas get their own paragraph so Markdown keeps them on a line.
    """
    spans: list[MathSpan] = []

    def swap(match: re.Match[str]) -> str:
        if match.group("code_block") or match.group("code_span"):
            return match.group(0)
        display = match.group("display") is not None
        latex = (match.group("d1") or match.group("d2") or match.group("i1")
                 or match.group("i2") or "").strip()
        if not latex:
            return match.group(0)
        spans.append(MathSpan(latex, display))
        token = PLACEHOLDER.format(len(spans) - 1)
        return f"\n\n{token}\n\n" if display else token

    return _TOKENS.sub(swap, text), spans

