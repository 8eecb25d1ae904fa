"""Pairing quotation marks.

:func:`find_quote_spans` pairs marks by *style* („…“, “…”, »…«, «…», ‚…‘, ‘…’,
"…") in one scan with a bounded stack, so the cost stays linear however many or
unbalanced the marks are.  Apostrophes are not quotes.  A quote left open at a
paragraph end is kept only when the next paragraph reopens it with the same
mark (the convention for quotes over several paragraphs), otherwise dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

QUOTE_CHARS = "„“”\"»«‚‘’›‹"
QUOTE_CHAR_RE = re.compile(r"[„“”\"»«‚‘’›‹\n]")
# The styles and what may close each (find_quote_spans encodes the same pairs).
CLOSERS_BY_STYLE = {
    "low2": "“”\"",  # „…“ (German), „…” and „…" in sloppy text
    "en2": "”\"",  # “…”
    "ascii2": "\"”“",
    "guil_de": "«",  # »…«
    "guil_fr": "»",  # «…»
    "low1": "‘’",  # ‚…‘
    "en1": "’",  # ‘…’
    "sg_de": "‹",  # ›…‹
    "sg_fr": "›",  # ‹…›
}
# Only double marks may span paragraphs; single ones are too often apostrophes.
DOUBLE_STYLES = {"low2", "en2", "ascii2", "guil_de", "guil_fr"}
# Bounds the stack, so stray openers cannot make the scan quadratic.
MAX_QUOTE_DEPTH = 8
OPEN_CONTEXT = set(" \t\n\r([{/–—-:;,.") | set(QUOTE_CHARS)


@dataclass
class RawQuote:
    open: int  # position of the opening mark
    close: int  # position of the closing mark, or the paragraph end for a reopened quote
    style: str
    closed: bool = True

    @property
    def start(self) -> int:
        return self.open + 1

    @property
    def end(self) -> int:
        return self.close


def _opens_here(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev in OPEN_CONTEXT) and not nxt.isspace()


def _closes_here(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return not prev.isspace() and not nxt.isalnum()


def _find_open(stack: list[list], styles: Iterable[str]) -> int:
    for k in range(len(stack) - 1, -1, -1):
        if stack[k][1] in styles:
            return k
    return -1


def find_quote_spans(text: str) -> list[RawQuote]:
    """Pair quotation marks by style; return the outermost quotes in text order.

    One pass over the quote characters with a stack of at most
    ``MAX_QUOTE_DEPTH`` open quotes, so linear in the text length whatever the
    number or balance of marks.
    """
    out: list[RawQuote] = []
    stack: list[list] = []  # [open position, style]

    def close(k: int, pos: int) -> None:
        open_pos, style = stack[k]
        del stack[k:]
        if k == 0 and pos > open_pos + 1:
            out.append(RawQuote(open_pos, pos, style))

    def push(pos: int, style: str) -> None:
        if len(stack) >= MAX_QUOTE_DEPTH:
            del stack[0]
        stack.append([pos, style])

    for m in QUOTE_CHAR_RE.finditer(text):
        i = m.start()
        ch = text[i]
        if ch == "\n":
            if stack:
                _end_paragraph(text, i, stack, out)
                stack.clear()
            continue
        if ch == "„":
            push(i, "low2")
        elif ch == "“":
            k = _find_open(stack, ("low2",))
            if k >= 0:
                close(k, i)
            elif _opens_here(text, i):
                push(i, "en2")
            else:
                k = _find_open(stack, ("en2", "ascii2"))
                if k >= 0:
                    close(k, i)
        elif ch == "”":
            k = _find_open(stack, ("en2", "low2", "ascii2"))
            if k >= 0:
                close(k, i)
        elif ch == '"':
            k = _find_open(stack, ("ascii2",))
            opens = _opens_here(text, i)
            if k >= 0 and (not opens or _closes_here(text, i)):
                close(k, i)
            elif opens:
                push(i, "ascii2")
            else:
                k = _find_open(stack, ("low2", "en2"))
                if k >= 0 and _closes_here(text, i):
                    close(k, i)
        elif ch == "»":
            k = _find_open(stack, ("guil_fr",))
            if k >= 0 and not _opens_here(text, i):
                close(k, i)
            else:
                push(i, "guil_de")
        elif ch == "«":
            k = _find_open(stack, ("guil_de",))
            if k >= 0:
                close(k, i)
            elif _opens_here(text, i):
                push(i, "guil_fr")
        elif ch == "›":
            k = _find_open(stack, ("sg_fr",))
            if k >= 0 and not _opens_here(text, i):
                close(k, i)
            elif _opens_here(text, i):
                push(i, "sg_de")
        elif ch == "‹":
            k = _find_open(stack, ("sg_de",))
            if k >= 0:
                close(k, i)
            elif _opens_here(text, i):
                push(i, "sg_fr")
        elif ch == "‚":
            if _opens_here(text, i):
                push(i, "low1")
        elif ch == "‘":
            k = _find_open(stack, ("low1",))
            if k >= 0:
                close(k, i)
            elif _opens_here(text, i):
                push(i, "en1")
        elif ch == "’":
            # An apostrophe unless it closes an open single quote.
            k = _find_open(stack, ("en1", "low1"))
            if k >= 0 and _closes_here(text, i) and not (i + 1 < len(text) and text[i + 1].isalpha()):
                close(k, i)
    if stack:
        _end_paragraph(text, len(text), stack, out)
    out.sort(key=lambda q: q.open)
    return out


def _end_paragraph(text: str, pos: int, stack: list[list], out: list[RawQuote]) -> None:
    """A quote still open at a paragraph end counts when the next paragraph
    reopens it with the same mark (each paragraph of a long quote opens anew)."""
    open_pos, style = stack[0]
    if style not in DOUBLE_STYLES:
        return
    j = pos
    n = len(text)
    while j < n and text[j].isspace():
        j += 1
    if j < n and text[j] == text[open_pos]:
        end = pos
        while end > open_pos + 1 and text[end - 1].isspace():
            end -= 1
        if end > open_pos + 1:
            out.append(RawQuote(open_pos, end, style, closed=False))
