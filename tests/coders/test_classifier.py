"""ClassifierCoder: estimator rules, skipped codes, thresholds, keywords combined, saving."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer

from qualcode import Codebook, ModelError, QualcodeError
from qualcode.coders import ClassifierCoder
from qualcode.coders.labels import best_f1_threshold, human_labels

ROI_TEXT = "We measured the ROI and conversions of the campaign."
REL_TEXT = "Trust and strong relationships with customers."


def fitted(codebook, study, **params):
    corpus, codings = study
    with pytest.warns(UserWarning, match="one \\(1\\)"):
        return ClassifierCoder(codebook, **params).fit(corpus, codings)


def test_unfitted_coder_raises_not_fitted(codebook, study):
    coder = ClassifierCoder(codebook)
    for call in (lambda: coder.predict_proba(["x"]), lambda: coder.predict(["x"]),
                 lambda: coder.code(study[0])):
        with pytest.raises(NotFittedError):
            call()


def test_init_only_stores_parameters_and_clone_works(codebook, study):
    coder = ClassifierCoder(codebook, threshold="nonsense", C=0.5)  # checked in fit, not here
    assert coder.get_params()["threshold"] == "nonsense"
    assert set(coder.get_params()) == {"codebook", "features", "threshold", "min_examples", "C",
                                       "combine_keywords", "random_state", "label_rule",
                                       "class_weight", "inner_folds", "tol", "max_negatives", "n_jobs"}
    fit = fitted(codebook, study, C=0.5)
    twin = clone(fit)
    assert twin.get_params()["C"] == 0.5 and not hasattr(twin, "classes_")
    with pytest.raises(ValueError, match="threshold must be 'auto' or a number"):
        coder.fit(*study)


def test_fit_learns_the_codes_and_reports_the_one_example_code(codebook, study):
    coder = fitted(codebook, study)
    assert list(coder.classes_) == ["roi", "rel"]
    assert coder.skipped_ == {"one": 1}
    assert coder.n_documents_ == 6 and coder.n_segments_ == 36
    assert list(coder.support_) == [12, 12]
    proba = coder.predict_proba([ROI_TEXT, REL_TEXT])
    assert proba.shape == (2, 2)
    assert proba[0, 0] > 0.5 > proba[0, 1] and proba[1, 1] > 0.5 > proba[1, 0]
    assert coder.predict([ROI_TEXT, REL_TEXT]).tolist() == [[1, 0], [0, 1]]
    assert np.all((coder.thresholds_ > 0) & (coder.thresholds_ < 1))


def test_code_gives_codings_above_threshold(codebook, study):
    corpus, codings = study
    coder = fitted(codebook, study)
    out = coder.code(corpus)
    assert set(out["method"]) == {"classifier"} and set(out["coder"]) == {"qualcode-classifier"}
    seg = corpus.codable_segments()
    proba = coder.predict_proba(seg["text"].tolist())
    expected = int((proba >= coder.thresholds_).sum())
    assert len(out) == expected
    first = out.iloc[0]
    row = seg[(seg["document"] == first["document"]) & (seg["segment"] == first["segment"])].iloc[0]
    assert (first["start"], first["end"]) == (row["start"], row["end"])
    j = list(coder.classes_).index(first["code"])
    assert first["score"] == pytest.approx(coder.predict_proba([row["text"]])[0, j], abs=1e-12)


def test_fixed_threshold(codebook, study):
    coder = fitted(codebook, study, threshold=0.4)
    assert coder.thresholds_.tolist() == [0.4, 0.4]


def test_min_examples_and_no_code_to_learn(codebook, study):
    corpus, codings = study
    with pytest.warns(UserWarning):
        coder = ClassifierCoder(codebook, min_examples=13).fit(corpus, codings)
    assert len(coder.classes_) == 0 and coder.skipped_ == {"roi": 12, "rel": 12, "one": 1}
    assert coder.predict_proba(["x"]).shape == (1, 0)
    assert coder.code(corpus).empty


def test_custom_features_work_but_cannot_be_saved(codebook, study, tmp_path):
    coder = fitted(codebook, study, features=CountVectorizer())
    assert coder.predict([ROI_TEXT]).tolist() == [[1, 0]]
    with pytest.raises(ModelError, match="only models with the built-in 'tfidf' features"):
        coder.save(tmp_path / "m.qcm")


def test_combined_with_keywords(codebook, study):
    corpus, codings = study
    coder = fitted(codebook, study, combine_keywords=True)
    seg = pd.DataFrame({"document": ["x", "x"], "segment": [1, 2], "start": [0, 10], "end": [9, 20],
                        "text": ["Lunch was late; the caterer had conversion trouble.", ROI_TEXT]})
    out = coder.code_segments(seg)
    p = coder.predict_proba(seg["text"].tolist())[:, 0]
    assert p[0] < coder.thresholds_[0] <= p[1]
    roi = out[out["code"] == "roi"].set_index("segment")
    assert roi.loc[1, "method"] == "keyword" and roi.loc[1, "memo"] == "conversion"
    assert roi.loc[1, "score"] == pytest.approx(1 - (1 - p[0]) * 0.5)
    assert roi.loc[2, "method"] == "keyword+classifier"
    assert roi.loc[2, "score"] == pytest.approx(1 - (1 - p[1]) * 0.5)


def test_saved_model_round_trip(codebook, study, tmp_path):
    corpus, _ = study
    coder = fitted(codebook, study)
    path = coder.save(tmp_path / "m.qcm")
    back = ClassifierCoder.load(path, codebook=codebook)
    texts = corpus.segments["text"].tolist() + ["unseen words entirely", ""]
    np.testing.assert_allclose(back.predict_proba(texts), coder.predict_proba(texts), rtol=0, atol=1e-12)
    assert list(back.classes_) == list(coder.classes_)
    assert back.thresholds_.tolist() == coder.thresholds_.tolist()
    assert back.skipped_ == {"one": 1}
    assert back.training_hash_ == coder.training_hash_
    pd.testing.assert_frame_equal(back.code(corpus), coder.code(corpus))
    assert ClassifierCoder.load(path).codebook.ids() == codebook.ids()  # the codebook travels along
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("model.json"))
        assert set(zf.namelist()) == {"model.json", "arrays.npz"}
    assert meta["codebook_fingerprint"] == codebook.fingerprint()
    assert {"qualcode_version", "sklearn_version", "training_hash"} <= set(meta)
    with pytest.raises(ValueError, match="already exists"):
        coder.save(path)


def test_load_checks_the_codebook(codebook, study, tmp_path):
    path = fitted(codebook, study).save(tmp_path / "m.qcm")
    changed = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI (renamed)"},
                                            {"id": "rel", "name": "Relationships"}]})
    with pytest.warns(UserWarning, match="the codebook differs"):
        ClassifierCoder.load(path, codebook=changed)
    lacking = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI"}]})
    with pytest.raises(ModelError, match="the model codes 'rel' which the codebook lacks"):
        ClassifierCoder.load(path, codebook=lacking)


def test_load_refuses_files_that_are_not_models(tmp_path):
    bad = tmp_path / "bad.qcm"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelError, match="not a qualcode model file"):
        ClassifierCoder.load(bad)
    with pytest.raises(ModelError, match="no such model file"):
        ClassifierCoder.load(tmp_path / "missing.qcm")
    pickled = tmp_path / "pickled.qcm"  # an object array needs pickle: refused, never executed
    buf = io.BytesIO()
    np.savez(buf, coef=np.array([{"x": 1}], dtype=object))
    with zipfile.ZipFile(pickled, "w") as zf:
        zf.writestr("model.json", json.dumps({"format": "qualcode-classifier", "format_version": 1}))
        zf.writestr("arrays.npz", buf.getvalue())
    with pytest.raises(ModelError, match="cannot be read without pickle"):
        ClassifierCoder.load(pickled)


def test_human_labels_any_majority_and_one_coder():
    seg = pd.DataFrame({"document": ["d"] * 3, "segment": [1, 2, 3], "start": [0, 10, 20],
                        "end": [9, 19, 29], "text": ["a", "b", "c"]})
    cod = pd.DataFrame({"document": ["d"] * 5, "start": [0, 10, 0, 0, 20], "end": [5, 15, 5, 5, 25],
                        "code": ["x", "x", "x", "x", "x"], "coder": ["A", "A", "B", "C", "C"]})
    y_any, covered = human_labels(cod, seg, ["x"], rule="any")
    y_maj, _ = human_labels(cod, seg, ["x"], rule="majority")
    y_b, _ = human_labels(cod, seg, ["x"], rule="B")
    assert y_any[:, 0].tolist() == [1, 1, 1] and covered.tolist() == [True] * 3
    assert y_maj[:, 0].tolist() == [1, 0, 0]
    assert y_b[:, 0].tolist() == [1, 0, 0]
    machine = cod.assign(method="keyword")  # machine rows are never labels
    assert human_labels(machine.assign(coder="A"), seg, ["x"])[1].tolist() == [False] * 3


def test_best_f1_threshold():
    assert best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.2]), np.array([1, 1, 0, 0])) == pytest.approx(0.55)
    # the best cut keeps 0.9, 0.7 and 0.6 (F1 = 0.8), halfway to 0.4
    assert best_f1_threshold(np.array([0.9, 0.7, 0.6, 0.4, 0.1]), np.array([1, 0, 1, 0, 0])) \
        == pytest.approx(0.5)
    # keeping everything is best (F1 = 0.75): halfway between the lowest value and 0
    assert best_f1_threshold(np.array([0.9, 0.7, 0.6, 0.4, 0.1]), np.array([1, 0, 1, 0, 1])) \
        == pytest.approx(0.05)
    assert best_f1_threshold(np.array([0.3, 0.2]), np.array([0, 0])) == 0.5


def test_processes_do_not_change_the_model(codebook, study):
    one, two = fitted(codebook, study, n_jobs=1), fitted(codebook, study, n_jobs=2)
    np.testing.assert_allclose(one.coef_, two.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(one.thresholds_, two.thresholds_, rtol=1e-12)  # rounding only
    corpus, codings = study
    for bad in ({"n_jobs": 0}, {"n_jobs": 1.5}, {"tol": 0}, {"tol": "x"}):
        with pytest.raises(QualcodeError, match=next(iter(bad))):
            ClassifierCoder(codebook, **bad).fit(corpus, codings)


def test_each_code_is_scikit_learns_balanced_logistic_regression(codebook, study):
    from sklearn.linear_model import LogisticRegression

    coder = fitted(codebook, study, threshold=0.5)
    X = coder.featurizer_.transform(study[0].codable_segments()["text"].tolist())
    corpus, codings = study
    labels, _ = human_labels(codings, corpus.codable_segments(), codebook.ids())
    for j, code in enumerate(coder.classes_):
        ref = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", dual=True,
                                 random_state=0, max_iter=1000, tol=1e-2)
        ref.fit(X, labels[:, codebook.ids().index(code)])
        np.testing.assert_allclose(coder.coef_[j], ref.coef_[0], rtol=1e-9, atol=1e-12)
        assert coder.intercept_[j] == pytest.approx(ref.intercept_[0], rel=1e-9)


def test_sampled_negatives_keep_each_class_total_weight(codebook):
    y = np.array([1] * 10 + [0] * 990)
    rows, w = ClassifierCoder(codebook, max_negatives=100)._sample(y, seed=0)
    assert len(rows) == 110 and y[rows].sum() == 10
    assert w[y[rows] == 1].sum() == pytest.approx(500) and w[y[rows] == 0].sum() == pytest.approx(500)
    again, _ = ClassifierCoder(codebook, max_negatives=100)._sample(y, seed=0)
    np.testing.assert_array_equal(rows, again)  # seeded
    everything, w_all = ClassifierCoder(codebook)._sample(y, seed=0)
    assert everything is None and w_all.sum() == pytest.approx(1000)  # n/2 per class, balanced
