"""The HTML report: structure, escaping, nesting of highlights, person panels,
and (where chromium is installed) a real headless-browser render."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from korea_ner.inputs import Document, make_document
from korea_ner.report import Mark, analyze_pairs, pair_records, render_marked, render_report, write_report

VOID = {"meta", "br", "img", "input", "link", "hr", "wbr"}


class Checker(HTMLParser):
    """Asserts tags are well nested; collects ids, links and text per element id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self.nested_links = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "a" and any(t == "a" for t, _ in self.stack):
            self.nested_links += 1
        if tag not in VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        assert self.stack, f"</{tag}> without open tag"
        open_tag, _ = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            self.script_text.append(data)


def check(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert [t for t, _ in checker.stack] == [], "unclosed tags"
    assert checker.nested_links == 0
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    for href in checker.hrefs:
        if href.startswith("#"):
            assert href[1:] in checker.ids, f"dangling link {href}"
    return checker


def entity(text: str, doc_text: str, label: str, canonical: str | None = None, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = doc_text.index(text, start + 1)
    return {"text": text, "label": label, "start": start, "end": start + len(text), "canonical": canonical or text}


def quote(inner: str, doc_text: str, mention: str | None, name: str | None, cue: str = "sagte") -> dict:
    start = doc_text.index(inner)
    speaker = None
    if mention:
        s = doc_text.index(mention, start + len(inner))
        speaker = {"name": name, "mention": mention, "start": s, "end": s + len(mention)}
    return {"text": inner, "start": start, "end": start + len(inner), "kind": "direct", "cue": cue, "speaker": speaker, "addressee": None}


TEXT_A = (
    " date 2018-05 US-Außenminister Mike Pompeo traf Kim Yong-chol in New York. "
    "„Es war großartig, Kim Yong-chol zu treffen“, sagte Pompeo danach.\n\n"
    "Die Vereinten Nationen begrüßten das Treffen. <script>alert('x')</script> & Co.\n"
)
TEXT_B = "In Pjöngjang sagte Kim Jong Un: „Wir sind bereit.“ Später traf Mike Pompeo den Machthaber. „Gut“, sagte der Minister.\n"


def pairs() -> list[tuple[Document, dict]]:
    a = make_document("corpus/a.txt", TEXT_A)
    b = make_document("corpus/b.txt", TEXT_B)
    record_a = {
        "doc": a.id,
        "date": a.date,
        "entities": [
            entity("Mike Pompeo", TEXT_A, "PER", "Mike Pompeo"),
            entity("Kim Yong-chol", TEXT_A, "PER"),
            entity("New York", TEXT_A, "LOC"),
            entity("Kim Yong-chol", TEXT_A, "PER", nth=1),
            entity("Pompeo", TEXT_A, "PER", "Mike Pompeo", nth=1),
            entity("Vereinten Nationen", TEXT_A, "ORG"),
        ],
        "quotes": [quote("„Es war großartig, Kim Yong-chol zu treffen“", TEXT_A, "Pompeo", "Mike Pompeo")],
    }
    record_b = {
        "doc": b.id,
        "date": None,
        "entities": [
            entity("Pjöngjang", TEXT_B, "LOC"),
            entity("Kim Jong Un", TEXT_B, "PER"),
            entity("Mike Pompeo", TEXT_B, "PER"),
        ],
        "quotes": [
            {**quote("„Wir sind bereit.“", TEXT_B, None, None), "speaker": {"name": "Kim Jong Un", "mention": "Kim Jong Un", "start": TEXT_B.index("Kim"), "end": TEXT_B.index("Kim") + 11}},
            quote("„Gut“", TEXT_B, "der Minister", "Mike Pompeo"),
        ],
    }
    return [(a, record_a), (b, record_b)]


@pytest.fixture()
def page() -> str:
    return render_report(pairs(), title="Test <Bericht>")


def test_page_is_well_formed_self_contained_html(page):
    checker = check(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "<script>" in page
    # Nothing is loaded from anywhere: no external scripts, styles, images or fonts.
    for tag, attrs in checker.tags:
        assert "src" not in attrs, tag
        if tag == "link":
            pytest.fail("external <link>")
    assert "http://" not in page and "https://" not in page
    assert "Test &lt;Bericht&gt;" in page


def test_article_text_is_escaped(page):
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co." in page or "&lt;script&gt;alert('x')&lt;/script&gt; &amp; Co." in page
    # The only script element is the report's own.
    assert page.count("<script>") == 1


def test_entities_and_quotes_are_highlighted(page):
    assert '<span class="ent loc" title="Ort: New York">New York</span>' in page
    assert re.search(r'<span class="ent org"[^>]*>Vereinten Nationen</span>', page)
    assert re.search(r'<span class="ent per" data-person="p\d+"[^>]*>Kim Jong Un</span>', page)
    # The quote is one span with the entity nested inside it and the speaker badge at its end.
    m = re.search(r'<span id="q0-0" class="quote" data-person="(p\d+)"[^>]*>(.*?)<a class="who" href="#(p\d+)"', page)
    assert m and m.group(1) == m.group(3)
    assert '<span class="ent per"' in m.group(2) and "Kim Yong-chol</span>" in m.group(2)


def test_speaker_mention_links_to_canonical_person(page):
    pompeo = re.search(r'<section class="person card" id="(p\d+)"[^>]*><h3><span>Mike Pompeo</span>', page).group(1)
    # "Pompeo" (the mention after the quote) and "der Minister" both link to Mike Pompeo.
    assert re.search(rf'<a class="speaker" href="#{pompeo}"[^>]*><span class="ent per"[^>]*>Pompeo</span></a>', page)
    assert re.search(rf'<a class="speaker" href="#{pompeo}"[^>]*>der Minister</a>', page)


def test_person_panel_lists_quotes_and_variants(page):
    panel = re.search(r'<section class="person card" id="p\d+"[^>]*><h3><span>Mike Pompeo</span>.*?</section>', page).group(0)
    assert "Es war großartig" in panel and "„Gut“" in panel
    assert 'href="#q0-0"' in panel and 'href="#q1-1"' in panel
    assert "Schreibweisen: Mike Pompeo, Pompeo" in panel
    assert "2 Zitate" in panel
    kim = re.search(r'<section class="person card" id="p\d+"[^>]*><h3><span>Kim Jong Un</span>.*?</section>', page).group(0)
    assert "Wir sind bereit" in kim and "Es war großartig" not in kim


def test_overview_ranks_people_and_lists_places_organisations_documents(page):
    overview = page[page.index('id="overview"'): page.index('id="articles"')]
    by_mentions = overview[overview.index("Personen nach Erwähnungen"): overview.index("Personen nach Zitaten")]
    names = re.findall(r'data-filter="p\d+">([^<]+)</a>', by_mentions)
    assert names[0] == "Mike Pompeo"  # 3 mentions
    assert names[1] == "Kim Yong-chol"  # 2 mentions
    by_quotes = overview[overview.index("Personen nach Zitaten"): overview.index("<h3>Orte")]
    assert re.findall(r'data-filter="p\d+">([^<]+)</a>', by_quotes) == ["Mike Pompeo", "Kim Jong Un"]
    assert "Pjöngjang" in overview and "New York" in overview and "Vereinten Nationen" in overview
    assert 'href="#d0">a.txt</a>' in overview and 'href="#d1">b.txt</a>' in overview
    assert "2018-05" in overview


def test_filter_hooks(page):
    pompeo = re.search(r'<option value="(p\d+)">Mike Pompeo</option>', page).group(1)
    kim = re.search(r'<option value="(p\d+)">Kim Jong Un</option>', page).group(1)
    docs = dict(re.findall(r'<article class="doc card" id="(d\d)" data-persons="([^"]*)"', page))
    assert pompeo in docs["d0"].split() and pompeo in docs["d1"].split()
    assert kim not in docs["d0"].split() and kim in docs["d1"].split()


def test_unknown_speaker_and_empty_corpus():
    doc = make_document("x", "„Hallo“, sagte jemand.")
    record = {"doc": "x", "date": None, "entities": [], "quotes": [quote("„Hallo“", doc.text, None, None)]}
    page = render_report([(doc, record)])
    check(page)
    assert '<span class="who unknown">— unbekannt</span>' in page
    check(render_report([]))


def test_bad_offsets_are_dropped_not_misplaced():
    doc = make_document("x", "Kurz.")
    record = {"doc": "x", "date": None, "entities": [{"text": "X", "label": "PER", "start": 3, "end": 99, "canonical": "X"}], "quotes": []}
    page = render_report([(doc, record)])
    check(page)
    assert ">Kurz.</div>" in page
    record = {"doc": "x", "date": None, "entities": [], "quotes": [
        {"text": "„Lang“", "start": 2, "end": 80, "kind": "direct", "cue": "sagte", "addressee": None,
         "speaker": {"name": "Y", "mention": "Y", "start": 0, "end": 1}},
    ]}
    page = render_report([(doc, record)])
    check(page)  # no dangling link to a quote that could not be marked
    assert 'id="q0-0"' not in page and 'href="#d0">x</a>' in page


def test_crossing_and_identical_spans_nest():
    text = "abcdefgh"
    def mark(start, end, rank, name):
        return Mark(start, end, rank, f"<{name}>", f"<{name}+>", f"</{name}>", f"</{name}>")
    out = render_marked(text, [mark(0, 5, 0, "q"), mark(3, 8, 2, "e"), mark(3, 8, 1, "s"), mark(6, 6, 0, "empty")])
    assert out == "<q>abc<s><e>de</e></s></q><s+><e+>fgh</e></s>"
    check(out.replace("+", ""))  # still well nested as HTML-ish tags
    assert render_marked("a<b", []) == "a&lt;b"


def test_write_report_and_pairing(tmp_path):
    docs = [make_document(str(i), f"Text {i}") for i in range(4)]

    def run(items):  # like analyze: in order, document "2" failed
        for d in items:
            if d.id != "2":
                yield {"doc": d.id, "date": None, "entities": [], "quotes": []}

    paired = list(pair_records(docs, run))
    assert [(d.id, r["doc"]) for d, r in paired] == [("0", "0"), ("1", "1"), ("3", "3")]
    out = tmp_path / "r.html"
    assert write_report(paired, out) == 3
    assert "Text 3" in out.read_text(encoding="utf-8")


def test_analyze_pairs_with_a_pipeline(corpus, tiny_model, tmp_path):
    paired = list(analyze_pairs([str(corpus)], model=tiny_model))
    assert [Path(d.id).name for d, _ in paired] == ["a.txt", "b.txt"]
    for document, record in paired:
        assert record["doc"] == document.id
        for e in record["entities"]:
            assert document.text[e["start"]:e["end"]] == e["text"]
    out = tmp_path / "report.html"
    write_report(paired, out)
    page = out.read_text(encoding="utf-8")
    check(page)
    assert re.search(r'<span class="ent loc"[^>]*>Berlin</span>', page)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed")
def test_report_renders_in_headless_chromium(tmp_path):
    out = tmp_path / "report.html"
    write_report(pairs(), out, title="Browsertest")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr", "--v=0", "--window-size=1400,2000",
    ]
    png = tmp_path / "shot.png"
    shot = subprocess.run([_chromium(), *flags, f"--screenshot={png}", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert png.exists() and png.stat().st_size > 10_000, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    errors = [line for line in shot.stderr.splitlines() if "Uncaught" in line or "ERROR:CONSOLE" in line or "Refused to" in line]
    assert not errors, errors
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'data-report-js="ready"' in dom.stdout, dom.stderr[-2000:]  # the inline script ran to the end
    assert "&lt;script&gt;alert" in dom.stdout  # the article's <script> stayed text
    # Filtering by a person (here from the URL) hides the articles that do not mention them.
    kim = re.search(r'<option value="(p\d+)">Kim Jong Un</option>', out.read_text(encoding="utf-8")).group(1)
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", f"{out.as_uri()}?person={kim}"], capture_output=True, text=True, timeout=120)
    articles = dict(re.findall(r'<article class="doc card" id="(d\d)"([^>]*)>', dom.stdout))
    assert "hidden" in articles["d0"] and "hidden" not in articles["d1"], articles
    assert re.search(rf'<section class="person card" id="{kim}"[^>]*>', dom.stdout).group(0).count("hidden") == 0
    assert 'class="filtered"' in dom.stdout


def test_cli_report(corpus, tiny_model, tmp_path, capsys):
    from korea_ner.cli import main

    out = tmp_path / "report.html"
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(corpus), "-o", str(out), "--model", tiny_model, "--title", "CLI <t>"])
    assert exit_.value.code == 0
    page = out.read_text(encoding="utf-8")
    check(page)
    assert "<title>CLI &lt;t&gt;</title>" in page and "Lawrow" in page
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(corpus), "-o", str(tmp_path / "missing" / "r.html"), "--model", tiny_model])
    assert exit_.value.code == 2
    assert "cannot write" in capsys.readouterr().err


class Coverage(HTMLParser):
    """Which character positions of the text lie inside elements of each class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.chars: dict[str, set[int]] = {}
        self.position = 0

    def handle_starttag(self, tag, attrs):
        self.open.append(dict(attrs).get("class", ""))

    def handle_endtag(self, tag):
        self.open.pop()

    def handle_data(self, data):
        for name in self.open:
            self.chars.setdefault(name, set()).update(range(self.position, self.position + len(data)))
        self.position += len(data)


def test_random_spans_always_nest_and_keep_the_text():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings, strategies as st

    text = "Ab<c & „d“ ef\n\ng'h\"ij"
    span = st.tuples(st.integers(-2, len(text) + 2), st.integers(-2, len(text) + 2), st.integers(0, 2))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(span, max_size=8))
    def run(spans):
        marks = [Mark(a, b, r, f'<span class="k{i}">', f'<span class="k{i}">', "</span>", "</span>") for i, (a, b, r) in enumerate(spans)]
        out = render_marked(text, marks)
        check(out)
        import html as html_

        assert html_.unescape(re.sub(r"<[^>]+>", "", out)) == text
        # Every valid span covers exactly its characters (possibly in several fragments).
        covered = Coverage()
        covered.feed(out)
        for i, (a, b, _) in enumerate(spans):
            expected = set(range(a, b)) if 0 <= a < b <= len(text) else set()
            assert covered.chars.get(f"k{i}", set()) == expected, (i, a, b, out)

    run()
