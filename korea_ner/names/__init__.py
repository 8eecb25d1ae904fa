"""Name variants: one canonical name per person, place and organisation.

German news spells the same entity many ways ("Kim Jong-un", "Kim Jong Un",
"Kim Jung Un", "Kims"; "Sergej Lawrow", "Lawrow", "Lwrow", "Lawrows";
"Nordkoreas"). This package turns mentions into matching keys, links mentions
inside one document (surname -> full name, role noun -> person) and merges
entities across documents, without ever merging two different people
("Kim Jong Un", "Kim Yong Chol", "Kim Kardashian" and "Andrew Kim" stay apart).

How a mention becomes a canonical name
--------------------------------------
1. ``clean_name`` gives its display form: titles, roles and articles before the
   name and a genitive -s go ("Der russische Außenminister Sergej Lawrows" ->
   "Sergej Lawrow"); ``normalize`` its key: folded (case, umlauts, accents,
   hyphens) and without middle initials ("sergej lawrow").
2. ``resolve_doc`` clusters the mentions of one Doc: same key, similar key
   (``names_similar``: one word off by a typo or transliteration), a bare surname
   of a full name ("Lawrow", "Kims"), else the most salient candidate.
3. Each cluster's canonical name is its fullest well-supported spelling, or the
   name an alias file declares. The ``kner_names`` component writes it to
   ``Span._.canonical``; ``resolve_reference`` finds the person behind a speaker
   phrase ("Lawrow", "der russische Chefdiplomat") for the quotes component.
4. ``merge_entities`` merges the per-document canonical names of a corpus.

Modules, from pure string functions to the spaCy component
----------------------------------------------------------
* ``fold``: ``fold`` and ``skeleton``, the alphabet keys are written in.
* ``roles``: role nouns and their nation qualifiers (``ROLE_CLASSES``, ``NATIONS``).
* ``normalize``: ``strip_genitive``, ``strip_titles``, ``clean_name``, ``normalize``, ``unglue``.
* ``similarity``: ``tokens_similar``, ``names_similar``, ``is_surname_first``.
* ``aliases``: ``load_aliases`` and ``Aliases``.
* ``docindex`` (the clusters of one Doc), ``context`` (salience and roles read from
  the words around a mention), ``resolve`` (clustering: ``resolve_doc``,
  ``canonical_name``), ``references`` (``resolve_reference``).
* ``component``: ``NameResolver``, the ``kner_names`` factory and ``Span._.canonical``,
  registered on import of this package.
* ``merge``: ``merge_entities`` and ``speaker_matches``, across documents.
* ``wordlists``: reads the long word lists from ``korea_ner/resources/names_*.txt``.
"""

from korea_ner.names.aliases import ALIAS_SECTIONS, Aliases, load_aliases
from korea_ner.names.component import NameResolver, make_name_resolver
from korea_ner.names.context import PREPOSITIONS
from korea_ner.names.docindex import Cluster, DocIndex, Mention
from korea_ner.names.fold import GERMAN_FOLD, HYPHENS, STRIP_CHARS, fold, skeleton
from korea_ner.names.merge import merge_entities, speaker_matches
from korea_ner.names.normalize import (
    ARTICLES, NO_GENITIVE, clean_name, normalize, strip_genitive, strip_titles, unglue,
)
from korea_ner.names.references import resolve_reference
from korea_ner.names.resolve import canonical_name, doc_index, resolve_doc
from korea_ner.names.roles import NATIONS, ROLE_CLASSES, ROLE_SUFFIXES, TITLE_WORDS, is_role_word
from korea_ner.names.similarity import (
    DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN, EA_GIVEN_RE, EAST_ASIAN_SURNAMES, GENERATIONAL,
    is_surname_first, names_similar, tokens_similar,
)

__all__ = [
    "Aliases", "NameResolver", "canonical_name", "clean_name", "fold", "is_surname_first",
    "load_aliases", "merge_entities", "names_similar", "normalize", "resolve_doc",
    "resolve_reference", "skeleton", "speaker_matches", "strip_genitive", "strip_titles",
    "tokens_similar", "unglue",
]
