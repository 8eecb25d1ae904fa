"""Word lists and distances of the quote rules.

The long tables live in ``korea_ner/resources/quote_words.txt`` (format described
at its top) so that they can be extended without touching code; they are read
once at import.  The short closed classes stay here, next to their comments.
"""

from __future__ import annotations

from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent.parent / "resources" / "quote_words.txt"


def read_tables(path: Path = WORDS_FILE) -> dict[str, list[str]]:
    """Section name -> its words in file order (for [strong_forms]: "infinitive: forms" lines)."""
    tables: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in path.read_text(encoding="utf8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = tables.setdefault(line[1:-1], [])
        elif ":" in line:
            current.append(line)  # a mapping line, split by the caller
        else:
            current.extend(line.split())
    return tables


_T = read_tables()

# Cue verbs; order matters: a form shared by two lemmas belongs to the first.
WEAK_CUE_VERBS = tuple(_T["weak_cue_verbs"])
STRONG_FORMS = {k.strip(): tuple(v.split()) for k, v in (line.split(":", 1) for line in _T["strong_forms"])}
SEPARABLE_PARTICLES = ("hinzu", "mit", "fest", "ein", "aus", "klar", "zu", "an", "hin", "vor", "nach", "fort", "zurück", "bekannt", "heraus")
INSEPARABLE_PREFIXES = ("be", "er", "ver", "ent", "emp", "zer", "miss", "ge", "unter", "über", "wider")
# Cues that need a reflexive pronoun ("äußerte sich") or count only with it.
REFLEXIVE_CUES = {"äußern", "bedanken", "zeigen"}
# Weak lemmas whose bare forms are too ambiguous to count as cues alone.
WEAK_CUE_BLACKLIST_FORMS = {"meine", "meinen", "sage", "klage", "danke", "rufe", "lauten", "heißen", "hoffen", "glauben"}
# Verbs that introduce a quote only as "X nennt Y „Z“" / "bezeichnet Y als „Z“".
NAMING_CUES = {"nennen", "bezeichnen"}
# Cues with an impersonal subject ("heißt es im Antrag"): the source is a prepositional phrase.
IMPERSONAL_CUES = {"heißen", "lauten"}
SOURCE_PREPOSITIONS = {"in", "im", "auf", "aus", "bei", "beim"}
# "mit den Worten „…“", "mit folgenden Worten:"
WORDS_DETERMINERS = {"den", "diesen", "folgenden", "seinen", "ihren", "klaren", "deutlichen", "knappen"}
ACCORDING_TO_NOUNS = set(_T["according_to_nouns"])

FUNCTION_WORDS_CAPITALIZED = set(_T["function_words_capitalized"])
SUBJECT_PRONOUNS = {"er", "sie", "ich", "wir"}
NOM_PRONOUNS = {"er", "sie", "ich", "wir", "dieser", "diese", "jener", "letzterer", "letztere"}
DETERMINERS = set(_T["determiners"])
# "dessen"/"deren" ("teilte dessen Stellvertreter mit") do not show the case of their noun.
NOM_DETERMINERS = {"der", "die", "das", "ein", "eine", "dieser", "diese", "sein", "seine", "ihr", "ihre", "dessen", "deren"}
# An indefinite article makes an unnamed source ("ein Sprecher"): not resolved to a person.
UNNAMED_DETERMINERS = {"ein", "eine", "einer", "eines", "einem", "einen"}
SKIP_AFTER_VERB = set(_T["skip_after_verb"])
# Object pronouns are never the subject; the cue's subject follows them ("so beschrieb ihn der Kollege").
OBJECT_PRONOUNS = {"ihn", "ihm", "ihnen", "mich", "mir", "dich", "dir", "uns", "euch"}
PREPOSITIONS = set(_T["prepositions"])
# Endings of capitalized sentence-initial words that are not names ("Relativierend", "Schließlich").
ADVERB_SUFFIXES = ("end", "lich", "weise", "ig", "isch", "falls", "dings", "dessen", "her", "hin", "s")
SUBORDINATORS = {"wie", "als", "nachdem", "während", "weil", "da", "dass", "daß", "wo", "wenn", "ob"}
# Conjunctions of a clause that says what someone said or thinks ("machte klar, dass …").
COMPLEMENTIZERS = {"dass", "daß", "ob", "wonach"}
CONJUNCTIONS = {"und", "oder", "aber", "sondern", "doch"}
# Broader than korea_ner.names' role nouns (which link titles to persons): any
# noun for a person ("Augenzeuge", "58-Jährige") makes a phrase a possible speaker.
PERSON_ROLE_SUFFIXES = tuple(_T["person_role_suffixes"])
TITLE_NOUN_SUFFIXES = tuple(_T["title_noun_suffixes"])
NAME_MARKERS_BEFORE = set(_T["name_markers_before"])
NAME_MARKERS_AFTER = set(_T["name_markers_after"])
SUBJUNCTIVE = set(_T["subjunctive"])
ABBREVIATIONS = set(_T["abbreviations"])
LOWER_FUNCTION_WORDS = set(_T["lower_function_words"])

# Distances in characters, tuned on the quotation data.
MAX_CONTEXT_CHARS = 400  # how far a cue may be from its quote
CONTINUATION_CHARS = 700  # a quote with no cue continues the last speaker this close before it
RECENT_SUBJECT_CHARS = 450  # a standalone quote with no speaker yet takes a subject this close before it
