"""`qualcode init | status | history | rehash | suggestions | accept | reject | undo | codebook new`
through CliRunner."""
from __future__ import annotations

import pytest

import shutil
from pathlib import Path

from click.testing import CliRunner
from helpers import inside

import qualcode as qc
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def invoke(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


def _study(folder: Path) -> None:
    (folder / "transcripts").mkdir(parents=True)
    for name in ("alpha", "beta"):
        shutil.copy(SAMPLE / f"{name}.txt", folder / "transcripts")


def test_init_with_a_codebook_template_then_status(tmp_path):
    with inside(tmp_path):
        _study(Path("study"))
        res = invoke("init", "study", "--transcripts", "transcripts/", "--interviewer", "Dan, Kim")
        assert res.exit_code == 0, res.output
        assert "wrote a codebook template to study/codebook.yaml" in res.output
        assert "2 documents, 2 cases" in res.output
        assert invoke("codebook", "validate", "study/codebook.yaml").exit_code == 0
        settings = qc.ProjectSettings.load("study/qualcode.yaml")
        assert settings.interviewer == ["Dan", "Kim"] and settings.codebook == "codebook.yaml"
        res = invoke("init", "study")
        assert res.exit_code == 1 and "a project already exists here" in res.output
        res = invoke("status", "-p", "study")
        assert res.exit_code == 0 and "project 'study'" in res.output


def test_init_with_codings_sets_the_only_human_coder_and_refuses_bad_files(tmp_path):
    with inside(tmp_path):
        _study(Path("study"))
        sample = qc.read_codings(SAMPLE / "codings_human.csv")
        one = sample[(sample["coder"] == "C2") & sample["document"].isin(["alpha", "beta"])]
        one.to_csv("c2.csv", index=False)
        res = invoke("init", "study", "--transcripts", "transcripts/", "--codebook", CODEBOOK,
                     "--codings", "c2.csv")
        assert res.exit_code == 0, res.output
        assert f"imported {len(one)} codings from c2.csv" in res.output
        assert qc.ProjectSettings.load("study/qualcode.yaml").reference_coder == "C2"
        # a codings file the codebook does not fit: one line, and no half-made project
        _study(Path("other"))
        res = invoke("init", "other", "--transcripts", "transcripts/", "--codings", "c2.csv")
        assert res.exit_code == 1
        assert res.output.startswith("Error: c2.csv, row 2: unknown code id")
        assert not Path("other/qualcode.yaml").exists()
        assert not Path("other/codebook.yaml").exists()


def test_review_history_and_rehash(tmp_path):
    with inside(tmp_path):
        _study(Path("study"))
        invoke("init", "study", "--transcripts", "transcripts/", "--codebook", CODEBOOK)
        with qc.Project.open("study") as p:
            from qualcode.coders.keyword import KeywordCoder

            p.replace_suggestions(KeywordCoder(p.codebook).code(p.corpus),
                                  coder="qualcode-keyword", run={"method": "keyword"})
            first = p.suggestions()["id"].tolist()[:3]
        res = invoke("suggestions", "-p", "study", "--limit", "2")
        assert res.exit_code == 0 and res.output.count("qualcode-keyword") == 2
        res = invoke("accept", f"{first[0]}-{first[1]}", "--coder", "ME", "-p", "study")
        assert res.exit_code == 0 and "accepted 2 suggestion(s) as codings by ME" in res.output
        assert invoke("reject", first[2], "--coder", "ME", "-p", "study").exit_code == 0
        res = invoke("undo", "--coder", "ME", "-p", "study")
        assert res.output == f"undid reject of coding(s) {first[2]}\n"
        res = invoke("history", "-p", "study", "--coding", first[0])
        assert "accept" in res.output and "status: suggested -> accepted" in res.output
        # a transcript edited after coding
        path = Path("study/transcripts/alpha.txt")
        path.write_text(path.read_text().replace("Thanks for making time", "Thank you for time"))
        res = invoke("status", "-p", "study")
        assert "warning: alpha changed since it was coded (" in res.output
        assert "qualcode rehash alpha --accept" in res.output
        res = invoke("rehash", "alpha", "-p", "study")
        assert "first difference at offset" in res.output
        res = invoke("rehash", "alpha", "--accept", "-p", "study")
        assert res.exit_code == 0 and "the current text is now the one" in res.output
        assert "warning" not in invoke("status", "-p", "study").output


def test_codebook_new_and_no_project(tmp_path):
    with inside(tmp_path):
        res = invoke("codebook", "new")
        assert res.exit_code == 0 and Path("codebook.yaml").exists()
        assert invoke("codebook", "new").exit_code == 1  # never overwritten without --force
        cb = qc.Codebook.load("codebook.yaml")
        assert cb.ids()[:2] == ["goal", "goal.sales"]
        res = invoke("history")
        assert res.exit_code == 1
        assert "no qualcode.yaml here or in a parent folder" in res.output


DEMO = REPO.parent / "shared" / "real-data" / "qc-refi-demo" / "demo.qdpx"


def test_init_from_a_real_qdpx(tmp_path):
    import pytest

    if not DEMO.exists():
        pytest.skip("../shared/real-data is not beside the repository")
    with inside(tmp_path):
        res = invoke("init", "demo", "--from", DEMO)
        assert res.exit_code == 0, res.output
        assert "2 documents, 2 cases" in res.output and "cp     human" in res.output
        with qc.Project.open("demo") as p:
            assert p.settings.reference_coder == "cp"  # the only human coder
            assert len(p.codings()) == 205 and len(p.codebook) == 262
            text = Path("demo/transcripts/board_2017.txt").read_text()
            assert "speakers: [Speaker 1, Speaker 2" in text
        res = invoke("init", "demo", "--from", DEMO)
        assert res.exit_code == 1 and "a project already exists here" in res.output


def test_codebook_export_writes_the_projects_current_codebook(tmp_path):
    with inside(tmp_path):
        _study(Path("study"))
        invoke("init", "study", "--transcripts", "transcripts/", "--codebook", CODEBOOK)
        with qc.Project.open("study") as p:
            p.create_code("goal.talent", "Recruiting talent", parent="goal", coder="ME")
        res = invoke("codebook", "export", "-p", "study", "-o", "current.yaml")
        assert res.exit_code == 0, res.output
        cb = qc.read_codebook("current.yaml")
        assert cb["goal.talent"].name == "Recruiting talent" and cb["goal.talent"].parent == "goal"


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_train_next_evaluate_and_matrix_in_a_project(tmp_path):
    with inside(tmp_path):
        Path("study/transcripts").mkdir(parents=True)
        for name in ("alpha", "beta", "gamma", "delta"):
            shutil.copy(SAMPLE / f"{name}.txt", "study/transcripts")
        sample = qc.read_codings(SAMPLE / "codings_human.csv")
        c1 = sample[(sample["coder"] == "C1") & sample["document"].isin(["alpha", "beta", "gamma"])]
        c1.to_csv("c1.csv", index=False)
        res = invoke("init", "study", "--transcripts", "transcripts/", "--codebook", CODEBOOK,
                     "--codings", "c1.csv")
        assert res.exit_code == 0, res.output
        res = invoke("train", "-p", "study", "-o", "m.qcm", "--min-examples", "2")
        assert res.exit_code == 0 and "trained on" in res.output, res.output
        res = invoke("next", "-p", "study", "-n", "3", "--min-examples", "2")
        assert res.exit_code == 0 and "delta" in res.output, res.output
        res = invoke("evaluate", "-p", "study", "--folds", "3", "--method", "keyword")
        assert res.exit_code == 0 and res.output.startswith("keyword coder vs C1"), res.output
        res = invoke("matrix", "case-by-code", "-p", "study", "--depth", "0")
        assert res.exit_code == 0 and "Alpha" in res.output, res.output
        res = invoke("code", "-p", "study", "--model", "m.qcm", "--method", "classifier")
        assert res.exit_code == 0 and "await review" in res.output, res.output
