"""Building the spaCy pipeline once, offline.

qualcode never downloads a model. :func:`load_pipeline` returns an installed trained pipeline when
one is asked for by name, and otherwise ``spacy.blank("en")`` with the lookup lemmatizer whose
tables come from the ``spacy-lookups-data`` package.
"""
from __future__ import annotations

from functools import lru_cache

from .errors import QualcodeError


def blank_pipeline(lang: str = "en"):
    import spacy

    return spacy.blank(lang)


@lru_cache(maxsize=4)
def _lemmatizing_pipeline(lang: str):
    import spacy

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


def load_pipeline(name: str | None = None, *, lang: str = "en"):
    """A spaCy pipeline that sets lemmas.

    ``name`` may be an installed trained pipeline (e.g. ``en_core_web_sm``); without it, a blank
    pipeline with the lookup lemmatizer is built (cached: built once per process).
    """
    if name:
        import spacy

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
