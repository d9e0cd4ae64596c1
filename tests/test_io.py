"""qualcode.io: one dispatcher of file formats; the codebook and codings layers know no REFI-QDA."""
from __future__ import annotations

import pytest

import qualcode as qc
from qualcode import codebook as codebook_mod, codings as codings_mod, io, refi


def test_the_exchange_formats_are_added_to_the_readers():
    assert set(codebook_mod.READERS) == set(io.CODEBOOK_SUFFIXES)
    assert {".qdpx", ".qde"} <= set(codings_mod.READERS)
    assert qc.read_codebook is io.read_codebook and qc.read_codings is io.read_codings


def test_read_codebook_and_codings_by_suffix(repo, tmp_path):
    cb = io.read_codebook(repo / "codebooks" / "b2b_influencer_marketing.yaml")
    assert len(cb.categories) == 16
    out = tmp_path / "cb.qdc"
    refi.write_qdc(cb, out)
    back = io.read_codebook(out)
    assert len(back) == len(cb) and [c.name for c in back] == [c.name for c in cb]
    corpus = qc.load_transcripts(repo / "transcripts_sample")
    human = io.read_codings(repo / "transcripts_sample" / "codings_human.csv", corpus=corpus,
                            codebook=cb)
    assert codings_mod.is_validated(human, corpus=corpus, codebook=cb)
    assert io.is_exchange_file(out) and not io.is_exchange_file("x.csv")


def test_unknown_suffixes_name_the_formats(tmp_path):
    with pytest.raises(qc.CodebookError, match="unknown codebook format; use .yaml, .qdc or .qdpx"):
        io.read_codebook(tmp_path / "cb.json")
    with pytest.raises(qc.InputFormatError, match="unknown codings format"):
        io.read_codings(tmp_path / "c.ods")
