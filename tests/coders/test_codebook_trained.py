"""The coder that learns from the codebook's own texts (and from hand coding): fast tests on a
fake bag-of-stems encoder (see test_semantic.py); no PyTorch needed."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from qualcode import Codebook, Corpus, QualcodeError
from qualcode.codings import validate_codings
from qualcode.coders import evaluate
from qualcode.coders.codebook_trained import CodebookCoder, codebook_texts

from .test_semantic import FakeEncoder, fake, tiny  # noqa: F401 (fixtures)

BOOK = {"codes": [
    {"id": "roi", "name": "Return on investment",
     "description": "Measuring the ROI of campaigns and tracking conversions.",
     "keywords": ["measure roi", "conversion"],
     "examples": [{"quote": "We report conversions and ROI to the board.", "source": "t"}]},
    {"id": "rel", "name": "Relationships", "description": "Trust and long relationships with customers.",
     "inclusion": "Building relationships with customers over years.",
     "exclusion": "Family relationships and friendships outside work."},
    {"id": "one", "name": "Used once", "description": "Harbour offices and commuting."},
]}


@pytest.fixture
def book():
    return Codebook.from_dict(BOOK)


def test_codebook_texts_lists_every_kind(book):
    t = codebook_texts(book)
    assert set(t["kind"]) == {"definition", "inclusion", "example", "keyword", "exclusion"}
    assert t[t["kind"] == "exclusion"]["code"].tolist() == ["rel"]


def test_zero_shot_codes_from_the_codebook_alone(book, tiny, fake):
    corpus, _ = tiny
    coder = CodebookCoder(book, model=fake, keyword_weight=0.0)
    p = coder.predict_proba(["We measured ROI and conversions of the campaign.",
                             "Trust built over years with our customers."])
    assert p.shape == (2, 3)
    assert p[0].argmax() == 0 and p[1].argmax() == 1
    machine = validate_codings(coder.code(corpus))
    assert set(machine["method"]) == {"codebook"} and machine["score"].between(0, 1).all()


def test_exclusion_rule_is_evidence_against(book, fake):
    text = ["Family relationships and friendships outside work."]
    with_rule = CodebookCoder(book, model=fake, keyword_weight=0.0).predict_proba(text)[0, 1]
    without = CodebookCoder(book, model=fake, keyword_weight=0.0, exclusion_weight=1e-6)
    assert with_rule < without.predict_proba(text)[0, 1]


def test_keyword_hit_raises_the_score_by_its_weight(book, fake):
    text = ["The conversion of the old barn."]
    a = CodebookCoder(book, model=fake, keyword_weight=0.0).predict_proba(text)[0, 0]
    b = CodebookCoder(book, model=fake, keyword_weight=2.0).predict_proba(text)[0, 0]
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert logit(b) - logit(a) == pytest.approx(2.0, abs=1e-6)


def test_fit_learns_withholds_and_clones(book, tiny, fake):
    corpus, human = tiny
    coder = CodebookCoder(book, model=fake).fit(corpus, human)
    assert coder.n_documents_ == 6 and list(coder.classes_) == ["roi", "rel", "one"]
    assert coder.cv_kappa_[0] > 0.8 and coder.cv_kappa_[1] > 0.8
    # "one" was coded once: its held-out kappa is below the floor, so it is never suggested
    assert coder.withheld_["code"].tolist() == ["one"]
    assert "one" not in set(coder.code(corpus)["code"])
    assert clone(coder).get_params()["human_weight"] == 3.0
    rep = evaluate(CodebookCoder(book, model=fake), corpus, human, folds=3)
    assert rep.overall["kappa"] > 0.8


def test_no_floor_keeps_every_code(book, tiny, fake):
    corpus, human = tiny
    coder = CodebookCoder(book, model=fake, kappa_floor=None).fit(corpus, human)
    assert coder.withheld_.empty


def test_cut_offs_are_tuned_once_a_code_has_enough_held_out_positives(book, tiny, fake):
    corpus, human = tiny
    tuned = CodebookCoder(book, model=fake).fit(corpus, human)
    support = dict(zip(tuned.classes_, tuned.support_))
    assert support["one"] == 1 and tuned.thresholds_[list(tuned.classes_).index("one")] != 0.5
    # the project learner's rule: a cut-off follows held-out scores only with enough positives
    strict = CodebookCoder(book, model=fake, min_cutoff_positives=support["roi"] + 1).fit(
        corpus, human)
    assert (strict.thresholds_ == 0.5).all()
    some = CodebookCoder(book, model=fake, min_cutoff_positives=2).fit(corpus, human)
    j = list(some.classes_).index
    assert some.thresholds_[j("one")] == 0.5 and some.thresholds_[j("roi")] == tuned.thresholds_[j("roi")]


def test_hand_coding_outweighs_the_codebook(fake):
    """A code whose definition points one way and whose hand coding points the other follows the
    hand coding once enough is coded."""
    cb = Codebook.from_dict({"codes": [
        {"id": "a", "name": "Lunch", "description": "Lunch and caterers."},
        {"id": "b", "name": "Commute", "description": "Cycling and commuting."}]})
    texts = {f"d{i}": f"P{i}: Lunch was served late because the caterer got lost.\n" for i in range(8)}
    corpus = Corpus.from_texts(texts)
    seg = corpus.codable_segments()
    human = validate_codings(
        seg.assign(code="b", coder="ME")[["document", "start", "end", "code", "coder"]])
    before = CodebookCoder(cb, model=fake, keyword_weight=0).predict_proba(seg["text"][:1])[0]
    after = CodebookCoder(cb, model=fake, keyword_weight=0, kappa_floor=None).fit(
        corpus, human).predict_proba(seg["text"][:1])[0]
    assert before[0] > before[1] and after[1] > after[0]


def test_bad_parameters_are_one_error(book):
    with pytest.raises(QualcodeError, match="human_weight"):
        CodebookCoder(book, human_weight=0).predict_proba(["x"])
    with pytest.raises(QualcodeError, match="threshold"):
        CodebookCoder(book, threshold=2).predict_proba(["x"])


def test_rejected_suggestions_are_evidence_against(book, tiny, fake):
    corpus, human = tiny
    seg = corpus.codable_segments()
    # only some documents hand-coded; a "rel" suggestion on an uncoded ROI turn was rejected
    part = human[human["document"].isin(sorted(set(human["document"]))[:3])]
    roi_turn = seg[seg["document"] == sorted(set(seg["document"]))[-1]].iloc[0]
    rejected = roi_turn.to_frame().T.assign(code="rel", coder="ME")[
        ["document", "start", "end", "code", "coder"]]
    base = CodebookCoder(book, model=fake, kappa_floor=None).fit(corpus, part)
    with_rej = CodebookCoder(book, model=fake, kappa_floor=None).fit(corpus, part, rejected=rejected)
    assert base.n_rejected_ == 0 and with_rej.n_rejected_ == 1
    p0 = base.predict_proba([roi_turn["text"]])[0, 1]
    p1 = with_rej.predict_proba([roi_turn["text"]])[0, 1]
    assert p1 < p0
