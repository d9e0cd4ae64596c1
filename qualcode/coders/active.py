"""What to code next: uncoded segments ordered by how unsure the classifier is about them.

Uncertainty sampling with the smallest margin: a classifier is trained on the human coding so far
(:class:`ClassifierCoder`; the coded material is every codable segment of the documents with at
least one human coding), then every codable segment of the other documents gets, for each code
with a model, the distance ``|p - threshold|`` between its probability and the code's decision
threshold. A segment's ``margin`` is the smallest of these (its most uncertain code): the smaller,
the closer the model is to changing its mind, so the more a person's decision there teaches it.
Ties keep the transcript order.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..codings import ensure_validated, human_codings
from ..errors import ModelError
from .classifier import ClassifierCoder

COLUMNS = ["rank", "document", "segment", "start", "end", "speaker", "code", "probability",
           "threshold", "margin", "preview"]


def next_segments(corpus, codings, codebook=None, *, n: int = 20, coder=None, preview: int = 100,
                  reference: str = "any", spread: bool = False) -> pd.DataFrame:
    """The ``n`` uncoded codable segments the classifier is least sure about.

    Parameters
    ----------
    corpus : Corpus
    codings : DataFrame
        Human codings so far (machine rows are ignored).
    codebook : Codebook
        Needed unless ``coder`` is given.
    coder : ClassifierCoder, optional
        An unfitted coder to train (default: ``ClassifierCoder(codebook)``), or a fitted one to
        use as it is.
    preview : int
        Characters of each segment's text in ``preview``.
    reference : "any" | "majority" | coder name
        How several coders' codings become labels (as in :func:`human_labels`).
    spread : bool
        Spread the list over interviews: every interview's most uncertain segment first, then
        every interview's second, ... (:func:`spread_over_documents`).

    Returns a DataFrame with :data:`COLUMNS`: ``code`` is the most uncertain code, ``probability``
    its probability, ``threshold`` its threshold, ``margin`` = ``|probability - threshold|``.
    """
    if coder is None:
        coder = ClassifierCoder(codebook)
    codebook = codebook if codebook is not None else coder.codebook
    human = human_codings(ensure_validated(codings, corpus=corpus, codebook=codebook))
    if reference not in ("any", "union", "majority"):
        human = human[human["coder"] == reference]
    if not hasattr(coder, "classes_"):
        coder.set_params(label_rule="majority" if reference == "majority" else "any")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # skipped codes: reported by `train`
            coder.fit(corpus, human)
    if len(coder.classes_) == 0:
        raise ModelError(f"no code has {coder.min_examples} or more coded segments yet, so there is "
                         "nothing to be uncertain about; code a few more segments first")
    segments = corpus.codable_segments()
    todo = segments[~segments["document"].isin(set(human["document"]))]
    if todo.empty:
        return pd.DataFrame(columns=COLUMNS)
    proba = coder.predict_proba(todo["text"].tolist())
    margins = np.abs(proba - coder.thresholds_)
    which = margins.argmin(axis=1)
    rows = np.arange(len(todo))
    out = pd.DataFrame({
        "document": todo["document"].to_numpy(), "segment": todo["segment"].to_numpy(),
        "start": todo["start"].to_numpy(), "end": todo["end"].to_numpy(),
        "speaker": todo["speaker"].to_numpy(), "code": coder.classes_[which],
        "probability": proba[rows, which], "threshold": coder.thresholds_[which],
        "margin": margins[rows, which],
        "preview": [_preview(t, preview) for t in todo["text"]],
    })
    if spread:
        out = spread_over_documents(out, "margin").head(int(n)).reset_index(drop=True)
    else:
        out = out.sort_values("margin", kind="stable").head(int(n)).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[COLUMNS]


def spread_over_documents(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows ordered by ``key`` within each document, then interleaved: every document's first
    row (best first), then every document's second row, and so on."""
    if table.empty:
        return table
    t = table.sort_values(key, kind="stable")
    t = t.assign(_within=t.groupby("document", sort=False).cumcount())
    return t.sort_values(["_within", key], kind="stable").drop(columns="_within")


def _preview(text: str, width: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
