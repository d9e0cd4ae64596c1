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
