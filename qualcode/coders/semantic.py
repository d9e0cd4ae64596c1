"""The semantic coder: segments scored against the codebook's own words with sentence embeddings.

Zero-shot (no hand coding needed)::

    from qualcode.coders.semantic import SemanticCoder
    machine = SemanticCoder(cb).code(corpus)             # codings, method "semantic", score in [0, 1]

Calibrated zero-shot: ``SemanticCoder(cb).fit(corpus, human)`` keeps the same scores and only
chooses each code's threshold on the human coding. For few-shot coding (a classifier trained on the
embeddings of human-coded segments) use ``ClassifierCoder(cb, features=SentenceEmbeddings())``.

Code texts. Each code is described by up to three kinds of text, each embedded on its own: its
definition (``"name. description"``), its ``inclusion`` rule, and each of its ``examples`` quotes
(``use_examples=False`` leaves the quotes out, e.g. when measuring on the very quotes the examples
come from). ``exclusion`` rules are not used: a passage close to "what this code is not" is usually
close to the code too, so subtracting it hurts more than it helps.

Score. The cosine similarity between a segment's embedding and the code's texts, aggregated by
``aggregate``: ``"max"`` (default; the closest text: a passage needs to resemble one example or
the definition, not all of them), ``"mean"`` (the mean similarity over the texts) or
``"centroid"`` (similarity to the mean of the code's text embeddings). Negative similarities count
as 0, so the score is in [0, 1]. ``memo`` says which text was closest (``definition``,
``inclusion`` or ``example N``) under ``"max"``.

Thresholds. A segment gets a code when its score reaches the code's threshold. ``threshold`` is a
number (the same cosine cut-off for every code; ``fit`` then changes nothing) or ``"auto"``:
unfitted, every code uses :data:`DEFAULT_THRESHOLD`; after ``fit`` with human codings, each code
gets the cut-off that maximises F1 on the human-coded segments
(:func:`~qualcode.coders.classifier.best_f1_threshold`); a code the humans never used there gets a
cut-off just above its highest score on that material (the lowest cut-off that reproduces "never
used"; so does a code whose best cut-off would be 0, i.e. "code everything"). Scores do not
depend on the training data, so no inner cross-validation is needed.

Few-shot and the codebook's examples. The classifier on embeddings does not add the examples as
training rows: its threshold search cross-validates over documents, and the examples belong to
none (they would sit in every training part and bias the cut-offs). Here they are code texts.

Estimator rules (STYLE.md): ``__init__`` only stores parameters; ``fit`` validates, returns
``self`` and sets ``classes_``, ``thresholds_``, ``support_``, ``calibrated_``, ``n_segments_``,
``n_documents_``, ``codebook_fingerprint_``; ``sklearn.base.clone`` works, so :func:`evaluate`
calibrates a fresh copy on each fold's training documents. The one difference from a learning
coder: zero-shot needs nothing learned, so an unfitted coder codes too (with the default threshold).
"""
from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ..codings import empty_codings, machine_codings
from ..errors import QualcodeError
from .embeddings import DEFAULT_MODEL, SentenceEmbeddings
from .labels import LearnsFromCodings, best_f1_threshold, check_threshold

CODER_NAME = "qualcode-semantic"
#: the cosine cut-off of an uncalibrated zero-shot coder (see the module docstring)
DEFAULT_THRESHOLD = 0.5
AGGREGATES = ("max", "mean", "centroid")


class SemanticCoder(LearnsFromCodings, BaseEstimator):
    """Suggest codes whose definition, inclusion rule or examples a segment resembles.

    Parameters
    ----------
    codebook : Codebook
    model : str, path or object
        Sentence-transformers model name or folder (see :class:`SentenceEmbeddings`).
    threshold : "auto" or float in (0, 1)
        Cosine cut-off; "auto" = :data:`DEFAULT_THRESHOLD` unfitted, per-code best F1 after ``fit``.
    aggregate : "max" | "mean" | "centroid"
        How a code's text similarities become one score.
    use_examples : bool
        Embed the codes' example quotes as code texts.
    label_rule : "any" | "majority" | coder name
        How several human coders' codings become one label per segment and code (for ``fit``).
    cache_dir, batch_size, device
        Passed to :class:`SentenceEmbeddings` (the embeddings cache; None = the default folder).
    """

    method = "semantic"

    def __init__(self, codebook=None, *, model=DEFAULT_MODEL, threshold="auto", aggregate: str = "max",
                 use_examples: bool = True, label_rule: str = "any", cache_dir=None,
                 batch_size: int = 64, device=None):
        self.codebook = codebook
        self.model = model
        self.threshold = threshold
        self.aggregate = aggregate
        self.use_examples = use_examples
        self.label_rule = label_rule
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.device = device

    # -- calibrating (fit: :class:`LearnsFromCodings` chooses per-code thresholds on human codings) --

    _nothing = "nothing to calibrate on (or use the coder unfitted: zero-shot)"

    def fit_segments(self, segments: pd.DataFrame, labels: np.ndarray, codes: list[str]):
        """Calibrate on a segments table (``document``, ``text``) and its segments x codes 0/1 labels."""
        self._check_params()
        labels = np.asarray(labels, dtype=np.int8)
        if list(codes) != self.codebook.ids():
            col = {c: j for j, c in enumerate(codes)}
            full = np.zeros((len(segments), len(self.codebook)), dtype=np.int8)
            for j, c in enumerate(self.codebook.ids()):
                if c in col:
                    full[:, j] = labels[:, col[c]]
            labels = full
        self.classes_ = np.array(self.codebook.ids(), dtype=object)
        self.support_ = labels.sum(axis=0).astype(int)
        self.n_segments_ = int(len(segments))
        self.n_documents_ = int(segments["document"].nunique())
        self.codebook_fingerprint_ = self.codebook.fingerprint()
        if self.threshold == "auto":
            scores = self.score_texts(segments["text"].tolist())
            self.thresholds_ = np.array([_calibrate(scores[:, j], labels[:, j])
                                         for j in range(len(self.classes_))])
            self.calibrated_ = self.support_ > 0
        else:
            self.thresholds_ = np.full(len(self.classes_), float(self.threshold))
            self.calibrated_ = np.zeros(len(self.classes_), dtype=bool)
        return self

    def _check_params(self) -> None:
        if self.codebook is None:
            raise QualcodeError("SemanticCoder needs a codebook")
        if self.aggregate not in AGGREGATES:
            raise QualcodeError(f"aggregate must be one of {', '.join(AGGREGATES)}, "
                                f"not {self.aggregate!r}")
        if not isinstance(self.label_rule, str):
            raise QualcodeError(f"label_rule must be 'any', 'majority' or a coder name, "
                                f"not {self.label_rule!r}")
        check_threshold(self.threshold)

    # -- scoring ----------------------------------------------------------------------------------

    def code_texts(self) -> pd.DataFrame:
        """The texts each code is described by: columns ``code``, ``kind``, ``text``."""
        rows = []
        for c in self.codebook:
            definition = f"{c.name}. {c.description}".strip() if c.description else c.name
            rows.append((c.id, "definition", definition))
            if c.inclusion:
                rows.append((c.id, "inclusion", c.inclusion))
            if self.use_examples:
                for i, ex in enumerate(c.examples, start=1):
                    quote = ex.get("quote", "") if isinstance(ex, dict) else str(ex)
                    if quote.strip():
                        rows.append((c.id, f"example {i}", quote.strip()))
        return pd.DataFrame(rows, columns=["code", "kind", "text"])

    def embedder(self) -> SentenceEmbeddings:
        """The (fitted) featurizer this coder embeds with, built once."""
        emb = getattr(self, "_embedder", None)
        params = {"model": self.model, "cache_dir": self.cache_dir, "batch_size": self.batch_size,
                  "device": self.device}
        if emb is None or emb.get_params(deep=False) != {**params, "normalize": True}:
            emb = self._embedder = SentenceEmbeddings(**params, normalize=True).fit()
        return emb

    def score_texts(self, texts, *, nearest: bool = False):
        """Scores in [0, 1], texts x codebook codes (and, with ``nearest``, the closest code text's
        kind per cell)."""
        self._check_params()
        if isinstance(texts, str):
            raise QualcodeError("score_texts takes a list of texts, not one string")
        texts = list(texts)
        codes = self.codebook.ids()
        if not texts:
            empty = np.zeros((0, len(codes)))
            return (empty, np.zeros((0, len(codes)), dtype=object)) if nearest else empty
        table = self.code_texts()
        emb = self.embedder()
        X = emb.transform(texts)
        E = emb.transform(table["text"].tolist())
        owner = table["code"].map({c: j for j, c in enumerate(codes)}).to_numpy()
        scores = np.zeros((len(texts), len(codes)))
        which = np.zeros((len(texts), len(codes)), dtype=np.int64)
        if self.aggregate == "centroid":
            for j in range(len(codes)):
                centre = E[owner == j].mean(axis=0)
                scores[:, j] = X @ (centre / (np.linalg.norm(centre) or 1.0))
        else:
            sims = X @ E.T
            for j in range(len(codes)):
                idx = np.flatnonzero(owner == j)
                block = sims[:, idx]
                if self.aggregate == "max":
                    best = block.argmax(axis=1)
                    scores[:, j] = block[np.arange(len(texts)), best]
                    which[:, j] = idx[best]
                else:
                    scores[:, j] = block.mean(axis=1)
        scores = np.clip(scores, 0.0, 1.0)
        if not nearest:
            return scores
        kinds = table["kind"].to_numpy(dtype=object)[which] if self.aggregate == "max" else \
            np.full(scores.shape, "", dtype=object)
        return scores, kinds

    def thresholds(self) -> np.ndarray:
        """The cut-off per codebook code: fitted ones, else the uncalibrated default."""
        fitted = getattr(self, "thresholds_", None)
        if fitted is not None:
            return fitted
        self._check_params()
        t = DEFAULT_THRESHOLD if self.threshold == "auto" else float(self.threshold)
        return np.full(len(self.codebook), t)

    def predict_proba(self, texts) -> np.ndarray:
        """Scores, texts x codes (``classes_`` after fit; the codebook's ids before)."""
        return self.score_texts(texts)

    def predict(self, texts) -> np.ndarray:
        """0/1 matrix, texts x codes: score at or above the code's threshold."""
        return (self.predict_proba(texts) >= self.thresholds()).astype(np.int8)

    def code(self, corpus) -> pd.DataFrame:
        """Code a corpus's codable segments.

        Columns: ``document, start, end, code, coder`` (``qualcode-semantic``), ``segment``,
        ``method`` (``semantic``), ``score`` (in [0, 1]), ``memo`` (the closest code text).
        """
        return self.code_segments(corpus.codable_segments())

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        if segments.empty:
            return empty_codings()
        self._check_fingerprint()
        scores, kinds = self.score_texts(segments["text"].tolist(), nearest=True)
        rows_i, cols_j = np.nonzero(scores >= self.thresholds())
        if len(rows_i) == 0:
            return empty_codings()
        codes = self.codebook.ids()
        seg = segments.iloc[rows_i]
        memo = [f"nearest: {k}" if k else "" for k in kinds[rows_i, cols_j]]
        out = pd.DataFrame({
            "document": seg["document"].to_numpy(), "start": seg["start"].to_numpy(),
            "end": seg["end"].to_numpy(), "code": [codes[j] for j in cols_j],
            "segment": seg["segment"].to_numpy(), "score": scores[rows_i, cols_j], "memo": memo,
        })
        return machine_codings(out, coder=CODER_NAME, method=self.method)

    def _check_fingerprint(self) -> None:
        fp = getattr(self, "codebook_fingerprint_", None)
        if fp is not None and fp != self.codebook.fingerprint():
            raise QualcodeError("the codebook changed since this coder was calibrated; fit it again")


def _calibrate(scores: np.ndarray, y: np.ndarray) -> float:
    """Best-F1 cut-off; with no positive (or only positives scored 0, which no cut-off above 0
    can catch), just above the highest score: nothing fires on the calibration material."""
    if y.sum() > 0:
        t = best_f1_threshold(scores, y)
        if t > 0:
            return t
    top = float(scores.max()) if len(scores) else 0.0
    return float(np.nextafter(top, np.inf))



def without_examples_from(codebook, texts, *, n: int = 6):
    """A copy of ``codebook`` without the examples that share a run of ``n`` words with any of
    ``texts``, and how many were removed.

    The shipped codebook's examples are mostly the papers' visible quotes: measured on those
    quotes, a coder that embeds its examples would be scored on its own training texts.
    """
    def words(text) -> list[str]:
        return re.findall(r"[a-z0-9]+", str(text).lower().replace("’", "'"))

    runs = set()
    for text in texts:
        w = words(text)
        runs.update(tuple(w[i:i + n]) for i in range(len(w) - n + 1))
    out = copy.deepcopy(codebook)
    removed = 0
    for code in out:
        keep = []
        for ex in code.examples:
            w = words(ex.get("quote", "") if isinstance(ex, dict) else ex)
            if any(tuple(w[i:i + n]) in runs for i in range(len(w) - n + 1)):
                removed += 1
            else:
                keep.append(ex)
        code.examples = keep
    return out, removed
