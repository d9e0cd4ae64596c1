"""REFI-QDA exchange: read and write .qdpx projects and .qdc codebooks.

REFI-QDA is how NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette exchange projects::

    from qualcode import refi
    project = refi.read_qdpx("nvivo-export.qdpx")      # offsets="auto" | "codepoint" | "utf16" | ...
    project.corpus, project.codebook, project.codings, project.cases, project.notes, project.warnings
    refi.write_qdpx("out.qdpx", corpus, codebook, codings)   # validates against the official XSD
    refi.write_qdc(codebook, "codebook.qdc")
    corpus, codebook, codings = refi.load_project("project.qdpx")   # for agree / evaluate

See :mod:`qualcode.refi.reader`, :mod:`qualcode.refi.writer`, :mod:`qualcode.refi.positions`
(how each tool counts positions) and :mod:`qualcode.refi.safety` (hostile archives).
"""
from __future__ import annotations

from .positions import MODES, OFFSET_CHOICES
from .reader import QdpxProject, load_project, read_codebook, read_qdpx
from .writer import qdc_bytes, qdpx_bytes, write_qdc, write_qdpx

__all__ = ["QdpxProject", "read_qdpx", "read_codebook", "load_project", "write_qdpx", "write_qdc",
           "qdpx_bytes", "qdc_bytes", "MODES", "OFFSET_CHOICES"]
