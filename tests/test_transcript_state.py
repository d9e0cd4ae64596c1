"""Transcripts changed or deleted after coding: every output refuses (naming the document and
``qualcode rehash``) or, with --skip-changed, leaves the document out and says so; status and
load report them, also when only machine suggestions sit on them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.transcript_state import (ChangedTranscriptError, problem_lines, transcript_problems,
                                       usable_codings)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
CB = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


@pytest.fixture
def study(tmp_path):
    """Three sample interviews: alpha and gamma coded by C1 and C2, keyword suggestions on eta."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name in ("alpha", "gamma", "eta"):
        shutil.copy(SAMPLE / f"{name}.txt", folder / f"{name}.txt")
    p = qc.Project.init(tmp_path / "p", transcripts=[str(folder)], codebook=str(CB))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["coder"].isin(["C1", "C2"]) & h["document"].isin(["alpha", "gamma"])])
    machine = h[(h["document"] == "eta") & (h["coder"] == "C1")].head(4)
    p.add_codings(machine.assign(coder="qualcode-keyword", method="keyword", score=1.0))
    p.close()
    return tmp_path


def run(study, *args):
    return CliRunner().invoke(main, [str(a) for a in args] + ["-p", str(study / "p")])


def edit(study, name):
    path = study / "transcripts" / f"{name}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Thanks", "Thank you"),
                    encoding="utf-8")


@pytest.mark.parametrize("command", [
    ["export", "-o", "{out}/x.qdpx"], ["export", "-o", "{out}/x.csv"],
    ["matrix", "case-by-code"], ["agree", "--n-boot", "0"],
    ["report", "--no-classifier", "--n-boot", "0", "-o", "{out}/r.html"]])
def test_every_output_refuses_a_changed_transcript_or_skips_it(study, command, tmp_path):
    edit(study, "alpha")
    args = [a.format(out=tmp_path) for a in command]
    res = run(study, *args)
    assert res.exit_code == 1, res.output
    line = res.output.strip().splitlines()[-1]
    assert line.startswith("Error: alpha changed since it was coded (")
    assert "qualcode rehash alpha --accept" in line and "--skip-changed" in line
    assert not list(tmp_path.glob("x.*")) and not (tmp_path / "r.html").exists()
    res = run(study, *args, "--skip-changed")
    assert res.exit_code == 0, res.output
    assert "warning: left out" in res.output and "'alpha'" in res.output


def test_the_export_leaves_the_changed_document_out(study, tmp_path):
    edit(study, "alpha")
    res = run(study, "export", "-o", tmp_path / "x.csv", "--skip-changed")
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "x.csv")
    assert set(out["document"]) == {"gamma"} and len(out) > 0


def test_a_deleted_transcript_is_reported_with_its_codings(study, tmp_path):
    (study / "transcripts" / "gamma.txt").unlink()
    with qc.Project.open(study / "p") as p:
        problems = transcript_problems(p)
        n_gone = int((p.codings()["document"] == "gamma").sum())
    assert problems[["document", "state", "n_codings"]].values.tolist() == \
        [["gamma", "missing", n_gone]]
    res = run(study, "status")
    assert f"warning: gamma is missing: its transcript was deleted or renamed after it was coded " \
           f"({n_gone} codings on it)" in res.output
    res = run(study, "export", "-o", tmp_path / "x.qdpx")
    assert res.exit_code == 1 and "gamma is missing" in res.output
    res = run(study, "export", "-o", tmp_path / "x.qdpx", "--skip-changed")
    assert res.exit_code == 0, res.output
    assert f"left out {n_gone} codings of 'gamma': its transcript is missing" in res.output
    assert set(qc.read_qdpx(tmp_path / "x.qdpx").codings["document"]) == {"alpha"}


def test_status_and_load_report_a_transcript_with_only_suggestions_on_it(study):
    edit(study, "eta")
    for command in (["status"], ["load"]):
        res = run(study, *command)
        assert res.exit_code == 0, res.output
        assert "warning: eta changed since it was coded (4 codings (0 human, 4 machine " \
               "suggestions) on the old text" in res.output
    # the human export does not read eta's suggestions, so it is not refused
    with qc.Project.open(study / "p") as p:
        human = p.codings(include_machine=False)
        assert usable_codings(p, human)[0] is human
        with pytest.raises(ChangedTranscriptError, match="eta changed"):
            usable_codings(p, p.codings())
        assert len(problem_lines(p)) == 1


def test_the_workbench_export_refuses_or_skips_a_changed_transcript(study):
    import sys

    sys.path.insert(0, str(REPO / "tests" / "web"))
    from workbench import client_for

    edit(study, "alpha")
    with qc.Project.open(study / "p") as p, client_for(p, coder="C1") as c:
        r = c.get("/api/export/project.qdpx")
        assert r.status_code == 400 and "alpha changed since it was coded" in r.json()["error"]
        assert "qualcode rehash alpha" in r.json()["error"]
        r = c.get("/api/export/project.qdpx?skip_changed=1")
        assert r.status_code == 200 and "alpha" in r.headers["X-Qualcode-Notes"]
        r = c.get("/api/export/report.html?n_boot=0")
        assert r.status_code == 400 and "alpha changed" in r.json()["error"]
