"""The extraction: quote spans -> speech filter -> cue -> speaker, per document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from spacy.tokens import Doc

from korea_ner.doctext import doc_text
from korea_ner.quotes.context import DocContext, Word, words_between
from korea_ner.quotes.cues import Cue, find_cue
from korea_ner.quotes.lexicon import CONTINUATION_CHARS, IMPERSONAL_CUES, MAX_CONTEXT_CHARS, NAMING_CUES, SUBJUNCTIVE
from korea_ner.quotes.marks import QUOTE_CHARS, RawQuote, find_quote_spans
from korea_ner.quotes.phrases import Mention, clause_initial_np, is_person_np
from korea_ner.quotes.records import Quote, Speaker
from korea_ner.quotes.speakers import (
    addressee_for_cue, colon_frame_source, complement_frame, make_speaker, recent_subject, salient_subjects, share_speaker_backwards,
    speaker_for_cue,
)
from korea_ner.quotes.speech import (
    has_content_words, in_title_context, is_name, looks_like_sentence, naming_verb_near, title_like,
)


_WORD_RE = re.compile(r"\w+")


@dataclass
class _Found:
    raw: RawQuote
    quote: Quote
    mention: Optional[Mention] = None
    speaker_known: bool = False


def extract_quotes(doc: Doc, min_words_without_cue: int = 4, lemma_lookup: Optional[Callable[[str], Optional[str]]] = None) -> list[Quote]:
    """All direct and partial quotes in ``doc`` with cue, speaker and addressee.

    ``lemma_lookup`` (word -> lemma, or None when unknown) stands in for lemma
    annotation when the doc has none.
    """
    text = doc_text(doc)  # shared with kner_names, which read it already
    if not text or not any(c in text for c in QUOTE_CHARS):
        return []
    raws = find_quote_spans(text)
    if not raws:
        return []
    ctx = DocContext(doc, lemma_lookup, text=text)
    ctx.set_quotes(raws)
    organisations: list[tuple[int, Speaker]] = []
    salient = salient_subjects(ctx, organisations)
    results: list[_Found] = []
    last_speaker: Optional[tuple[int, Speaker]] = None  # (char position, speaker)
    for qi, raw in enumerate(raws):
        content_start, content_end = raw.start, raw.end
        content = text[content_start:content_end]
        if not content.strip():
            continue
        # Windows: the rest of the sentence on either side, stopping at other quotes.  On the
        # left only quotes kept as speech count: a quoted title is part of the frame
        # ("X wird von der „Abendpost“ mit den Worten zitiert: „…“").
        prev_end = results[-1].raw.close + 1 if results else 0
        next_start = raws[qi + 1].open if qi + 1 < len(raws) else len(text)
        left_lo = max(ctx.sentence_start(raw.open), prev_end, raw.open - MAX_CONTEXT_CHARS)
        right_hi = min(ctx.sentence_end(raw.close + 1 if raw.closed else raw.close), next_start,
                       raw.close + MAX_CONTEXT_CHARS)
        if not raw.closed:
            right_hi = raw.close
        left_words = words_between(text, left_lo, raw.open)
        right_words = words_between(text, raw.close + 1, right_hi) if raw.closed else []
        # A sentence before the quote that ends in a colon introduces it.
        sentence_quote = looks_like_sentence(content)
        ends_sentence = content.rstrip()[-1:] in {".", "!", "?"}
        right_new_sentence = ends_sentence and bool(right_words) and right_words[0].text not in {",", ";", "(", "-", "–"} and not right_words[0].text[:1].islower()
        if ends_sentence and right_words and right_words[0].text[:1].isupper() and not right_new_sentence:
            right_new_sentence = True

        # Capitalised German nouns look like titles; speech is recognised by its frame instead:
        # "über „Gefängnisreform und Verurteilungen“, wie er mitteilte", or a second quote in a
        # sentence whose first one is somebody's ("„großartiges“ Treffen mit „Steak, Mais und Käse“").
        wie_cue = any(w.lower == "wie" for w in right_words[:2]) and find_cue(ctx, right_words) is not None
        follows_speech = bool(results) and results[-1].raw is raws[qi - 1] and results[-1].quote.speaker is not None \
            and ctx.sentence_start(raw.open) <= raws[qi - 1].open
        framed_as_speech = wie_cue or follows_speech
        # Title / name / scare quote filter.
        if (not sentence_quote or (title_like(content) and not ends_sentence)) and in_title_context(left_words, right_words):
            continue
        if not sentence_quote and is_name(ctx, content_start, content_end, content, left_words) and \
                not naming_verb_near(left_words, right_words) and not framed_as_speech:
            continue

        cue: Optional[Cue] = None
        cue_side = ""
        window: list[Word] = []
        # Right side first when the quote is followed by ", sagte X" / "so X".
        if right_words:
            if right_new_sentence:
                c = find_cue(ctx, right_words, 0, min(len(right_words), 3))
                if c is not None and c.kind == "verb" and (c.index == 0 or right_words[0].lower in {"das", "dies", "so", "diese", "dieses", "damit"}):
                    cue, cue_side, window = c, "right", right_words
            elif not _opens_coordinated_clause(right_words):
                c = find_cue(ctx, right_words)
                if c is not None:
                    cue, cue_side, window = c, "right", right_words
        if left_words:
            c = find_cue(ctx, left_words, last=True)
            if c is not None:
                # Prefer the closer cue; a left cue ending in ':' directly introduces the quote.
                if cue is None:
                    cue, cue_side, window = c, "left", left_words
                else:
                    left_dist = raw.open - left_words[c.index].end
                    right_dist = right_words[cue.index].start - raw.close
                    colon = left_words[-1].text == ":"
                    # ", hieß es weiter" after "X schrieb: „…“" goes on reporting X's words
                    colon_wins = colon and (right_words[0].text != "," or cue.lemma in IMPERSONAL_CUES)
                    if colon_wins or (left_dist < right_dist and c.kind == "verb" and cue.kind != "verb"):
                        cue, cue_side, window = c, "left", left_words
        if cue is None and left_words and right_words and not right_new_sentence:
            # A separable verb around a partial quote: "wies die Vorwürfe als „haltlos“ zurück".
            both = left_words + right_words
            c = find_cue(ctx, both)
            if c is not None and c.kind == "verb" and c.index < len(left_words) <= c.particle_index:
                cue, cue_side, window = c, "left", both
        # Next sentence ("„…“ Das sagte Lawrow am Mittwoch.") handled above; previous sentence with colon:
        colon_words: list[Word] = []
        if left_words and left_words[-1].text == ":":
            colon_words = left_words
        elif not left_words and raw.open > 0:
            prev_lo = ctx.sentence_start(max(0, raw.open - 1))
            if prev_lo < raw.open:
                prev_words = words_between(text, max(prev_lo, prev_end), raw.open)
                if prev_words and prev_words[-1].text == ":":
                    colon_words = prev_words
        if cue is None and colon_words:
            c = find_cue(ctx, colon_words, last=True)
            if c is not None:
                cue, cue_side, window = c, "left", colon_words

        words_in_content = len(_WORD_RE.findall(content))
        subjunctive_ctx = any(w.lower in SUBJUNCTIVE for w in left_words + right_words)
        if cue is None:
            if sentence_quote and (not left_words or left_words[-1].text == ":"):
                pass  # a standalone quoted sentence: speech, speaker by continuation
            elif sentence_quote and words_in_content >= min_words_without_cue and not title_like(content):
                pass
            elif subjunctive_ctx and words_in_content >= 2 and not title_like(content):
                pass  # words quoted inside reported speech
            elif follows_speech and words_in_content >= 2:
                pass  # more of the same speaker's words in the same sentence
            else:
                continue
        else:
            if words_in_content <= 1 and title_like(content) and cue.lemma not in NAMING_CUES and cue_side == "left" and left_words[-1].text != ":":
                continue  # "sagte, „Sozialismus“ …" is more often a scare quote
            if title_like(content) and words_in_content > 1 and not sentence_quote and cue.lemma not in NAMING_CUES and left_words and left_words[-1].text != ":" \
                    and not framed_as_speech:
                continue

        kind = "direct"
        lead_ok = not left_words or left_words[-1].text in {":", "(", "–", "-"} or (cue_side == "right" and qi > 0 and left_lo == prev_end and not has_content_words(left_words))
        trail_ok = not right_words or right_words[0].text in {",", ".", "!", "?", ")", ";", "(", "–", "-"} or (cue_side == "right" and cue.index <= 1)
        if qi > 0 and left_lo == prev_end and cue is not None and cue_side == "left" and left_words[-1].text in {",", ":"}:
            lead_ok = True
        if not (lead_ok and (trail_ok or right_new_sentence)) and not (sentence_quote and content[:1].isupper() and lead_ok):
            kind = "partial"
        if not raw.closed:
            kind = "direct"

        quote = Quote(text=content, start=content_start, end=content_end, kind=kind,
                      cue=cue.lemma if cue else None, speaker=None)
        found = _Found(raw, quote)
        if cue is not None and cue_side == "right" and left_words and not right_new_sentence and left_words[-1].text not in {":", ".", "!", "?"}:
            # A partial quote: "…, weil er die „…“ kritisierte": the verb's clause spans the quote.
            window = left_words + window
            cue = Cue(cue.lemma, cue.index + len(left_words), cue.kind,
                      cue.particle_index + len(left_words) if cue.particle_index >= 0 else -1)
        if cue is not None:
            lo, hi = 0, len(window)
            mention = speaker_for_cue(ctx, window, cue, lo, hi)
            if mention is not None:
                found.mention = mention
                quote.speaker = make_speaker(ctx, mention, salient, last_speaker)
                found.speaker_known = True
            if cue.kind == "verb":
                addr = addressee_for_cue(ctx, window, cue, lo, hi, (raw.open, raw.close + 1))
                if addr is not None:
                    quote.addressee = make_speaker(ctx, addr, salient, last_speaker)
        if quote.speaker is None and cue is None:
            # "Die Firma sieht das anders: „…“", "BKA-Präsident Ziercke: „…“",
            # "Osterloh sieht darin einen „Angriff“": the clause's subject when it is a person or organisation.
            # "Das Gericht machte klar, dass „…“": the main clause frames the quote like a colon.
            frame = colon_words or complement_frame(left_words)
            mention = None
            if frame:
                mention = colon_frame_source(ctx, frame)
            elif left_words:
                mention = clause_initial_np(ctx, left_words, 0, len(left_words))
            if mention is not None and (frame or mention.kind in {"pron", "name"} or mention.ent is not None or is_person_np(ctx, mention)):
                found.mention = mention
                quote.speaker = make_speaker(ctx, mention, salient, last_speaker)
        if quote.speaker is None and last_speaker is not None and raw.open - last_speaker[0] <= CONTINUATION_CHARS:
            # A following quote with no cue of its own continues the last speaker,
            # unless a person opens a sentence in between ("Scholz widersprach. „…“").
            if cue is None or cue.kind == "verb":
                newer = recent_subject(raw.open, salient)
                quote.speaker = newer if newer is not None and newer.start > last_speaker[0] else last_speaker[1]
        if quote.speaker is None and cue is None and ((sentence_quote and not left_words) or subjunctive_ctx):
            # A quoted sentence of its own after "Der BGH widersprach …", or words quoted in
            # reported speech ("Zwar sei Druck nötig, das habe nichts mit „…“ zu tun"): the last subject.
            previous_sentence = ctx.sentence_start(max(0, ctx.sentence_start(raw.open) - 1))
            quote.speaker = recent_subject(raw.open, salient, organisations, previous_sentence)
        if quote.speaker is not None:
            last_speaker = (raw.close, quote.speaker)
        results.append(found)
    share_speaker_backwards(ctx, results)
    return [f.quote for f in results]


def _opens_coordinated_clause(words: list[Word]) -> bool:
    """"„…“, und fügte hinzu: „…“": after "und", a clause ending in a colon introduces the
    next quote; its verb is not an inverted cue of this one like ", sagte er" (while in
    "„…“ und übermittle Grüße, sagte Lawrow." the cue is still this quote's)."""
    k = 1 if words and words[0].text == "," else 0
    return len(words) > k + 1 and words[k].lower in {"und", "sowie"} and words[-1].text == ":"
