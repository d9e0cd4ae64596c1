"""The project learner: suggestions from the codebook alone, then from hand coding measured by
cross-validation; one gate with a minimum; never a duplicate of the coder's own coding; the
review order spread over interviews; the chat model against an in-process stub server. A fake
bag-of-stems encoder stands in for the sentence-embedding model (no PyTorch)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from qualcode import Codebook, Corpus
from qualcode.coders import learner
from qualcode.coders.active import spread_over_documents
from qualcode.coders.labels import crossfit_decide
from qualcode.coders.learner import (
    CODEBOOK_LABEL,
    UNMEASURED_LABEL,
    GateError,
    ProjectLearner,
    check_gate,
    learn,
    learning_curve,
)

from .test_semantic import FakeEncoder, fake  # noqa: F401 (fixture)

BOOK = {"codes": [
    {"id": "roi", "name": "Return on investment",
     "description": "Measuring the return on investment of campaigns and tracking conversions.",
     "keywords": ["conversion rate"],
     "examples": [{"quote": q, "source": "t"} for q in (
         "We report conversions and ROI to the board every month.",
         "The ROI of the webinar campaign was measured in leads.",
         "Tracking conversions tells us what the campaign returned.")]},
    {"id": "rel", "name": "Relationships",
     "description": "Trust and long relationships with customers.",
     "examples": [{"quote": q, "source": "t"} for q in (
         "Our customers trust us after years of working together.",
         "We build long relationships with every key customer.",
         "Trust between the account manager and the customer matters most.")]},
    {"id": "hire", "name": "Hiring",
     "description": "Recruiting staff and hiring new employees.",
     "examples": [{"quote": q, "source": "t"} for q in (
         "We hired two new engineers for the marketing team.",
         "Recruiting staff is slow in our region.",
         "New employees learn the product in their first month.")]},
]}

LINES = {
    "roi": ["We measure the ROI of each campaign and report conversions.",
            "Conversions from the webinar campaign were tracked to measure ROI.",
            "The board wants the return on investment of campaigns in leads."],
    "rel": ["Customers trust us because of long relationships.",
            "Key customers stay for years when trust is built.",
            "The relationship with each customer is built on trust."],
    "": ["The weather was fine that day.", "Lunch was served at noon in the canteen.",
         "We moved offices last spring."],
}


@pytest.fixture
def book():
    return Codebook.from_dict(BOOK)


def make_study(n_docs=6):
    texts, labels = {}, []
    order = ["roi", "rel", "", "roi", "rel", ""]
    for d in range(n_docs):
        lines = []
        for i, code in enumerate(order):
            lines.append(f"Interviewer: question {i}?")
            lines.append(f"P{d}: {LINES[code][(d + i) % 3]}")
            labels.append((f"doc{d}", i, code))
        texts[f"doc{d}"] = "\n".join(lines) + "\n"
    corpus = Corpus.from_texts(texts)
    seg = corpus.codable_segments()
    rows = []
    for doc, i, code in labels:
        s = seg[seg["document"] == doc].iloc[i]
        if code:
            rows.append((doc, int(s["start"]), int(s["end"]), code, "ME", "human"))
    human = pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder", "method"])
    return corpus, human


def options(fake):
    return {"base_options": {"model": fake}}


def test_the_floor_has_a_minimum_unless_everything_is_shown():
    assert check_gate()["kappa_floor"] == learner.KAPPA_FLOOR == 0.2
    with pytest.raises(GateError, match="below the minimum 0.1"):
        check_gate(0.05)
    with pytest.raises(GateError, match="below the minimum"):
        check_gate(0.0)
    assert check_gate(0.0, show_all=True) == {"kappa_floor": 0.0, "min_examples": 3, "show_all": True}
    assert check_gate(0.1)["kappa_floor"] == 0.1
    with pytest.raises(GateError):
        check_gate(0.3, min_examples=0)


def test_no_hand_coding_suggests_from_the_codebook_alone(book, fake):
    corpus, _ = make_study()
    res = learn(corpus, book, None, **options(fake))
    codes = {c["code"]: c for c in res["codes"]}
    suggesting = {k for k, c in codes.items() if c["state"] == "suggesting"}
    assert suggesting, codes
    for k in suggesting:
        assert codes[k]["source"] == "codebook" and codes[k]["kappa"] >= 0.2
        assert codes[k]["label"] == CODEBOOK_LABEL
    sugg = res["suggestions"]
    assert len(sugg) and set(sugg["code"]) <= suggesting
    assert sugg["memo"].str.startswith(CODEBOOK_LABEL).all()
    assert sugg["memo"].str.contains("codebook example").all()  # the nearest example says why
    assert sugg["score"].between(0, 1).all()
    assert res["note"] == CODEBOOK_LABEL


def test_hand_coding_is_measured_by_cross_validation(book, fake):
    corpus, human = make_study()
    res = learn(corpus, book, human, **options(fake))
    codes = {c["code"]: c for c in res["codes"]}
    for k in ("roi", "rel"):
        assert codes[k]["source"] == "project" and codes[k]["n"] == 12
        assert codes[k]["kappa_low"] is not None and codes[k]["kappa_low"] <= codes[k]["kappa"] \
            <= codes[k]["kappa_high"]
        assert codes[k]["precision"] is not None
    assert codes["hire"]["source"] == "codebook"  # never coded: still from the codebook
    # each interview's last turn comes after its last coding: not taken for a negative, it is
    # what is left to review
    assert set(res["uncertainty"]) == {(f"doc{d}", 12) for d in range(6)}
    assert res["codes"][0]["code"] == "roi"


def test_a_partly_coded_interview_is_not_taken_for_negatives(book):
    corpus, human = make_study()
    seg = corpus.codable_segments().reset_index(drop=True)
    first = human[human["document"] == "doc0"].iloc[:1]  # one coding, at the first turn
    seen = learner.read_mask(seg, first)
    doc0 = (seg["document"] == "doc0").to_numpy()
    assert seen[doc0].tolist() == [True, False, False, False, False, False]
    # a coding further down marks the turns up to it as read
    later = human[human["document"] == "doc0"].iloc[1:2]
    assert learner.read_mask(seg, pd.concat([first, later]))[doc0].tolist() == [True, True, False,
                                                                                 False, False, False]


def test_turns_far_from_any_coding_are_not_taken_for_negatives(book):
    # a student coding from the review queue codes passages here and there: the turns between
    # them were not read, so their codes' absence says nothing
    corpus, _ = make_study()
    seg = corpus.codable_segments().reset_index(drop=True)
    doc0 = seg[seg["document"] == "doc0"].reset_index(drop=True)
    mine = (seg["document"] == "doc0").to_numpy()

    def coded(*turns):
        return pd.DataFrame({"document": "doc0", "start": doc0["start"].iloc[list(turns)],
                             "end": doc0["end"].iloc[list(turns)], "code": "roi", "coder": "ann",
                             "method": "human"})

    # first and last turn coded, four uncoded turns between: only the two coded ones were read
    assert learner.read_mask(seg, coded(0, 5))[mine].tolist() == [True, False, False, False,
                                                                  False, True]
    # one or two uncoded turns between codings (or before the first) were passed over in reading
    assert learner.read_mask(seg, coded(2, 5))[mine].tolist() == [True, True, True, True, True,
                                                                  True]
    assert learner.read_mask(seg, coded(3))[mine].tolist() == [False, False, False, True, False,
                                                               False]
    assert learner.read_mask(seg, coded(3), gap=3)[mine].tolist() == [True, True, True, True,
                                                                      False, False]


def test_no_suggestion_on_a_span_the_coder_already_coded(book, fake):
    corpus, human = make_study()
    part = human[human["document"].isin(["doc0", "doc1", "doc2"])]
    res = learn(corpus, book, part, **options(fake))
    sugg = res["suggestions"]
    assert len(sugg)
    for row in part.itertuples():
        same = sugg[(sugg["document"] == row.document) & (sugg["code"] == row.code)]
        assert not ((same["start"] < row.end) & (same["end"] > row.start)).any()
    # a suggestion the learner would make, once coded by hand, is never suggested again
    first = sugg.iloc[0]
    coded = pd.concat([part, pd.DataFrame([{"document": first["document"], "start": first["start"] + 1,
                                            "end": first["end"] - 1, "code": first["code"],
                                            "coder": "ME", "method": "human"}])])
    again = learner.gate(learner.measure(corpus, book, part, **options(fake)), book, coded)
    s = again["suggestions"]
    assert not ((s["document"] == first["document"]) & (s["code"] == first["code"])
                & (s["start"] == first["start"])).any()


def test_a_coder_learns_from_their_own_coding_only(book, fake):
    corpus, human = make_study()
    other = human[human["document"].isin(["doc0", "doc1", "doc2"])].assign(coder="ANNA")
    res = learn(corpus, book, other, coder="BEN", **options(fake))
    assert res["codings"] == 0 and res["documents"] == 0
    # Anna's coding does not block suggestions to Ben on those spans
    mine = learn(corpus, book, other, coder="ANNA", **options(fake))
    assert mine["codings"] == len(other)


def test_rejections_are_never_suggested_again(book, fake):
    corpus, human = make_study()
    part = human[human["document"].isin(["doc0", "doc1", "doc2"])]
    res = learn(corpus, book, part, **options(fake))
    first = res["suggestions"].iloc[0]
    decisions = pd.DataFrame([{"document": first["document"], "start": first["start"],
                               "end": first["end"], "code": first["code"], "status": "rejected",
                               "reviewer": "ME"}])
    again = learn(corpus, book, part, decisions, **options(fake))["suggestions"]
    assert not ((again["document"] == first["document"]) & (again["code"] == first["code"])
                & (again["start"] == first["start"])).any()


def test_show_everything_labels_every_suggestion_unmeasured(book, fake):
    corpus, _ = make_study()
    res = learn(corpus, book, None, kappa_floor=0.0, show_all=True, **options(fake))
    assert {c["state"] for c in res["codes"]} == {"suggesting"}
    assert res["suggestions"]["memo"].str.startswith(UNMEASURED_LABEL).all()


def test_review_order_is_spread_over_interviews():
    t = pd.DataFrame({"document": ["a", "a", "a", "b", "c"], "segment": [1, 2, 3, 1, 1],
                      "margin": [0.01, 0.02, 0.03, 0.5, 0.4]})
    out = spread_over_documents(t, "margin")
    assert out["document"].tolist()[:3] == ["a", "c", "b"]
    assert out["segment"].tolist() == [1, 1, 1, 2, 3]


def test_uncertainty_ranks_cover_uncoded_interviews_spread(book, fake):
    corpus, human = make_study()
    part = human[human["document"].isin(["doc0", "doc1"])]
    res = learn(corpus, book, part, **options(fake))
    ranks = res["uncertainty"]
    assert sorted(ranks.values()) == list(range(1, len(ranks) + 1))
    first = sorted(ranks, key=ranks.get)[:6]  # one passage of every interview first
    assert sorted(d for d, _ in first) == [f"doc{d}" for d in range(6)]
    assert ("doc0", 2) not in ranks  # coded by hand


def test_as_an_estimator_evaluate_cross_validates_the_whole_learner(book, fake):
    from qualcode.coders import evaluate

    corpus, human = make_study()
    rep = evaluate(ProjectLearner(book, base_options={"model": fake}), corpus, human, folds=3)
    assert rep.method == "learner" and rep.overall["kappa"] > 0.3


def test_tfidf_base_without_the_extra(book):
    corpus, human = make_study()
    res = learn(corpus, book, human[human["document"].isin(["doc0", "doc1", "doc2", "doc3"])],
                base="classifier")
    codes = {c["code"]: c for c in res["codes"]}
    assert codes["roi"]["source"] == "project" and codes["hire"]["source"] is None
    assert set(res["suggestions"]["method"]) <= {"classifier"}


def test_learning_curve_from_the_runs():
    runs = pd.DataFrame({"parameters": [
        json.dumps({"learner": {"codings": 10, "kappa": 0.2}}), json.dumps({"other": 1}),
        json.dumps({"learner": {"codings": 30, "kappa": None}}),
        json.dumps({"learner": {"codings": 40, "kappa": 0.5}}), "not json"],
        "started_at": ["t1", "t2", "t3", "t4", "t5"],
        "coder": ["qualcode-learner"] * 4 + ["qualcode-learner-for-ANNA"]})
    assert [(p["codings"], p["kappa"]) for p in learning_curve(runs)] == [(10, 0.2), (40, 0.5)]
    assert learning_curve(runs)[0]["time"] == "t1"
    assert learning_curve(runs, "ANNA") == []  # Anna's model has its own curve


def test_codebook_estimate_is_cached_per_codebook(book, fake):
    from qualcode.coders.codebook_trained import CodebookCoder

    learner._ESTIMATES.clear()
    cc = CodebookCoder(book, model=fake)
    first = learner.codebook_estimate(cc)
    FakeEncoder.calls = []
    assert learner.codebook_estimate(CodebookCoder(book, model=fake)) is first
    assert set(first) == {"roi", "rel", "hire"} and all(np.isfinite(v["kappa"]) for v in first.values())


def test_cut_offs_are_tuned_only_on_enough_positives_and_never_on_the_rows_they_decide():
    rng = np.random.default_rng(0)
    y = np.zeros((40, 2), dtype=np.int8)
    y[:6, 0] = 1  # code 0: 6 positives, enough to tune its cut-off
    y[:4, 1] = 1  # code 1: 4, too few: the models' own 0.5
    oof = rng.uniform(0.0, 0.2, size=(40, 2))
    oof[:6, 0] = 0.3
    oof[:4, 1] = 0.3
    cut = learner.best_thresholds(oof, y)
    assert 0.2 < cut[0] < 0.3 and cut[1] == 0.5
    # two interviews: in "a" the positives score 0.9, in "b" 0.3; "b" is cut where "a" puts it
    docs = np.array(["a"] * 20 + ["b"] * 20)
    y2 = np.zeros((40, 1), dtype=np.int8)
    y2[:6, 0] = y2[20:26, 0] = 1
    s = rng.uniform(0.0, 0.2, size=(40, 1))
    s[:6, 0], s[20:26, 0] = 0.9, 0.3
    pred = crossfit_decide(s, y2, [docs == "a", docs == "b"],
                           lambda sc, t: (sc >= t).astype(np.int8), min_positives=5)
    assert pred[:6, 0].all() and not pred[20:26, 0].any()  # tuned on "a": above 0.3
    assert learner.best_thresholds(s, y2)[0] < 0.3  # tuned on both, as the final model is


def test_the_codebook_coders_own_kappa_is_of_cut_offs_chosen_on_other_folds():
    """The coder's cv_kappa_ (its withheld_ gate) once flattered every code: the held-out scores
    were cut where they themselves put the best cut-off. A code whose held-out scores rank its
    positives well in each fold, but on different scales, is judged at the other folds' cut-off."""
    from qualcode.coders.codebook_trained import CodebookCoder

    book = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI"}, {"id": "x", "name": "X"}]})
    cc = CodebookCoder(book, cv_folds=2, min_cutoff_positives=1)
    y = np.zeros((8, 2), dtype=np.int8)
    y[[0, 4], 0] = 1
    oof = np.array([[0.9, 0.1], [0.5, 0.1], [0.3, 0.1], [0.3, 0.1],
                    [0.45, 0.1], [0.44, 0.1], [0.1, 0.1], [0.1, 0.1]])
    cc.classes_ = np.array(book.ids(), dtype=object)
    cc.support_ = y.sum(axis=0)
    tests = [np.arange(8) < 4, np.arange(8) >= 4]
    cc._set_cutoffs(oof, y, tests)
    # tuned on all scores (0.45) both positives pass (kappa 0.71 on these scores); each fold cut
    # at the other's cut-off (fold 1 at 0.45, fold 2 above 0.5) misses fold 2's positive
    assert 0.44 < cc.thresholds_[0] <= 0.45
    assert cc.cv_pred_[:, 0].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert cc.cv_kappa_[0] < 0.5
