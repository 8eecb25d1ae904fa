"""kner_mentions: entity span repairs after a statistical NER (own German sentences).

The NER's mistakes are simulated with an entity_ruler whose patterns produce the
wrong spans; kner_mentions and kner_names then run as in the real pipeline.
"""

from __future__ import annotations

import pytest
import spacy
from spacy.lookups import Table

import korea_ner.mentions  # noqa: F401  (registers the factory)
import korea_ner.names  # noqa: F401
from korea_ner.mentions import (
    Lexicon,
    MentionRepairer,
    geographic_labels,
    is_ea_syllable,
    split_point,
    trim_leading,
    trim_trailing,
)
from korea_ner.model import add_kner_components
from korea_ner.names import merge_entities

COMMON = ["Widerstand", "Interessen", "Bach", "West", "Koch", "klein"]


def build(patterns, **cfg):
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    patterns = list(patterns) or [("ORG", "Bundestag")]
    ruler.add_patterns([{"label": lab, "pattern": [{"TEXT": w} for w in text.split()]} for lab, text in patterns])
    nlp.add_pipe("kner_mentions", config={"extra_common": COMMON, **cfg})
    nlp.add_pipe("kner_names")
    return nlp


def ents(doc, label=None):
    return [e.text for e in doc.ents if label is None or e.label_ == label]


def canon(doc):
    return {e.text: e._.canonical for e in doc.ents}


def assert_valid(doc):
    last = -1
    for e in doc.ents:
        assert e.start < e.end and e.start >= last
        last = e.end


# -- East Asian names -------------------------------------------------------


def test_completes_three_part_korean_names():
    nlp = build([("PER", "Kim Jong"), ("PER", "Ri Yong")])
    doc = nlp("Der Gipfel mit Kim Jong Un war kurz. Danach sprach Außenminister Ri Yong Ho mit der Presse.")
    assert ents(doc, "PER") == ["Kim Jong Un", "Ri Yong Ho"]
    assert_valid(doc)


def test_completes_hyphenated_syllable_but_not_a_german_word():
    nlp = build([("PER", "Kim Jong"), ("PER", "Andrew Kim")])
    doc = nlp.make_doc("Kim Jong -un lachte. Kim Jong Im Saal blieb leer. Andrew Kim Un sagte nichts.")
    doc = nlp(doc)  # noqa: the Doc goes through the pipeline
    per = ents(doc, "PER")
    assert per[0] in ("Kim Jong -un", "Kim Jong")  # tokenizer-dependent, never longer
    assert "Kim Jong Im" not in per
    assert "Andrew Kim Un" not in per  # not surname-first
    assert_valid(doc)


def test_syllable_rule():
    assert is_ea_syllable("Un") and is_ea_syllable("Ho") and is_ea_syllable("-un")
    assert not is_ea_syllable("Xyzzy") and not is_ea_syllable("123")


# -- trailing words ---------------------------------------------------------


def test_trims_common_noun_after_known_surname():
    nlp = build([("PER", "Wladimir Putin"), ("PER", "Putin Widerstand")])
    doc = nlp("Wladimir Putin reiste nach Minsk. Man weiß, dass Putin Widerstand leistet.")
    assert ents(doc, "PER") == ["Wladimir Putin", "Putin"]
    assert set(canon(doc).values()) >= {"Wladimir Putin"}


@pytest.mark.parametrize("text,name", [
    ("Thomas Bach sagte, der Sport sei frei. Bach lobte die Spiele.", "Thomas Bach"),
    ("Johann Sebastian Bach schrieb viel. Bach starb in Leipzig.", "Johann Sebastian Bach"),
    ("Angela Merkel traf Olaf Scholz. Merkel und Scholz lachten.", "Angela Merkel"),
    ("Der Koch Thomas Koch kochte. Koch ist zufrieden.", "Thomas Koch"),
])
def test_real_surnames_that_are_words_are_kept(text, name):
    nlp = build([("PER", "Thomas Bach"), ("PER", "Bach"), ("PER", "Johann Sebastian Bach"),
                 ("PER", "Angela Merkel"), ("PER", "Olaf Scholz"), ("PER", "Merkel"), ("PER", "Scholz"),
                 ("PER", "Thomas Koch"), ("PER", "Koch")])
    doc = nlp(text)
    assert name in ents(doc, "PER")
    assert name in canon(doc).values()


def test_surname_noun_without_evidence_is_kept():
    # nothing in the document shows "Thomas" is a complete name: keep "Thomas Koch"
    nlp = build([("PER", "Thomas Koch")])
    assert ents(nlp("Gestern kam Thomas Koch nach Hause."), "PER") == ["Thomas Koch"]


def test_splits_place_off_a_person():
    nlp = build([("PER", "Sergej Lawrow Pjöngjang"), ("PER", "George Washington")])
    doc = nlp("Am Montag erreichte Außenminister Sergej Lawrow Pjöngjang. George Washington war Präsident.")
    assert ents(doc, "PER") == ["Sergej Lawrow", "George Washington"]
    assert "Pjöngjang" in ents(doc, "LOC")


def test_trims_roles_and_genitive_places():
    nlp = build([("PER", "Sergej Lawrow"), ("PER", "Lawrow Nordkoreas Machthaber"),
                 ("PER", "Nordkoreas Machthaber Kim Jong Un")])
    doc = nlp("Sergej Lawrow kam an. Dann traf Lawrow Nordkoreas Machthaber zum Essen. "
              "Ein Brief an Nordkoreas Machthaber Kim Jong Un folgte.")
    assert ents(doc, "PER") == ["Sergej Lawrow", "Lawrow", "Kim Jong Un"]
    assert ents(doc, "LOC") == ["Nordkoreas", "Nordkoreas"]


# -- two people -------------------------------------------------------------


def test_splits_two_people_glued_together():
    nlp = build([("PER", "Sergej Lawrow"), ("PER", "Lawrow Kim"), ("PER", "Kim"), ("PER", "Kim Jong Un")])
    doc = nlp("Sergej Lawrow besuchte Kim Jong Un. Später versicherte Lawrow Kim die Unterstützung. Kim dankte.")
    assert ents(doc, "PER") == ["Sergej Lawrow", "Kim Jong Un", "Lawrow", "Kim", "Kim"]
    c = [e._.canonical for e in doc.ents]
    assert c == ["Sergej Lawrow", "Kim Jong Un", "Sergej Lawrow", "Kim Jong Un", "Kim Jong Un"]


def test_does_not_split_a_real_full_name():
    nlp = build([("PER", "Kim Kardashian"), ("PER", "Kardashian"), ("PER", "Kim"), ("PER", "Kim Jong Un")])
    doc = nlp("Kim Jong Un schwieg. Kim Kardashian kam. Kardashian sprach. Kim lachte.")
    assert "Kim Kardashian" in ents(doc, "PER")
    assert split_point(["Kim", "Kardashian"], __import__("collections").Counter(),
                       __import__("collections").Counter(), __import__("collections").Counter({"Kardashian": 1}),
                       __import__("collections").Counter()) is None


# -- neighbours and first names --------------------------------------------


def with_ents(nlp, text, spans):
    """Run the pipeline after the ruler on a Doc with the given (phrase, label, occurrence) ents."""

    doc = nlp.make_doc(text)
    out = []
    for phrase, label, occ in spans:
        start = -1
        for _ in range(occ + 1):
            start = text.index(phrase, start + 1)
        out.append(doc.char_span(start, start + len(phrase), label=label))
    doc.ents = out
    for name, pipe in nlp.pipeline:
        if name != "entity_ruler":
            doc = pipe(doc)
    return doc


def test_married_name_is_completed_and_displayed_short():
    nlp = build([])
    doc = with_ents(nlp, "Kim Kardashian besuchte den Präsidenten. Mit Kim Kardashian West sprach er lange. "
                    "Kardashian lachte.", [("Kim Kardashian", "PER", 0), ("Kardashian West", "PER", 0),
                                           ("Kardashian", "PER", 2)])
    assert ents(doc, "PER") == ["Kim Kardashian", "Kim Kardashian West", "Kardashian"]
    assert set(canon(doc).values()) == {"Kim Kardashian"}


def test_bracketed_first_name_joins_the_surname():
    nlp = build([("PER", "Wladimir"), ("PER", "Putin Widerstand"), ("PER", "Putin")])
    doc = nlp("Er sagte, dass (Präsident Wladimir) Putin Widerstand leiste. Später schwieg Putin.")
    assert ents(doc, "PER") == ["Wladimir", "Putin", "Putin"]
    assert set(canon(doc).values()) == {"Wladimir Putin"}


def test_lone_first_name_links_to_the_only_full_name():
    nlp = build([("PER", "Olaf Scholz"), ("PER", "Olaf")])
    doc = nlp("Olaf Scholz kam spät. Olaf entschuldigte sich.")
    assert set(canon(doc).values()) == {"Olaf Scholz"}


# -- drops and places -------------------------------------------------------


def test_drops_sentence_initial_adjectives_and_leftover_nouns():
    nlp = build([("PER", "Hoher"), ("PER", "Beim"), ("PER", "Moskaus Interessen"), ("PER", "Sergej Lawrow")])
    doc = nlp("Hoher Besuch kam an. Beim Essen sprach Sergej Lawrow. Er sagte, dass Moskaus Interessen zählen.")
    assert ents(doc, "PER") == ["Sergej Lawrow"]
    assert "Moskaus" in ents(doc, "LOC")


def test_keeps_sentence_initial_name_known_elsewhere():
    nlp = build([("PER", "Markus Klein"), ("PER", "Klein")])
    doc = nlp("Markus Klein leitet das Amt. Klein sagte, alles sei gut.")
    assert ents(doc, "PER") == ["Markus Klein", "Klein"]


def test_place_words_are_tagged_and_propagated():
    nlp = build([("LOC", "Qingdao"), ("PER", "Nordkoreas")])
    doc = nlp("Die Delegation flog nach Pjöngjang. In Qingdao gab es Streit, Qingdao schwieg. "
              "Nordkoreas Vertreter kamen.")
    assert ents(doc, "LOC") == ["Pjöngjang", "Qingdao", "Qingdao", "Nordkoreas"]
    nlp2 = build([], tag_places=False)
    assert ents(nlp2("Die Delegation flog nach Pjöngjang.")) == []


def test_edges_and_untouched_docs():
    nlp = build([("PER", "Mike Pompeo ,")])
    doc = nlp("Gestern sprach Mike Pompeo , der Minister.")
    assert ents(doc) == ["Mike Pompeo"]
    assert ents(nlp("Kein Name hier.")) == []
    assert ents(nlp("")) == []


# -- robustness -------------------------------------------------------------


def test_idempotent_and_valid_on_many_layouts():
    nlp = build([("PER", "Kim Jong"), ("PER", "Lawrow Kim"), ("PER", "Sergej Lawrow"), ("PER", "Kim"),
                 ("PER", "Putin Widerstand"), ("PER", "Putin"), ("PER", "Hoher"), ("LOC", "Moskau")])
    texts = [
        "Kim Jong Un Kim Jong Un Kim Jong -un",
        "Sergej Lawrow Lawrow Kim Kim Jong Un Moskau Moskaus Pjöngjang",
        "Hoher Kim Jong. Putin Widerstand Putin",
        "(Kim Jong) Un - Lawrow Kim Jong Un",
    ]
    comp = nlp.get_pipe("kner_mentions")
    for text in texts:
        doc = nlp(text)
        assert_valid(doc)
        before = [(e.start, e.end, e.label_) for e in doc.ents]
        comp(doc)
        assert [(e.start, e.end, e.label_) for e in doc.ents] == before


def test_cross_document_merge_of_repaired_names():
    nlp = build([("PER", "Kim Jong"), ("PER", "Kim Jong Un"), ("PER", "Ri Yong"), ("PER", "Kim")])
    records = []
    for i, text in enumerate(["Kim Jong Un lachte. Kim schwieg.", "Es sprach Kim Jong Un mit Ri Yong Ho."]):
        doc = nlp(text)
        records.append({"doc": i, "entities": [
            {"text": e.text, "label": e.label_, "canonical": e._.canonical} for e in doc.ents]})
    names = {e["name"] for e in merge_entities(records) if e["label"] == "PER"}
    assert names == {"Kim Jong Un", "Ri Yong Ho"}


# -- lexicon, config, serialisation -----------------------------------------


def test_lexicon_from_a_lemma_table():
    table = Table.from_dict({"Interessen": "Interesse", "hoher": "hoch", "leistet": "leisten"})
    lex = Lexicon(table)
    assert lex.is_common("Interessen") and lex.is_common("Interesse")
    assert lex.is_lower_word("Hoher") and not lex.is_lower_word("Lawrow")
    assert not lex.is_common("Lawrow")
    assert Lexicon(None).is_common("Interessen") is False
    assert Lexicon(None).is_lower_word("Beim")  # built-in function words


def test_pure_trim_functions():
    from collections import Counter

    places = frozenset({"nordkorea", "pjoengjang"})
    assert trim_leading(["Nordkoreas", "Machthaber", "Kim"], places) == 2
    assert trim_leading(["Kim"], places) == 0
    lex = Lexicon(None, ["Widerstand"])
    assert trim_trailing(["Putin", "Widerstand"], places, lex, Counter(), Counter({"Putin": 1})) == 1
    assert trim_trailing(["Putin", "Widerstand"], places, lex, Counter(), Counter()) == 0
    assert trim_trailing(["Putin", "Widerstand"], places, lex, Counter({"Widerstand": 1}),
                         Counter({"Putin": 1})) == 0


def test_entities_named_after_a_landform_are_places():
    texts = ["auf", "der", "Koreanischen", "Halbinsel", "und", "der", "Krim-Halbinsel", "und", "die",
             "Insel", "Verlag", "GmbH", "Halbinsel"]
    spans = [[2, 4, "ORG"], [6, 7, "MISC"], [9, 12, "ORG"], [12, 13, "PER"]]
    assert geographic_labels(spans, texts) == [[2, 4, "LOC"], [6, 7, "LOC"], [9, 12, "ORG"], [12, 13, "PER"]]


def test_serialisation_round_trip(tmp_path):
    nlp = build([("PER", "Kim Jong")], extra_places=["Atlantis"], tag_places=True)
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    comp = nlp2.get_pipe("kner_mentions")
    assert isinstance(comp, MentionRepairer)
    assert comp.extra_places == ["Atlantis"] and "Widerstand" in comp.extra_common
    assert "Atlantis" in ents(nlp2("Wir reisten nach Atlantis."), "LOC")
    comp2 = MentionRepairer().from_bytes(comp.to_bytes())
    assert comp2.extra_places == ["Atlantis"]


def test_added_before_kner_names_for_statistical_ner():
    nlp = spacy.blank("de")
    nlp.add_pipe("ner")
    add_kner_components(nlp)
    add_kner_components(nlp)
    names = nlp.pipe_names
    assert names.count("kner_mentions") == 1
    assert names.index("ner") < names.index("kner_mentions") < names.index("kner_names")


# -- the bundled model on the seeds ------------------------------------------


def test_seed_people_and_places_with_the_bundled_model():
    from pathlib import Path

    from korea_ner.model import BUNDLED_MODEL, load_pipeline

    if not (BUNDLED_MODEL / "meta.json").exists():
        pytest.skip("bundled model not built")
    nlp = load_pipeline(str(BUNDLED_MODEL))
    seeds = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    records = []
    for i, doc in enumerate(nlp.pipe(p.read_text(encoding="utf-8") for p in seeds)):
        assert_valid(doc)
        records.append({"doc": i, "entities": [
            {"text": e.text, "label": e.label_, "canonical": e._.canonical} for e in doc.ents]})
    merged = merge_entities(records)
    per = [e["name"] for e in merged if e["label"] == "PER"]
    for name in ("Kim Jong Un", "Kim Yong Chol", "Sergej Lawrow", "Mike Pompeo", "Donald Trump",
                 "Wladimir Putin", "Ri Yong Ho", "Kim Kardashian"):
        assert per.count(name) == 1, (name, per)
    loc = {e["name"] for e in merged if e["label"] == "LOC"}
    assert {"Pjöngjang", "Moskau", "Singapur"} <= loc


# -- repairs must not cost correct spans (found measuring on annotated news) --


def test_uninflected_adjective_surnames_survive_sentence_start():
    table = Table.from_dict({"hoher": "hoch", "schwarz": "schwarz", "braun": "braun"})
    lex = Lexicon(table)
    assert lex.is_inflected_or_function("Hoher") and lex.is_inflected_or_function("Beim")
    assert not lex.is_inflected_or_function("Schwarz") and not lex.is_inflected_or_function("Braun")


def test_initials_and_abbreviations_keep_their_full_stop():
    nlp = build([("PER", "Susanne R ."), ("ORG", "Yahoo !")])
    doc = nlp(spacy.tokens.Doc(nlp.vocab, words=["Zeugin", "Susanne", "R", ".", "sprach", "mit", "Yahoo", "!"]))
    assert ents(doc) == ["Susanne R .", "Yahoo !"]


def test_lowercase_name_particles_are_not_trimmed():
    nlp = build([("PER", "Ali al-Nuaimi"), ("PER", "Lawrow sagte")])
    doc = nlp("Ölminister Ali al-Nuaimi reiste ab. Dann Lawrow sagte nichts.")
    assert ents(doc, "PER") == ["Ali al-Nuaimi", "Lawrow"]


def test_caption_place_before_a_full_name_is_cut_but_paris_hilton_stays():
    nlp = build([("PER", "Pjöngjang Sergej Lawrow"), ("PER", "Paris Hilton"), ("PER", "Pjöngjang")])
    doc = nlp("Bild: Pjöngjang Sergej Lawrow trifft Paris Hilton. Pjöngjang schweigt.")
    assert ents(doc, "PER") == ["Sergej Lawrow", "Paris Hilton"]
    assert "Pjöngjang" in ents(doc, "LOC")


def test_one_name_one_label_and_missed_occurrences_found():
    nlp = build([])
    text = "Kim Jong Un kam. Dann sprach Kim Jong Un. Kim nutzte den Tag. Später traf Kim die Presse. Andrew Kim schwieg."
    doc = nlp.make_doc(text)
    for name, _ in nlp.pipeline[:1]:
        doc = nlp.get_pipe(name)(doc)
    second = text.index("Kim Jong Un", 5)
    tagged = text.index("Kim", text.index("Später"))
    doc.ents = [
        doc.char_span(0, 11, "PER"),
        doc.char_span(second, second + 11, "ORG"),
        doc.char_span(tagged, tagged + 3, "PER"),
    ]
    doc = nlp.get_pipe("kner_mentions")(doc)
    assert [(e.text, e.label_) for e in doc.ents][:2] == [("Kim Jong Un", "PER"), ("Kim Jong Un", "PER")]
    kims = [e for e in doc.ents if e.text == "Kim"]
    assert len(kims) == 2 and all(e.label_ == "PER" for e in kims)
    assert not any(e.start_char >= text.index("Andrew") for e in doc.ents)


def test_no_entity_runs_over_a_line_break():
    nlp = build([])
    nlp.get_pipe("entity_ruler").add_patterns(
        [{"label": "PER", "pattern": [{"TEXT": "Olaf"}, {"TEXT": "Scholz"}, {"IS_SPACE": True}, {"TEXT": "Foto"}]}]
    )
    doc = nlp("Kanzler Olaf Scholz\nFoto: Agentur")
    assert ents(doc, "PER") == ["Olaf Scholz"]



def test_non_overlapping_is_filter_spans_on_plain_lists():
    from spacy.tokens import Span
    from spacy.util import filter_spans

    from korea_ner.mentions import non_overlapping

    doc = spacy.blank("de")("a b c d e f g h")
    spans = [[0, 2, "PER"], [1, 4, "LOC"], [3, 4, "ORG"], [5, 6, "PER"], [5, 6, "LOC"], [4, 6, "ORG"], [7, 8, "PER"]]
    expected = [[s.start, s.end, s.label_] for s in filter_spans([Span(doc, *s) for s in spans])]
    assert non_overlapping(spans) == expected


def test_entities_the_setter_wrote_are_canonical_and_others_are_not():
    from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE

    from korea_ner.mentions import ents_annotation_is_canonical

    doc = spacy.blank("de")("Kim Jong Un traf Wladimir Putin in Moskau .")
    columns = [ENT_IOB, ENT_TYPE, ENT_KB_ID]
    assert not ents_annotation_is_canonical(doc.to_array(columns))  # no tags yet ("missing")
    doc.ents = [("PER", 0, 3), ("PER", 4, 6), ("LOC", 7, 8)]
    assert ents_annotation_is_canonical(doc.to_array(columns))
    doc.set_ents([], blocked=[doc[8:9]], default="unmodified")  # "B" without a type
    assert not ents_annotation_is_canonical(doc.to_array(columns))
    doc.ents = [doc.char_span(0, 11, "PER", kb_id="Q56226")]
    assert not ents_annotation_is_canonical(doc.to_array(columns))
    inside_first = doc.to_array(columns)
    inside_first[0] = [1, inside_first[0][1], 0]  # "I" with nothing before it: the setter writes "B"
    assert not ents_annotation_is_canonical(inside_first)


def test_entities_needing_no_repair_are_still_written_like_doc_ents():
    from spacy.tokens import Span

    nlp = build([])
    doc = nlp.make_doc("Olaf Scholz sprach in Berlin.")
    doc.set_ents([Span(doc, 0, 2, "PER"), Span(doc, 4, 5, "LOC")], default="missing")
    assert doc[2].ent_iob_ == ""
    doc = nlp.get_pipe("kner_mentions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Olaf Scholz", "PER"), ("Berlin", "LOC")]
    assert [t.ent_iob_ for t in doc] == ["B", "I", "O", "O", "B", "O"]


def test_photo_credits_hold_no_places_but_datelines_do():
    nlp = build([("LOC", "Pool"), ("LOC", "Berlin"), ("LOC", "Brüssel"), ("ORG", "dpa")])
    doc = nlp("Pompeo in New York. Bild: picture-alliance/dpa/AP Photo/Pool/File/M. Lee\n"
              "Berlin/Brüssel (dpa) - Die Lage in Pool bleibt ruhig.")
    assert_valid(doc)
    assert ents(doc, "LOC") == ["Berlin", "Brüssel", "Pool"]  # not the credit's "Pool"
    assert "dpa" in ents(doc, "ORG")  # agencies stay organisations


def test_slash_chain_reads_only_words_glued_by_slashes():
    from korea_ner.mentions import slash_chain

    texts = ["AP", "Photo", "/", "Pool", "/", "File", "und", "a", "/", "b"]
    spaces = [1, 0, 0, 0, 0, 1, 1, 1, 1, 0]  # "a / b": spaced slashes join nothing
    assert slash_chain(texts, spaces, 3, 4) == ["Photo", "File"]
    assert slash_chain(texts, spaces, 1, 2) == ["Pool", "File"]
    assert slash_chain(texts, spaces, 7, 8) == []
