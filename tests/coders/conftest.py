"""Fixtures for the coders: one spaCy pipeline per session and a tiny, learnable study."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode import Codebook, Corpus

from helpers import SENTENCES

CODEBOOK = {"codes": [
    {"id": "roi", "name": "Return on investment", "keywords": ["measure roi", "conversion"]},
    {"id": "rel", "name": "Relationships", "keywords": ["build * relationship"],
     "exclude_keywords": ["family relationship"]},
    {"id": "one", "name": "Used once"},
]}


@pytest.fixture(scope="session")
def nlp():
    from qualcode.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture
def codebook() -> Codebook:
    return Codebook.from_dict(CODEBOOK)


def study_texts(n_docs: int = 6) -> tuple[dict[str, str], list[tuple[str, int, str]]]:
    """Transcripts and, per document, (turn index, code) labels of the interviewee turns."""
    texts, labels = {}, []
    order = ["roi", "rel", "", "rel", "roi", ""]
    for d in range(n_docs):
        lines = []
        for i, code in enumerate(order):
            sentence = SENTENCES[code][(d + i) % 3]
            lines.append(f"Interviewer: question {i} for doc {d}?")
            lines.append(f"P{d}: {sentence}")
            labels.append((f"doc{d}", i, code))
        texts[f"doc{d}"] = "\n".join(lines) + "\n"
    return texts, labels


def study_codings(corpus: Corpus, labels, *, coder: str = "C1") -> pd.DataFrame:
    seg = corpus.codable_segments()
    rows = []
    for doc, i, code in labels:
        s = seg[seg["document"] == doc].iloc[i]
        if code:
            rows.append((doc, int(s["start"]), int(s["end"]), code, coder))
    # "one" is used exactly once
    s = seg.iloc[2]
    rows.append((s["document"], int(s["start"]), int(s["end"]), "one", coder))
    return pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


@pytest.fixture
def study():
    """(corpus, human codings by C1) of six documents with learnable codes roi and rel."""
    texts, labels = study_texts()
    corpus = Corpus.from_texts(texts)
    return corpus, study_codings(corpus, labels)
