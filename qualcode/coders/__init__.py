"""Coders that suggest codes: keyword rules, a classifier trained on human coding, their evaluation.

::

    from qualcode.coders import KeywordCoder, ClassifierCoder, evaluate, next_segments
    machine = KeywordCoder(cb).code(corpus)                    # codings, method "keyword"
    clf = ClassifierCoder(cb).fit(corpus, human)               # scikit-learn estimator rules
    report = evaluate(ClassifierCoder(cb), corpus, human, folds=5, level="category")

Coders return codings tables (see :mod:`qualcode.codings`); they never write files except a
model through :meth:`ClassifierCoder.save`.
"""
from __future__ import annotations

import importlib

from .evaluate import EvaluationReport, evaluate  # eager: the function shadows its module's name
from .keyword import KeywordCoder

__all__ = ["KeywordCoder", "ClassifierCoder", "evaluate", "EvaluationReport", "next_segments",
           "make_coder", "SemanticCoder", "SentenceEmbeddings"]


def __getattr__(name):  # the other modules load when first used
    lazy = {
        "ClassifierCoder": ("classifier", "ClassifierCoder"),
        "make_coder": ("factory", "make_coder"),
        "next_segments": ("active", "next_segments"),
        "SemanticCoder": ("semantic", "SemanticCoder"),  # torch loads only when a text is embedded
        "SentenceEmbeddings": ("embeddings", "SentenceEmbeddings"),
    }
    if name in lazy:
        module, attr = lazy[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
