"""evaluate: document-grouped folds, hand-checked figures, levels, references."""
from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pytest

from qualcode import Codebook, Corpus, QualcodeError
from qualcode.coders import ClassifierCoder, KeywordCoder, evaluate
from qualcode.coders.evaluate import level_mapping


def five_turns():
    turns = ["We measured ROI.", "ROI matters; we measure ROI.", "Conversions only.", "Nothing.",
             "Still nothing."]
    corpus = Corpus.from_texts({"d": "\n".join(f"P: {t}" for t in turns) + "\n"})
    seg = corpus.codable_segments()
    rows = [("d", int(seg.iloc[i]["start"]), int(seg.iloc[i]["end"]), "roi", "C1") for i in (0, 3)]
    return corpus, pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


def test_keyword_figures_by_hand():
    book = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI", "keywords": ["measure roi", "conversion"]}]})
    corpus, human = five_turns()
    report = evaluate(KeywordCoder(book), corpus, human)
    # reference 1 0 0 1 0, machine 1 1 1 0 0: tp 1, fp 2, fn 1
    row = report.per_code.iloc[0]
    assert (row["support"], row["predicted"], row["tp"], row["fp"], row["fn"]) == (2, 3, 1, 2, 1)
    assert row["precision"] == pytest.approx(1 / 3) and row["recall"] == pytest.approx(0.5)
    assert row["f1"] == pytest.approx(0.4)
    # po = 2/5; pe = 0.4 * 0.6 + 0.6 * 0.4 = 0.48; kappa = (0.4 - 0.48) / 0.52
    assert row["kappa"] == pytest.approx(-0.08 / 0.52)
    assert report.overall["kappa"] == pytest.approx(-0.08 / 0.52)
    assert report.folds == [] and report.method == "keyword"


def test_folds_never_share_a_document(codebook, study):
    corpus, human = study
    report = evaluate(ClassifierCoder(codebook), corpus, human, folds=4, seed=3)
    assert len(report.folds) == 4
    tested = [d for f in report.folds for d in f["test"]]
    assert sorted(tested) == sorted(corpus.document_ids)  # each document tested exactly once
    for f in report.folds:
        assert not set(f["train"]) & set(f["test"])
        assert set(f["train"]) | set(f["test"]) == set(corpus.document_ids)
    assert report.per_code["code"].tolist() == ["roi", "rel", "one"]
    roi = report.per_code.set_index("code").loc["roi"]
    assert roi["support"] == 12 and roi["f1"] > 0.8 and roi["kappa"] > 0.7
    assert report.overall["units"] == 36
    other = evaluate(ClassifierCoder(codebook), corpus, human, folds=4, seed=4)
    assert [f["test"] for f in other.folds] != [f["test"] for f in report.folds]


def test_folds_capped_by_documents_and_factory(codebook, study):
    corpus, human = study
    report = evaluate(lambda: ClassifierCoder(codebook, threshold=0.5), corpus, human, folds=10)
    assert len(report.folds) == 6
    assert report.notes[0] == "6 folds (one per coded document) instead of 10"


def test_reference_coder_and_unknown_coder(codebook, study):
    corpus, human = study
    both = pd.concat([human, human.iloc[:3].assign(coder="C2")], ignore_index=True)
    only_c2 = evaluate(KeywordCoder(codebook), corpus, both, reference="C2")
    assert only_c2.overall["units"] == 6  # C2 coded one document
    with pytest.raises(QualcodeError, match="no human codings by coder 'C9' \\(coders: C1, C2\\)"):
        evaluate(KeywordCoder(codebook), corpus, both, reference="C9")


def test_levels():
    book = Codebook.from_dict({"categories": ["process.planning", "challenge"], "codes": [
        {"id": "process", "name": "P", "children": [
            {"id": "process.planning", "name": "Pl", "children": [{"id": "process.planning.tasks", "name": "T"}]}]},
        {"id": "challenge", "name": "C", "children": [{"id": "challenge.measurement", "name": "M"}]},
        {"id": "goal", "name": "G", "children": [{"id": "goal.sales", "name": "S"}]}]})
    assert book.category_mapping() == {"process.planning": "process.planning",
                                      "process.planning.tasks": "process.planning",
                                      "challenge": "challenge", "challenge.measurement": "challenge"}
    notes = []
    mapping, name = level_mapping(book, "category", notes=notes)
    assert name == "category" and notes == ["3 codes outside the codebook's categories are left "
                                            "out (e.g. process.*, goal.*)"]
    undeclared = Codebook.from_dict({"codes": book.to_dict()["codes"]})
    notes = []
    assert level_mapping(undeclared, "category", notes=notes)[0] == undeclared.rollup(0)
    assert notes == ["the codebook declares no categories ('categories:'); using its top-level codes"]
    assert level_mapping(book, 0)[0]["process.planning.tasks"] == "process"
    assert level_mapping(book, "1")[0]["process.planning.tasks"] == "process.planning"
    with pytest.raises(QualcodeError, match="unknown level"):
        level_mapping(book, "sideways")


def test_category_level_rolls_codes_up():
    book = Codebook.from_dict({"codes": [{"id": "challenge", "name": "C", "children": [
        {"id": "challenge.measurement", "name": "M", "keywords": ["measure roi"]},
        {"id": "challenge.finding_influencers", "name": "F", "keywords": ["conversion"]}]}]})
    corpus, human = five_turns()
    human["code"] = ["challenge.measurement", "challenge.finding_influencers"]
    report = evaluate(KeywordCoder(book), corpus, human, level="category")
    assert report.per_code["code"].tolist() == ["challenge"]
    row = report.per_code.iloc[0]
    assert (row["support"], row["predicted"], row["tp"]) == (2, 3, 1)
    frame = report.to_frame()
    assert frame["code"].tolist() == ["challenge", "ALL (micro)", "ALL (macro)"]


class RecordsDecisions(ClassifierCoder):
    """A classifier that keeps the review decisions each fold's copy was fitted with."""

    seen: ClassVar[list] = []

    def fit(self, corpus, codings, y=None, *, decisions=None):
        RecordsDecisions.seen.append((sorted(set(codings["document"])),
                                      None if decisions is None else sorted(decisions["document"])))
        return super().fit(corpus, codings)


def test_decisions_reach_a_coder_that_takes_them_from_its_training_documents_only(codebook, study):
    corpus, human = study
    decisions = pd.DataFrame({"document": [f"doc{d}" for d in range(6)], "start": 0, "end": 5,
                              "code": "roi", "status": "rejected", "reviewer": "C1"})
    RecordsDecisions.seen = []
    report = evaluate(RecordsDecisions(codebook), corpus, human, folds=3, decisions=decisions)
    assert len(RecordsDecisions.seen) == 3
    for (trained, got), fold in zip(RecordsDecisions.seen, report.folds):
        assert trained == sorted(fold["train"]) and got == sorted(fold["train"])
    # a coder whose fit takes no decisions is fitted as before
    plain = evaluate(ClassifierCoder(codebook), corpus, human, folds=3, decisions=decisions)
    pd.testing.assert_frame_equal(plain.per_code, evaluate(ClassifierCoder(codebook), corpus,
                                                           human, folds=3).per_code)
