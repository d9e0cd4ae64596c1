"""qualcode.crosscase: disputed passages grouped by turn, and the cross-case tables, from a
corpus, a codebook and codings (the Compare and Cross-case pages draw these)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import qualcode as qc
from qualcode import agreement, crosscase, matrix

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample():
    corpus = qc.load_transcripts(REPO / "transcripts_sample")
    cb = qc.Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    codings = qc.read_codings(REPO / "transcripts_sample" / "codings_human.csv", corpus=corpus,
                              codebook=cb)
    return corpus, cb, codings[codings["coder"].isin(["C1", "C2"])]


def test_disagreement_passages_are_the_disagreements_with_their_turn(sample):
    corpus, _, codings = sample
    table = crosscase.disagreement_passages(corpus, codings)
    plain = agreement.disagreements(corpus, codings, "segment")
    assert len(table) == len(plain)
    assert set(crosscase.PASSAGE_COLUMNS) <= set(table.columns)
    seg = corpus.codable_segments()
    for r in table.sample(20, random_state=0).itertuples(index=False):
        turn = seg[(seg["document"] == r.document) & (seg["start"] <= r.start)
                   & (seg["end"] > r.start)].iloc[0]
        assert (r.passage_start, r.passage_end, r.passage_speaker) == \
            (turn["start"], turn["end"], turn["speaker"])
    # one passage = one turn; passages numbered in reading order
    assert (table.groupby("passage")["passage_start"].nunique() == 1).all()
    assert table["passage"].is_monotonic_increasing


def test_character_level_stretches_find_their_turn(sample):
    corpus, _, codings = sample
    alpha = codings[codings["document"] == "alpha"]
    table = crosscase.disagreement_passages(corpus, alpha, unit="character")
    assert len(table) and ((table["start"] >= table["passage_start"])
                           & (table["start"] < table["passage_end"])).all()


def test_tables_are_matrix_tables_for_cases_with_a_transcript(sample):
    corpus, cb, codings = sample
    t = crosscase.tables(corpus, cb, codings, coder="C1", depth=1, attribute="group")
    fresh = matrix.case_by_code(corpus, codings, coder="C1", codebook=cb, depth=1)
    pd.testing.assert_frame_equal(t.case_by_code, fresh.loc[t.case_by_code.index,
                                                            t.case_by_code.columns])
    order = [c for c in cb.ids() if c in t.case_by_code.columns]
    assert list(t.case_by_code.columns) == order
    assert t.strategy is not None and list(t.strategy.counts.columns) == cb.children("strategy")
    assert list(t.code_by_attribute.columns)[0] == "n_cases"
    assert list(t.cooccurrence.index) == [c for c in order if c in t.cooccurrence.index]
    with pytest.raises(crosscase.CrossCaseError, match="no case attribute 'nope'"):
        crosscase.tables(corpus, cb, codings, attribute="nope")
    with pytest.raises(crosscase.CrossCaseError, match="coder 'C9'"):
        crosscase.tables(corpus, cb, codings, coder="C9")
    assert crosscase.strategy_root(cb) == "strategy"
