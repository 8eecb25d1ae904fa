"""Is a quote-marked span somebody's words, or a title, name or scare quote?"""

from __future__ import annotations

import re

from korea_ner.quotes.context import DocContext, Word, is_capitalized
from korea_ner.quotes.cues import CUE_FORMS
from korea_ner.quotes.lexicon import (
    DETERMINERS, LOWER_FUNCTION_WORDS, NAME_MARKERS_AFTER, NAME_MARKERS_BEFORE, NAMING_CUES, NOM_PRONOUNS,
    PREPOSITIONS, TITLE_NOUN_SUFFIXES,
)


# compiled once: these run for every quote
_WORD_RE = re.compile(r"\w+")
_LETTER_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def looks_like_sentence(content: str) -> bool:
    stripped = content.strip()
    if not stripped:
        return False
    if stripped[-1] in ".!?…" and len(stripped.split()) >= 2:
        return True
    words = _WORD_RE.findall(stripped.lower())
    return len(words) >= 5 and any(w in LOWER_FUNCTION_WORDS for w in words)


def title_like(content: str) -> bool:
    """Every word capitalized (and a few of them): a name or a title."""
    words = _LETTER_WORD_RE.findall(content)
    if not words or len(words) > 8:
        return False
    small = {"of", "the", "and", "with", "up", "for", "in", "on", "a", "an", "to", "und", "der", "die", "das", "des",
             "de", "la", "le", "del", "von", "am", "im", "für", "&", "zum", "zur", "y", "e", "et"}
    return all(w[0].isupper() or w.lower() in small for w in words)


def in_title_context(words_before: list[Word], words_after: list[Word]) -> bool:
    if words_before:
        prev = words_before[-1].lower
        prev2 = words_before[-2].lower if len(words_before) > 1 else ""
        last_part = prev.rsplit("-", 1)[-1]
        if prev in NAME_MARKERS_BEFORE or prev2 in NAME_MARKERS_BEFORE:
            return True
        if is_capitalized(words_before[-1]) and last_part.endswith(TITLE_NOUN_SUFFIXES):
            return True
        if prev in {"als", "wie"} and words_after and words_after[0].lower in {"bekannt", "genannt", "bezeichnet"}:
            return True
    if words_after:
        nxt = words_after[0].lower
        if nxt in {"-", "‐"} or words_after[0].text.startswith("-"):
            return True  # „Roude Léiw“-Befürworter
        window = [w.lower for w in words_after[:3]]
        if any(x in NAME_MARKERS_AFTER for x in window[:2]) and not any(x in {"sagte", "erklärte"} for x in window):
            return True
    return False


def is_name(ctx: DocContext, start: int, end: int, content: str, left_words: list[Word]) -> bool:
    """An entity in quotation marks, or a capitalized title right after an article."""
    ent = ctx.ent_at(start, end)
    if ent is not None and ent.start_char <= start + 1 and ent.end_char >= end - 1:
        return True
    if title_like(content) and left_words and (left_words[-1].lower in DETERMINERS or left_words[-1].lower in PREPOSITIONS or left_words[-1].text == "("):
        return True
    return False


def naming_verb_near(left_words: list[Word], right_words: list[Word]) -> bool:
    """"nannte den Bericht eine „…“", "bezeichnete die Pläne als „…“", "als „…“ bezeichnet":
    someone calls a thing by the quoted words (not "nennt man", the name of a thing)."""
    if not left_words or left_words[-1].lower not in DETERMINERS | {"als"}:
        return False
    near = left_words[-8:] + right_words[:3]
    if any(w.lower == "man" for w in near):
        return False
    als = left_words[-1].lower == "als"
    return any((CUE_FORMS.get(w.lower) in NAMING_CUES or (als and w.lower in CUE_FORMS)) and not is_capitalized(w)
               for w in near)


def has_content_words(words: list[Word]) -> bool:
    return any(w.text[:1].isalpha() and w.lower not in CUE_FORMS and w.lower not in NOM_PRONOUNS for w in words)
