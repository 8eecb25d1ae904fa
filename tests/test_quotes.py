"""kner_quotes: quote detection, cues, speakers.  Own sentences; entities set by hand
on a blank German pipeline (no parser, no tagger, no trained NER)."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pytest
import spacy

import korea_ner.quotes as Q
from korea_ner.quotes import Quote, Speaker, find_quote_spans

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NAME_RE = re.compile(r"\b(?:[A-ZÄÖÜ][a-zäöüß]+(?:[- ](?:[A-ZÄÖÜ][a-zäöüß]+|Un|Jong-un))*)")


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("kner_quotes")
    return nlp


def run(nlp, text: str, persons: tuple[str, ...] = (), orgs: tuple[str, ...] = ()):
    """Process text with the given names marked as PER/ORG entities (every occurrence)."""
    doc = nlp.make_doc(text)
    spans = []
    for label, names in (("PER", persons), ("ORG", orgs)):
        for name in names:
            for m in re.finditer(re.escape(name), text):
                span = doc.char_span(m.start(), m.end(), label=label, alignment_mode="expand")
                if span is not None and not any(s.start < span.end and span.start < s.end for s in spans):
                    spans.append(span)
    doc.ents = sorted(spans, key=lambda s: s.start)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def check_offsets(doc) -> None:
    for q in doc._.quotes:
        assert doc.text[q.start:q.end] == q.text
        for who in (q.speaker, q.addressee):
            if who is not None:
                assert doc.text[who.start:who.end] == who.mention


def only(doc) -> Quote:
    check_offsets(doc)
    assert len(doc._.quotes) == 1, doc._.quotes
    return doc._.quotes[0]


# --------------------------------------------------------------------------- #
# Quote marks
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "text, inner",
    [
        ("Sie sagte: „Wir bleiben hier.“", "Wir bleiben hier."),
        ("Sie sagte: “Wir bleiben hier.”", "Wir bleiben hier."),
        ("Sie sagte: »Wir bleiben hier.«", "Wir bleiben hier."),
        ("Sie sagte: «Wir bleiben hier.»", "Wir bleiben hier."),
        ('Sie sagte: "Wir bleiben hier."', "Wir bleiben hier."),
        ("Sie sagte: „Er rief ‚Hilfe‘ und lief.“", "Er rief ‚Hilfe‘ und lief."),
        ("Sie sagte: „Das ist Peters Haus, nicht Ingas.“", "Das ist Peters Haus, nicht Ingas."),
        ("Sie sagte: „Wir haben’s geschafft.“", "Wir haben’s geschafft."),
    ],
)
def test_pairs_by_style(text, inner):
    spans = find_quote_spans(text)
    assert [text[q.start:q.end] for q in spans] == [inner]


def test_apostrophes_are_not_quotes():
    text = "Rock ’n’ Roll und Kim's Laden, das war’s."
    assert find_quote_spans(text) == []


def test_mixed_styles_do_not_cross():
    text = "Er schrieb „Wir sagen \"nein\" dazu“ und ging."
    spans = find_quote_spans(text)
    assert [text[q.start:q.end] for q in spans] == ['Wir sagen "nein" dazu']


def test_multi_paragraph_quote_reopened():
    text = "Sie erklärte: „Der erste Absatz endet hier.\n\n„Der zweite Absatz geht weiter.“"
    spans = find_quote_spans(text)
    assert [text[q.start:q.end] for q in spans] == ["Der erste Absatz endet hier.", "Der zweite Absatz geht weiter."]


def test_unclosed_quote_is_dropped_at_paragraph_end():
    text = "Sie sagte: „Das endet nie\n\nNeuer Absatz ohne Zitat."
    assert find_quote_spans(text) == []


# --------------------------------------------------------------------------- #
# Attribution patterns
# --------------------------------------------------------------------------- #


def test_quote_then_cue_and_name(nlp):
    doc = run(nlp, "„Wir werden die Brücke bis zum Sommer fertig bauen“, sagte Bauministerin Klara Fink am Montag.",
              persons=("Klara Fink",))
    q = only(doc)
    assert q.kind == "direct" and q.cue == "sagen"
    assert q.speaker.name == "Klara Fink"
    assert "Klara Fink" in q.speaker.mention


def test_cue_verb_known_only_by_its_lemma():
    # a doc without lemma annotation (the bundled pipeline skips the lemmatizer):
    # the cue is found through the lemma look-up the component is given
    doc = spacy.blank("de")("„Wir bleiben hart“, plapperte der Minister am Montag.")
    assert Q.extract_quotes(doc) == []
    found = Q.extract_quotes(doc, lemma_lookup={"plapperte": "sagen"}.get)
    assert [(q.text, q.cue, q.speaker.mention) for q in found] == [("Wir bleiben hart", "sagen", "der Minister")]


def test_speaker_then_colon(nlp):
    doc = run(nlp, "Bürgermeister Otto Brenner sagte: „Die Straße bleibt gesperrt.“", persons=("Otto Brenner",))
    q = only(doc)
    assert q.kind == "direct" and q.cue == "sagen" and q.speaker.name == "Otto Brenner"


def test_fronted_adverbial_and_inverted_subject(nlp):
    doc = run(nlp, "Mit Blick auf den Streik erklärte Otto Brenner am Abend: „Wir reden weiter.“", persons=("Otto Brenner",))
    q = only(doc)
    assert q.cue == "erklären" and q.speaker.name == "Otto Brenner"


def test_so_cue(nlp):
    doc = run(nlp, "Die Gemeinde Talheim plant eine neue Schule. „Das ist nicht auf einmal zu schaffen“, so Otto Brenner.",
              persons=("Otto Brenner",))
    q = only(doc)
    assert q.cue == "so" and q.speaker.name == "Otto Brenner"


def test_separable_cue(nlp):
    doc = run(nlp, "Otto Brenner lobte den Plan und fügte hinzu: „Wir beginnen im Mai.“", persons=("Otto Brenner",))
    q = only(doc)
    assert q.cue == "hinzufügen" and q.speaker.name == "Otto Brenner"


def test_und_clause_after_a_quote_introduces_the_next_one(nlp):
    text = ("Die Forscherin Klara Fink erklärt den Versuch so: „Das Eis ist außen sauber“, "
            "und fügt hinzu: „Innen ist es schmutzig.“")
    doc = run(nlp, text, persons=("Klara Fink",))
    check_offsets(doc)
    assert [(q.cue, q.speaker.name) for q in doc._.quotes] == [("erklären", "Klara Fink"), ("hinzufügen", "Klara Fink")]
    # without the colon the clause after "und" is still reported speech of the quote's cue
    doc = run(nlp, "„Das Eis ist sauber“ und bleibe es lange, sagte Klara Fink.", persons=("Klara Fink",))
    assert [(q.cue, q.speaker.name) for q in doc._.quotes] == [("sagen", "Klara Fink")]


def test_person_opening_a_sentence_between_quotes_takes_over(nlp):
    text = ("„Wir bauen die Brücke“, sagte Klara Fink. Otto Brenner widersprach am Abend. "
            "„Dafür fehlt jedes Geld.“")
    doc = run(nlp, text, persons=("Klara Fink", "Otto Brenner"))
    check_offsets(doc)
    assert [q.speaker.name for q in doc._.quotes] == ["Klara Fink", "Otto Brenner"]
    # with no new subject in between, a cue-less quote continues the last speaker
    text = "„Wir bauen die Brücke“, sagte Klara Fink. Die Pläne lägen bereit. „Im Mai geht es los.“"
    doc = run(nlp, text, persons=("Klara Fink",))
    assert [q.speaker.name for q in doc._.quotes] == ["Klara Fink", "Klara Fink"]


@pytest.mark.parametrize("text, cue", [
    ("„Das halte ich für falsch“, bezweifelte der Gutachter am Mittwoch.", "bezweifeln"),
    ("Die Ministerin machte am Abend klar: „Es bleibt bei der Reform.“", "klarmachen"),
    ("„Das ist ein Skandal“, prangerte die Gewerkschaft am Freitag an.", "anprangern"),
    ("Der Trainer stellte heraus: „Wir waren die bessere Mannschaft.“", "herausstellen"),
])
def test_more_cue_verbs(nlp, text, cue):
    q = only(run(nlp, text))
    assert q.cue == cue and q.speaker is not None


def test_number_full_stop_ends_a_sentence_only_before_a_sentence_opener():
    from korea_ner.quotes.context import sentence_ends

    text = "Am 3. Oktober kam er. Das Team spielt in der 2. Liga. Sie kaufte das Modell 3. Ein Händler lachte."
    assert [text[:end].rsplit(" ", 1)[-1] for end in sentence_ends(text)] == ["er.", "Liga.", "3.", "lachte."]


def test_colon_cue_beats_a_following_impersonal_cue(nlp):
    q = only(run(nlp, "Die Sprecherin schrieb: „Wir prüfen den Fall genau“, weiter hieß es, man wolle abwarten."))
    assert q.cue == "schreiben" and q.speaker.mention == "Die Sprecherin"


def test_gab_bekannt_is_bekanntgeben_not_bekennen(nlp):
    # "bekannt" belongs to "gab … bekannt"; on its own it is no cue ("Wie bekannt wurde")
    q = only(run(nlp, "Die Bäckerei Kranz gab am Montag bekannt: „Wir schließen im Sommer.“", orgs=("Bäckerei Kranz",)))
    assert q.cue == "bekanntgeben" and q.speaker.mention == "Die Bäckerei Kranz"
    q = only(run(nlp, "„Ich habe das Geld genommen“, bekannte der Angeklagte vor Gericht."))
    assert q.cue == "bekennen"


def test_reflexive_cue(nlp):
    doc = run(nlp, "„Ich bin sehr zufrieden mit dem Ergebnis“, äußerte sich Klara Fink nach der Wahl.", persons=("Klara Fink",))
    q = only(doc)
    assert q.cue == "äußern" and q.speaker.name == "Klara Fink"


def test_tweet_cue(nlp):
    doc = run(nlp, "„Tolles Treffen heute in Bonn“, twitterte Klara Fink am Abend.", persons=("Klara Fink",))
    q = only(doc)
    assert q.cue == "twittern" and q.speaker.name == "Klara Fink"


def test_laut_cue(nlp):
    doc = run(nlp, "Laut Klara Fink ist der Haushalt „auf Kante genäht“.", persons=("Klara Fink",))
    q = only(doc)
    assert q.cue == "laut" and q.kind == "partial" and q.speaker.name == "Klara Fink"


def test_zufolge_cue(nlp):
    doc = run(nlp, "Klara Fink zufolge ist der Haushalt „auf Kante genäht“.", persons=("Klara Fink",))
    q = only(doc)
    assert q.cue == "zufolge" and q.speaker.name == "Klara Fink"


def test_wie_mitteilte(nlp):
    doc = run(nlp, "Der Vertrag sei „unterschriftsreif und fair“, wie Klara Fink am Dienstag mitteilte.", persons=("Klara Fink",))
    q = only(doc)
    assert q.cue == "mitteilen" and q.speaker.name == "Klara Fink"


def test_partial_quote_before_cue(nlp):
    doc = run(nlp, "Man dürfe nicht „alles auf einmal und sofort“ verlangen, sagte Otto Brenner.", persons=("Otto Brenner",))
    q = only(doc)
    assert q.kind == "partial" and q.speaker.name == "Otto Brenner"


def test_nennen_with_quote(nlp):
    doc = run(nlp, "Otto Brenner nannte den Vorschlag „völlig unausgegoren“.", persons=("Otto Brenner",))
    q = only(doc)
    assert q.kind == "partial" and q.speaker.name == "Otto Brenner"


def test_pronoun_resolves_to_previous_speaker(nlp):
    text = ("„Die Gespräche waren gut“, sagte Klara Fink. Danach fuhr sie nach Hause. "
            "„Wir sehen uns im Herbst wieder“, sagte sie.")
    doc = run(nlp, text, persons=("Klara Fink",))
    check_offsets(doc)
    assert [q.speaker.name for q in doc._.quotes] == ["Klara Fink", "Klara Fink"]
    assert doc._.quotes[1].speaker.mention == "sie"


def test_pronoun_resolves_to_sentence_initial_person(nlp):
    text = ("„Kommen Sie vorbei“, sagte Klara Fink. Otto Brenner lobte die Einladung ausdrücklich. "
            "„Ich freue mich sehr darauf“, sagte er.")
    doc = run(nlp, text, persons=("Klara Fink", "Otto Brenner"))
    assert [q.speaker.name for q in doc._.quotes] == ["Klara Fink", "Otto Brenner"]


def test_following_quote_without_cue_continues_speaker(nlp):
    text = "„Das Essen war gut“, sagte Otto Brenner. „Es gab Fisch und Kartoffeln.“"
    doc = run(nlp, text, persons=("Otto Brenner",))
    check_offsets(doc)
    assert [q.speaker.name for q in doc._.quotes] == ["Otto Brenner", "Otto Brenner"]


def test_split_quote_two_entries_same_speaker(nlp):
    text = "„Wir sind bereit“, sagte Otto Brenner, „aber nicht um jeden Preis.“"
    doc = run(nlp, text, persons=("Otto Brenner",))
    check_offsets(doc)
    assert len(doc._.quotes) == 2
    assert {q.speaker.name for q in doc._.quotes} == {"Otto Brenner"}


def test_quote_first_speaker_in_next_sentence(nlp):
    text = "„Wir geben nicht auf.“ Das sagte Otto Brenner am Montag in Köln."
    q = only(run(nlp, text, persons=("Otto Brenner",)))
    assert q.speaker.name == "Otto Brenner"


def test_unnamed_source_keeps_mention(nlp):
    text = ("Ein ranghoher Regierungsbeamter sagte, die Lage sei ernst. "
            "„Wir müssen schnell handeln“, sagte der Beamte.")
    q = only(run(nlp, text))
    assert q.speaker.name is None and q.speaker.mention == "der Beamte"


def test_pronoun_after_unnamed_source_stays_unnamed(nlp):
    text = "Ein hoher Regierungsbeamter stellte Hilfe in Aussicht. „Wir stehen bereit“, sagte er."
    q = only(run(nlp, text))
    assert q.speaker is not None and q.speaker.name is None


def test_addressee(nlp):
    text = "„Kommen Sie bald wieder“, sagte Klara Fink zu Otto Brenner."
    q = only(run(nlp, text, persons=("Klara Fink", "Otto Brenner")))
    assert q.speaker.name == "Klara Fink"
    assert q.addressee is not None and q.addressee.name == "Otto Brenner"


def test_quote_in_parentheses(nlp):
    text = "Die Ministerin Klara Fink („Das ist ein guter Tag für alle.“) unterschrieb den Vertrag."
    doc = run(nlp, text, persons=("Klara Fink",))
    check_offsets(doc)
    assert [q.text for q in doc._.quotes] == ["Das ist ein guter Tag für alle."]


def test_ascii_quotes_without_comma(nlp):
    text = '"Gutes Treffen heute in Bonn" schrieb Klara Fink auf Twitter.'
    q = only(run(nlp, text, persons=("Klara Fink",)))
    assert q.cue == "schreiben" and q.speaker.name == "Klara Fink"


# --------------------------------------------------------------------------- #
# Not speech
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "text",
    [
        "Sie wurde bekannt durch die Fernsehserie „Sommer am Fluss“, sagte ein Sprecher.",
        "Der Film „Die lange Nacht der Wölfe“ läuft ab Donnerstag.",
        "Sie ist die Chefin der „Grünen Liga“ in Erfurt.",
        "Das Schiff „Nordstern“ lief am Morgen aus.",
        "Die Demonstranten zogen unter dem Motto „Freiheit statt Angst“ durch die Stadt.",
        "Er gilt als „Oberster Richter“ der Bewegung.",
        "Die sogenannte „Schuldenbremse“ greift ab 2026.",
        "Der Bürgermeister, im Ort nur „Ede“ genannt, eröffnete das Fest.",
    ],
)
def test_titles_names_scare_quotes_are_not_quotes(nlp, text):
    doc = run(nlp, text)
    assert doc._.quotes == [], [q.text for q in doc._.quotes]


# --------------------------------------------------------------------------- #
# Robustness
# --------------------------------------------------------------------------- #


def test_empty_and_no_quotes(nlp):
    assert run(nlp, "")._.quotes == []
    assert run(nlp, "Kein Zitat hier.")._.quotes == []


def test_unclosed_quote(nlp):
    doc = run(nlp, "Er sagte: „Das wird nie enden und geht immer weiter")
    check_offsets(doc)


def test_many_quote_marks_fast(nlp):
    # Built from words: spaCy's own tokenizer is slow on 10,000 *adjacent* quote
    # marks (prefix splitting), which is not this component's doing.
    from spacy.tokens import Doc

    finder = nlp.get_pipe("kner_quotes")
    for words in (["„"] * 10_000, ['"'] * 10_000, ["„", "a", "“"] * 5_000, ["»"] * 5_000 + ["«"] * 5_000,
                  ["„", "x"] * 3_000 + ["“"], ["„", "Er", "sagte", "“", ",", "sagte", "er", "."] * 2_000):
        doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
        started = time.perf_counter()
        doc = finder(doc)
        check_offsets(doc)
        assert time.perf_counter() - started < 5.0


def test_many_spaced_quote_marks_through_pipeline(nlp):
    for text in ("„ " * 10_000, '" ' * 10_000, "„a“ " * 5_000, "Er sagte: „Das geht nie zu Ende " * 2_000):
        started = time.perf_counter()
        check_offsets(run(nlp, text))
        assert time.perf_counter() - started < 10.0


def test_dataclasses_are_plain():
    q = Quote("x", 0, 1, "direct", "sagen", Speaker("A B", "A B", 2, 5))
    assert dataclasses.asdict(q)["speaker"]["name"] == "A B"
    assert dataclasses.asdict(q)["addressee"] is None


def test_component_serialisation(tmp_path, nlp):
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    assert "kner_quotes" in nlp2.pipe_names
    assert nlp2.get_pipe("kner_quotes").cfg == nlp.get_pipe("kner_quotes").cfg


def test_cue_forms_table():
    assert Q.CUE_FORMS["sagte"] == "sagen"
    assert Q.CUE_FORMS["hinzugefügt"] == "hinzufügen"
    assert Q.CUE_FORMS["mitteilte"] == "mitteilen"
    assert ("hinzu", "hinzufügen") in Q.SEPARABLE_FORMS["fügte"]
    assert Q.CUE_FORMS["erklärt"] == "erklären"


# --------------------------------------------------------------------------- #
# Seeds (entities marked by hand: the persons the articles name)
# --------------------------------------------------------------------------- #

SEED_PERSONS = (
    "Mike Pompeo", "Pompeo", "Kim Yong-chol", "Kim Yong Chol", "Kim Jong-un", "Kim Jong Un", "Sergej Lawrow",
    "Lawrow", "Donald Trump", "Trump", "Wladimir Putin", "Putin", "Andrew Kim", "Ri Yong-ho", "Ri Yong Ho",
    "Kim Kardashian West", "Kim Kardashian", "Kardashian", "Kim",
)


def seed_quotes(nlp, name: str):
    path = next(SEEDS.glob(name + "*.txt"))
    doc = run(nlp, path.read_text(encoding="utf8"), persons=SEED_PERSONS)
    check_offsets(doc)
    return {q.text: q for q in doc._.quotes}


def speaker_is(q: Quote, *names: str) -> bool:
    return q.speaker is not None and (q.speaker.name in names or q.speaker.mention in names)


def test_seed_000(nlp):
    quotes = seed_quotes(nlp, "000")
    q = quotes["Es war großartig"]
    assert q.speaker.mention == "der US-Außenminister"
    gut = next(q for t, q in quotes.items() if t.startswith("Gutes Arbeitsessen"))
    assert gut.cue == "schreiben" and gut.speaker.mention == "er"
    anon = next(q for t, q in quotes.items() if t.startswith("Falls der Gipfel"))
    assert anon.speaker.name is None and anon.speaker.mention == "der US-Vertreter"
    last = next(q for t, q in quotes.items() if t.startswith("Wir müssen sie überzeugen"))
    assert last.speaker.name is None
    assert speaker_is(next(q for t, q in quotes.items() if t.startswith("Kommen Sie")), "Lawrow", "Sergej Lawrow")
    kim = next(q for t, q in quotes.items() if t.startswith("Ich schätze es sehr"))
    assert kim.speaker.mention == "Kim"
    assert "offener Feindseligkeit" not in quotes
    assert "wunderbaren Freund" not in quotes or quotes["wunderbaren Freund"].kind == "partial"


def test_seed_001(nlp):
    quotes = seed_quotes(nlp, "001")
    assert quotes["bis morgen alles und sofort"].kind == "partial"
    assert speaker_is(quotes["bis morgen alles und sofort"], "Lawrow", "Sergej Lawrow")
    q = quotes["Das ist nicht auf einmal zu schaffen"]
    assert q.cue == "so" and q.speaker.mention == "der Chefdiplomat des Kreml"
    assert "Meet up with the Kardashians" not in quotes
    assert "Obersten Führer" not in quotes
    hinzu = next(q for t, q in quotes.items() if t.startswith("Wir müssen sie überzeugen"))
    assert hinzu.cue == "hinzufügen" and hinzu.speaker.name is None


def test_seed_002(nlp):
    quotes = seed_quotes(nlp, "002")
    assert speaker_is(quotes["Es war großartig"], "Pompeo", "Mike Pompeo")
    tw = next(q for t, q in quotes.items() if t.startswith("Gutes Arbeitsessen"))
    assert tw.cue == "twittern"
    lw = next(q for t, q in quotes.items() if t.startswith("Vielleicht sind solche Methoden"))
    assert lw.speaker.name in {"Lawrow", "Sergej Lawrow"}


def test_seed_003(nlp):
    quotes = seed_quotes(nlp, "003")
    q = next(q for t, q in quotes.items() if t.startswith("Kommen Sie"))
    assert speaker_is(q, "Lawrow", "Sergej Lawrow")
    assert q.addressee is not None and q.addressee.mention == "Kim"
    ich = next(q for t, q in quotes.items() if t.startswith("Ich schätze es sehr"))
    assert ich.speaker.mention == "er" and ich.speaker.name is not None and ich.speaker.name.startswith("Kim")


def test_seed_004(nlp):
    quotes = seed_quotes(nlp, "004")
    q = next(q for t, q in quotes.items() if t.startswith("Der russische Präsident schätzt"))
    assert speaker_is(q, "Lawrow", "Sergej Lawrow")


# --------------------------------------------------------------------------- #
# Evaluation: the speaker rule
# --------------------------------------------------------------------------- #


def test_eval_speaker_names_same_person():
    from korea_ner.evaluate.quotes import speaker_right

    class P:  # a predicted quote
        def __init__(self, speaker):
            self.speaker = speaker

    gold = {"speaker": [[100, 103]], "speaker_texts": ["Kim"]}
    pronoun = Speaker("Kim Jong Un", "er", 10, 12)
    assert speaker_right(P(pronoun), gold)  # the antecedent names the gold speaker
    assert speaker_right(P(pronoun), {"speaker": [[100, 130]], "speaker_texts": ["Nordkoreas Machthaber Kim Jong Un"]})
    assert speaker_right(P(Speaker("Jennifer Lopez", "sie", 0, 3)), {"speaker": [[50, 60]], "speaker_texts": ["die in New York geborene Lopez"]})
    assert not speaker_right(P(pronoun), {"speaker": [[100, 130]], "speaker_texts": ["UN-Generalsekretär Ban Ki-moon"]})
    assert not speaker_right(P(Speaker(None, "er", 10, 12)), gold)  # unresolved, elsewhere
    assert speaker_right(P(Speaker(None, "er", 100, 102)), gold)  # overlaps the gold span
    assert speaker_right(P(None), {"speaker": [], "speaker_texts": [""]})
    assert not speaker_right(P(None), gold)


# --------------------------------------------------------------------------- #
# Speaker rules without entities or a parser
# --------------------------------------------------------------------------- #


def test_speaker_document_after_heisst_es(nlp):
    q = only(run(nlp, "Der Verein legte einen Plan vor. In dem Papier heißt es wörtlich: „Wir bauen bis Mai eine neue Halle.“"))
    assert q.speaker is not None and q.speaker.mention == "dem Papier"
    q = only(run(nlp, "„Wir bauen bis Mai eine neue Halle“, heißt es in einer gestern verschickten Mitteilung."))
    assert q.speaker is not None and q.speaker.mention.endswith("Mitteilung")


def test_speaker_not_the_named_object(nlp):
    q = only(run(nlp, "Die Firma bestritt den Bericht und nannte ihn „reine Erfindung“.", orgs=("Die Firma",)))
    assert q.speaker is not None and q.speaker.mention == "Die Firma"


def test_speaker_lone_surname_and_numeric_noun(nlp):
    q = only(run(nlp, "Brandolini kritisierte die Entscheidung des Rates als „völlig überstürzt“."))
    assert q.speaker is not None and q.speaker.mention == "Brandolini"
    q = only(run(nlp, "Der 61-Jährige gab bekannt: „Ich höre zum Jahresende auf.“"))
    assert q.speaker is not None and q.speaker.mention == "Der 61-Jährige"


def test_speaker_shared_with_next_quote_in_sentence(nlp):
    doc = run(nlp, "Die „müden Spieler“ hätten „einfach keine Kraft mehr“ gehabt, so Trainer Obermaier.", persons=("Obermaier",))
    check_offsets(doc)
    assert len(doc._.quotes) == 2
    assert all(q.speaker is not None and q.speaker.name == "Obermaier" for q in doc._.quotes)


def test_with_the_words_frame(nlp):
    q = only(run(nlp, "Der Sprecher der Stadtwerke versuchte mit den Worten zu beruhigen: „Das Netz ist stabil“."))
    assert q.speaker is not None and q.speaker.mention == "Der Sprecher der Stadtwerke"
    q = only(run(nlp, "„Guten Morgen, da bin ich wieder“, mit diesen Worten meldete er sich zurück."))
    assert q.cue == "melden" and q.speaker.mention == "er"


def test_evaluative_verb_with_als(nlp):
    q = only(run(nlp, "Der Geschäftsführer wies alle Vorwürfe als „haltlos“ zurück."))
    assert q.cue == "zurückweisen" and q.speaker.mention == "Der Geschäftsführer"


def test_reported_speech_takes_recent_subject(nlp):
    text = ("Ministerin Hanna Gerlach sprach sich gegen neue Zölle aus. Zwar sei Druck nötig, "
            "das habe aber nichts mit „Strafen oder Drohungen“ zu tun.")
    q = only(run(nlp, text, persons=("Hanna Gerlach",)))
    assert q.speaker is not None and q.speaker.name == "Hanna Gerlach"


def test_colon_frame_object_first_person_after_verb(nlp):
    # The fronted noun phrase is the object; the person after the verb speaks.
    q = only(run(nlp, "Die Auslegung der Regel stellte der Parteivorsitzende Max Muster in Frage: „Das geht so nicht.“",
                 persons=("Max Muster",)))
    assert q.speaker is not None and q.speaker.mention.endswith("Max Muster")
    q = only(run(nlp, "Das Angebot der Nachbarn lehnt er jedoch ab: „Wir brauchen keine Hilfe.“"))
    assert q.speaker is not None and q.speaker.mention == "er"


def test_capitalised_nouns_framed_as_speech_are_quotes_not_titles(nlp):
    doc = run(nlp, "Die Ministerin sprach mit Journalisten über „Windkraft und Netzausbau“, wie sie später mitteilte.", persons=())
    assert [q.text for q in doc._.quotes] == ["Windkraft und Netzausbau"]
    doc = run(
        nlp,
        "Per Brief teilte Reker mit, es sei ein „gutes“ Gespräch gewesen mit „Kaffee, Kuchen und Plänen“.",
        persons=("Reker",),
    )
    assert [(q.text, q.speaker.name) for q in doc._.quotes] == [("gutes", "Reker"), ("Kaffee, Kuchen und Plänen", "Reker")]
    check_offsets(doc)


def test_a_title_after_a_preposition_stays_a_title(nlp):
    doc = run(nlp, "Der Abend endete mit „Krieg und Frieden“ im Stadttheater.", persons=())
    assert doc._.quotes == []


def test_speaker_in_apposition_before_the_verb(nlp):
    # The comma before the verb closes "Name (Partei)", which names the noun phrase before it.
    text = ("Bürgermeister Frank Ebel lehnte den Antrag ab, die umweltpolitische Sprecherin der Fraktion, "
            "Lena Sommer (FDP), erklärte: „Wir bleiben bei unserem Nein.“")
    q = only(run(nlp, text, persons=("Frank Ebel", "Lena Sommer")))
    assert q.speaker is not None and q.speaker.name == "Lena Sommer"
    assert q.speaker.mention == "die umweltpolitische Sprecherin der Fraktion, Lena Sommer"


def test_fronted_person_is_subject_not_the_name_after_the_verb(nlp):
    q = only(run(nlp, "Vereinschef Otto Brandt lobte Torwart Jens Kuhl in einer Mitteilung am Sonntag als „unseren Rückhalt“.",
                 persons=("Otto Brandt", "Jens Kuhl")))
    assert q.speaker is not None and q.speaker.name == "Otto Brandt"
    # A fronted object (accusative article) leaves the subject after the verb.
    q = only(run(nlp, "Den Vorschlag lobte Jens Kuhl als „längst überfällig“.", persons=("Jens Kuhl",)))
    assert q.speaker is not None and q.speaker.name == "Jens Kuhl"


def test_main_clause_before_dass_frames_the_quote(nlp):
    # No cue verb in "vertritt die Auffassung": the main clause's subject speaks, as before a colon.
    q = only(run(nlp, "Der Mieterbund vertritt die Auffassung, dass die Reform „völlig an der Wirklichkeit vorbei“ gehe."))
    assert q.speaker is not None and q.speaker.mention == "Der Mieterbund"
    q = only(run(nlp, "Seit Jahren vertritt sie die These, dass Lärm auf Dauer „krank machen“ könne."))
    assert q.speaker is not None and q.speaker.mention == "sie"


def test_standalone_quote_after_an_organisation_subject(nlp):
    text = ("Die Stadtwerke Lindau wiesen den Bericht am Freitag zurück. "
            "„Wir haben die Preise seit zwei Jahren nicht erhöht und werden das auch nicht tun.“")
    q = only(run(nlp, text, orgs=("Stadtwerke Lindau",)))
    assert q.speaker is not None and q.speaker.mention == "Die Stadtwerke Lindau" and q.speaker.name is None
    # A person named later is the more recent subject.
    text = ("Die Stadtwerke Lindau wiesen den Bericht zurück. Geschäftsführerin Jana Roth wurde deutlicher. "
            "„Wir haben die Preise seit zwei Jahren nicht erhöht und werden das auch nicht tun.“")
    q = only(run(nlp, text, persons=("Jana Roth",), orgs=("Stadtwerke Lindau",)))
    assert q.speaker is not None and q.speaker.name == "Jana Roth"
    # Only the sentence right before counts: in between, an organisation that does not
    # open its sentence ("widersprach der Mieterverein") may be the one speaking.
    text = ("Die Stadtwerke Lindau wiesen den Bericht zurück. Wie am Abend bekannt wurde, widersprach "
            "der Mieterverein deutlich. „Die Preise sind seit zwei Jahren jeden Winter gestiegen.“")
    q = only(run(nlp, text, orgs=("Stadtwerke Lindau", "Mieterverein")))
    assert q.speaker is None


def test_speaker_with_dessen_determiner_after_the_verb(nlp):
    q = only(run(nlp, "Nach Berichten über eine Absage teilte dessen Stellvertreter am Abend mit: „Das Fest findet statt.“"))
    assert q.speaker is not None and q.speaker.mention == "dessen Stellvertreter"


def test_object_pronoun_after_the_verb_is_not_the_subject(nlp):
    # "ihn"/"ihm" are never the subject: the speaker follows them.
    text = "Die Werft baut ab. „Er gibt nie nach, auch nicht im Streit“, so beschrieb ihn der Betriebsrat Udo Senn."
    q = only(run(nlp, text, persons=("Udo Senn",)))
    assert q.speaker is not None and q.speaker.name == "Udo Senn"


def test_quoted_title_does_not_cut_the_frame(nlp):
    # A quoted newspaper name is part of the frame, not a quote that ends the left window.
    text = "Am Abend wird Eva Rast von der „Morgenpost“ mit den Worten zitiert: „Wir verlieren die Geduld.“"
    quotes = run(nlp, text, persons=("Eva Rast",))._.quotes
    q = next(q for q in quotes if q.text.startswith("Wir"))
    assert q.speaker is not None and q.speaker.name == "Eva Rast"


def test_passive_cue_takes_the_agent_or_the_quoted_person(nlp):
    # The passive subject is what was described; the agent after "von/vom" speaks.
    q = only(run(nlp, "Vor allem im Norden wird die Lage vom Hochwasserdienst Kiel als „äußerst ernst“ eingestuft.",
                 orgs=("Hochwasserdienst Kiel",)))
    assert q.speaker is not None and q.speaker.mention == "Hochwasserdienst Kiel"
    # With "zitieren" the passive subject is the person quoted.
    text = "Das sei eine Gelegenheit, im Verein ein „Mitglied mit vollen Rechten zu werden“, wird Tom Brenner, Leiter der Jugend, zitiert."
    q = only(run(nlp, text, persons=("Tom Brenner",)))
    assert q.speaker is not None and q.speaker.name == "Tom Brenner"


def test_ambiguous_cue_forms_count_right_after_the_quote(nlp):
    # "meinen" alone is too ambiguous ("meinen Sohn"), but not in ", meinen die Anwohner".
    text = "Der Park wird geschlossen. „Das ist ein großer Verlust für die ganze Gegend“, meinen die Anwohnerinnen Ida Lorenz und Mia Voss."
    q = only(run(nlp, text, persons=("Ida Lorenz", "Mia Voss")))
    assert q.cue == "meinen" and q.speaker is not None and q.speaker.name == "Ida Lorenz"


def test_so_with_letztere_names_the_person_named_last(nlp):
    text = "Ida Lorenz sprach mit Mia Voss. „Wir brauchen mehr Platz für die Kinder“, so letztere."
    q = only(run(nlp, text, persons=("Ida Lorenz", "Mia Voss")))
    assert q.cue == "so" and q.speaker is not None and q.speaker.mention == "letztere" and q.speaker.name == "Mia Voss"


def test_named_object_is_never_the_speaker(nlp):
    # The object a naming verb calls the quote stays excluded when the subject is found elsewhere.
    text = "Der Leiter der Firma, Karl Ott, würdigte Meier in einer Mitteilung heute als „einen großen Kämpfer“."
    q = only(run(nlp, text, persons=("Karl Ott", "Meier")))
    assert q.speaker is not None and q.speaker.name == "Karl Ott"
    # A noun phrase followed by another one ("alle Vorwürfe") is the subject, not the thing named.
    q = only(run(nlp, "Im Gespräch wies der Chef alle Vorwürfe als „haltlos und falsch“ zurück."))
    assert q.speaker is not None and q.speaker.mention == "der Chef"
    # "sie" after the verb with a fronted subject is still the object.
    q = only(run(nlp, "Die Opposition nannte sie die „schlechteste Regierung seit Jahren“."))
    assert q.speaker is not None and q.speaker.mention == "Die Opposition"
