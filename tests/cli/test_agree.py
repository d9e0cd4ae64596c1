"""`qualcode agree` through CliRunner on two coders' codings of a two-interview study."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main

T1 = ("Interviewer: How do you work with influencers?\nP1: We pay them for posts.\n"
      "Interviewer: Anything else?\nP1: Our engineers write expert content.\n"
      "P1: And customers tell their stories.\n")
T2 = "Interviewer: Goals?\nP2: Mostly sales leads.\nP2: Some brand awareness.\n"
CB = "codes:\n  - id: x\n    name: X\n  - id: y\n    name: Y\n"
FILES = {
    "alice.csv": "document,start,end,code\nd1,51,73,x\nd1,106,141,x\nd2,24,43,y\n",
    "bob.csv": "document,start,end,code\nd1,51,73,x\nd1,146,179,x\nd2,24,35,y\nd2,48,69,y\n",
    "both.csv": "document,start,end,code,coder\nd1,51,73,x,alice\nd1,106,141,x,alice\n"
                "d2,24,43,y,alice\nd1,51,73,x,bob\nd1,146,179,x,bob\nd2,24,35,y,bob\n"
                "d2,48,69,y,bob\n",
    "carol.csv": "document,start,end,code\nd2,24,43,y\n",
    "dan.csv": "document,start,end,code\nd1,51,73,x\n",
    "unknown_doc.csv": "document,start,end,code\nd1,51,73,x\nd9,1,5,x\n",
    "far.csv": "document,start,end,code\nd1,51,73,x\nd1,170,999,x\n",
    "unknown_code.csv": "document,start,end,code\nd1,51,73,x\nd1,106,141,zz\n",
    "cb.yaml": CB,
}


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "d1.txt").write_text(T1, encoding="utf-8")
    (tmp_path / "t" / "d2.txt").write_text(T2, encoding="utf-8")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["agree", *args])


def test_table_for_two_coder_files(study):
    res = run("alice.csv", "bob.csv", "-t", "t", "--n-boot", "0")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [
        "coders: alice, bob",
        "code         n_units  agreement  cohen_kappa  alpha  gwet_ac1  bp",
        "-----------  -------  ---------  -----------  -----  --------  -----",
        "x                  5  0.600      0.167        0.250  0.231     0.200",
        "y                  5  0.800      0.545        0.571  0.655     0.600",
        "(all codes)       10  0.700      0.348        0.374  0.450     0.400",
        "n_units: segments covered by two or more coders",
    ]


def test_one_file_with_coder_column_and_intervals(study):
    res = run("both.csv", "-t", "t", "--metric", "cohen_kappa", "--n-boot", "200", "--seed", "1")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[1].split() == ["code", "n_units", "cohen_kappa"]
    assert lines[3].startswith("x                  5  0.167 [")
    assert lines[-1] == ("n_units: segments covered by two or more coders; "
                         "[95% bootstrap interval, 200 resamples of segments]")
    assert res.output == run("both.csv", "-t", "t", "--metric", "cohen_kappa", "--n-boot", "200",
                             "--seed", "1").output


def test_writes_results_and_disagreements_and_never_overwrites(study):
    res = run("alice.csv", "bob.csv", "-t", "t", "--n-boot", "0", "-o", "r.csv",
              "--disagreements", "d.csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-2:] == ["written to r.csv",
                                            "3 disputed passages written to d.csv"]
    assert Path("r.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "code,coders,document,unit,n_units,n_coded,percent_agreement,cohen_kappa,cohen_kappa_low,"
        "cohen_kappa_high,fleiss_kappa,alpha,alpha_low,alpha_high,gwet_ac1,brennan_prediger,note")
    assert Path("d.csv").read_text(encoding="utf-8").splitlines() == [
        "document,start,end,text,code,alice,bob",
        "d1,106,141,Our engineers write expert content.,x,1,0",
        "d1,146,179,And customers tell their stories.,x,0,1",
        "d2,48,69,Some brand awareness.,y,0,1",
    ]
    before = Path("r.csv").read_text(encoding="utf-8")
    again = run("alice.csv", "bob.csv", "-t", "t", "-o", "r.csv")
    assert again.exit_code == 1
    assert again.output == "Error: r.csv: already exists; pass --force to replace it\n"
    assert Path("r.csv").read_text(encoding="utf-8") == before
    forced = run("alice.csv", "bob.csv", "-t", "t", "--n-boot", "0", "-o", "r.csv", "--force")
    assert forced.exit_code == 0


def test_character_and_overlap_units(study):
    res = run("alice.csv", "bob.csv", "-t", "t", "--unit", "character", "--n-boot", "0",
              "--metric", "percent_agreement", "--metric", "cohen_kappa")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[3] == "x                130  0.477      -0.066"
    res = run("alice.csv", "bob.csv", "-t", "t", "--unit", "overlap")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[3:6] == [
        "x                  3  0.333", "y                  3  0.000", "(all codes)        6  0.167"]
    assert res.output.splitlines()[-1].startswith("kappa and alpha: span matching has no units")


def test_nvivo_unitizing_units_and_overlap_base(study):
    res = run("alice.csv", "bob.csv", "-t", "t", "--unit", "overlap", "--overlap-base",
              "segments")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[3:6] == [
        "x                  4  0.500", "y                  3  0.000", "(all codes)        7  0.286"]
    assert "n_units: coded segments of both coders" in res.output
    res = run("alice.csv", "bob.csv", "-t", "t", "--unit", "nvivo", "--metric",
              "percent_agreement", "--metric", "cohen_kappa")
    assert res.exit_code == 0, res.output
    n_chars = len(T1) + len(T2)
    assert res.output.splitlines()[3].split()[:2] == ["x", str(n_chars)]
    assert "as NVivo computes them" in res.output and "[95%" not in res.output
    res = run("alice.csv", "bob.csv", "-t", "t", "--unit", "unitizing", "--metric",
              "krippendorff_alpha", "--disagreements", "dis.csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1].split() == ["code", "n_units", "alpha"]
    assert "u-alpha" in res.output and "4 disputed passages" in res.output


@pytest.mark.parametrize("args,message", [
    (["alice.csv"], "Error: alice.csv: agreement needs codings from at least two coders; "
                    "found only 'alice'"),
    (["dan.csv", "carol.csv"],
     "Error: carol.csv, coder 'carol': no document in common with the other coders (dan), so "
     "there is nothing to compare; code shared transcripts"),
    (["alice.csv", "unknown_doc.csv"],
     "Error: unknown_doc.csv, row 3: unknown document 'd9' (not among the 2 loaded transcripts)"),
    (["alice.csv", "far.csv"],
     "Error: far.csv, row 3: offset 999 is outside document 'd1' (length 180)"),
    (["alice.csv", "unknown_code.csv", "--codebook", "cb.yaml"],
     "Error: unknown_code.csv, row 3: unknown code id 'zz' (not in the codebook)"),
])
def test_errors_are_one_line(study, args, message):
    res = run(*args, "-t", "t")
    assert res.exit_code == 1
    assert res.output == message + "\n"
    assert "Traceback" not in res.output


def test_by_document_and_group(study):
    res = run("alice.csv", "bob.csv", "-t", "t", "--n-boot", "0", "--by", "document",
              "--metric", "percent_agreement")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "x            d1              3  0.333" in lines  # S1 agreed, S2 and S3 not
    assert "y            d2              2  0.500" in lines
    res = run("alice.csv", "bob.csv", "-t", "t", "--n-boot", "0", "--group", "x",
              "--metric", "percent_agreement")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[3] == "x           5  0.600"


def test_every_option_has_help():
    cmd = main.commands["agree"]
    assert cmd.help
    for param in cmd.params:
        if isinstance(param, __import__("click").Option):
            assert param.help, param.name


def test_agree_on_a_qdpx_project_equals_agree_on_the_csv(tmp_path):
    """A reviewer's one command on a REFI-QDA export gives the same numbers as the CSV route:
    the sample's C1 and C2 on their four shared interviews, exported to .qdpx and read back."""
    import qualcode as qc
    from qualcode.refi import write_qdpx

    repo = Path(__file__).resolve().parents[2]
    sample = repo / "transcripts_sample"
    docs = ["alpha", "gamma", "epsilon", "eta"]
    corpus = qc.load_transcripts([sample / f"{d}.txt" for d in docs], cases=sample / "cases.csv")
    cb = qc.Codebook.load(repo / "codebooks" / "b2b_influencer_marketing.yaml")
    human = qc.read_codings(sample / "codings_human.csv")
    human = human[human["document"].isin(docs) & human["coder"].isin(["C1", "C2"])]
    csv = tmp_path / "codings.csv"
    human.to_csv(csv, index=False)
    tdir = tmp_path / "t"
    tdir.mkdir()
    for d in docs:
        (tdir / f"{d}.txt").write_text((sample / f"{d}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    write_qdpx(tmp_path / "study.qdpx", corpus, cb, human)

    runner = CliRunner()
    via_csv = runner.invoke(main, ["agree", str(csv), "-t", str(tdir), "--n-boot", "0"])
    via_qdpx = runner.invoke(main, ["agree", str(tmp_path / "study.qdpx"), "--n-boot", "0"])
    assert via_csv.exit_code == 0, via_csv.output
    assert via_qdpx.exit_code == 0, via_qdpx.output
    pooled = [l for l in via_qdpx.output.splitlines() if l.startswith("(all codes)")]
    assert pooled and pooled == [l for l in via_csv.output.splitlines() if l.startswith("(all codes)")]
    assert via_qdpx.output.splitlines()[0] == "coders: C1, C2"


def test_agree_without_transcripts_needs_one_project(tmp_path):
    (tmp_path / "c.csv").write_text("document,start,end,code,coder\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["agree", str(tmp_path / "c.csv")])
    assert res.exit_code == 2
    assert "give --transcripts, or one .qdpx project whose text sources are the transcripts" in res.output
