"""Direct quotes and who said them (spaCy component ``kner_quotes``).

Rule-based and linear in the length of the document:

1. :func:`find_quote_spans` pairs quotation marks by *style* („…“, “…”, »…«,
   «…», ‚…‘, ‘…’, "…") in one scan with a bounded stack.  Apostrophes are not
   quotes; a quote left open at a paragraph end is kept only when the next
   paragraph reopens it (the multi-paragraph convention), otherwise dropped.
2. :func:`find_cue` looks for a reporting cue next to each quote in the same
   sentence: a cue verb form (own form tables, separable and reflexive verbs
   included, lemmas when the pipeline has them), or a prepositional cue
   (laut X, X zufolge, nach Angaben von X, so X, wie X mitteilte).
3. :func:`speaker_mention` takes the subject of the cue (the parser's ``sb``
   when there is one, otherwise word-order heuristics over entities, pronouns
   and role nouns); pronouns and role nouns are resolved to a person through
   ``korea_ner.names`` and the discourse (last speaker, last person subject).
4. :func:`is_speech` drops titles, names and scare quotes: short quote-marked
   spans count only with a cue or in reported-speech context.

Everything works on a blank German pipeline with a sentencizer and ``doc.ents``;
nothing needs a parser or tagger.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

# --------------------------------------------------------------------------- #
# Output types
# --------------------------------------------------------------------------- #


@dataclass
class Speaker:
    name: Optional[str]  # canonical person name; None for unnamed sources
    mention: str  # the words in the text, doc.text[start:end] == mention
    start: int
    end: int


@dataclass
class Quote:
    text: str  # without the quotation marks; doc.text[start:end] == text
    start: int
    end: int
    kind: str  # "direct" | "partial"
    cue: Optional[str]  # cue verb lemma, or "laut" / "zufolge" / "so" / "nach Angaben"
    speaker: Optional[Speaker]
    addressee: Optional[Speaker] = None


# --------------------------------------------------------------------------- #
# Constants
# --------------------------------------------------------------------------- #

# Quote mark styles.  Each opener style names the characters that may close it.
DOUBLE_LOW = "„"
SINGLE_LOW = "‚"
QUOTE_CHARS = "„“”\"»«‚‘’›‹"
QUOTE_CHAR_RE = re.compile(r"[„“”\"»«‚‘’›‹\n]")
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
DOUBLE_STYLES = {"low2", "en2", "ascii2", "guil_de", "guil_fr"}
MAX_QUOTE_DEPTH = 8
OPEN_CONTEXT = set(" \t\n\r([{/–—-:;,.") | set(QUOTE_CHARS)

# Cue verbs: lemma -> (forms of the finite verb / participle).  Weak verbs are
# generated from the infinitive; strong verbs list their forms.
WEAK_CUE_VERBS = (
    "sagen", "erklären", "betonen", "twittern", "ergänzen", "äußern", "meinen",
    "warnen", "fordern", "kritisieren", "bekräftigen", "versichern", "mahnen",
    "fragen", "antworten", "erwidern", "zitieren", "berichten", "bestätigen",
    "behaupten", "beklagen", "klagen", "loben", "bezeichnen", "resümieren",
    "kommentieren", "verkünden", "erläutern", "schildern", "argumentieren",
    "posten", "verlautbaren", "bilanzieren", "urteilen", "appellieren", "drohen",
    "begründen", "gestehen", "unterstreichen", "erzählen", "ankündigen", "reagieren",
    "jubeln", "schwärmen", "spotten", "bedauern", "präzisieren", "kontern",
    "klarstellen", "zusichern", "anmerken", "hinzufügen", "mitteilen",
    "feststellen", "einräumen", "ausführen", "nachlegen", "bemerken", "beteuern",
    "insistieren", "protestieren", "folgern", "fordern", "zweifeln", "wünschen",
    "bedanken", "danken", "versprechen", "schreiben", "sprechen", "rufen", "nennen",
    "hinweisen", "zugeben", "vorwerfen", "beschreiben", "verraten", "lauten",
    "heißen", "unterstreichen", "entgegnen", "zurückweisen", "beschwören",
    "bekennen", "verweisen", "resümieren", "wiederholen", "prophezeien", "beharren",
    "verteidigen", "glauben", "hoffen", "ankündigen", "fortfahren", "melden", "skandieren",
    "charakterisieren", "würdigen", "zeigen", "raten", "empfehlen", "werten", "bewerten", "einstufen",
    "verurteilen", "feiern",
)
STRONG_FORMS = {
    "schreiben": ("schreibt", "schrieb", "schrieben", "geschrieben", "schreiben", "schreibe"),
    "sprechen": ("spricht", "sprach", "sprachen", "gesprochen", "sprechen"),
    "rufen": ("ruft", "rief", "riefen", "gerufen"),
    "nennen": ("nennt", "nannte", "nannten", "genannt", "nennen"),
    "weisen": ("weist", "wies", "wiesen", "gewiesen"),
    "geben": ("gibt", "gab", "gaben", "gegeben"),
    "werfen": ("wirft", "warf", "warfen", "geworfen"),
    "beschreiben": ("beschreibt", "beschrieb", "beschrieben"),
    "verraten": ("verrät", "verriet", "verrieten", "verraten"),
    "heißen": ("heißt", "hieß"),
    "unterstreichen": ("unterstreicht", "unterstrich", "unterstrichen"),
    "versprechen": ("verspricht", "versprach", "versprachen", "versprochen"),
    "gestehen": ("gesteht", "gestand", "gestanden"),
    "beschwören": ("beschwört", "beschwor", "beschworen"),
    "bekennen": ("bekennt", "bekannte", "bekannt"),
    "verweisen": ("verweist", "verwies", "verwiesen"),
    "fahren": ("fährt", "fuhr", "fuhren"),
    "raten": ("rät", "riet", "rieten", "geraten"),
    "empfehlen": ("empfiehlt", "empfahl", "empfahlen", "empfohlen"),
}
SEPARABLE_PARTICLES = ("hinzu", "mit", "fest", "ein", "aus", "klar", "zu", "an", "hin", "vor", "nach", "fort", "zurück")
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
# Prepositional / adverbial cues.
PREP_CUES = {"laut": "laut", "zufolge": "zufolge", "so": "so"}

# Sentence-initial capitalized words that are no noun phrase ("Damit", "Es").
FUNCTION_WORDS_CAPITALIZED = {
    "es", "das", "dies", "dem", "den", "damit", "daraus", "darin", "darauf", "dazu", "davon", "dadurch", "dafür",
    "dagegen", "daran", "darüber", "darum", "deshalb", "hier", "dort", "so", "man", "wer", "was", "wie", "nun",
}
SUBJECT_PRONOUNS = {"er", "sie", "ich", "wir"}
NOM_PRONOUNS = {"er", "sie", "ich", "wir", "dieser", "diese", "jener", "letzterer", "letztere"}
DETERMINERS = {
    "der", "die", "das", "ein", "eine", "dieser", "diese", "dieses", "jener", "jene",
    "sein", "seine", "ihr", "ihre", "kein", "keine", "einer", "eines", "des", "dem", "den", "einem", "einen",
}
NOM_DETERMINERS = {"der", "die", "das", "ein", "eine", "dieser", "diese", "sein", "seine", "ihr", "ihre"}
UNNAMED_DETERMINERS = {"ein", "eine", "einer", "eines", "einem", "einen"}
SKIP_AFTER_VERB = {
    "anschließend", "dann", "später", "zudem", "auch", "noch", "bereits", "jedoch", "aber", "nun",
    "weiter", "lediglich", "dazu", "daraufhin", "gestern", "heute", "damals", "außerdem", "ebenfalls",
    "zuletzt", "erst", "kürzlich", "wörtlich", "sinngemäß", "dabei", "etwa", "indes", "allerdings",
    "zuvor", "danach", "schließlich", "wiederum", "ferner", "hierzu", "offenbar", "denn", "ja", "doch",
    "nämlich", "vorher", "bislang", "einmal", "mal", "gar", "sogar", "immer", "wieder", "also", "so",
    "demnach", "jetzt", "deshalb", "daher", "seinerseits", "ihrerseits", "unterdessen", "derweil",
    "bereits", "gleichzeitig", "zugleich", "abschließend", "ergänzend", "dort", "hier", "mehrfach",
    "am", "im", "in", "gegenüber", "vor", "bei", "auf", "nach", "zu", "zur", "zum", "laut", "per",
    "sich", "es", "dem", "den", "mit",
}
PREPOSITIONS = {
    "in", "im", "am", "an", "auf", "aus", "bei", "beim", "mit", "nach", "von", "vom", "vor", "zu", "zum", "zur",
    "über", "unter", "für", "gegen", "gegenüber", "um", "durch", "ohne", "seit", "als", "hinter", "neben",
    "zwischen", "wegen", "trotz", "während", "angesichts", "laut", "per", "via", "bis", "ab", "außer", "innerhalb",
    "außerhalb", "anlässlich", "bezüglich", "hinsichtlich", "dank", "inmitten", "statt", "aufgrund",
}
# "nach den Worten des X", "nach Ansicht von X": the speaker follows.
ACCORDING_TO_NOUNS = {"angaben", "worten", "ansicht", "auffassung", "meinung", "einschätzung", "aussage", "aussagen",
                      "darstellung", "informationen", "überzeugung", "einschätzungen", "angabe", "schätzung", "schätzungen"}
# Endings of capitalized sentence-initial words that are not names ("Relativierend", "Schließlich").
ADVERB_SUFFIXES = ("end", "lich", "weise", "ig", "isch", "falls", "dings", "dessen", "her", "hin", "s")
SUBORDINATORS = {"wie", "als", "nachdem", "während", "weil", "da", "dass", "daß", "wo", "wenn", "ob"}
CONJUNCTIONS = {"und", "oder", "aber", "sondern", "doch"}
# Nouns naming persons by role; a word ending in one of these is a person.
PERSON_ROLE_SUFFIXES = (
    "minister", "ministerin", "mitarbeiter", "mitarbeiterin", "beamte", "beamter", "beamtin",
    "vertreter", "vertreterin", "sprecher", "sprecherin", "präsident", "präsidentin", "chef", "chefin",
    "diplomat", "diplomatin", "kanzler", "kanzlerin", "führer", "führerin", "leiter", "leiterin",
    "experte", "expertin", "analyst", "analystin", "general", "botschafter", "botschafterin", "berater",
    "beraterin", "sekretär", "sekretärin", "direktor", "direktorin", "vorsitzende", "vorsitzender",
    "trainer", "trainerin", "politiker", "politikerin", "abgeordnete", "abgeordneter", "richter",
    "richterin", "anwalt", "anwältin", "ermittler", "forscher", "forscherin", "wissenschaftler",
    "wissenschaftlerin", "autor", "autorin", "machthaber", "staatschef", "regierungschef", "papst",
    "könig", "königin", "premier", "senator", "senatorin", "bürgermeister", "bürgermeisterin",
    "gouverneur", "manager", "managerin", "spieler", "spielerin", "kapitän", "sprecher", "ökonom",
    "ökonomin", "kritiker", "kritikerin", "aktivist", "aktivistin", "zeuge", "zeugin", "kommandeur",
    "offizier", "polizist", "polizistin", "arzt", "ärztin", "professor", "professorin", "bischof",
    "kardinal", "kollege", "kollegin", "unterhändler", "vorstand", "gründer", "gründerin", "funktionär",
    "funktionärin", "kandidat", "kandidatin", "kommissar", "kommissarin", "beauftragte", "beauftragter",
    "mann", "frau", "nutzer", "sprecherin", "pfarrer", "fahrer", "fahrerin", "besitzer", "eigentümer",
    "inhaber", "veranstalter", "organisator", "ministerpräsident", "ministerpräsidentin", "staatsanwalt",
    "sportler", "sportlerin", "schauspieler", "schauspielerin", "sänger", "sängerin", "regisseur",
    "journalist", "journalistin", "reporter", "korrespondent", "historiker", "soldat", "anführer",
    "bewohner", "bewohnerin", "augenzeuge", "augenzeugin", "opfer", "täter", "angeklagte", "angeklagter",
    "diktator", "herrscher", "monarch", "prinz", "prinzessin", "fraktionschef", "parteichef",
    "jährige", "jähriger",
)
# Nouns after which a quote-marked span is a title or a name, not speech.
TITLE_NOUN_SUFFIXES = (
    "serie", "film", "buch", "titel", "motto", "album", "song", "lied", "single", "zeitung", "magazin",
    "blatt", "sendung", "schiff", "operation", "programm", "projekt", "kampagne", "aktion", "name",
    "namen", "typ", "typs", "firma", "partei", "gruppe", "verein", "festival", "oper", "version", "marke",
    "modell", "stiftung", "initiative", "bündnis", "organisation", "bewegung", "slogan", "spiel", "show",
    "zeitschrift", "agentur", "kolumne", "artikel", "studie", "roman", "stück", "theaterstück", "ausstellung",
    "reihe", "format", "kategorie", "preis", "award", "band", "station", "mission", "sonde", "satellit",
    "rakete", "tour", "thema", "titelseite", "überschrift", "schlagzeile", "fernsehsendung", "talkshow",
    "ausgabe", "portal", "plattform", "app", "software", "dienst", "netzwerk", "unternehmen", "konzern",
    "gesellschaft", "hotel", "restaurant", "bar", "club", "klub", "hurrikan", "sturm", "tief", "hoch",
    "orkan", "taifun", "zyklon", "vortrag", "vorträge", "wettbewerb", "kurs", "schule", "fachzeitschrift",
    "sender", "kanal", "website", "webseite", "blog", "bestseller", "werk", "gedicht", "dokumentation",
    "doku", "reportage", "video", "clip", "spielfilm", "kinofilm", "comic", "serienfigur", "figur", "rolle",
    "losung", "parole", "devise", "leitspruch", "stichwort", "begriff", "wort", "ausdruck", "bezeichnung",
    "fähre", "flugzeug", "maschine", "hubschrauber", "boot", "zug", "modul", "gesetz", "vertrag", "plan",
    "abkommen", "paket", "initiative", "fraktion", "liste", "allianz", "koalition", "mannschaft", "team",
)
NAME_MARKERS_BEFORE = {"sogenannte", "sogenannten", "sogenannter", "sogenanntes", "genannte", "genannten",
                       "genannter", "genanntes", "namens", "titel", "titels", "motto", "mottos"}
NAME_MARKERS_AFTER = {"genannt", "heißt", "hieß", "heißen", "hießen", "bekannt", "getauft", "benannt", "nennt",
                      "nannte", "nennen", "nannten", "betitelt", "tituliert"}
# Words that mark reported (indirect) speech: a short quote-marked span in such
# a sentence is somebody's words even without a cue verb of its own.
SUBJUNCTIVE = {
    "sei", "seien", "habe", "haben", "hätte", "hätten", "werde", "würde", "würden", "könne", "könnten",
    "müsse", "müssten", "solle", "sollten", "dürfe", "wolle", "gebe", "bestehe", "liege", "gehe", "stehe",
    "wisse", "komme", "brauche", "stelle", "bleibe", "handle", "handele", "fehle", "gelte", "trage",
}
ABBREVIATIONS = {
    "z", "b", "dr", "prof", "st", "bzw", "ca", "usw", "etc", "vgl", "nr", "mio", "mrd", "abs", "art", "u",
    "a", "d", "h", "s", "o", "sog", "jh", "jhd", "min", "max", "inkl", "ggf", "evtl", "co", "gen", "hr",
    "fr", "mr", "mrs", "str", "tel", "ff", "bd", "kap", "dt", "engl", "franz", "ital", "span", "lat",
}
SENTENCE_END_RE = re.compile(r"[.!?]+(?=[\s\"“”„»«’'‘)]|$)|\n")
NUMERIC_NOUN_RE = re.compile(r"\d+-[A-ZÄÖÜ]")
WORD_RE = re.compile(r"\w+(?:[-‐'’.]\w+)*|[^\w\s]")
LOWER_FUNCTION_WORDS = {
    "ist", "sind", "war", "waren", "wird", "werden", "wurde", "hat", "haben", "hatte", "nicht", "ich",
    "wir", "es", "sie", "er", "uns", "mir", "mich", "das", "und", "aber", "kann", "können", "muss",
    "müssen", "soll", "will", "wollen", "gibt", "dass", "man", "du", "ihr", "wenn", "auch", "so", "noch",
    "the", "is", "are", "we", "i", "you", "it", "will", "be", "was", "not", "to", "this", "that",
}
MAX_CONTEXT_CHARS = 400  # how far a cue may be from its quote
CONTINUATION_CHARS = 700
RECENT_SUBJECT_CHARS = 450  # a standalone quote with no speaker yet takes a subject this close before it  # a quote with no cue continues the last speaker this close before it


# --------------------------------------------------------------------------- #
# Cue verb forms
# --------------------------------------------------------------------------- #


def _weak_forms(stem: str, prefix_ge: bool) -> list[str]:
    e = "e" if stem.endswith(("t", "d")) or re.search(r"[^aeiouäöülr][mn]$", stem) else ""
    finite = [stem + "e", stem + e + "t", stem + e + "te", stem + e + "ten", stem + e + "tet", stem + "en"]
    participle = ("ge" + stem + e + "t") if prefix_ge else (stem + e + "t")
    return finite + [participle]


def build_cue_forms(lemmas: Iterable[str] = WEAK_CUE_VERBS) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Return (form -> lemma) for words that are a cue on their own and
    (form -> [(particle, lemma)]) for the finite stems of separable verbs."""
    forms: dict[str, str] = {}
    separable: dict[str, list[tuple[str, str]]] = {}
    for lemma in lemmas:
        particle = max((p for p in SEPARABLE_PARTICLES if lemma.startswith(p) and len(lemma) > len(p) + 3), key=len, default="")
        if particle and lemma in {"ergänzen", "erklären", "erläutern", "erzählen", "antworten", "angeben"}:
            particle = ""
        base = lemma[len(particle):] if particle else lemma
        if base in STRONG_FORMS:
            base_forms = list(STRONG_FORMS[base]) + [base]
            finite = [f for f in base_forms if not f.startswith("ge") or base.startswith("ge")]
            participles = [f for f in base_forms if f.startswith("ge") and not base.startswith("ge")] or [base_forms[-1]]
        else:
            stem = base[:-2] if base.endswith("en") else base[:-1]
            prefix_ge = not (base.endswith("ieren") or base.startswith(INSEPARABLE_PREFIXES))
            generated = _weak_forms(stem, prefix_ge)
            finite, participles = generated[:-1], [generated[-1]]
        if particle:
            for f in finite:
                separable.setdefault(f, []).append((particle, lemma))
                forms[particle + f] = lemma  # "wie er mitteilte", "hinzufügte"
            for p in participles:
                forms[particle + p] = lemma  # "mitgeteilt", "hinzugefügt"
        else:
            for f in finite + participles:
                if f not in WEAK_CUE_BLACKLIST_FORMS:
                    forms.setdefault(f, lemma)
    return forms, separable


CUE_FORMS, SEPARABLE_FORMS = build_cue_forms()
CUE_LEMMAS = frozenset(CUE_FORMS.values()) | frozenset(lemma for v in SEPARABLE_FORMS.values() for _, lemma in v)


# --------------------------------------------------------------------------- #
# 1. Quotation marks
# --------------------------------------------------------------------------- #


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


# --------------------------------------------------------------------------- #
# Context: sentences and words around a quote, independent of the tokenizer
# --------------------------------------------------------------------------- #


@dataclass
class Word:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def sentence_ends(text: str) -> list[int]:
    """Character positions where a sentence ends (after the punctuation)."""
    ends = []
    for m in SENTENCE_END_RE.finditer(text):
        if m.group() == "\n":
            ends.append(m.start())
            continue
        if m.group() == ".":
            k = m.start()
            j = k
            while j > 0 and text[j - 1].isalnum():
                j -= 1
            before = text[j:k]
            if before.isdigit() or before.lower() in ABBREVIATIONS or (len(before) == 1 and before.isalpha()):
                continue
            nxt = m.end()
            while nxt < len(text) and text[nxt] in " \t":
                nxt += 1
            if nxt < len(text) and text[nxt].islower():
                continue
        ends.append(m.end())
    return ends


def words_between(text: str, start: int, end: int) -> list[Word]:
    return [Word(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text, start, end)]


def is_capitalized(w: Word) -> bool:
    """Capitalized, or a capitalized compound after a number ("58-Jährige")."""
    t = w.text
    return t[:1].isupper() or (t[:1].isdigit() and bool(NUMERIC_NOUN_RE.match(t)))


def is_person_role(word: str) -> bool:
    low = word.lower().rsplit("-", 1)[-1]
    return low.endswith(PERSON_ROLE_SUFFIXES) or low.endswith(tuple(s + "in" for s in ("minister",)))


# --------------------------------------------------------------------------- #
# 2. Cues
# --------------------------------------------------------------------------- #


@dataclass
class Cue:
    lemma: str
    index: int  # index of the cue word in the window word list
    kind: str  # "verb" | "prep"
    particle_index: int = -1


class DocContext:
    """What the rules need from the Doc, computed once per document."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.sent_ends = sentence_ends(self.text)
        self.ents = sorted(doc.ents, key=lambda e: e.start_char)
        self.ent_starts = [e.start_char for e in self.ents]
        self.has_lemmas = doc.has_annotation("LEMMA")
        self.has_deps = doc.has_annotation("DEP")
        self._tok_starts: Optional[list[int]] = None
        self.names = _names_module()
        self.quote_opens: list[int] = []
        self.quote_closes: list[int] = []

    def set_quotes(self, raws: list["RawQuote"]) -> None:
        self.quote_opens = [r.open for r in raws]
        self.quote_closes = [r.close for r in raws]

    def in_quote(self, pos: int) -> bool:
        k = bisect.bisect_right(self.quote_opens, pos) - 1
        return k >= 0 and pos <= self.quote_closes[k]

    def token_at(self, char: int):
        if self._tok_starts is None:
            self._tok_starts = [t.idx for t in self.doc]
        k = bisect.bisect_right(self._tok_starts, char) - 1
        if k < 0:
            return None
        tok = self.doc[k]
        return tok if tok.idx <= char < tok.idx + len(tok.text) else None

    def ent_at(self, start: int, end: int) -> Optional[Span]:
        """The entity overlapping [start, end), if any."""
        k = bisect.bisect_right(self.ent_starts, end - 1) - 1
        while k >= 0:
            e = self.ents[k]
            if e.end_char > start:
                return e
            if e.end_char <= start and k < len(self.ents) and self.ents[k].start_char < start - 200:
                break
            k -= 1
        return None

    def sentence_start(self, pos: int) -> int:
        k = bisect.bisect_right(self.sent_ends, pos) - 1
        return self.sent_ends[k] if k >= 0 else 0

    def sentence_end(self, pos: int) -> int:
        k = bisect.bisect_left(self.sent_ends, pos + 1)
        return self.sent_ends[k] if k < len(self.sent_ends) else len(self.text)

    def lemma_of(self, w: Word) -> Optional[str]:
        if not self.has_lemmas:
            return None
        tok = self.token_at(w.start)
        if tok is not None and tok.idx == w.start and len(tok.text) == len(w.text):
            return tok.lemma_.lower()
        return None


def find_cue(ctx: DocContext, words: list[Word], lo: int = 0, hi: Optional[int] = None, last: bool = False) -> Optional[Cue]:
    """The first (or with ``last``, the last) cue among words[lo:hi]: a verb beats a prepositional cue."""
    hi = len(words) if hi is None else hi
    prep: Optional[Cue] = None
    verb: Optional[Cue] = None
    for cue in _iter_cues(ctx, words, lo, hi):
        if cue.kind == "verb":
            verb = cue
            if not last:
                break
        elif prep is None:
            prep = cue
    return verb or prep


def _with_the_words(words: list[Word], i: int, lo: int, hi: int) -> bool:
    """words[i] is "Worten" in "mit den Worten" with no cue verb right after ("mit diesen Worten meldete er sich")."""
    return (i - 2 >= lo and words[i - 2].lower == "mit" and words[i - 1].lower in WORDS_DETERMINERS
            and not any(words[k].lower in CUE_FORMS or words[k].lower in SEPARABLE_FORMS for k in range(i + 1, min(hi, i + 3))))


def _iter_cues(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Iterable[Cue]:
    prep: Optional[Cue] = None
    verb_seen = False
    for i in range(lo, hi):
        w = words[i]
        low = w.lower
        lemma = CUE_FORMS.get(low)
        if lemma is None and low in SEPARABLE_FORMS:
            for j in range(i + 1, hi):
                lw = words[j].lower
                if lw in {":", "„", "“", '"', "»", "«"}:
                    break
                hit = next((lem for particle, lem in SEPARABLE_FORMS[low] if particle == lw), None)
                if hit and (j + 1 >= hi or not words[j + 1].text[:1].isalpha() or words[j + 1].lower in CONJUNCTIONS):
                    verb_seen = True
                    yield Cue(hit, i, "verb", j)
                    break
            continue
        if lemma is None and low == "worten" and _with_the_words(words, i, lo, hi) and not verb_seen:
            yield Cue("mit den Worten", i, "verb")  # "beruhigte mit den Worten: „…“": like a cue verb
            continue
        if lemma is None and ctx.has_lemmas:
            lem = ctx.lemma_of(w)
            if lem in CUE_LEMMAS and lem not in {"sprechen", "lauten", "heißen", "meinen", "glauben", "hoffen"} | NAMING_CUES:
                lemma = lem
        if lemma is not None:
            if is_capitalized(w) and i > lo and words[i - 1].text not in {".", ":", "!", "?", "“", '"', "»", "„"}:
                continue  # a noun ("Sagen", "Bericht"), not a verb
            if lemma in REFLEXIVE_CUES and not any(words[k].lower == "sich" for k in range(max(lo, i - 3), min(hi, i + 4))):
                continue
            if lemma in {"heißen", "lauten"} and not any(words[k].lower in {"es", "darin", "dort"} for k in range(max(lo, i - 3), min(hi, i + 3))):
                if lemma == "heißen":
                    continue
            if lemma == "sprechen" and not any(words[k].lower in {"von", "vom"} for k in range(i + 1, min(hi, i + 8))):
                continue
            verb_seen = True
            yield Cue(lemma, i, "verb")
            continue
        if prep is None:
            if low == "laut" and i + 1 < hi and words[i + 1].text[:1].isalpha():
                prep = Cue("laut", i, "prep")
            elif low == "zufolge":
                prep = Cue("zufolge", i, "prep")
            elif low in ACCORDING_TO_NOUNS and i > lo and (words[i - 1].lower == "nach" or (i - 2 >= lo and words[i - 2].lower == "nach" and words[i - 1].lower in {"den", "der", "eigenen", "seinen", "ihren"})):
                prep = Cue("nach " + ("Angaben" if low in {"angaben", "angabe"} else w.text), i, "prep")
            elif low == "zitat" and i + 1 < hi and words[i + 1].lower in {"von", "des", "der"}:
                prep = Cue("Zitat", i, "prep")
            elif low == "so" and i + 1 < hi and (i == lo or words[i - 1].text == ",") and (
                words[i + 1].lower in NOM_DETERMINERS or is_capitalized(words[i + 1])
            ):
                prep = Cue("so", i, "prep")
            if prep is not None:
                yield prep


# --------------------------------------------------------------------------- #
# 3. Speakers
# --------------------------------------------------------------------------- #


@dataclass
class Mention:
    start: int
    end: int
    kind: str  # "pron" | "name" | "np"
    ent: Optional[Span] = None
    definite: bool = True


def np_right(ctx: DocContext, words: list[Word], i: int, hi: int, subject_only: bool = True) -> Optional[Mention]:
    """A noun phrase starting at words[i]: pronoun, entity, or determiner + adjectives + nouns."""
    if i >= hi:
        return None
    w = words[i]
    low = w.lower
    if low in NOM_PRONOUNS:
        return Mention(w.start, w.end, "pron")
    ent = ctx.ent_at(w.start, w.end)
    if ent is not None and ent.start_char >= w.start - 1 and ent.label_ in {"PER", "ORG", "MISC", "PERSON"}:
        end = ent.end_char
        return Mention(w.start, end, "name" if ent.label_ in {"PER", "PERSON"} else "np", ent)
    if low in PREPOSITIONS or low in SUBORDINATORS or low in CONJUNCTIONS:
        return None
    if low in DETERMINERS or is_capitalized(w):
        if subject_only and low in DETERMINERS and low not in NOM_DETERMINERS:
            return None
        j = i + 1 if low in DETERMINERS else i
        last_noun = -1
        person_ent = None
        while j < hi:
            x = words[j]
            if is_capitalized(x):
                e = ctx.ent_at(x.start, x.end)
                if e is not None and e.label_ in {"PER", "PERSON"}:
                    person_ent = e
                    while j < hi and words[j].start < e.end_char:
                        j += 1
                    last_noun = j - 1
                    break
                last_noun = j
                j += 1
                continue
            if (x.text.isalpha() or _numeric_adjective(x)) and x.lower not in DETERMINERS and x.lower not in SKIP_AFTER_VERB and last_noun < 0 and x.lower.endswith(("e", "en", "er", "es", "em")):
                j += 1  # adjective before the noun
                continue
            break
        if last_noun < 0:
            return None
        # One genitive complement: "der Chefdiplomat des Kreml", "der Chef der Bundesagentur".
        k = last_noun + 1
        if person_ent is None and k < hi and words[k].lower in {"des", "der"}:
            m = k + 1
            while m < hi and words[m].text.isalpha() and not is_capitalized(words[m]) and words[m].lower.endswith(("e", "en", "er")):
                m += 1
            if m < hi and is_capitalized(words[m]):
                last_noun = m
                while last_noun + 1 < hi and is_capitalized(words[last_noun + 1]):
                    last_noun += 1
        # Apposition with a name: "der Sprecher, Max Muster," handled by the entity check above.
        head_words = [words[x].text for x in range(i, last_noun + 1)]
        if person_ent is None and not any(is_person_role(h) for h in head_words if h[:1].isupper()):
            # Not obviously a person; keep organisations/sources with a determiner.
            if subject_only and low not in NOM_DETERMINERS:
                return None
        return Mention(w.start, words[last_noun].end, "name" if person_ent is not None else "np", person_ent,
                       definite=low not in UNNAMED_DETERMINERS)
    return None


def np_left(ctx: DocContext, words: list[Word], v: int, lo: int) -> Optional[Mention]:
    """The noun phrase ending right before words[v] (None when it is inside a
    prepositional phrase: "Über Steve Fossett sagte Branson")."""
    m = _np_left(ctx, words, v, lo)
    if m is None or m.kind == "pron":
        return m
    k = _index_at(words, m.start, lo, v)
    if k - 1 >= lo and words[k - 1].lower in PREPOSITIONS:
        return None
    if words[k].lower in PREPOSITIONS:
        return None
    return m


def _index_at(words: list[Word], char: int, lo: int, hi: int) -> int:
    for k in range(lo, hi):
        if words[k].end > char:
            return k
    return hi


def _np_left(ctx: DocContext, words: list[Word], v: int, lo: int) -> Optional[Mention]:
    if v - 1 >= lo and words[v - 1].text == ")":
        k = v - 2
        while k >= lo and k > v - 8 and words[k].text != "(":
            k -= 1
        if k >= lo and words[k].text == "(":
            v = k
    i = v - 1
    if i < lo:
        return None
    w = words[i]
    if w.lower in NOM_PRONOUNS:
        return Mention(w.start, w.end, "pron")
    ent = ctx.ent_at(w.start, w.end)
    if ent is not None and ent.label_ in {"PER", "PERSON", "ORG"}:
        start = ent.start_char
        k = i
        while k >= lo and words[k].start >= ent.start_char:
            k -= 1
        # Role nouns and determiner before the name: "US-Außenminister Mike Pompeo".
        while k >= lo and words[k].lower not in PREPOSITIONS and (is_capitalized(words[k]) or words[k].lower in DETERMINERS or _adjective(words[k])):
            start = words[k].start
            if words[k].lower in DETERMINERS:
                break
            k -= 1
        return Mention(start, ent.end_char, "name" if ent.label_ in {"PER", "PERSON"} else "np", ent)
    if w.lower in FUNCTION_WORDS_CAPITALIZED:
        return None
    if is_capitalized(w) and w.text.isalpha() or ("-" in w.text and is_capitalized(w)):
        k = i
        start = w.start
        definite = True
        while k - 1 >= lo:
            x = words[k - 1]
            if x.lower in DETERMINERS:
                start = x.start
                definite = x.lower not in UNNAMED_DETERMINERS
                break
            if x.lower in PREPOSITIONS:
                break
            if _adjective(x) or is_capitalized(x):
                start = x.start
                k -= 1
                continue
            break
        return Mention(start, w.end, "np", None, definite)
    return None


def _numeric_adjective(w: Word) -> bool:
    """"23-jährige", "75-jähriger"."""
    return bool(re.fullmatch(r"\d+-[a-zäöüß]+", w.text))


def _adjective(w: Word) -> bool:
    return w.text.isalpha() and w.text.islower() and w.lower.endswith(("e", "en", "er", "es", "em")) and w.lower not in DETERMINERS and w.lower not in SKIP_AFTER_VERB and w.lower not in SUBJUNCTIVE


def clause_start(words: list[Word], v: int, lo: int) -> int:
    k = v - 1
    while k >= lo:
        t = words[k].text
        if t in {",", ";", ":", "–", "—"} or (words[k].lower in SUBORDINATORS and not (
                words[k].lower == "wie" and k + 1 < len(words) and words[k + 1].lower == "folgt")):
            return k + 1
        k -= 1
    return lo


def speaker_for_cue(ctx: DocContext, words: list[Word], cue: Cue, lo: int, hi: int) -> Optional[Mention]:
    """Subject of the cue, found by word order (and the parser when present)."""
    v = cue.index
    if ctx.has_deps and cue.kind == "verb":
        m = _speaker_from_parse(ctx, words[v])
        if m is not None:
            return m
    if cue.kind == "prep":
        if cue.lemma == "zufolge":
            return np_left(ctx, words, v, lo)
        j = v + 1
        if cue.lemma.startswith("nach ") or cue.lemma == "Zitat":
            while j < hi and words[j].lower in {"von", "vom"}:
                j += 1
        return np_right(ctx, words, j, hi, subject_only=False)
    if cue.lemma in IMPERSONAL_CUES:
        # "In dem Antrag heißt es:", "heißt es in einer Erklärung": the document is the source.
        src = _source_phrase(words, v + 1, min(hi, v + 9)) or _source_phrase(words, clause_start(words, v, lo), v)
        if src is not None:
            return src
    if v - 1 >= lo and words[v - 1].lower in SUBJECT_PRONOUNS and (v - 1 == lo or not words[v - 2].text[:1].isalnum()):
        # "Sie sicherte dabei Johnson ihre „…“ zu": a pronoun opening the clause is its subject.
        return Mention(words[v - 1].start, words[v - 1].end, "pron")
    # "sagte Lawrow", "sagte er", "sagte der US-Außenminister": subject right after the verb.
    j = v + 1
    skipped = 0
    while j < hi and skipped < 2 and words[j].lower in SKIP_AFTER_VERB and words[j].lower not in PREPOSITIONS and words[j].lower not in DETERMINERS:
        j += 1
        skipped += 1
    right = np_right(ctx, words, j, hi)
    if right is not None and _named_object(ctx, words, cue, right, hi):
        right = None  # "nannte sie „reine Spekulation“": the thing named, not the speaker
    if right is not None and (right.kind in {"pron", "name"} or _is_person_np(ctx, right)):
        return right
    cs = clause_start(words, v, lo)
    if right is None and not _has_subject_candidate(ctx, words, cs, v):
        # The verb opens its clause ("„…“, betonte Struck", "zitierte man Yolanda Alvarez"):
        # a name the NER missed right after it.
        m = _name_after(words, j + (j < hi and words[j].lower == "man"), hi)
        if m is not None:
            return m
    # Subordinate clause "wie X mitteilte": subject after the subordinator.
    if cs > lo and words[cs - 1].lower in SUBORDINATORS:
        m = _first_np(ctx, words, cs, v)
        if m is not None:
            return m
    # Subject first: "Lawrow sagte", "Der Sprecher, Max Muster, erklärte", "Stoiber hatte … betont".
    m = clause_initial_np(ctx, words, lo, v)
    if m is not None:
        return m
    # Something else fronted ("Mit Blick auf die USA sagte Lawrow am Mittwoch"): subject after the verb.
    j = v + 1
    skipped = 0
    while j < hi and skipped < 6 and (words[j].lower in SKIP_AFTER_VERB or words[j].text.isdigit() or (skipped and words[j - 1].lower in PREPOSITIONS and is_capitalized(words[j]))):
        j += 1
        skipped += 1
    right = np_right(ctx, words, j, hi)
    if right is not None:
        return right
    left = np_left(ctx, words, v, max(lo, cs))
    if left is not None:
        return left
    # "Zur Lage wird Watzke wie folgt zitiert": a name or pronoun anywhere before the verb.
    return _first_np(ctx, words, cs, v) or _first_np(ctx, words, lo, v)


def _source_phrase(words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    """The noun phrase of the first "in/im/auf/aus …" among words[lo:hi], without the preposition."""
    for k in range(lo, hi - 1):
        if words[k].lower not in SOURCE_PREPOSITIONS:
            continue
        m = k + 1
        while m < hi and m <= k + 5 and not (is_capitalized(words[m]) and words[m].lower not in DETERMINERS):
            if not words[m].text[:1].isalnum():
                return None
            m += 1
        if m >= hi or m > k + 5:
            return None
        while m + 1 < hi and is_capitalized(words[m + 1]):
            m += 1
        return Mention(words[k + 1].start, words[m].end, "np", None, definite=words[k + 1].lower not in UNNAMED_DETERMINERS)
    return None


def _named_object(ctx: DocContext, words: list[Word], cue: Cue, m: Mention, hi: int) -> bool:
    """Is ``m`` the object that a naming verb calls the quote ("nannte sie „…“",
    "nannte Patersons Entscheidung „…“", "bezeichnete den Plan als „…“")?  It is
    when "als" or the quote follows it within a few words."""
    if m.kind == "pron" and ctx.text[m.start:m.end].lower() in {"er", "ich", "wir"}:
        return False  # nominative only
    k = _index_after(words, m.end, 0, hi)
    for n in range(k, min(hi, k + 4) + 1):
        if n >= hi or words[n].start - words[n - 1].end > 2:
            return cue.lemma in NAMING_CUES  # the quote follows
        if words[n].lower == "als":
            return True
        if not words[n].text[:1].isalnum():
            return False
    return False


def _is_person_np(ctx: DocContext, m: Mention) -> bool:
    words = ctx.text[m.start:m.end].split()
    return any(is_person_role(w) for w in words if w[:1].isupper())


def clause_initial_np(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    """The subject-like noun phrase that opens the clause words[lo:hi]
    (skipping a leading conjunction or connective adverb), not a prepositional phrase."""
    k = lo
    while k < hi and (words[k].text in {",", ";", ":", "(", "–", "-", "—"} or words[k].lower in CONJUNCTIONS or words[k].lower in {"auch", "so", "zudem", "dabei", "nun", "doch", "jedoch", "hierzu", "dazu", "demnach", "daraufhin", "anschließend", "außerdem", "später", "zuvor"}):
        k += 1
    if k >= hi or words[k].lower in PREPOSITIONS or words[k].lower in SUBORDINATORS:
        return None
    m = np_right(ctx, words, k, hi)
    if m is None:
        if _lone_subject_name(words, k, hi):
            return Mention(words[k].start, words[k].end, "np", None)
        return None
    if m.kind == "np" and not _is_person_np(ctx, m) and m.ent is None:
        mention_words = ctx.text[m.start:m.end].split()
        if not mention_words[-1][:1].isupper():
            return None
        if len(mention_words) == 1 and words[k].lower not in DETERMINERS and not _lone_subject_name(words, k, hi):
            return None  # "Relativierend fügte Gall hinzu" (but "Milinkewitsch kritisierte")
    return m


def _has_subject_candidate(ctx: DocContext, words: list[Word], lo: int, hi: int) -> bool:
    """Could a word of words[lo:hi] (before the verb) be its subject?  Not so for
    "Relativierend fügte Gall hinzu" or "Dazu sagte Gall"."""
    for k in range(lo, hi):
        w = words[k]
        after_prep = k > lo and (words[k - 1].lower in PREPOSITIONS or words[k - 1].lower in DETERMINERS)
        if w.lower in NOM_PRONOUNS or (w.lower in NOM_DETERMINERS and not after_prep):
            return True
        if is_capitalized(w) and not after_prep and (_name_like(w) or is_person_role(w.text) or ctx.ent_at(w.start, w.end) is not None):
            return True
    return False


def _name_after(words: list[Word], j: int, hi: int) -> Optional[Mention]:
    """One or more name-like capitalized words starting at words[j]."""
    if j >= hi or not is_capitalized(words[j]) or not _name_like(words[j]):
        return None
    end = j
    while end + 1 < hi and is_capitalized(words[end + 1]) and _name_like(words[end + 1]):
        end += 1
    return Mention(words[j].start, words[end].end, "np", None)


def _lone_subject_name(words: list[Word], k: int, hi: int) -> bool:
    """A lone name-like word opening the clause right before its verb ("Milinkewitsch kritisierte …")."""
    if not _name_like(words[k]) or (k + 2 < len(words) and words[k + 2].lower in NOM_PRONOUNS):
        return False  # "Aktuell lässt sie …": the pronoun is the subject
    return k + 1 == hi or (k + 1 < hi and words[k + 1].text.isalpha() and words[k + 1].text.islower()
                           and words[k + 1].lower not in DETERMINERS and words[k + 1].lower not in CONJUNCTIONS)


def _name_like(w: Word) -> bool:
    """A lone capitalized word that may be a surname: not an adverb or participle."""
    low = w.lower
    return (w.text.isalpha() and len(low) > 2 and low not in SKIP_AFTER_VERB and low not in PREPOSITIONS
            and low not in SUBORDINATORS and low not in CONJUNCTIONS and low not in NOM_PRONOUNS
            and not low.endswith(ADVERB_SUFFIXES) and not is_person_role(w.text))


def _starts_clause(words: list[Word], m: Mention, cs: int) -> bool:
    return cs < len(words) and words[cs].start >= m.start - 1


def _first_np(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    for k in range(lo, hi):
        w = words[k]
        if w.lower in NOM_PRONOUNS:
            return Mention(w.start, w.end, "pron")
        e = ctx.ent_at(w.start, w.end)
        if e is not None and e.label_ in {"PER", "PERSON"}:
            m = np_left(ctx, words, _index_after(words, e.end_char, k, hi), lo)
            return m or Mention(e.start_char, e.end_char, "name", e)
        if w.lower in NOM_DETERMINERS and k + 1 < hi:
            m = np_right(ctx, words, k, hi)
            if m is not None:
                return m
        if is_capitalized(w) and is_person_role(w.text) and k + 1 < hi and _name_like(words[k + 1]):
            return Mention(w.start, words[k + 1].end, "np", None)  # "VW-Chef Winterkorn" without an entity
    return None


def _index_after(words: list[Word], char: int, k: int, hi: int) -> int:
    while k < hi and words[k].start < char:
        k += 1
    return k


def _speaker_from_parse(ctx: DocContext, w: Word) -> Optional[Mention]:
    tok = ctx.token_at(w.start)
    if tok is None:
        return None
    heads = [tok]
    if tok.dep_ in {"oc", "pd"}:
        heads.append(tok.head)
    for h in heads:
        for child in h.children:
            if child.dep_ == "sb":
                span = ctx.doc[child.left_edge.i: child.right_edge.i + 1]
                if len(span) > 12:
                    span = ctx.doc[child.i: child.i + 1]
                ent = next((e for e in span.ents if e.label_ in {"PER", "PERSON"}), None)
                kind = "pron" if child.lower_ in NOM_PRONOUNS else ("name" if ent is not None else "np")
                return Mention(span.start_char, span.end_char, kind, ent, definite=span[0].lower_ not in UNNAMED_DETERMINERS)
    return None


def addressee_for_cue(ctx: DocContext, words: list[Word], cue: Cue, lo: int, hi: int, skip: tuple[int, int]) -> Optional[Mention]:
    for k in range(lo, hi):
        if words[k].start >= skip[0] and words[k].end <= skip[1]:
            continue
        if words[k].lower == "zu" and k + 1 < hi:
            m = np_right(ctx, words, k + 1, hi, subject_only=False)
            if m is not None and (m.kind == "name" or is_person_role(ctx.text[m.start:m.end].split()[-1])):
                return m
            if k + 2 < hi and words[k + 1].lower in {"den", "dem", "der"}:
                m = np_right(ctx, words, k + 2, hi, subject_only=False)
                if m is not None and m.kind == "name":
                    return m
    return None


# --------------------------------------------------------------------------- #
# Names
# --------------------------------------------------------------------------- #


def _names_module():
    try:
        import korea_ner.names as names  # noqa: WPS433 (lazy: the module may not exist yet)
    except Exception:  # pragma: no cover - depends on the other module's state
        return None
    return names


def canonical(ctx: DocContext, ent: Span) -> str:
    try:
        if Span.has_extension("canonical"):
            value = ent._.canonical
            if value:
                return str(value)
        names = ctx.names
        if names is not None and hasattr(names, "canonical_name"):
            return str(names.canonical_name(ent))
    except Exception:
        pass
    return ent.text


def resolve_reference(ctx: DocContext, start: int, end: int) -> Optional[Span]:
    names = ctx.names
    if names is None or not hasattr(names, "resolve_reference"):
        return None
    try:
        return names.resolve_reference(ctx.doc, start, end)
    except Exception:
        return None


# --------------------------------------------------------------------------- #
# 4. Is it speech?
# --------------------------------------------------------------------------- #


def looks_like_sentence(content: str) -> bool:
    stripped = content.strip()
    if not stripped:
        return False
    if stripped[-1] in ".!?…" and len(stripped.split()) >= 2:
        return True
    words = re.findall(r"\w+", stripped.lower())
    return len(words) >= 5 and any(w in LOWER_FUNCTION_WORDS for w in words)


def title_like(content: str) -> bool:
    """Every word capitalized (and a few of them): a name or a title."""
    words = re.findall(r"[^\W\d_][\w'’-]*", content)
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


# --------------------------------------------------------------------------- #
# The extraction
# --------------------------------------------------------------------------- #


@dataclass
class _Found:
    raw: RawQuote
    quote: Quote
    mention: Optional[Mention] = None
    speaker_known: bool = False


def extract_quotes(doc: Doc, min_words_without_cue: int = 4) -> list[Quote]:
    """All direct and partial quotes in ``doc`` with cue, speaker and addressee."""
    text = doc.text
    if not text or not any(c in text for c in QUOTE_CHARS):
        return []
    raws = find_quote_spans(text)
    if not raws:
        return []
    ctx = DocContext(doc)
    ctx.set_quotes(raws)
    salient = _salient_subjects(ctx)
    results: list[_Found] = []
    last_speaker: Optional[tuple[int, Speaker]] = None  # (char position, speaker)
    for qi, raw in enumerate(raws):
        content_start, content_end = raw.start, raw.end
        content = text[content_start:content_end]
        if not content.strip():
            continue
        # Windows: the rest of the sentence on either side, stopping at other quotes.
        prev_end = raws[qi - 1].close + 1 if qi > 0 else 0
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

        # Title / name / scare quote filter.
        if (not sentence_quote or (title_like(content) and not ends_sentence)) and in_title_context(left_words, right_words):
            continue
        if not sentence_quote and _is_name(ctx, content_start, content_end, content, left_words) and \
                not _naming_verb_near(left_words, right_words):
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
            else:
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
                    if (colon and not right_words[0].text == ",") or (left_dist < right_dist and c.kind == "verb" and cue.kind != "verb"):
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

        words_in_content = len(re.findall(r"\w+", content))
        subjunctive_ctx = any(w.lower in SUBJUNCTIVE for w in left_words + right_words)
        if cue is None:
            if sentence_quote and (not left_words or left_words[-1].text == ":"):
                pass  # a standalone quoted sentence: speech, speaker by continuation
            elif sentence_quote and words_in_content >= min_words_without_cue and not title_like(content):
                pass
            elif subjunctive_ctx and words_in_content >= 2 and not title_like(content):
                pass  # words quoted inside reported speech
            else:
                continue
        else:
            if words_in_content <= 1 and title_like(content) and cue.lemma not in NAMING_CUES and cue_side == "left" and left_words[-1].text != ":":
                continue  # "sagte, „Sozialismus“ …" is more often a scare quote
            if title_like(content) and words_in_content > 1 and not sentence_quote and cue.lemma not in NAMING_CUES and left_words and left_words[-1].text != ":":
                continue

        kind = "direct"
        lead_ok = not left_words or left_words[-1].text in {":", "(", "–", "-"} or (cue_side == "right" and qi > 0 and left_lo == prev_end and not _has_content_words(left_words))
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
                quote.speaker = _make_speaker(ctx, mention, salient, last_speaker)
                found.speaker_known = True
            if cue.kind == "verb":
                addr = addressee_for_cue(ctx, window, cue, lo, hi, (raw.open, raw.close + 1))
                if addr is not None:
                    quote.addressee = _make_speaker(ctx, addr, salient, last_speaker)
        if quote.speaker is None and cue is None:
            # "Die Firma sieht das anders: „…“", "BKA-Präsident Ziercke: „…“",
            # "Osterloh sieht darin einen „Angriff“": the clause's subject when it is a person or organisation.
            mention = None
            if colon_words:
                mention = colon_frame_source(ctx, colon_words)
            elif left_words:
                mention = clause_initial_np(ctx, left_words, 0, len(left_words))
            if mention is not None and (colon_words or mention.kind in {"pron", "name"} or mention.ent is not None or _is_person_np(ctx, mention)):
                found.mention = mention
                quote.speaker = _make_speaker(ctx, mention, salient, last_speaker)
        if quote.speaker is None and last_speaker is not None and raw.open - last_speaker[0] <= CONTINUATION_CHARS:
            # A following quote with no cue of its own continues the last speaker.
            if cue is None or cue.kind == "verb":
                quote.speaker = last_speaker[1]
        if quote.speaker is None and cue is None and ((sentence_quote and not left_words) or subjunctive_ctx):
            # A quoted sentence of its own after "Der BGH widersprach …", or words quoted in
            # reported speech ("Zwar sei Druck nötig, das habe nichts mit „…“ zu tun"): the last subject.
            quote.speaker = _recent_subject(raw.open, salient)
        if quote.speaker is not None:
            last_speaker = (raw.close, quote.speaker)
        results.append(found)
    _share_speaker_backwards(ctx, results)
    return [f.quote for f in results]


def _share_speaker_backwards(ctx: DocContext, results: list[_Found]) -> None:
    """„A“ hätten „B“ getan, so Murtha: a quote with no cue takes the speaker of
    the next quote in the same sentence."""
    for k in range(len(results) - 2, -1, -1):
        q, nxt = results[k].quote, results[k + 1].quote
        if q.speaker is None and q.cue is None and nxt.speaker is not None and \
                ctx.sentence_end(results[k].raw.close + 1) >= results[k + 1].raw.open:
            q.speaker = nxt.speaker


def colon_frame_source(ctx: DocContext, words: list[Word]) -> Optional[Mention]:
    """Who speaks in a frame with no cue verb that ends in a colon: "Die Firma sieht das
    anders:", "BKA-Präsident Ziercke:", "Diese Frage beantwortete er so:", "In der ARD
    zeigte sich der Bundestrainer zufrieden:"."""
    hi = len(words) - 1
    lo = 0
    for k in range(hi - 1, 0, -1):
        if words[k].text in {".", "!", "?"} and is_capitalized(words[k + 1]):
            lo = k + 1  # a sentence end the splitter missed ("vor 1933. Dabei griff sie …:")
            break
    words = words[lo:]
    hi = len(words) - 1
    m = clause_initial_np(ctx, words, 0, hi)
    if m is not None:
        k = _index_after(words, m.end, 0, hi)
        # Object first, subject after the verb: "Diese Frage beantwortete er so:".
        if m.kind == "np" and m.ent is None and not _is_person_np(ctx, m) and k + 1 < hi \
                and words[k].text.islower() and words[k + 1].lower in NOM_PRONOUNS:
            return Mention(words[k + 1].start, words[k + 1].end, "pron")
        if m.kind in {"pron", "name"} or m.ent is not None or _is_person_np(ctx, m):
            return m
        if ctx.text[m.start:m.end].split()[0].lower() in NOM_DETERMINERS - {"das"}:
            return m  # "Die Firma", "Die staatliche Nachrichtenagentur"
    for m in (np_left(ctx, words, hi, 0), _first_np(ctx, words, 0, hi)):
        if m is not None and (m.kind in {"pron", "name"} or m.ent is not None or _is_person_np(ctx, m)):
            return m
    return None


def _is_name(ctx: DocContext, start: int, end: int, content: str, left_words: list[Word]) -> bool:
    """An entity in quotation marks, or a capitalized title right after an article."""
    ent = ctx.ent_at(start, end)
    if ent is not None and ent.start_char <= start + 1 and ent.end_char >= end - 1:
        return True
    if title_like(content) and left_words and (left_words[-1].lower in DETERMINERS or left_words[-1].lower in PREPOSITIONS or left_words[-1].text == "("):
        return True
    return False


def _naming_verb_near(left_words: list[Word], right_words: list[Word]) -> bool:
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


def _has_content_words(words: list[Word]) -> bool:
    return any(w.text[:1].isalpha() and w.lower not in CUE_FORMS and w.lower not in NOM_PRONOUNS for w in words)


def _make_speaker(ctx: DocContext, m: Mention, salient: list[tuple[int, Speaker]], last: Optional[tuple[int, Speaker]]) -> Speaker:
    text = ctx.text
    mention = text[m.start:m.end]
    if m.kind == "pron":
        # The pronoun stays the mention; it takes its antecedent's name (None for an unnamed source).
        antecedent = _same_sentence_person(ctx, m.start) or _antecedent(m.start, salient, last)
        return Speaker(antecedent.name if antecedent is not None else None, mention, m.start, m.end)
    ent = m.ent
    if ent is None:
        ent = ctx.ent_at(m.start, m.end)
        if ent is not None and ent.label_ not in {"PER", "PERSON"}:
            ent = None
    if ent is not None and ent.label_ in {"PER", "PERSON"}:
        return Speaker(canonical(ctx, ent), mention, m.start, m.end)
    if m.definite:
        ref = resolve_reference(ctx, m.start, m.end)
        if ref is not None:
            return Speaker(canonical(ctx, ref), mention, m.start, m.end)
        # A definite role noun with no resolution ("so der Chefdiplomat des Kreml"):
        # the person most recently in subject position, when there is one and it is named.
        if mention.split()[0].lower() in {"der", "die"} and _is_person_np(ctx, m):
            antecedent = _antecedent(m.start, salient, last)
            if antecedent is not None and antecedent.name is not None and m.start - antecedent.start <= CONTINUATION_CHARS * 2:
                return Speaker(antecedent.name, mention, m.start, m.end)
    return Speaker(None, mention, m.start, m.end)


def _same_sentence_person(ctx: DocContext, pos: int) -> Optional[Speaker]:
    """The last person named earlier in the pronoun's own sentence (outside quotes is not checked)."""
    lo = ctx.sentence_start(pos)
    k = bisect.bisect_left(ctx.ent_starts, pos) - 1
    while k >= 0 and ctx.ents[k].start_char >= lo:
        e = ctx.ents[k]
        if e.label_ in {"PER", "PERSON"} and e.end_char <= pos and not ctx.in_quote(e.start_char):
            return Speaker(canonical(ctx, e), e.text, e.start_char, e.end_char)
        k -= 1
    return None


def _recent_subject(pos: int, salient: list[tuple[int, Speaker]]) -> Optional[Speaker]:
    """The subject of a sentence shortly before ``pos`` (the previous sentence or so)."""
    k = bisect.bisect_left(salient, pos, key=lambda x: x[0]) - 1
    if k >= 0 and pos - salient[k][0] <= RECENT_SUBJECT_CHARS:
        return salient[k][1]
    return None


def _antecedent(pos: int, salient: list[tuple[int, Speaker]], last: Optional[tuple[int, Speaker]]) -> Optional[Speaker]:
    k = bisect.bisect_left(salient, pos, key=lambda x: x[0]) - 1
    best = salient[k] if k >= 0 else None
    if last is not None and (best is None or last[0] >= best[0]):
        return last[1]
    return best[1] if best is not None else None


def _salient_subjects(ctx: DocContext) -> list[tuple[int, Speaker]]:
    """Sentence-initial person names and person role nouns: what "er"/"sie" may refer to."""
    out: list[tuple[int, Speaker]] = []
    text = ctx.text
    # "…, sagte Lawrow": the subject of any cue verb, quote or not.
    for e in ctx.ents:
        if e.label_ not in {"PER", "PERSON"}:
            continue
        m = re.search(r"(\w+)\W{0,2}$", text[max(0, e.start_char - 30):e.start_char])
        if m and m.group(1).lower() in CUE_FORMS and not ctx.in_quote(e.start_char):
            out.append((e.start_char, Speaker(canonical(ctx, e), e.text, e.start_char, e.end_char)))
    starts = [0] + ctx.sent_ends
    for s in starts:
        if ctx.in_quote(s):
            continue
        e = ctx.sentence_end(s)
        ws = words_between(text, s, min(e, s + 120))
        if not ws:
            continue
        m = np_right(ctx, ws, 0, min(len(ws), 10))
        if m is None or m.kind == "pron":
            continue
        mention = text[m.start:m.end]
        if m.kind == "name" and m.ent is not None:
            out.append((m.start, Speaker(canonical(ctx, m.ent), mention, m.start, m.end)))
        elif is_person_role(mention.split()[-1]):
            ref = resolve_reference(ctx, m.start, m.end) if m.definite else None
            out.append((m.start, Speaker(canonical(ctx, ref) if ref is not None else None, mention, m.start, m.end)))
    out.sort(key=lambda x: x[0])
    return out


# --------------------------------------------------------------------------- #
# spaCy component
# --------------------------------------------------------------------------- #

if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", default=None)


@Language.factory("kner_quotes", default_config={"min_words_without_cue": 4})
def make_quote_finder(nlp: Language, name: str, min_words_without_cue: int) -> "QuoteFinder":
    return QuoteFinder(nlp, name, min_words_without_cue=min_words_without_cue)


class QuoteFinder:
    """Sets ``doc._.quotes`` to the list of :class:`Quote` found in the doc."""

    def __init__(self, nlp: Optional[Language] = None, name: str = "kner_quotes", *, min_words_without_cue: int = 4) -> None:
        self.name = name
        self.cfg: dict[str, Any] = {"min_words_without_cue": int(min_words_without_cue)}

    def __call__(self, doc: Doc) -> Doc:
        doc._.quotes = extract_quotes(doc, **self.cfg)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self.cfg).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "QuoteFinder":
        self.cfg.update(json.loads(data.decode("utf8")))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps(self.cfg, indent=2), encoding="utf8")

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "QuoteFinder":
        path = ensure_path(path)
        cfg_path = path / "cfg.json"
        if cfg_path.exists():
            self.cfg.update(json.loads(cfg_path.read_text(encoding="utf8")))
        return self
