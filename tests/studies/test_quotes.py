"""The papers' visible quotes as a test corpus (read from ../shared/seeds)."""
from __future__ import annotations

import re

import pytest

from qualcode import Codebook
from qualcode.coders import KeywordCoder
from qualcode.errors import QualcodeError
from qualcode.studies.b2b_influencer_marketing import CATEGORIES
from qualcode.studies.quotes import PAPERS, evaluate_on_quotes, extract_quotes, quotes_corpus


@pytest.fixture(scope="module")
def quotes(shared):
    return extract_quotes(shared / "seeds")


def test_counts_per_paper_and_section(quotes):
    # counted by reading the papers: 14 visible participant quotes in sections 4.1.1-4.2.4 of
    # Mero et al.; 18 in sections 4.2.1.1-4.3 and 10 in Table 2 of the UK study
    assert quotes["paper"].value_counts().to_dict() == {"uk_influential": 28, "mero2023": 14}
    mero = quotes[quotes["paper"] == "mero2023"]
    assert mero.groupby("section").size().to_dict() == {
        "4.1.1": 3, "4.1.2": 2, "4.1.3": 1, "4.1.4": 1, "4.1.5": 1, "4.1.6": 1,
        "4.2.1": 1, "4.2.2": 1, "4.2.3": 2, "4.2.4": 1}
    uk = quotes[quotes["paper"] == "uk_influential"]
    assert uk.groupby("section").size().to_dict() == {
        "4.2.1.1": 1, "4.2.1.2": 3, "4.2.2.1": 3, "4.2.2.2": 2, "4.2.3.1": 2, "4.2.3.2": 2,
        "4.3": 5, "Table 2": 10}
    assert uk.groupby("category").size().to_dict() == {
        "challenge": 5, "dimension.attributes": 2, "dimension.collaborative_relationships": 4,
        "dimension.communication_focus": 4, "dimension.content_types": 5,
        "dimension.existing_relationships": 4, "dimension.reach": 4}
    assert set(quotes["category"]) <= set(CATEGORIES)
    assert quotes["quote"].is_unique


def test_no_withheld_quote_or_citation_is_included(quotes, shared):
    assert not quotes["text"].str.contains("withheld", case=False).any()
    assert not quotes["attribution"].str.contains(r"\d{4}|et al", regex=True).any()
    for paper, q in quotes.groupby("paper"):
        text = (shared / "seeds" / PAPERS[paper]["file"]).read_text(encoding="utf-8")
        flat = " ".join(text.split())
        for row in q.itertuples():
            if paper != "mero2023" or "J. Mero" not in text[row.start:row.end]:
                assert row.text in flat
    first = quotes.iloc[0]
    assert first["text"].startswith("The difference is that the influencer marketing audience")
    assert first["attribution"] == "Chief Marketing & Digital Officer, Zeta"
    # a quote broken by a page header is joined without the header
    zeta = quotes[quotes["text"].str.startswith("If we have an industrial sector")].iloc[0]
    assert "J. Mero" not in zeta["text"] and "the entrepreneur will share it" in zeta["text"]
    # nested quotation marks inside a quote are kept
    assert quotes["text"].str.contains("“influencer marketing” to “relationship”", regex=False).any()


def test_quotes_corpus_has_one_turn_per_quote(quotes):
    corpus, codings = quotes_corpus(quotes)
    seg = corpus.codable_segments()
    assert len(seg) == len(quotes) == len(codings)
    assert seg["text"].tolist() == quotes["text"].tolist()
    assert codings["code"].tolist() == quotes["category"].tolist()
    assert set(codings["coder"]) == {"authors"}


def _categories_book(keywords: dict) -> Codebook:
    """A codebook declaring the papers' categories, with keywords for some of them."""
    roots = {}
    for cat in CATEGORIES:
        root = cat.split(".")[0]
        roots.setdefault(root, {"id": root, "name": root, "children": []})
        if cat != root:
            roots[root]["children"].append({"id": cat, "name": cat,
                                            "keywords": keywords.get(cat, [])})
    return Codebook.from_dict({"categories": list(CATEGORIES), "codes": list(roots.values())})


def test_evaluate_on_quotes_counts_each_category_on_its_papers(quotes):
    book = _categories_book({"process.selection": ["brand match"],
                             "dimension.reach": ["brand match", "audience"]})
    report = evaluate_on_quotes(KeywordCoder(book), book, quotes=quotes)
    per = report.per_code.set_index("code")
    assert list(per.index) == list(CATEGORIES)
    assert per.loc["process.selection", ["support", "tp", "fp"]].tolist() == [2, 1, 0]
    # "brand match" in a Mero et al. quote is not a dimension.reach false positive: paper 1 has no
    # dimensions; the support counts the UK study's quotes only
    assert per.loc["dimension.reach", "support"] == 4
    assert per["support"].sum() == 42
    assert report.summary().startswith("overall (42 quotes x 16 categories)")


def test_shipped_codebook_on_quotes_structure(quotes, repo):
    path = repo / "codebooks" / "b2b_influencer_marketing.yaml"
    if not path.exists():
        pytest.skip("the shipped codebook is not there yet")
    book = Codebook.load(path)
    report = evaluate_on_quotes(KeywordCoder(book), book, quotes=quotes)
    assert len(report.per_code) == 16
    assert 0 <= report.overall["micro_f1"] <= 1
    assert re.match(r"overall \(42 quotes x 16 categories\): micro P/R/F1 ", report.summary())


def test_a_codebook_the_quotes_do_not_belong_to_is_refused(quotes):
    book = Codebook.from_dict({"codes": [{"id": "process", "name": "P", "children": [
        {"id": "process.selection", "name": "S", "keywords": ["brand match"]}]}]})
    with pytest.raises(QualcodeError, match="codebook 'Study'|does not declare 'process.planning' "
                                            "and 15 more among its 'categories:'"):
        evaluate_on_quotes(KeywordCoder(book), book, quotes=quotes)
