"""qualcode: reproducible coding of qualitative interview transcripts.

See DESIGN.md for the data contracts. The public API::

    import qualcode as qc
    corpus = qc.load_transcripts("transcripts_sample/", unit="turn")
    cb = qc.Codebook.load("codebooks/b2b_influencer_marketing.yaml")
"""
from __future__ import annotations

import importlib

from .codebook import Code, Codebook
from .corpus import Corpus, load_transcripts, read_cases
from .errors import (
    CodebookError,
    CodingsError,
    ConflictError,
    InputFormatError,
    ModelError,
    NotFoundError,
    OutputExistsError,
    ProjectError,
    QualcodeError,
    StoreError,
)
from .io import read_codebook, read_codings  # also adds the REFI-QDA formats to the readers
from .project import Project, ProjectSettings

from .version import __version__

__all__ = [
    "Code", "Codebook", "Corpus", "load_transcripts", "read_cases", "read_codebook", "read_codings",
    "QualcodeError", "InputFormatError", "CodebookError", "CodingsError", "ModelError",
    "OutputExistsError", "ProjectError", "StoreError", "ConflictError", "NotFoundError",
    "Project", "ProjectSettings", "__version__",
]


def __getattr__(name):  # lazy: heavy optional parts import only when used
    lazy = {
        "KeywordCoder": ("qualcode.coders.keyword", "KeywordCoder"),
        "ClassifierCoder": ("qualcode.coders.classifier", "ClassifierCoder"),
        "read_qdpx": ("qualcode.refi", "read_qdpx"),
        "write_qdpx": ("qualcode.refi", "write_qdpx"),
    }
    if name in lazy:
        module, attr = lazy[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
