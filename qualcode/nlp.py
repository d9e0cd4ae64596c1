"""Building the spaCy pipeline once, offline.

qualcode never downloads a model. :func:`load_pipeline` returns an installed trained pipeline when
one is asked for by name, and otherwise ``spacy.blank("en")`` with the lookup lemmatizer whose
tables come from the ``spacy-lookups-data`` package.
"""
from __future__ import annotations

import sys
from functools import lru_cache

from .errors import QualcodeError


class _ThincWithoutTorch:
    """A meta-path finder that makes ``import torch`` fail while, and only while, ``thinc.compat``
    is being executed (the module exists and has not yet set ``has_torch``)."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            compat = sys.modules.get("thinc.compat")
            if compat is not None and not hasattr(compat, "has_torch"):
                raise ModuleNotFoundError("qualcode keeps thinc from importing torch", name=name)
        return None


def thinc_without_torch() -> None:
    """Keep thinc (imported by spaCy) from importing PyTorch in this process.

    thinc imports PyTorch, when it is installed, only to support neural pipelines on it: 1.5-2.5 s
    of every spaCy import on a 2-core machine (``python -X importtime -c "import spacy"``). Blank
    and lookup-lemmatizer pipelines never use it. The command line calls this at start (it loads
    no PyTorch-backed spaCy pipeline); a library user who will not either may too. Afterwards thinc
    records PyTorch as absent; PyTorch itself stays importable (the semantic coder's
    sentence-transformers imports it directly). Without effect when spaCy is already imported,
    and harmless when thinc changes (the finder then never refuses anything).
    """
    if not any(isinstance(f, _ThincWithoutTorch) for f in sys.meta_path):
        sys.meta_path.insert(0, _ThincWithoutTorch())


def blank_pipeline(lang: str = "en"):
    import spacy  # lazy: spaCy

    return spacy.blank(lang)


@lru_cache(maxsize=4)
def _lemmatizing_pipeline(lang: str):
    import spacy  # lazy: spaCy

    nlp = spacy.blank(lang)
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except Exception as exc:  # spacy-lookups-data missing or no table for the language
        raise QualcodeError(
            f"cannot build a lookup lemmatizer for {lang!r} ({exc}); "
            "install spacy-lookups-data or pass a trained pipeline with nlp=..."
        ) from None
    return nlp


@lru_cache(maxsize=4)
def lemma_lookup_table(lang: str = "en") -> dict[str, str]:
    """The ``lemma_lookup`` table of ``spacy-lookups-data`` for ``lang``, as a plain dict of
    lowercase word -> lemma (loaded once per process).

    The data the lookup lemmatizer of :func:`load_pipeline` uses, read without building a pipeline
    or spaCy's hashed ``Table`` (a quarter of a second saved at every start).
    """
    from spacy.util import load_language_data, registry  # lazy: spaCy

    try:
        data = registry.lookups.get(lang) if lang in registry.lookups else {}
        if "lemma_lookup" not in data:
            raise LookupError("spacy-lookups-data has no lemma_lookup table for it")
        return dict(load_language_data(data["lemma_lookup"]))
    except Exception as exc:  # spacy-lookups-data missing or no table for the language
        raise QualcodeError(
            f"cannot load the lemma lookup table for {lang!r} ({exc}); "
            "install spacy-lookups-data or pass a trained pipeline with nlp=..."
        ) from None


def load_pipeline(name: str | None = None, *, lang: str = "en"):
    """A spaCy pipeline that sets lemmas.

    ``name`` may be an installed trained pipeline (e.g. ``en_core_web_sm``); without it, a blank
    pipeline with the lookup lemmatizer is built (cached: built once per process).
    """
    if name:
        import spacy  # lazy: spaCy

        try:
            return spacy.load(name, exclude=["ner", "parser", "textcat"])
        except OSError:
            raise QualcodeError(
                f"spaCy pipeline {name!r} is not installed; qualcode works offline without it "
                "(leave --nlp out to use the built-in lemmatizer)"
            ) from None
    return _lemmatizing_pipeline(lang)


def has_lemmas(nlp) -> bool:
    """True when the pipeline sets ``token.lemma_`` (a lemmatizer or a trained pipeline)."""
    return "lemmatizer" in nlp.pipe_names
