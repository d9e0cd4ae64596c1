"""`qualcode matrix` through CliRunner on a tiny two-firm study written in a temp folder."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from helpers import inside

from qualcode.cli import main

CB = """\
codes:
  - id: strategy
    name: Strategies
    children:
      - id: strategy.content_based
        name: Content
        properties: {associated_firms: [Alpha]}
      - id: strategy.reference_based
        name: Reference
        properties: {associated_firms: [Beta, "Alpha*"]}
"""
ALPHA = "---\ncase: Alpha\n---\nInterviewer: q\nAlpha: we host webinars\nInterviewer: q\nAlpha: and podcasts\n"
BETA = "---\ncase: Beta\n---\nInterviewer: q\nBeta: customer references\nInterviewer: q\nBeta: testimonials\n"


def setup(tmp: Path) -> None:
    (tmp / "t").mkdir()
    (tmp / "t" / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    (tmp / "t" / "beta.txt").write_text(BETA, encoding="utf-8")
    (tmp / "t" / "cases.csv").write_text("case,firm_size\nAlpha,Small\nBeta,Large\n", encoding="utf-8")
    (tmp / "cb.yaml").write_text(CB, encoding="utf-8")
    a = ALPHA.split("---\n", 2)[2]
    b = BETA.split("---\n", 2)[2]
    rows = ["document,start,end,code,coder"]
    for doc, text, words, code in (("alpha", a, ["we host webinars", "and podcasts"], "strategy.content_based"),
                                   ("beta", b, ["customer references", "testimonials"], "strategy.reference_based")):
        for w in words:
            s = text.index(w)
            rows.append(f"{doc},{s},{s + len(w)},{code},C1")
    (tmp / "codings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_strategy_matrix_cli(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as d:
        setup(Path(d))
        res = runner.invoke(main, ["matrix", "strategy", "t", "--codings", "codings.csv",
                                   "--codebook", "cb.yaml", "-o", "s.csv"])
        assert res.exit_code == 0, res.output
        lines = res.output.splitlines()
        assert "strategy.content_based: derived Alpha | published Alpha" in lines
        assert "strategy.reference_based: derived Beta | published Beta Alpha*" in lines
        # published Alpha* under reference is not derived: one of three assignments differs
        assert "1 of 3 published/derived firm assignments differ" in lines
        assert lines[-1] == "written to s.csv"
        assert Path("s.csv").read_text(encoding="utf-8").splitlines()[0] == \
            "case,strategy.content_based,strategy.reference_based,strategies,hybrid"


def test_case_by_code_and_attribute_cli(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as d:
        setup(Path(d))
        res = runner.invoke(main, ["matrix", "case-by-code", "t", "--codings", "codings.csv", "-o", "m.md"])
        assert res.exit_code == 0, res.output
        assert Path("m.md").read_text(encoding="utf-8") == (
            "| case | strategy.content_based | strategy.reference_based |\n| --- | --- | --- |\n"
            "| Alpha | 2 | 0 |\n| Beta | 0 | 2 |\n")
        res = runner.invoke(main, ["matrix", "code-by-attribute", "t", "--codings", "codings.csv",
                                   "--attribute", "firm_size"])
        assert res.exit_code == 0
        assert res.output.splitlines()[2].split() == ["Large", "1", "0", "1"]


def test_matrix_errors(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as d:
        setup(Path(d))
        res = runner.invoke(main, ["matrix", "strategy", "t", "--codings", "codings.csv"])
        assert res.exit_code == 2 and "'strategy' needs --codebook" in res.output
        Path("bad.csv").write_text("document,start,end,code,coder\nalpha,0,9999,x,C1\n", encoding="utf-8")
        res = runner.invoke(main, ["matrix", "case-by-code", "t", "--codings", "bad.csv"])
        assert res.exit_code == 1
        assert res.output == ("Error: bad.csv, row 2: offset 9999 is outside document 'alpha' "
                              f"(length {len(ALPHA.split('---' + chr(10), 2)[2])})\n")
        Path("unk.csv").write_text("document,start,end,code,coder\ngamma,0,5,x,C1\n", encoding="utf-8")
        res = runner.invoke(main, ["matrix", "case-by-code", "t", "--codings", "unk.csv"])
        assert res.output == "Error: unk.csv, row 2: unknown document 'gamma' (not among the 2 loaded transcripts)\n"
