"""`qualcode codebook export` without a CODEBOOK writes the project's current codebook (the file
plus the codes created, renamed, moved, merged and deleted while coding)."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from helpers import inside

import qualcode as qc
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def test_export_the_projects_codebook_from_inside_it(tmp_path):
    with qc.Project.init(tmp_path / "study", transcripts=[str(SAMPLE / "alpha.txt")],
                         codebook=str(CODEBOOK)) as p:
        p.create_code("goal.open_idea", "Open idea", parent="goal", coder="ME")
        p.update_code("goal.open_idea", coder="ME", description="Emerged while coding alpha.")
        p.merge_codes("goal.sales", "goal.branding", coder="ME")
    with inside(tmp_path / "study"):
        res = CliRunner().invoke(main, ["codebook", "export", "-o", "current.yaml"])
        assert res.exit_code == 0, res.output
        assert "codes written to current.yaml" in res.output
        cb = qc.Codebook.load("current.yaml")
    assert cb["goal.open_idea"].description == "Emerged while coding alpha."
    assert "goal.sales" not in cb and len(cb) == len(qc.Codebook.load(CODEBOOK))
    # an explicit CODEBOOK still wins over the project
    res = CliRunner().invoke(main, ["codebook", "export", str(CODEBOOK), "-o",
                                    str(tmp_path / "file.yaml"), "-p", str(tmp_path / "study")])
    assert res.exit_code == 0 and "goal.sales" in qc.Codebook.load(tmp_path / "file.yaml")


def test_no_codebook_and_no_project_is_one_clear_line(tmp_path):
    with inside(tmp_path):
        res = CliRunner().invoke(main, ["codebook", "export", "-o", "x.md"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "qualcode.yaml" in res.output and "qualcode init" in res.output
