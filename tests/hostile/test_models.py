"""Hostile and damaged model files (.qcm), and messages about what a model lacks (issue 17)."""
from __future__ import annotations

import io
import json
import warnings
import zipfile

import numpy as np
import pytest

from qualcode import Codebook, Corpus
from qualcode.coders.classifier import ClassifierCoder
from qualcode.coders.persist import FORMAT, FORMAT_VERSION
from qualcode.errors import ModelError


def _qcm(path, arrays: bytes, meta: dict | None = None):
    meta = meta or {"format": FORMAT, "format_version": FORMAT_VERSION, "padding": "x" * 4000}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("model.json", json.dumps(meta))
        z.writestr("arrays.npz", arrays)
    return path


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def test_npz_inside_a_model_that_inflates_enormously_is_refused(tmp_path):
    # 16 MiB of zeros deflate to a few KiB: the outer member is small, the inner one is the bomb
    path = _qcm(tmp_path / "bomb.qcm", _npz(coef_=np.zeros(2 << 20)))
    assert zipfile.ZipFile(path).getinfo("arrays.npz").file_size < 100_000
    with pytest.raises(ModelError, match=r"bomb\.qcm#arrays\.npz, entry 'coef_\.npy': .*zip bomb"):
        ClassifierCoder.load(path)


def test_damaged_model_file_is_a_clear_error(tmp_path):
    path = _qcm(tmp_path / "m.qcm", _npz(coef_=np.arange(10.0)))
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("model.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + 25):  # scramble the deflated model.json
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError) as err:
        ClassifierCoder.load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: ") or msg.startswith("m.qcm: ") or "m.qcm" in msg
    assert "damaged" in msg or "not valid JSON" in msg


def test_a_fifo_model_is_refused_not_waited_on(fifo):
    path = fifo("m.qcm")
    with pytest.raises(ModelError, match="not a regular file"):
        ClassifierCoder.load(path)


def test_codes_never_coded_are_named(study_corpus):
    corpus, codings = study_corpus
    cb = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI"}, {"id": "rel", "name": "Rel"},
                                       {"id": "ghost", "name": "Never used"}]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ClassifierCoder(cb, min_examples=2).fit(corpus, codings)
    text = " ".join(str(w.message) for w in caught)
    assert "never coded: ghost" in text


@pytest.fixture
def study_corpus():
    texts, rows = {}, []
    sentences = {"roi": "We measured the ROI of every campaign.", "rel": "Trust with customers matters."}
    for d in range(4):
        lines = []
        for i, code in enumerate(["roi", "rel", "roi", "rel"]):
            lines += [f"Interviewer: question {i}?", f"P{d}: {sentences[code]} ({d}, {i})"]
        texts[f"doc{d}"] = "\n".join(lines) + "\n"
    corpus = Corpus.from_texts(texts)
    seg = corpus.codable_segments()
    import pandas as pd

    for doc, group in seg.groupby("document"):
        for i, s in enumerate(group.itertuples()):
            rows.append((doc, s.start, s.end, ["roi", "rel"][i % 2], "C1"))
    return corpus, pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


def _rewrite_meta(path, change):
    with zipfile.ZipFile(path) as z:
        meta, arrays = json.loads(z.read("model.json")), z.read("arrays.npz")
    change(meta)
    path.unlink()
    return _qcm(path, arrays, meta)


@pytest.mark.parametrize("field,value,says", [
    ("features", "tfidf", "'features' is a string, not an object"),
    ("classes", {"a": 1}, "'classes' is an object, not a list"),
    ("features.vectorizers", None, "'features.vectorizers' is null, not a list"),
])
def test_a_model_json_field_of_the_wrong_type_names_the_file_and_the_field(tmp_path, study_corpus,
                                                                            field, value, says):
    # a .qcm whose features is a string was an internal error (AttributeError: 'str' object has
    # no attribute 'get') (issue 21)
    corpus, codings = study_corpus
    cb = Codebook.from_dict({"codes": [{"id": "roi", "name": "ROI"}, {"id": "rel", "name": "Rel"}]})
    path = tmp_path / "m.qcm"
    ClassifierCoder(cb, min_examples=2).fit(corpus, codings).save(path)
    ClassifierCoder.load(path)  # the untouched file loads

    def change(meta):
        *parents, last = field.split(".")
        target = meta
        for p in parents:
            target = target[p]
        target[last] = value

    _rewrite_meta(path, change)
    with pytest.raises(ModelError) as err:
        ClassifierCoder.load(path)
    assert str(err.value).startswith(f"{path}: model.json field {says}"), str(err.value)
