"""`qualcode import` and `qualcode export` through CliRunner: output, files, exit codes."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import inside

from qualcode import refi
from qualcode.cli import main
from qualcode.codebook import Codebook
from qualcode.codings import read_codings
from qualcode.corpus import load_transcripts

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEMO = SHARED / "real-data" / "qc-refi-demo" / "demo.qdpx"
EX = SHARED / "refi-qda" / "examples"

needs_shared = pytest.mark.skipif(not DEMO.exists(), reason="../shared is not beside the repository")


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@needs_shared
def test_import_demo_writes_loadable_files(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as cwd:
        res = runner.invoke(main, ["import", str(DEMO), "-o", "out"])
        assert res.exit_code == 0, res.output
        assert res.output.splitlines() == [
            f"Imported {DEMO} (origin: qc 1.3.2; positions counted as codepoint: all 158 "
            "selections land on text as codepoint)",
            "  2 documents, 262 codes, 205 codings (coders: cp), 2 cases, 0 notes",
            "  nothing skipped",
            "Written to out: transcripts/cases.csv, codings.csv, codebook.yaml",
            "  and 2 transcript(s) in out/transcripts; load them with: qualcode load out/transcripts",
        ]
        out = Path(cwd) / "out"
        assert files_under(Path(cwd)) == {"out/codings.csv", "out/codebook.yaml",
                                          "out/transcripts/cases.csv",
                                          "out/transcripts/admin-1.txt",
                                          "out/transcripts/board_2017.txt"}
        board = (out / "transcripts" / "board_2017.txt").read_text(encoding="utf-8")
        assert board.startswith("---\ncase: board_2017\nspeakers: [Speaker 1, Speaker 2, ")
        assert "\n---\nSpeaker 1:" in board  # the speaker list keeps the turns (issue 13)
        # the written files load back into the same documents, codes and codings
        project = refi.read_qdpx(DEMO)
        corpus = load_transcripts(out / "transcripts")
        assert corpus.texts == project.corpus.texts
        cols = ["document", "speaker", "start", "end", "is_interviewer"]
        key = ["document", "start"]
        assert corpus.segments[cols].sort_values(key).values.tolist() == \
            project.corpus.segments[cols].sort_values(key).values.tolist()
        cb = Codebook.load(out / "codebook.yaml")
        assert cb.ids() == project.codebook.ids()
        codings = read_codings(out / "codings.csv", corpus=corpus, codebook=cb)
        assert len(codings) == 205
        pd.testing.assert_frame_equal(codings[["document", "start", "end", "code", "coder"]],
                                      project.codings[["document", "start", "end", "code", "coder"]])

        # a second import refuses to overwrite, and changes nothing
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        res = runner.invoke(main, ["import", str(DEMO), "-o", "out"])
        assert res.exit_code == 1
        assert res.output == ("Error: out/transcripts/board_2017.txt: already exists; pass --force "
                              "to replace it\n")
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
        res = runner.invoke(main, ["import", str(DEMO), "-o", "out", "--force"])
        assert res.exit_code == 0


@needs_shared
def test_import_reports_what_was_skipped(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        res = runner.invoke(main, ["import", str(EX / "atlas-8.4-mac_standard-project.qde"), "-o", "o"])
        assert res.exit_code == 0, res.output
        assert "0 documents, 14 codes, 0 codings (coders: none), 0 cases, 2 notes" in res.output
        skipped = [line for line in res.output.splitlines() if line.startswith("  skipped or changed: ")]
        assert len(skipped) == 14
        assert any("6 non-text source(s) skipped" in line and "PDFSource" in line for line in skipped)
        assert any("16 set(s) not imported" in line for line in skipped)
        assert sorted(files_under(Path("o"))) == ["codebook.yaml", "codings.csv", "notes.csv"]


@needs_shared
def test_import_nvivo_with_explicit_offsets(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        res = runner.invoke(main, ["import", str(EX / "nvivo-win-12.6_oltas.qdpx"), "-o", "o",
                                   "--offsets", "utf16"])
        assert res.exit_code == 0, res.output
        assert "positions counted as utf16: chosen explicitly" in res.output
        assert "1 documents, 60 codes, 97 codings (coders: floriansipos), 1 cases" in res.output


def test_hostile_import_is_one_line_and_writes_nothing(tmp_path):
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
        z.writestr("../../escaped.txt", "gotcha")
    runner = CliRunner()
    work = tmp_path / "work"
    work.mkdir()
    with inside(work):
        res = runner.invoke(main, ["import", str(evil), "-o", "out"])
        assert res.exit_code == 1
        assert res.output.count("\n") == 1
        assert res.output.startswith("Error: ") and "'../../escaped.txt'" in res.output
        assert "outside the archive" in res.output and "Traceback" not in res.output
        assert not Path("out").exists()
    assert files_under(tmp_path) == {"evil.qdpx"}

    notzip = tmp_path / "fake.qdpx"
    notzip.write_text("hello")
    res = runner.invoke(main, ["import", str(notzip), "-o", str(tmp_path / "o2")])
    assert res.exit_code == 1 and "not a zip archive" in res.output and res.output.count("\n") == 1


def _write_study(folder: Path) -> None:
    t = folder / "transcripts"
    t.mkdir(parents=True)
    (t / "alpha.txt").write_text("---\ncase: firm_a\n---\nInterviewer: Why?\nAlpha: To sell more.\n",
                                 encoding="utf-8")
    (t / "beta.txt").write_text("---\ncase: firm_b\n---\nBeta: Hard to measure.\n", encoding="utf-8")
    (t / "cases.csv").write_text("case,industry\nfirm_a,steel\nfirm_b,software\n", encoding="utf-8")
    (folder / "cb.yaml").write_text(
        "name: S\ncodes:\n  - id: goal\n    name: Goals\n    children:\n"
        "      - id: goal.sales\n        name: Sales\n  - id: challenge\n    name: Challenges\n",
        encoding="utf-8")
    (folder / "ann.csv").write_text(
        "document,start,end,code,coder\nalpha,25,37,goal.sales,ann\nbeta,6,22,challenge,ann\n",
        encoding="utf-8")
    (folder / "bob.csv").write_text("document,start,end,code,coder\nalpha,25,37,goal,bob\n",
                                    encoding="utf-8")


def test_export_qdpx_and_qdc_then_import_back(tmp_path, monkeypatch):
    _write_study(tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["export", "--format", "qdpx", "--transcripts", "transcripts", "--codebook", "cb.yaml",
            "--codings", "ann.csv", "--codings", "bob.csv", "-o", "study.qdpx"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert res.output == "study.qdpx: 2 documents, 3 codes, 3 codings by 2 coder(s), 2 cases\n"
    first = Path("study.qdpx").read_bytes()
    res = runner.invoke(main, args)
    assert res.exit_code == 1 and "already exists; pass --force" in res.output
    res = runner.invoke(main, args + ["--force"])
    assert res.exit_code == 0 and Path("study.qdpx").read_bytes() == first  # reproducible

    res = runner.invoke(main, ["export", "--codebook", "cb.yaml", "-o", "cb.qdc"])
    assert res.exit_code == 0 and res.output == "3 codes written to cb.qdc\n"
    assert Codebook.load("cb.qdc").ids() == ["goals", "goals.sales", "challenges"]

    res = runner.invoke(main, ["import", "study.qdpx", "-o", "back"])
    assert res.exit_code == 0, res.output
    assert "2 documents, 3 codes, 3 codings (coders: ann, bob), 2 cases, 0 notes" in res.output
    back = pd.read_csv("back/transcripts/cases.csv", dtype=str)
    assert back.to_dict("records") == [{"case": "firm_a", "industry": "steel"},
                                       {"case": "firm_b", "industry": "software"}]
    assert Codebook.load("back/codebook.yaml").ids() == ["goal", "goal.sales", "challenge"]


def test_export_errors(tmp_path):
    _write_study(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["export", "--codebook", str(tmp_path / "cb.yaml"),
                               "-o", str(tmp_path / "x.zip")])
    assert res.exit_code == 1 and "cannot tell the format" in res.output
    res = runner.invoke(main, ["export", "--codebook", str(tmp_path / "cb.yaml"),
                               "-o", str(tmp_path / "x.qdpx")])
    assert res.exit_code == 1 and "--transcripts is required" in res.output


def test_every_option_has_help():
    for name in ("import", "export"):
        cmd = main.commands[name]
        assert cmd.help
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.name} has no help text"
