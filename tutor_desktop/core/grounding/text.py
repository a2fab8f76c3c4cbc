"""Words and sentences of Mongolian Cyrillic and English text, for grounding.

Why one module: the window, the terminal and ``tutor ask`` must pick the same
sentences from the same passage, so they must agree on what a word, a stem, a
stop-word and a sentence are. Mongolian is agglutinative ("фотосинтезийн",
"фотосинтезийг"): a light stem (the word minus a short case ending) makes the
forms of one word meet, which is enough for choosing sentences; it is not a
morphological analyser and does not try to be one.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)

# Characters real PDFs carry that must never reach passages, the index or the screen:
# U+FFFE (a non-character some TeX fonts emit at hyphenation points) and the soft
# hyphen. Both mark a possible break *inside* a word, so they are removed, not spaced.
HYPHENATION_MARKS = "\ufffe\u00ad"
_MARKS = re.compile(f"[{HYPHENATION_MARKS}]")

_STOPWORD_TEXT = (
    # English
    "a an and are as at be by do does did for from how in is it its of on or that the this to "
    "was what when where which who whom why will with you your can could should would we our "
    "there their they them about into than then these those has have had not no yes if so "
    "such also me my i he she his her us explain tell give describe define find solve "
    "please some any many much more most other between same single each all together both "
    "only every very just made make used use one two three first second new like way "
    "calculate compute work out happen happens mean means example examples say says"
    # Mongolian (particles, question words, auxiliaries, imperative verbs of questions)
    " ба бол юу юм юуг юунд юунаас вэ бэ уу үү нь нар гэж гэдэг гэдгийг гэсэн ямар ямарч "
    "яагаад хэрхэн хэзээ хаана хаашаа хэн хэнд ээ аа оо өө ч л энэ тэр эдгээр тэдгээр "
    "бөгөөд болон мөн байна байдаг байдал байх байв гэнэ хийх хэд хэдэн яаж дээр доор руу "
    "рүү хэлэх хэлнэ хэлдэг тайлбарла тайлбарлана уу бод бодно бодох олно ол тухай "
    "ийм тийм бүр бүх өөр гэх гэв гээд тооцоолох тооцоолно тооцох жишээ жишээгээр заадаг "
    "харуулдаг харуулсан"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
# A sentence ends at . ! ? … followed by a space and a capital, a digit or an opening
# quote; "х. 12", "17-р зуун", "e.g. a" and decimals do not end a sentence.
_SENTENCE_END = re.compile(
    r"(?<![\s(][A-Za-zА-Яа-яЁёӨөҮү]\.)(?<=[.!?…])\s+(?=[\"'«“(\[]?[A-ZА-ЯЁӨҮ0-9])")
_NEWLINE_BREAK = re.compile(r"\n+")


def clean_text(text: str) -> str:
    """``text`` without hyphenation marks (``тушаа\\ufffeлын`` → ``тушаалын``)."""
    return _MARKS.sub("", text)


def words(text: str) -> list[str]:
    """Lower-case words (letters and digits) of ``text``."""
    return WORD.findall(unicodedata.normalize("NFKC", clean_text(text)).casefold())


def stem(word: str) -> str:
    """A light stem: long words lose up to three final letters (case endings, plurals)."""
    word = word.casefold()
    if len(word) <= 4 or word.isdigit():
        return word
    return word[:max(4, len(word) - 3)]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop-words, no one-letter words, in order, unique."""
    return list(dict.fromkeys(w for w in words(text)
                              if w not in STOPWORDS and (len(w) > 1 or w.isdigit())))


def content_stems(text: str) -> list[str]:
    """Stems of :func:`content_words`, in order, unique."""
    return list(dict.fromkeys(stem(w) for w in content_words(text)))


def has_stem(stem_: str, text_words: list[str]) -> bool:
    """Whether one of ``text_words`` is a form of the word ``stem_`` came from."""
    if stem_.isdigit():
        return stem_ in text_words      # 2 is not 20
    # A short stem followed by many letters is another word, not an inflection:
    # «хүч» (force) must not match «хүчилтөрөгч» (oxygen); case endings and plurals
    # add at most a few letters («хүчийг», «хүчнээс»).
    longest = _SHORT_STEM_SUFFIX if len(stem_) <= 4 else None
    return any((w.startswith(stem_) and (longest is None or len(w) - len(stem_) <= longest))
               or (len(w) >= 4 and stem_.startswith(w))
               for w in text_words)


#: Letters an inflection may add to a stem of four letters or fewer.
_SHORT_STEM_SUFFIX = 5


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage (Mongolian Cyrillic or English), whitespace collapsed.

    Line breaks inside a paragraph are joined; a line that ends without
    punctuation before a capital (a heading, a list item) ends its sentence.
    """
    text = clean_text(text)
    out: list[str] = []
    for line in _NEWLINE_BREAK.split(text):
        line = " ".join(line.split())
        if not line:
            continue
        out += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return out


def script_language(text: str) -> str:
    """"mn" when most letters are Cyrillic, "en" when most are Latin, "" when there are none."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic == latin == 0:
        return ""
    return "mn" if cyrillic >= latin else "en"


def foreign_script_share(text: str) -> float:
    """Share of letters that are neither Latin nor Cyrillic (Korean in a Mongolian answer)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    other = sum(1 for c in letters if not (_CYRILLIC.match(c) or _LATIN.match(c)))
    return other / len(letters)


# Latin letters a student may type instead of the Cyrillic ones that look the same.
_LOOK_ALIKES = str.maketrans({"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х",
                              "y": "у", "k": "к", "m": "м", "t": "т", "h": "н", "b": "в",
                              "ё": "е", "ө": "о", "ү": "у", "й": "и"})
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)


def normalise_answer(text: str) -> str:
    """A typed answer reduced to what a teacher would compare.

    Case, punctuation and extra spaces do not count; Latin letters that look like
    Cyrillic ones are read as Cyrillic; ө/ү typed as о/у (many lab keyboards lack
    them) and ё as е count as the same letter. Both sides of a comparison go through
    this, so English answers compare equally well.
    """
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    text = _PUNCTUATION.sub(" ", text).translate(_LOOK_ALIKES)
    return " ".join(text.split())


def answer_matches(attempt: str, expected: str) -> bool:
    """Whether a student's ``attempt`` names ``expected`` (any case form of its words).

    "глюкозыг", "Glukoz" (typed in Latin look-alikes) and "глюкоз." all match
    "глюкоз"; every content word of ``expected`` must appear in the attempt.
    """
    want = normalise_answer(expected).split()
    have = normalise_answer(attempt).split()
    if not want or not have:
        return False
    return all(has_stem(stem(normalise_answer(w)), have) for w in want)
