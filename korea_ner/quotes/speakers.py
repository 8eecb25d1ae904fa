"""Who speaks and to whom.

The speaker is the subject of the cue: the parser's ``sb`` when the pipeline has
one, otherwise word order ("sagte Lawrow", "Lawrow sagte", "wie X mitteilte",
"so der Sprecher").  Pronouns and role nouns become a person through
``korea_ner.names`` and the discourse: the persons recently in subject
position (:func:`salient_subjects`) and the last speaker.  Quotes with no cue
continue the last speaker or take the recent subject.
"""

from __future__ import annotations

import bisect
import re
from typing import Optional

from korea_ner.quotes.context import (
    DocContext, Word, canonical, is_capitalized, is_person_role, resolve_reference, words_between,
)
from korea_ner.quotes.cues import CUE_FORMS, Cue
from korea_ner.quotes.lexicon import (
    COMPLEMENTIZERS, CONTINUATION_CHARS, DETERMINERS, IMPERSONAL_CUES, NAMING_CUES, NOM_DETERMINERS, NOM_PRONOUNS, PREPOSITIONS,
    OBJECT_PRONOUNS, RECENT_SUBJECT_CHARS, SKIP_AFTER_VERB, SUBJECT_PRONOUNS, SUBORDINATORS, UNNAMED_DETERMINERS,
)
from korea_ner.quotes.phrases import (
    Mention, clause_initial_np, clause_start, first_np, has_subject_candidate, index_after, is_person_np,
    name_after, np_left, np_right, source_phrase,
)
from korea_ner.quotes.records import Speaker


#: The last word before a position, at most two non-word characters before it.
_LAST_WORD_RE = re.compile(r"(\w+)\W{0,2}$")


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
    if cue.kind == "verb":
        m = _passive_speaker(ctx, words, cue, lo)
        if m is not None:
            return m
    if cue.lemma in IMPERSONAL_CUES:
        # "In dem Antrag heißt es:", "heißt es in einer Erklärung": the document is the source.
        src = source_phrase(words, v + 1, min(hi, v + 9)) or source_phrase(words, clause_start(words, v, lo), v)
        if src is not None:
            return src
    if v - 1 >= lo and words[v - 1].lower in SUBJECT_PRONOUNS and (v - 1 == lo or not words[v - 2].text[:1].isalnum()):
        # "Sie sicherte dabei Johnson ihre „…“ zu": a pronoun opening the clause is its subject.
        return Mention(words[v - 1].start, words[v - 1].end, "pron")
    # "sagte Lawrow", "sagte er", "sagte der US-Außenminister": subject right after the verb.
    j = v + 1
    skipped = 0
    while j < hi and skipped < 2 and (words[j].lower in OBJECT_PRONOUNS or _is_filler(words[j])):
        j += 1
        skipped += 1
    right = np_right(ctx, words, j, hi)
    named: Optional[Mention] = None
    cs = clause_start(words, v, lo)
    object_fronted = cs < v and words[cs].lower in {"den", "dem", "einen", "einem"}  # "Den Vorschlag lobte Kuhl als „…“"
    if right is not None and not object_fronted and _named_object(ctx, words, cue, right, hi):
        # "nannte sie „reine Spekulation“": the thing named, not the speaker; nor may a
        # later step below take it ("Ott würdigte Meier als „…“", "nannte Müllers Plan „…“").
        named, right = right, None

    def found(m: Optional[Mention]) -> Optional[Mention]:
        return None if m is None or (named is not None and m.start == named.start) else m

    if right is not None and (right.kind in {"pron", "name"} or is_person_np(ctx, right)):
        # "Brandt lobte Kuhl als „…“": a person opening the main clause is its subject, the one after the verb its object.
        if right.kind != "pron":
            left = _fronted_person(ctx, words, cs, v)
            if left is not None:
                return left
        return right
    if right is None and not has_subject_candidate(ctx, words, cs, v):
        # The verb opens its clause ("„…“, betonte Struck", "zitierte man Yolanda Alvarez"):
        # a name the NER missed right after it.
        m = found(name_after(words, j + (j < hi and words[j].lower == "man"), hi))
        if m is not None:
            return m
    # Subordinate clause "wie X mitteilte": subject after the subordinator.
    if cs > lo and words[cs - 1].lower in SUBORDINATORS:
        m = found(first_np(ctx, words, cs, v))
        if m is not None:
            return m
    # "Die Sprecherin der Fraktion, Karin Vogt (SPD), erklärte": the comma before the verb
    # closes an apposition, so clause_start stopped short of the subject.
    if cs == v:
        m = found(_apposition_subject(ctx, words, v, lo))
        if m is not None:
            return m
    # Subject first: "Lawrow sagte", "Der Sprecher, Max Muster, erklärte", "Stoiber hatte … betont".
    m = found(clause_initial_np(ctx, words, lo, v))
    if m is not None:
        return m
    # Something else fronted ("Mit Blick auf die USA sagte Lawrow am Mittwoch"): subject after the verb.
    j = v + 1
    skipped = 0
    while j < hi and skipped < 6 and (words[j].lower in SKIP_AFTER_VERB or words[j].lower in OBJECT_PRONOUNS or words[j].text.isdigit() or (skipped and words[j - 1].lower in PREPOSITIONS and is_capitalized(words[j]))):
        j += 1
        skipped += 1
    right = found(np_right(ctx, words, j, hi))
    if right is not None:
        return right
    left = found(np_left(ctx, words, v, max(lo, cs)))
    if left is not None:
        return left
    # "Zur Lage wird Watzke wie folgt zitiert": a name or pronoun anywhere before the verb.
    return found(first_np(ctx, words, cs, v)) or found(first_np(ctx, words, lo, v))


def _is_filler(w: Word) -> bool:
    """A word between a verb and its subject that opens no noun phrase ("sagte gestern Lawrow"):
    neither a preposition nor an article."""
    return w.lower in SKIP_AFTER_VERB and w.lower not in PREPOSITIONS and w.lower not in DETERMINERS


#: Forms of "werden" that make a participle cue passive ("wird … zitiert", "wurde … eingestuft").
_PASSIVE_AUXILIARIES = {"wird", "wurde", "werden", "wurden"}


def _passive_speaker(ctx: DocContext, words: list[Word], cue: Cue, lo: int) -> Optional[Mention]:
    """The speaker of a passive cue "wird/wurde … PARTICIPLE": the grammatical subject is what
    was said or described, so the speaker is the agent ("wird vom Wetterdienst als „…“
    eingestuft"), except with "zitieren", whose subject is the person quoted ("„…“, wird
    Klaus Berger zitiert").  None when the cue is not passive or names neither."""
    v = cue.index
    if words[v].lower == cue.lemma:
        return None  # an infinitive ("wird … sagen"), not a participle
    aux = next((k for k in range(v - 1, max(lo, v - 12) - 1, -1) if words[k].lower in _PASSIVE_AUXILIARIES), None)
    if aux is None or any(words[k].text in {":", ";", ".", "„", "“"} for k in range(aux + 1, v)):
        return None
    if cue.lemma == "zitieren":
        j = aux + 1
        while j < v and _is_filler(words[j]):
            j += 1
        m = np_right(ctx, words, j, v)
        return m if m is not None and (m.kind in {"pron", "name"} or is_person_np(ctx, m)) else None
    for k in range(aux + 1, v - 1):
        if words[k].lower in {"von", "vom", "durch"}:
            m = np_right(ctx, words, k + 1, v, subject_only=False)
            if m is not None and (m.kind == "name" or m.ent is not None or is_person_np(ctx, m)):
                return m
    return None


# Quantifiers and possessives that open an object noun phrase ("alle Vorwürfe", "seinen Plan").
_QUANTIFIERS = {"alle", "jede", "jeden", "jedes", "beide", "seinen", "ihren", "unseren"}


def _named_object(ctx: DocContext, words: list[Word], cue: Cue, m: Mention, hi: int) -> bool:
    """Is ``m`` the object that a naming verb calls the quote ("nannte sie „…“",
    "nannte Patersons Entscheidung „…“", "bezeichnete den Plan als „…“")?  It is
    when "als" or the quote follows it within a few words."""
    if m.kind == "pron" and ctx.text[m.start:m.end].lower() in {"er", "ich", "wir"}:
        return False  # nominative only
    k = index_after(words, m.end, 0, hi)
    if m.kind != "pron" and k < hi and (words[k].lower in DETERMINERS - {"des"} or words[k].lower in _QUANTIFIERS):
        return False  # another noun phrase follows: "wies der Chef alle Vorwürfe als „…“ zurück"
    for n in range(k, min(hi, k + 4) + 1):
        if n >= hi or words[n].start - words[n - 1].end > 2:
            return cue.lemma in NAMING_CUES  # the quote follows
        if words[n].lower == "als":
            return True
        if not words[n].text[:1].isalnum():
            return False
    return False


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
        k = index_after(words, m.end, 0, hi)
        # Object first, subject after the verb: "Diese Frage beantwortete er so:".
        if m.kind == "np" and m.ent is None and not is_person_np(ctx, m) and k + 1 < hi \
                and words[k].text.islower() and words[k + 1].lower in NOM_PRONOUNS:
            return Mention(words[k + 1].start, words[k + 1].end, "pron")
        if m.kind in {"pron", "name"} or m.ent is not None or is_person_np(ctx, m):
            return m
        # Object first, a person after the verb: "Die Anwendung stellte der SPD-Vorsitzende X in Frage:".
        person = _person_after(ctx, words, k + 1, hi)
        if person is not None:
            return person
        if ctx.text[m.start:m.end].split()[0].lower() in NOM_DETERMINERS - {"das"}:
            return m  # "Die Firma", "Die staatliche Nachrichtenagentur"
    for m in (np_left(ctx, words, hi, 0), first_np(ctx, words, 0, hi)):
        if m is not None and (m.kind in {"pron", "name"} or m.ent is not None or is_person_np(ctx, m)):
            return m
    return None


def complement_frame(words: list[Word]) -> list[Word]:
    """The main clause before ", dass …" / ", ob …" / ", wonach …" among ``words`` (the words
    before a quote), ending with its comma as a colon frame ends with its colon; [] when none."""
    for k in range(len(words) - 1, 1, -1):
        if words[k].lower in COMPLEMENTIZERS and words[k - 1].text == ",":
            return words[:k]
    return []


def make_speaker(ctx: DocContext, m: Mention, salient: list[tuple[int, Speaker]], last: Optional[tuple[int, Speaker]]) -> Speaker:
    text = ctx.text
    mention = text[m.start:m.end]
    if m.kind == "pron":
        # The pronoun stays the mention; it takes its antecedent's name (None for an unnamed source).
        if mention.lower() in {"letztere", "letzterer"}:
            antecedent = _last_named_person(ctx, m.start)  # "the latter": the person named last
        else:
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
        if mention.split()[0].lower() in {"der", "die"} and is_person_np(ctx, m):
            antecedent = _antecedent(m.start, salient, last)
            if antecedent is not None and antecedent.name is not None and m.start - antecedent.start <= CONTINUATION_CHARS * 2:
                return Speaker(antecedent.name, mention, m.start, m.end)
    return Speaker(None, mention, m.start, m.end)


def _last_named_person(ctx: DocContext, pos: int) -> Optional[Speaker]:
    """The person named last before ``pos`` outside quotes, in any earlier sentence."""
    k = bisect.bisect_left(ctx.ent_starts, pos) - 1
    while k >= 0:
        e = ctx.ents[k]
        if e.label_ in {"PER", "PERSON"} and e.end_char <= pos and not ctx.in_quote(e.start_char):
            return Speaker(canonical(ctx, e), e.text, e.start_char, e.end_char)
        k -= 1
    return None


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


def recent_subject(pos: int, salient: list[tuple[int, Speaker]],
                   organisations: list[tuple[int, Speaker]] = (), organisations_from: int = 0) -> Optional[Speaker]:
    """The subject of a sentence shortly before ``pos`` (the previous sentence or so):
    the later of the last person and the last organisation.  Organisations count
    only from ``organisations_from`` on (the start of the sentence before the
    quote's): further back, a subject that is not sentence-initial may have
    taken over, and only sentence-initial organisations are collected."""
    best: Optional[tuple[int, Speaker]] = None
    for subjects, earliest in ((salient, 0), (organisations, organisations_from)):
        k = bisect.bisect_left(subjects, pos, key=lambda x: x[0]) - 1
        if (k >= 0 and subjects[k][0] >= earliest and pos - subjects[k][0] <= RECENT_SUBJECT_CHARS
                and (best is None or subjects[k][0] > best[0])):
            best = subjects[k]
    return best[1] if best is not None else None


def _names_organisation(ctx: DocContext, m: Mention) -> bool:
    """Does the noun phrase end in an organisation's name ("Die SPD", "Der BGH", "Amnesty International")?"""
    ent = m.ent or ctx.ent_at(m.end - 1, m.end)
    return ent is not None and ent.label_ == "ORG" and ent.end_char >= m.end


def _antecedent(pos: int, salient: list[tuple[int, Speaker]], last: Optional[tuple[int, Speaker]]) -> Optional[Speaker]:
    k = bisect.bisect_left(salient, pos, key=lambda x: x[0]) - 1
    best = salient[k] if k >= 0 else None
    if last is not None and (best is None or last[0] >= best[0]):
        return last[1]
    return best[1] if best is not None else None


def salient_subjects(ctx: DocContext, organisations: Optional[list[tuple[int, Speaker]]] = None) -> list[tuple[int, Speaker]]:
    """Sentence-initial person names and person role nouns: what "er"/"sie" may refer to.
    Sentence-initial organisations ("Die SPD will …") go to ``organisations`` when given:
    they may speak a quote that follows, but "er"/"sie" do not refer to them."""
    out: list[tuple[int, Speaker]] = []
    text = ctx.text
    # "…, sagte Lawrow": the subject of any cue verb, quote or not.
    for e in ctx.ents:
        if e.label_ not in {"PER", "PERSON"}:
            continue
        m = _LAST_WORD_RE.search(text[max(0, e.start_char - 30):e.start_char])
        if m and m.group(1).lower() in CUE_FORMS and not ctx.in_quote(e.start_char):
            out.append((e.start_char, Speaker(canonical(ctx, e), e.text, e.start_char, e.end_char)))
    starts = [0] + ctx.sent_ends
    for s in starts:
        if ctx.in_quote(s):
            continue
        e = ctx.sentence_end(s)
        ws = words_between(text, s, min(e, s + 120), limit=10)  # np_right reads no further
        if not ws:
            continue
        m = np_right(ctx, ws, 0, len(ws))
        if m is None or m.kind == "pron":
            continue
        mention = text[m.start:m.end]
        if m.kind == "name" and m.ent is not None:
            out.append((m.start, Speaker(canonical(ctx, m.ent), mention, m.start, m.end)))
        elif is_person_role(mention.split()[-1]):
            ref = resolve_reference(ctx, m.start, m.end) if m.definite else None
            out.append((m.start, Speaker(canonical(ctx, ref) if ref is not None else None, mention, m.start, m.end)))
        elif organisations is not None and _names_organisation(ctx, m):
            organisations.append((m.start, Speaker(None, mention, m.start, m.end)))
    out.sort(key=lambda x: x[0])
    return out


def share_speaker_backwards(ctx: DocContext, results: list) -> None:
    """„A“ hätten „B“ getan, so Murtha: a quote with no cue takes the speaker of
    the next quote in the same sentence."""
    for k in range(len(results) - 2, -1, -1):
        q, nxt = results[k].quote, results[k + 1].quote
        if q.speaker is None and q.cue is None and nxt.speaker is not None and \
                ctx.sentence_end(results[k].raw.close + 1) >= results[k + 1].raw.open:
            q.speaker = nxt.speaker


def _person_after(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    """The first person (pronoun, name or role noun phrase) among words[lo:hi] that no preposition governs."""
    for j in range(lo, hi):
        if j > 0 and words[j - 1].lower in PREPOSITIONS:
            continue
        if words[j].lower in SUBJECT_PRONOUNS:
            return Mention(words[j].start, words[j].end, "pron")
        if words[j].lower not in NOM_DETERMINERS and not is_capitalized(words[j]):
            continue
        m = np_right(ctx, words, j, hi)
        if m is not None and (m.kind == "name" or is_person_np(ctx, m)):
            return m
    return None


def _apposition_subject(ctx: DocContext, words: list[Word], v: int, lo: int) -> Optional[Mention]:
    """The subject "NP, Name (Partei)," right before the verb at words[v]: the name set off
    by commas (an optional parenthesis after it) names the noun phrase before it."""
    k = v - 1
    if k <= lo or words[k].text != ",":
        return None
    k -= 1
    if words[k].text == ")":
        while k > lo and k > v - 8 and words[k].text != "(":
            k -= 1
        k -= 1
    if k <= lo:
        return None
    ent = ctx.ent_at(words[k].start, words[k].end)
    if ent is None or ent.label_ not in {"PER", "PERSON"} or ent.end_char != words[k].end:
        return None
    first = index_after(words, ent.start_char, lo, k + 1)
    if first - 1 <= lo or words[first - 1].text != ",":
        return None
    head = clause_initial_np(ctx, words, clause_start(words, first - 1, lo), first - 1)
    start = head.start if head is not None and is_person_np(ctx, head) else ent.start_char
    return Mention(start, ent.end_char, "name", ent)


def _fronted_person(ctx: DocContext, words: list[Word], cs: int, v: int) -> Optional[Mention]:
    """A person noun phrase that fills the clause words[cs:v] before the verb, in the nominative
    as far as its determiner tells ("Der Trainer", "Otto Brandt", not "Den Trainer")."""
    if v <= cs or (cs > 0 and words[cs - 1].lower in SUBORDINATORS):
        return None
    m = np_left(ctx, words, v, cs)
    if m is None or m.kind == "pron" or m.start != words[cs].start:
        return None
    first = words[cs].lower
    if first in DETERMINERS and first not in NOM_DETERMINERS:
        return None
    return m if m.kind == "name" or is_person_np(ctx, m) else None
