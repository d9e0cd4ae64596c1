"""File formats at the edge: one place that knows which reader a codebook or codings file needs.

The codebook and codings layers read their own plain formats (YAML; CSV/TSV/XLSX tables) and know
nothing of REFI-QDA. This module adds the exchange formats to their readers (importing it is part
of importing :mod:`qualcode`), and offers the dispatching functions the command line, the study
and the project store call:

============================  =====================================================
``read_codebook(path)``       .yaml/.yml (:meth:`Codebook.from_yaml`), .qdc, .qdpx/.qde
``read_codings(path, ...)``   .csv/.tsv/.txt, .xlsx, .qdpx/.qde (the project's codings)
============================  =====================================================

:mod:`qualcode.refi` is imported only when an exchange file is read.
"""
from __future__ import annotations

from pathlib import Path

from . import codebook as _codebook
from . import codings as _codings

CODEBOOK_SUFFIXES = (".yaml", ".yml", ".qdc", ".qdpx", ".qde")
CODINGS_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".qdpx", ".qde")
#: REFI-QDA files: a codebook (.qdc) or a whole project (.qdpx, or a loose .qde)
EXCHANGE_SUFFIXES = (".qdc", ".qdpx", ".qde")


def _refi_codebook(path):
    from . import refi  # lazy: qualcode.refi at CLI start-up

    return refi.read_codebook(path)


def _refi_codings(path):
    from . import refi  # lazy: qualcode.refi at CLI start-up

    return refi.read_qdpx(path).codings


_codebook.READERS.update({s: _refi_codebook for s in EXCHANGE_SUFFIXES})
_codings.READERS.update({s: _refi_codings for s in (".qdpx", ".qde")})


def read_codebook(path) -> _codebook.Codebook:
    """A codebook from any file qualcode reads (see the module docstring)."""
    return _codebook.Codebook.load(Path(path))


def read_codings(path, *, corpus=None, codebook=None, coder: str | None = None):
    """A validated codings table from any codings file (:func:`qualcode.codings.read_codings`:
    columns ``document, start, end, code, coder`` and the optional ones)."""
    return _codings.read_codings(path, corpus=corpus, codebook=codebook, coder=coder)


def is_exchange_file(path) -> bool:
    """A REFI-QDA file (.qdc, .qdpx, .qde)."""
    return Path(path).suffix.lower() in EXCHANGE_SUFFIXES
