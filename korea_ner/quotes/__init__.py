"""Direct quotes and who said them (spaCy component ``kner_quotes``).

Rule-based and linear in the length of the document.  Modules, in pipeline order:

1. ``marks``: :func:`find_quote_spans` pairs quotation marks by *style* („…“, “…”, »…«,
   «…», ‚…‘, ‘…’, "…") in one scan with a bounded stack.  Apostrophes are not
   quotes; a quote left open at a paragraph end is kept only when the next
   paragraph reopens it (the multi-paragraph convention), otherwise dropped.
2. ``cues``: :func:`find_cue` looks for a reporting cue next to each quote in the same
   sentence: a cue verb form (own form tables, separable and reflexive verbs
   included, lemmas when the pipeline has them), or a prepositional cue
   (laut X, X zufolge, nach Angaben von X, so X, wie X mitteilte).
3. ``speakers`` (with ``phrases`` for noun phrases) takes the subject of the cue (the parser's ``sb``
   when there is one, otherwise word-order heuristics over entities, pronouns
   and role nouns); pronouns and role nouns are resolved to a person through
   ``korea_ner.names`` and the discourse (last speaker, last person subject).
4. ``speech`` drops titles, names and scare quotes: short quote-marked
   spans count only with a cue or in reported-speech context.

Everything works on a blank German pipeline with a sentencizer and ``doc.ents``;
nothing needs a parser or tagger.

``extract`` runs these steps per quote, ``component`` is the spaCy factory,
``context`` the per-document view of text, sentences and entities, ``lexicon``
the word lists (most of them in ``korea_ner/resources/quote_words.txt``).
"""

from korea_ner.quotes.component import QuoteFinder, make_quote_finder
from korea_ner.quotes.context import DocContext, Word, sentence_ends, words_between
from korea_ner.quotes.cues import CUE_FORMS, CUE_LEMMAS, SEPARABLE_FORMS, Cue, build_cue_forms, find_cue
from korea_ner.quotes.extract import extract_quotes
from korea_ner.quotes.marks import QUOTE_CHARS, RawQuote, find_quote_spans
from korea_ner.quotes.records import Quote, Speaker
from korea_ner.quotes.speech import looks_like_sentence, title_like

__all__ = [
    "CUE_FORMS", "CUE_LEMMAS", "Cue", "DocContext", "QUOTE_CHARS", "Quote", "QuoteFinder", "RawQuote",
    "SEPARABLE_FORMS", "Speaker", "Word", "build_cue_forms", "extract_quotes", "find_cue", "find_quote_spans",
    "looks_like_sentence", "make_quote_finder", "sentence_ends", "title_like", "words_between",
]
