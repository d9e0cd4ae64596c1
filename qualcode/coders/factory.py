"""One place that turns a method name into a coder: the CLI, the study and evaluation all build
their coders here, so ``--method classifier`` means the same thing everywhere.

Methods (:data:`METHODS`): ``keyword`` (the codebook's keyword rules), ``classifier`` (TF-IDF
logistic regressions trained on human coding), ``both`` (the classifier with the keyword hits
added), ``semantic`` (sentence embeddings against the codebook's definitions; the semantic extra)
``semantic-fewshot`` (the classifier on sentence embeddings; the semantic extra), ``codebook``
(classifiers on embeddings of the codebook's own texts, joined by hand coding when fitted, keyword
hits as evidence, codes with a low cross-validated kappa withheld; the semantic extra) and ``llm``
(a chat model on an OpenAI-compatible server, local by default; ``url=``, ``allow_remote=``).
"""
from __future__ import annotations

import importlib.util

from ..errors import QualcodeError
from .keyword import KeywordCoder

METHODS = ("keyword", "classifier", "both", "semantic", "semantic-fewshot", "codebook", "llm")


def default_method() -> str:
    """The method ``qualcode code`` uses when none is named: ``codebook`` (best on held-out data,
    README "Which coder") when the semantic extra and its bundled model are installed, else
    ``keyword``."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return "keyword"
    from .embeddings import bundled_model_path  # lazy: scikit-learn

    return "codebook" if bundled_model_path() is not None else "keyword"


def make_coder(method: str, codebook, *, model=None, min_examples: int | None = None, **params):
    """A fresh coder for ``method`` over ``codebook``.

    ``model``: a ``.qcm`` file from ``qualcode train`` for ``classifier``/``both`` (the coder is
    loaded fitted). ``min_examples`` and other keyword ``params`` go to the coder's constructor
    (e.g. ``label_rule="any"``, ``threshold=0.5``). Unknown methods raise :class:`QualcodeError`.
    """
    if method not in METHODS:
        raise QualcodeError(f"unknown coding method {method!r}; use {', '.join(METHODS)}")
    if min_examples is not None:
        params["min_examples"] = min_examples
    if model is not None:
        if method not in ("classifier", "both"):
            raise QualcodeError(f"a trained model is for the classifier, not method {method!r}")
        from .classifier import ClassifierCoder  # lazy: scikit-learn

        coder = ClassifierCoder.load(model, codebook=codebook)
        coder.combine_keywords = method == "both"
        return coder
    if method == "keyword":
        return KeywordCoder(codebook, **params)
    if method == "codebook":
        from .codebook_trained import CodebookCoder  # lazy: scikit-learn

        params.pop("min_examples", None)  # the codebook gives every code its rows
        return CodebookCoder(codebook, **params)
    if method == "llm":
        from .llm import LLMCoder  # lazy: http.client (the optional LLM coder)

        params.pop("min_examples", None)
        return LLMCoder(codebook, **params)
    if method == "semantic":
        from .semantic import SemanticCoder  # lazy: scikit-learn

        params.pop("min_examples", None)  # zero-shot: no per-code minimum
        return SemanticCoder(codebook, **params)
    from .classifier import ClassifierCoder  # lazy: scikit-learn

    if method == "semantic-fewshot":
        from .embeddings import SentenceEmbeddings  # lazy: scikit-learn

        return ClassifierCoder(codebook, features=SentenceEmbeddings(), **params)
    return ClassifierCoder(codebook, combine_keywords=method == "both", **params)
