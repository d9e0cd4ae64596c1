"""--interviewer and the cases table's 'interviewer' column on the commands that code, rank,
evaluate, report and export (issue 13): the interviewer's 47 questions in a real PDF were coded
and ranked among the most informative passages."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import inside

from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
P1 = REPO.parent / "shared" / "real-data" / "pdpilot-user-study" / "P1.pdf"
CB = """\
name: PDP
codes:
  - id: plots
    name: Plots
    description: Plots they use.
    keywords: ["plot", "pdp", "histogram", "feature", "model"]
  - id: wish
    name: Wishes
    description: What they would like.
    keywords: ["would be nice", "filter", "select all", "want"]
"""
HUMAN = "document,segment,code,coder\n" + "".join(
    f"P1,{s},{c},ME\n" for s, c in [(5, "plots"), (7, "plots"), (11, "plots"), (58, "wish"),
                                    (62, "wish"), (66, "wish")])

pytestmark = pytest.mark.skipif(not P1.exists(), reason="../shared/real-data is not beside the "
                                                        "repository")


def _dan_segments():
    import qualcode as qc

    seg = qc.load_transcripts(P1).segments
    return set(seg.loc[seg["speaker"] == "Dan", "segment"])


def _setup(cases: bool = False):
    Path("t").mkdir()
    shutil.copy(P1, "t/P1.pdf")
    shutil.copy(P1, "t/P1b.pdf")  # an interview not coded yet, for 'next' to rank
    Path("cb.yaml").write_text(CB)
    Path("human.csv").write_text(HUMAN)
    if cases:
        Path("t/cases.csv").write_text("case,interviewer\nP1,Dan\nP1b,Dan\n")


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
@pytest.mark.parametrize("how", ["option", "cases"])
def test_code_and_next_leave_the_interviewer_alone(tmp_path, how):
    dan = _dan_segments()
    runner = CliRunner()
    with inside(tmp_path):
        _setup(cases=how == "cases")
        extra = ["--interviewer", "Dan"] if how == "option" else []
        res = runner.invoke(main, ["code", "t", "--codebook", "cb.yaml", "-o", "m.csv", *extra])
        assert res.exit_code == 0, res.output
        machine = pd.read_csv("m.csv")
        assert len(machine) and not set(machine["segment"]) & dan
        res = runner.invoke(main, ["next", "t", "--codebook", "cb.yaml", "--codings", "human.csv",
                                   "-n", "40", "--min-examples", "2", "-o", "next.csv", *extra])
        assert res.exit_code == 0, res.output
        ranked = pd.read_csv("next.csv")
        assert len(ranked) and not set(ranked["segment"]) & dan


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_evaluate_report_and_export_take_interviewer(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        _setup()
        res = runner.invoke(main, ["evaluate", "t", "--codebook", "cb.yaml", "--codings",
                                   "human.csv", "--interviewer", "Dan"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(main, ["report", "t", "--codebook", "cb.yaml", "--codings", "human.csv",
                                   "--interviewer", "Dan", "--n-boot", "0", "-o", "r.html"])
        assert res.exit_code == 0, res.output
        html = Path("r.html").read_text()
        assert "ME" in html
        res = runner.invoke(main, ["init", "p", "--transcripts", "t/", "--codebook", "cb.yaml",
                                   "--interviewer", "Dan", "--codings", "human.csv"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(main, ["export", "-p", "p", "-o", "p.qdpx"])
        assert res.exit_code == 0, res.output
        from qualcode import refi

        back = refi.read_qdpx("p.qdpx").codings
        assert len(back) == 6 and set(back["coder"]) == {"ME"}
        assert set(back["document"]) == {"P1"}
