"""The replication's settings: the shipped codebook declares the papers' categories."""
from __future__ import annotations

from qualcode import Codebook
from qualcode.studies import b2b_influencer_marketing as replication
from qualcode.studies.quotes import PAPERS, check_codebook


def test_the_shipped_codebook_declares_the_categories_the_quotes_use(repo):
    book = Codebook.load(repo / replication.CODEBOOK)
    assert book.categories == list(replication.CATEGORIES)
    check_codebook(book)  # does not raise
    sections = {cat for spec in PAPERS.values() for _, _, cat in spec["sections"]}
    assert sections == set(replication.CATEGORIES)


def test_the_study_settings_name_things_the_sample_has(repo):
    from qualcode import load_transcripts

    corpus = load_transcripts(repo / replication.SAMPLE)
    book = Codebook.load(repo / replication.CODEBOOK)
    (key, value), = replication.STUDY["where"].items()
    assert (corpus.cases[key] == value).sum() >= 10
    assert replication.STUDY["themes"] in book
    assert replication.default_seeds_dir().name == "seeds"


# Table 4 of Mero, Vanninen & Keränen (2023), "Associated firms (* hybrid strategy)", typed from
# the paper (seeds/mero2023_b2b_influencer_marketing.txt), not from the codebook.
TABLE4 = {
    "strategy.reference_based": "Theta Mu Epsilon Zeta",
    "strategy.content_based": "Beta Delta Alpha* Iota* Kappa* Lambda* Eta*",
    "strategy.interaction_based": "Gamma Kappa* Eta*",
    "strategy.purpose_based": "Alpha* Iota* Lambda*",
}


def test_the_samples_reference_coding_reproduces_every_cell_of_table4(repo):
    """issue 23: the sample was written to replicate Table 4; from C1's coding, with the documented
    threshold of ``matrix.strategy_by_case`` (two coded turns), every one of the 12 firms x 4
    strategies cells is as published: shown or not, and hybrid-marked or not."""
    from qualcode import load_transcripts, matrix, read_codings

    corpus = load_transcripts(repo / replication.SAMPLE)
    book = Codebook.load(repo / replication.CODEBOOK)
    human = read_codings(repo / replication.SAMPLE / "codings_human.csv", corpus=corpus,
                         codebook=book)
    sm = matrix.strategy_by_case(corpus, human, book, coder=replication.STUDY["reference"],
                                 where=replication.STUDY["where"])
    published = {s: row.split() for s, row in TABLE4.items()}
    firms = sorted({f.rstrip("*") for row in published.values() for f in row})
    assert sorted(sm.counts.index) == firms and len(firms) == 12
    cells = {(s, f): ("yes*" if f + "*" in row else "yes" if f in row else "no")
             for s, row in published.items() for f in firms}
    derived = {(s, f): ("yes*" if f + "*" in row else "yes" if f in row else "no")
               for s, row in sm.associated.items() for f in firms}
    assert len(cells) == 48 and sum(v != "no" for v in cells.values()) == 17
    assert {k: v for k, v in derived.items() if v != cells[k]} == {}
    assert sm.compare()["agrees"].all() and len(sm.compare()) == 17
