"""Why a suggestion is made (its figure's label, a keyword, the nearest coded passage or codebook
example) and which suggestions are never made again (a person's coding or decision there)."""
from __future__ import annotations

import pandas as pd

from qualcode import Codebook, Corpus
from qualcode.coders.reasons import drop_known, overlaps, why

BOOK = Codebook.from_dict({"codes": [
    {"id": "roi", "name": "ROI", "keywords": ["conversion"],
     "examples": [{"quote": "We report conversions to the board.", "source": "t"}]},
    {"id": "rel", "name": "Relationships",
     "examples": [{"quote": "Customers trust us after many years.", "source": "t"}]}]})


def frame(rows):
    return pd.DataFrame(rows, columns=["document", "start", "end", "code"])


def test_overlaps_need_the_same_document_and_code():
    a = frame([("d", 0, 10, "roi"), ("d", 0, 10, "rel"), ("e", 0, 10, "roi"), ("d", 10, 20, "roi")])
    b = frame([("d", 5, 12, "roi")])
    assert overlaps(a, b).tolist() == [True, False, False, True]
    assert drop_known(a, b)["code"].tolist() == ["rel", "roi"]
    dec = frame([("d", 0, 3, "rel")])
    assert drop_known(a, b, dec)[["document", "code"]].values.tolist() == [["e", "roi"]]


def test_why_quotes_the_nearest_coded_passage_else_a_codebook_example():
    text = ("Interviewer: Q?\nAnna: Our conversion rate doubled last year.\n"
            "Interviewer: Q?\nAnna: Customers trust us a lot.\n")
    corpus = Corpus.from_texts({"d": text, "e": text})
    seg = corpus.codable_segments().reset_index(drop=True)
    measured = {"segments": seg, "texts": {"d": text}}
    d0 = seg[seg["document"] == "d"].iloc[0]
    human = pd.DataFrame([{"document": "d", "start": d0["start"], "end": d0["end"], "code": "roi",
                           "coder": "ME"}])
    e = seg[seg["document"] == "e"]
    pred = pd.DataFrame({"document": "e", "start": e["start"].to_numpy(), "end": e["end"].to_numpy(),
                         "segment": e["segment"].to_numpy(), "code": ["roi", "rel"],
                         "memo": ["cross-validated on your coding", ""]})
    roi, rel = why(measured, BOOK, human, pred)
    assert roi.startswith("cross-validated on your coding; keyword “conversion”")
    assert "(d, similarity" in roi  # the student's own coded passage
    assert "codebook example" in rel and "Customers trust us" in rel
