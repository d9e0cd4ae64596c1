"""Training labels from human codings: rules for several coders, folds, the F1 threshold."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode import Corpus
from qualcode.coders.labels import best_f1_threshold, best_f1_thresholds, document_folds, human_labels
from qualcode.codings import map_to_segments
from qualcode.errors import CodingsError


@pytest.fixture()
def two_coders():
    corpus = Corpus.from_texts({"a": "Ann: one\n\nAnn: two", "b": "Bo: three"})
    seg = corpus.codable_segments()
    rows = [("a", *seg.iloc[0][["start", "end"]], "x", "C1"),
            ("a", *seg.iloc[0][["start", "end"]], "x", "C2"),
            ("a", *seg.iloc[1][["start", "end"]], "x", "C1"),
            ("b", *seg.iloc[2][["start", "end"]], "y", "C3", "keyword")]
    codings = pd.DataFrame([r[:5] + (r[5] if len(r) > 5 else "human",) for r in rows],
                           columns=["document", "start", "end", "code", "coder", "method"])
    return corpus, seg, codings


def test_rules(two_coders):
    corpus, seg, codings = two_coders
    y, covered = human_labels(codings, seg, ["x", "y"], rule="any")
    assert y[:, 0].tolist() == [1, 1, 0] and covered.tolist() == [True, True, False]  # machine row out
    y, _ = human_labels(codings, seg, ["x", "y"], rule="majority")
    assert y[:, 0].tolist() == [1, 0, 0]  # segment 2: one of the two coders of document a
    y, _ = human_labels(codings, seg, ["x", "y"], rule="C2")
    assert y[:, 0].tolist() == [1, 0, 0]
    with pytest.raises(CodingsError, match="no human codings by coder 'C9' \\(coders: C1, C2\\)"):
        human_labels(codings, seg, ["x"], rule="C9")


def test_a_mapping_gives_the_same_labels(two_coders):
    corpus, seg, codings = two_coders
    mapping = map_to_segments(codings, corpus.segments)
    for rule in ("any", "majority", "C1"):
        a = human_labels(codings, seg, ["x", "y"], rule=rule)
        b = human_labels(codings, seg, ["x", "y"], rule=rule, mapping=mapping)
        assert all((p == q).all() for p, q in zip(a, b))


def test_folds_and_threshold():
    folds = document_folds(list("abcdefg"), 3, seed=1)
    assert sorted(sum(folds, [])) == list("abcdefg") and sorted(map(len, folds)) == [2, 2, 3]
    assert best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.2]), np.array([1, 1, 0, 0])) == 0.55
    assert best_f1_threshold(np.array([0.9]), np.array([0])) == 0.5


def test_best_f1_thresholds_per_code_only_with_enough_positives():
    scores = np.array([[0.9, 0.9, 0.1], [0.8, 0.2, 0.2], [0.3, 0.3, 0.3], [0.2, 0.4, 0.4]])
    labels = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
    # column 0: halfway between 0.8 and 0.3; column 1: one positive, halfway 0.9 / 0.4
    assert best_f1_thresholds(scores, labels).tolist() == [0.55, 0.65, 0.5]
    assert best_f1_thresholds(scores, labels, min_positives=2, default=0.7).tolist() == \
        [0.55, 0.7, 0.7]
