"""Chinese and English text analysis for the search index, built on jieba's search mode.

A listing's text becomes lowercase terms: jieba's words plus the dictionary words inside them
("山地自行车" gives 山地, 自行, 行车, 自行车), English words Porter-stemmed ("bikes" -> "bike"),
and letter/digit runs split apart as well as kept whole ("iPhone12" is found by iphone12, by
iphone and by 12).
Full-width letters and digits typed on a Chinese keyboard are read as their ASCII twins.

A query is cut the same way into groups: each group is one word the user typed, matched by the
word itself or, when the listing was cut differently, by all its parts.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jieba
from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem

# jieba prints "Building prefix dict ..." to stderr through its own handler on first use.
logging.getLogger("jieba").setLevel(logging.WARNING)

_BLOCK = jieba.re_han_default  # what jieba segments; between blocks it only splits off characters
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORDISH = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_ALNUM_RUN = re.compile(r"[a-z]+|[0-9]+")
_ASCII_WORD = re.compile(r"[a-z]+")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Words so common in listings, or so empty, that requiring them only loses matches.
STOP_WORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of"]
    + ["on", "or", "not", "the", "to", "with", "的", "了", "和", "与", "及", "或", "是", "在"]
)
MAX_TERMS_PER_QUERY = 12
# Words and short blocks repeat across listings ("九成新", "自提"), so their analysis is kept.
CACHED_WORDS = 50_000
CACHED_BLOCKS = 50_000
_load_lock = threading.Lock()


def load_dictionary() -> None:
    """Load jieba's dictionary now (half a second, once per process) rather than on first use."""
    if jieba.dt.initialized:
        return
    with _load_lock:
        if not jieba.dt.initialized:
            jieba.dt.initialize()


def normalize(text: str) -> str:
    """Map full-width ASCII to ASCII, keeping one character per character so offsets hold."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    # Porter stemming suits English words only; numbers and model names stay as typed.
    return stem(word) if _ASCII_WORD.fullmatch(word) else word


@dataclass(frozen=True, slots=True)
class Piece:
    """One term of a text and where it stands in the original string."""

    term: str
    start: int
    end: int


@lru_cache(maxsize=CACHED_WORDS)
def _word_pieces(word: str) -> tuple[Piece, ...]:
    """Terms inside one jieba word: dictionary sub-words, letter/digit runs, then the word."""
    lower = word.lower()
    if not _WORDISH.search(lower) or lower in STOP_WORDS:
        return ()
    found: list[Piece] = []
    n = len(word)
    if _HAN.match(lower):
        freq = jieba.dt.FREQ
        for size in (2, 3):
            if n > size:
                for i in range(n - size + 1):
                    gram = lower[i : i + size]
                    if freq.get(gram):
                        found.append(Piece(gram, i, i + size))
    else:
        runs = list(_ALNUM_RUN.finditer(lower))
        if len(runs) > 1 or (runs and runs[0].group() != lower):
            for run in runs:
                if run.group() not in STOP_WORDS:
                    found.append(Piece(_fold(run.group()), run.start(), run.end()))
    found.append(Piece(_fold(lower), 0, n))
    return tuple(found)


@lru_cache(maxsize=CACHED_BLOCKS)
def _cut(block: str) -> tuple[str, ...]:
    return tuple(jieba.dt.cut(block))


def _words(text: str) -> Iterator[tuple[str, int]]:
    """jieba's words with where they start. jieba cuts each block of _BLOCK on its own, and
    the rest (spaces, punctuation) into single characters that never make a term."""
    for block in _BLOCK.finditer(normalize(text)):
        start = block.start()
        for word in _cut(block.group()):
            yield word, start
            start += len(word)


def pieces(text: str) -> Iterator[Piece]:
    """Every term of `text` as the index stores it, with its span in `text`."""
    load_dictionary()
    for word, start in _words(text):
        for piece in _word_pieces(word):
            yield Piece(piece.term, start + piece.start, start + piece.end)


def terms(text: str) -> list[str]:
    """The terms of `text`, in order, repeats kept."""
    load_dictionary()
    return [piece.term for word, _ in _words(text) for piece in _word_pieces(word)]


@dataclass(frozen=True, slots=True)
class QueryGroup:
    """One typed word: matched by `whole`, or by every term in `parts` when there are parts."""

    whole: str
    parts: tuple[str, ...]

    def all_terms(self) -> set[str]:
        return {self.whole, *self.parts}


def _covering_parts(whole: Piece, inner: list[Piece]) -> tuple[str, ...]:
    """The fewest-letter parts that together cover `whole`, or none if they cannot."""
    span = set(range(whole.start, whole.end))
    for candidates in ([p for p in inner if p.end - p.start <= 2], inner):
        if {i for p in candidates for i in range(p.start, p.end)} >= span:
            return tuple(dict.fromkeys(p.term for p in candidates))
    return ()  # the parts would match less than the word says


def query_groups(text: str) -> list[QueryGroup]:
    """Cut what a user typed into word groups, all of which a listing must match."""
    load_dictionary()
    groups: list[QueryGroup] = []
    seen: set[str] = set()
    for word, _start in _words(text):
        found = _word_pieces(word)
        if not found or found[-1].term in seen:
            continue
        whole = found[-1]
        seen.add(whole.term)
        groups.append(QueryGroup(whole.term, _covering_parts(whole, list(found[:-1]))))
        if len(groups) == MAX_TERMS_PER_QUERY:
            break
    return groups


class JiebaAnalyzer(Analyzer):
    """The whoosh analyzer of the text fields: `pieces` as whoosh tokens."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, piece in enumerate(pieces(value)):
            token.text = piece.term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[piece.start : piece.end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + piece.start
                token.endchar = start_char + piece.end
            yield token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaAnalyzer)

    def __hash__(self) -> int:
        return hash(JiebaAnalyzer)
