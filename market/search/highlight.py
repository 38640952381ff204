"""Mark what a search matched in a title and a description snippet, as HTML safe to render.

Matching is by text, not by re-running jieba on every result: a Chinese term is marked wherever
it occurs, an English stem marks the words it starts ("bike" marks "bikes"), a number marks a
whole number. Everything outside the <mark> tags is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from market.search.analyzer import QueryGroup, normalize

SNIPPET_CHARS = 80
_LEAD_CHARS = 20  # how much text to keep before the first match in a snippet


def _pattern(term: str) -> re.Pattern[str]:
    body = re.escape(term)
    if term.isascii():
        before = r"(?<![a-z0-9])" if term[0].isalnum() else ""
        if term[-1].isalpha():
            after = "[a-z]*"
        elif term[-1].isdigit():
            after = r"(?![0-9])"
        else:
            after = ""
        body = f"{before}{body}{after}"
    return re.compile(body, re.IGNORECASE)


class Highlighter:
    """Marks the terms of one query."""

    def __init__(self, groups: Iterable[QueryGroup]) -> None:
        terms = sorted({t for g in groups for t in g.all_terms()}, key=len, reverse=True)
        self._patterns = [_pattern(t) for t in terms]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the terms occur in `text`, overlapping spans merged, in order."""
        folded = normalize(text)
        found = sorted(m.span() for p in self._patterns for m in p.finditer(folded))
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            elif end > start:
                merged.append((start, end))
        return merged

    def title(self, title: str) -> str:
        return _mark(title, self.spans(title), 0, len(title))

    def snippet(self, description: str) -> str:
        """About SNIPPET_CHARS of the description around its first match, or its opening."""
        text = " ".join(description.split())  # line breaks and runs of spaces read as one space
        spans = self.spans(text)
        start = max(0, spans[0][0] - _LEAD_CHARS) if spans else 0
        end = min(len(text), start + SNIPPET_CHARS)
        start = max(0, min(start, end - SNIPPET_CHARS))
        marked = _mark(text, spans, start, end)
        return ("…" if start else "") + marked + ("…" if end < len(text) else "")


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    at = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[at:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        at = e
    out.append(html.escape(text[at:end]))
    return "".join(out)
