"""`qualcode report` through CliRunner: the report of the sample, and a one-line error."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CB = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def test_report_writes_one_html_file(tmp_path):
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["report", str(SAMPLE), "--codebook", str(CB), "--codings",
                                    str(SAMPLE / "codings_human.csv"), "--no-classifier",
                                    "--n-boot", "0", "-o", str(out)])
    assert res.exit_code == 0, res.output
    # three coders, no project: the coder with the most codings, named with the reason
    assert res.output.splitlines()[-1] == f"Report: {out} (reference coder: C1)"
    assert list(tmp_path.iterdir()) == [out]            # no tables without --tables
    html = out.read_text(encoding="utf-8")
    assert "<title>qualcode study report</title>" in html
    # Table 4's published row, typed from Mero et al. (2023), shown beside the derived one
    assert "Beta Delta Alpha* Iota* Kappa* Lambda* Eta*" in html
    assert "Reference coder: C1 (the coder with the most codings" in html and "'any'" not in html


def test_report_bad_codings_is_one_line(tmp_path):
    bad = tmp_path / "codings.csv"
    bad.write_text("document,start,end,code,coder\nalpha,0,10,goal.nothing,C1\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(SAMPLE), "--codebook", str(CB), "--codings",
                                    str(bad), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == (
        f"Error: {bad}, row 2: unknown code id 'goal.nothing' (not in the codebook)")
    assert not (tmp_path / "r.html").exists()


def test_report_of_a_project_where_no_strategy_is_coded(tmp_path, monkeypatch):
    """A student's own project: one coder, no strategy code coded. The report is written; the
    sections with nothing to show say so."""
    import pandas as pd

    import qualcode as qc

    p = qc.Project.init(tmp_path / "p", transcripts=[str(SAMPLE / "alpha.txt")], codebook=str(CB))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    mine = h[(h["document"] == "alpha") & (h["coder"] == "C1") & h["code"].str.startswith("goal")]
    p.add_codings(mine.assign(coder="ME"))
    p.close()
    monkeypatch.chdir(tmp_path / "p")
    res = CliRunner().invoke(main, ["report", "--no-classifier", "--n-boot", "0", "-o", "r.html"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "p" / "r.html").read_text(encoding="utf-8")
    assert "No passage is coded with a strategy" in html
    assert "One human coder (ME): agreement needs two or more coders" in html
    assert "Reference coder: ME (the only human coder)" in html
    assert 'id="themes"' in html
