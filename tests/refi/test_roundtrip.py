"""qualcode -> .qdpx -> qualcode keeps documents, codes, codings, cases and attributes exactly."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import qualcode as qc
from qualcode import refi
from qualcode.codebook import Codebook
from qualcode.corpus import Corpus, load_transcripts
from qualcode.readers import Source

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEMO = SHARED / "real-data" / "qc-refi-demo" / "demo.qdpx"

TEXTS = {
    "alpha": "Interviewer: Why influencers?\nAlpha: Straße, café — and 😀 emoji 👍🏽 too.\n"
             "Interviewer: More?\nAlpha: We sell through trust.\n",
    "beta": "Beta: Ünïcödé 𝔘𝔫𝔦 text.\n\nSecond paragraph & <xml> \"quotes\".",
    "gamma": "No speakers here, just one paragraph.",
}


def build():
    cb = Codebook.from_dict({"name": "Roundtrip", "version": "1.3", "description": "a test codebook",
                             "codes": [
        {"id": "goal", "name": "Goals", "description": "Why firms work with influencers.",
         "color": "#4e79a7", "children": [
             {"id": "goal.sales", "name": "Sales", "description": "Selling.",
              "inclusion": "revenue talk", "exclusion": "pricing", "keywords": ["sell", "buy * now"],
              "examples": [{"quote": "We sell", "source": "alpha"}]},
             {"id": "goal.branding", "name": "Branding", "properties": {"row": "Table 4", "n": 2}}]},
        {"id": "strategy", "name": "Strategies", "color": "#e15759", "children": [
            {"id": "strategy.trust_based", "name": "Trust based",
             "description": "Multi-line\ndefinition."}]},
    ]})
    sources = [Source(name=n, text=t, path="", format="text",
                      attributes={"case": {"alpha": "firm_a", "beta": "firm_a", "gamma": "firm_c"}[n]})
               for n, t in TEXTS.items()]
    cases = pd.DataFrame({"case": ["firm_a", "firm_c"], "industry": ["steel", "software"],
                          "firm_size": ["large", "small"]})
    corpus = Corpus.from_sources(sources, cases=cases)
    a = TEXTS["alpha"]
    s1 = a.index("Straße")
    e1 = a.index("too.") + 3
    s2 = a.index("We sell")
    b = TEXTS["beta"]
    s3 = b.index("𝔘𝔫𝔦")
    codings = pd.DataFrame([
        {"document": "alpha", "start": s1, "end": e1, "code": "goal.branding", "coder": "ann"},
        {"document": "alpha", "start": s1, "end": e1, "code": "goal.branding", "coder": "bob"},
        {"document": "alpha", "start": s2, "end": len(a) - 2, "code": "goal.sales", "coder": "ann"},
        {"document": "alpha", "start": s2, "end": len(a) - 2, "code": "strategy.trust_based",
         "coder": "ann"},
        {"document": "beta", "start": s3, "end": s3 + 8, "code": "goal", "coder": "bob"},
        {"document": "gamma", "start": 0, "end": len(TEXTS["gamma"]), "code": "strategy",
         "coder": "carol"},
    ])
    codings["method"] = "human"
    codings["memo"] = ""
    return corpus, cb, codings


KEY = ["document", "start", "end", "code", "coder"]


def _sorted(df):
    return df[KEY].sort_values(KEY).reset_index(drop=True)


def test_roundtrip_is_exact(tmp_path):
    corpus, cb, codings = build()
    out = refi.write_qdpx(tmp_path / "p.qdpx", corpus, cb, codings)
    p = refi.read_qdpx(out)
    assert p.warnings == []
    assert p.offsets == "codepoint"
    # documents: text exactly
    assert p.corpus.texts == corpus.texts
    # codes: ids, names, descriptions, hierarchy, colours, rules, keywords, examples, properties
    assert p.codebook.ids() == cb.ids()
    assert (p.codebook.name, p.codebook.version, p.codebook.description) == \
        (cb.name, cb.version, cb.description)
    for c in cb:
        d = p.codebook[c.id]
        assert (d.name, d.description, d.parent, d.children, d.color) == \
            (c.name, c.description, c.parent, c.children, c.color)
        assert (d.inclusion, d.exclusion, d.keywords, d.examples) == \
            (c.inclusion, c.exclusion, c.keywords, c.examples)
        assert {k: v for k, v in d.properties.items() if k != "refi_guid"} == c.properties
    # codings: offsets and coders
    pd.testing.assert_frame_equal(_sorted(p.codings), _sorted(codings))
    # cases and attributes
    pd.testing.assert_frame_equal(
        p.cases.sort_values("case").reset_index(drop=True),
        corpus.cases.sort_values("case").reset_index(drop=True))
    assert dict(zip(p.corpus.documents["document"], p.corpus.documents["case"])) == \
        {"alpha": "firm_a", "beta": "firm_a", "gamma": "firm_c"}
    # segments are cut by the same rules
    pd.testing.assert_frame_equal(p.corpus.segments.reset_index(drop=True),
                                  corpus.segments.reset_index(drop=True), check_dtype=False)


def test_export_import_export_is_byte_identical(tmp_path):
    corpus, cb, codings = build()
    first = refi.qdpx_bytes(corpus, cb, codings)
    (tmp_path / "a.qdpx").write_bytes(first)
    p = refi.read_qdpx(tmp_path / "a.qdpx")
    assert refi.qdpx_bytes(p.corpus, p.codebook, p.codings) == first


def test_roundtrip_through_files(tmp_path):
    """Transcripts written as files (front matter, cases.csv) survive a round trip too."""
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "p1.txt").write_text("---\ncase: c1\nrole: CEO\n---\nInterviewer: Hi\nP1: Hello ✓ there\n",
                                   encoding="utf-8")
    (folder / "p2.txt").write_text("---\ncase: c2\n---\nP2: Nothing to add.\n", encoding="utf-8")
    (folder / "cases.csv").write_text("case,industry\nc1,steel\nc2,food\n", encoding="utf-8")
    corpus = load_transcripts(folder)
    cb = Codebook.from_dict({"codes": [{"id": "a", "name": "A"}]})
    codings = pd.DataFrame([{"document": "p1", "start": 20, "end": 27, "code": "a", "coder": "x"}])
    assert corpus.text("p1")[20:27] == "Hello ✓"
    out = refi.write_qdpx(tmp_path / "p.qdpx", corpus, cb, codings)
    back_corpus, back_cb, back_codings = refi.load_project(out)
    assert back_corpus.texts == corpus.texts
    pd.testing.assert_frame_equal(
        back_corpus.cases.sort_values("case").reset_index(drop=True)[sorted(corpus.cases.columns)],
        corpus.cases.sort_values("case").reset_index(drop=True)[sorted(corpus.cases.columns)])
    pd.testing.assert_frame_equal(_sorted(back_codings), _sorted(codings))


def test_imported_demo_roundtrips(tmp_path):
    if not DEMO.exists():
        pytest.skip("../shared is not beside the repository")
    p = refi.read_qdpx(DEMO)
    out = refi.write_qdpx(tmp_path / "demo2.qdpx", p.corpus, p.codebook, p.codings)
    q = qc.read_qdpx(out)
    assert q.corpus.texts == p.corpus.texts
    assert q.codebook.ids() == p.codebook.ids()
    assert [c.properties["refi_guid"] for c in q.codebook] == \
        [c.properties["refi_guid"].upper() for c in p.codebook]
    pd.testing.assert_frame_equal(_sorted(q.codings), _sorted(p.codings))
