"""How commands find the project and fill in what the command line leaves out."""
from __future__ import annotations

import shutil
from pathlib import Path

import click
import pandas as pd
import pytest
from helpers import inside

import qualcode as qc
from qualcode.cli.projectopts import (codebook_for, codings_for, corpus_for, open_project,
                                      reference_coder_for, split_names)
from qualcode.errors import ProjectError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def test_split_names():
    assert split_names(["A", "B, C", " "]) == ["A", "B", "C"]


def test_explicit_arguments_win_and_the_project_fills_in(tmp_path):
    with inside(tmp_path):
        Path("t").mkdir()
        shutil.copy(SAMPLE / "alpha.txt", "t")
        assert open_project() is None
        with pytest.raises(ProjectError, match="no qualcode.yaml here"):
            open_project(required=True)
        with pytest.raises(click.UsageError, match="give the transcripts"):
            corpus_for(None)
        qc.Project.init(".", transcripts=["t/"], codebook=CODEBOOK, unit="paragraph").close()
        Path("sub").mkdir()
        with open_project("sub") as p:
            assert corpus_for(p).unit == "paragraph"  # the project's unit
            assert corpus_for(p, unit="turn").unit == "turn"  # the command line wins
            other = corpus_for(p, [SAMPLE / "beta.txt"])
            assert other.document_ids == ["beta"] and other.unit == "paragraph"
            assert len(codebook_for(p)) == len(qc.read_codebook(CODEBOOK))
            p.add_codings(pd.DataFrame([{"document": "alpha", "start": 0, "end": 5,
                                         "code": "goal.sales", "coder": "ME"}]))
            human = codings_for(p)
            assert human["coder"].tolist() == ["ME"]
            assert reference_coder_for(p, None, human) == "ME"
            assert reference_coder_for(p, "YOU", human) == "YOU"
