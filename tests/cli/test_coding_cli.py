"""`qualcode code | train | evaluate | next` through CliRunner on a tiny study in a temp folder."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import SENTENCES, inside

from qualcode import load_transcripts
from qualcode.cli import main

CB = """\
codes:
  - id: roi
    name: Return on investment
    keywords: [measure roi, conversion]
  - id: rel
    name: Relationships
    keywords: [build * relationship]
  - id: one
    name: Used once
"""
ORDER = ["roi", "rel", "", "rel", "roi", ""]


def make_study(root: Path, *, coded_docs: int = 6) -> None:
    (root / "t").mkdir()
    for d in range(6):
        lines = []
        for i, code in enumerate(ORDER):
            lines += [f"Interviewer: question {i}?", f"P{d}: {SENTENCES[code][(d + i) % 3]}"]
        (root / "t" / f"doc{d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "cb.yaml").write_text(CB, encoding="utf-8")
    seg = load_transcripts(root / "t").codable_segments()
    rows = []
    for d in range(coded_docs):
        s = seg[seg["document"] == f"doc{d}"].reset_index(drop=True)
        for i, code in enumerate(ORDER):
            if code:
                rows.append((f"doc{d}", s.loc[i, "start"], s.loc[i, "end"], code, "C1"))
    rows.append(("doc0", int(seg.iloc[2]["start"]), int(seg.iloc[2]["end"]), "one", "C1"))  # once
    pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"]).to_csv(
        root / "human.csv", index=False)


@pytest.fixture
def study(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as d:
        make_study(Path(d))
        yield runner


def run(runner, *args):
    return runner.invoke(main, list(args))


def test_code_with_keywords(study):
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "keyword", "-o", "machine.csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    # per document: 2 roi turns hit "measure roi"/"conversion"; "build * relationship" hits
    # "Building strong relationships" only
    out = pd.read_csv("machine.csv")
    assert lines[0] == (f"{len(out)} suggestions (keyword {len(out)}) on "
                        f"{out[['document', 'segment']].drop_duplicates().shape[0]} of 36 codable "
                        f"segments, {out['code'].nunique()} codes")
    assert lines[-1] == "written to machine.csv"
    assert list(out.columns) == ["document", "start", "end", "code", "coder", "segment", "method",
                                 "score", "memo"]
    assert set(out["coder"]) == {"qualcode-keyword"} and set(out["code"]) == {"roi", "rel"}
    again = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "keyword", "-o", "machine.csv")
    assert again.exit_code == 1 and "already exists; pass --force" in again.output
    assert run(study, "code", "t", "--codebook", "cb.yaml", "--method", "keyword", "-o", "machine.csv",
               "--force").exit_code == 0


def test_code_never_writes_over_human_codings(study):
    before = Path("human.csv").read_text(encoding="utf-8")
    res = run(study, "code", "t", "--codebook", "cb.yaml", "-o", "human.csv", "--force")
    assert res.exit_code == 1
    assert res.output.strip() == ("Error: human.csv: holds human codings; machine suggestions are "
                                  "never written over it (choose another -o file)")
    assert Path("human.csv").read_text(encoding="utf-8") == before


def test_code_classifier_needs_a_model(study):
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "classifier", "-o", "m.csv")
    assert res.exit_code == 2
    assert "--method classifier needs --model" in res.output


def test_train_then_code_with_the_model(study):
    res = run(study, "train", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-o", "model.qcm")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [
        "trained on 36 segments of 6 documents: 2 codes modelled",
        "skipped (fewer than 3 coded segments): one (1)",
        "written to model.qcm"]
    again = run(study, "train", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-o", "model.qcm")
    assert again.exit_code == 1 and "model.qcm: already exists" in again.output
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--model", "model.qcm", "-o", "m.csv")
    assert res.exit_code == 0, res.output
    out = pd.read_csv("m.csv")
    assert set(out["coder"]) == {"qualcode-classifier"}
    assert set(out["method"]) <= {"classifier", "keyword", "keyword+classifier"}
    assert "keyword+classifier" in set(out["method"])
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--model", "model.qcm",
              "--method", "classifier", "-o", "c.csv")
    assert res.exit_code == 0 and set(pd.read_csv("c.csv")["method"]) == {"classifier"}


def test_train_errors_are_one_line(study):
    res = run(study, "train", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-o", "m.qcm",
              "--min-examples", "50")
    assert res.exit_code == 1
    assert res.output.strip() == ("Error: human.csv: no code has 50 or more coded segments; code "
                                  "more or lower --min-examples")
    res = run(study, "train", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-o", "m.qcm",
              "--coder", "C7")
    assert res.exit_code == 1
    assert res.output.strip() == "Error: human.csv: no human codings by coder 'C7' (coders: C1)"
    Path("broken.qcm").write_text("not a zip", encoding="utf-8")
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--model", "broken.qcm", "-o", "x.csv")
    assert res.exit_code == 1 and res.output.startswith("Error: broken.qcm: not a qualcode model file")


def test_evaluate_keyword_and_classifier(study):
    res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv",
              "-o", "report.csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "keyword coder vs all human coders (union) (no training needed)"
    assert lines[1] == ("figures: every document with human coding coded once by the keyword coder "
                        "(it learns nothing from the coding), scored against all human coders "
                        "(union)'s coding of it")
    assert lines[2].split() == ["code", "support", "predicted", "tp", "fp", "fn", "precision",
                                "recall", "f1", "kappa"]
    assert any(line.startswith("ALL (micro)") for line in lines)
    assert any(line.startswith("overall (36 segments x 3 codes): micro P/R/F1 ") for line in lines)
    assert lines[-1] == "written to report.csv"
    report = pd.read_csv("report.csv")
    assert report["code"].tolist() == ["roi", "rel", "one", "ALL (micro)", "ALL (macro)"]
    res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv",
              "--method", "classifier", "--folds", "3", "--coder", "C1")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[:2] == [
        "classifier coder vs C1, 3-fold cross-validation over 6 documents",
        ("figures: each document coded by a classifier coder trained on the other folds' "
         "documents (never on its own), scored against C1's coding of it")]
    assert "pooled kappa" in res.output


def test_evaluate_in_a_project_measures_the_project_learner_by_default(study, monkeypatch):
    from qualcode.coders import learner

    monkeypatch.setattr(learner, "default_base", lambda: "classifier")  # no sentence model
    res = run(study, "init", ".", "--transcripts", "t/", "--codebook", "cb.yaml", "--codings",
              "human.csv")
    assert res.exit_code == 0, res.output
    res = run(study, "evaluate", "--folds", "2")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "learner coder vs C1, 2-fold cross-validation over 6 documents"  # the reference
    assert lines[1].startswith("method: the project learner (the default in a project; --method "
                               "keyword, classifier, codebook ... for another coder) on the TF-IDF "
                               "classifier (no semantic extra), gate included")
    assert lines[2] == ("figures: each document coded by the learner fitted on the codebook and the "
                        "other folds' hand coding (never on its own), scored against C1's coding "
                        "of it; a code the gate withholds in a fold predicts nothing there")
    assert "pooled kappa" in res.output
    # the review decisions are learned from too (those of the training folds)
    import qualcode as qc

    with qc.Project.open(".") as project:
        seg = project.corpus.codable_segments().iloc[2]
        project.replace_suggestions(pd.DataFrame({
            "document": [seg["document"]], "start": [int(seg["start"])], "end": [int(seg["end"])],
            "code": ["roi"], "method": ["keyword"], "score": [1.0]}), coder="qualcode-keyword")
        project.reject(project.suggestions()["id"].tolist(), coder="C1")
        project.replace_suggestions(pd.DataFrame({
            "document": [seg["document"]], "start": [int(seg["start"])], "end": [int(seg["end"])],
            "code": ["rel"], "method": ["keyword"], "score": [1.0]}), coder="qualcode-keyword")
        project.reject(project.suggestions()["id"].tolist(), coder="ME")  # not the reference
    res = run(study, "evaluate", "--folds", "2")
    assert res.exit_code == 0, res.output
    assert "other folds' hand coding and review decisions (1 in the project, by C1)" in res.output
    # another method by name; explicit files keep the keyword default, in a project too
    res = run(study, "evaluate", "--method", "keyword")
    assert res.exit_code == 0 and res.output.startswith("keyword coder vs"), res.output
    res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv")
    assert res.exit_code == 0 and res.output.startswith("keyword coder vs"), res.output


def test_evaluate_usage_errors(study):
    res = run(study, "evaluate", "--codebook", "cb.yaml")
    assert res.exit_code == 2 and ("evaluate needs TRANSCRIPTS and --codings, a .qdpx project as "
                                   "TRANSCRIPTS, --quotes, or a project") in res.output
    res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "--level", "x")
    assert res.exit_code == 2 and "'x': use 'code', 'category' or a depth" in res.output
    res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "--coder", "C9")
    assert res.exit_code == 1
    assert res.output.strip() == "Error: human.csv: no human codings by coder 'C9' (coders: C1)"


def test_evaluate_on_the_papers_quotes(study, shared, repo):
    res = run(study, "evaluate", "--quotes", "--codebook", "cb.yaml", "--seeds", str(shared / "seeds"))
    assert res.exit_code == 1
    assert res.output.strip() == (
        "Error: the papers' quotes are labelled with the categories of "
        "codebooks/b2b_influencer_marketing.yaml; codebook cb.yaml does not declare "
        "'process.planning' and 15 more among its 'categories:', so the quotes do not belong to it")
    shipped = str(repo / "codebooks" / "b2b_influencer_marketing.yaml")
    res = run(study, "evaluate", "--quotes", "--codebook", shipped, "--seeds", str(shared / "seeds"))
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "keyword coder vs the papers' authors on their visible quotes (category level)"
    assert any(line.startswith("overall (42 quotes x 16 categories)") for line in lines)
    assert "note: 42 visible quotes (mero2023: 14, uk_influential: 28); withheld quotes are not used" in lines
    res = run(study, "evaluate", "--quotes", "--codebook", shipped, "--seeds", "nowhere")
    assert res.exit_code == 1 and "paper not found" in res.output


def test_next_lists_uncoded_segments(tmp_path):
    runner = CliRunner()
    with inside(tmp_path) as d:
        make_study(Path(d), coded_docs=4)
        res = run(runner, "next", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-n", "3")
        assert res.exit_code == 0, res.output
        lines = res.output.splitlines()
        assert lines[0] == ("3 segments to code next (smallest margin |p - threshold| first, spread "
                            "over 2 interviews):")
        assert lines[1].split() == ["rank", "document", "segment", "code", "probability", "margin",
                                    "preview"]
        assert len(lines) == 6 and [line.split()[0] for line in lines[3:]] == ["1", "2", "3"]
        assert all(line.split()[1] in ("doc4", "doc5") for line in lines[3:])
        # spread over the uncoded interviews, not three passages of one
        assert {line.split()[1] for line in lines[3:5]} == {"doc4", "doc5"}


def test_next_when_everything_is_coded(study):
    res = run(study, "next", "t", "--codebook", "cb.yaml", "--codings", "human.csv")
    assert res.exit_code == 0
    assert res.output == "no uncoded segments: every transcript already has human codings\n"


def test_every_command_and_option_has_help():
    for name in ("code", "train", "evaluate", "next"):
        cmd = main.commands[name]
        assert cmd.help, name
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts}"


def test_evaluate_takes_a_qdpx_project(tmp_path):
    """The sample's C1 coding of four interviews, exported to .qdpx, evaluated with one command:
    the same figures as from the transcripts folder and the CSV."""
    import qualcode as qc
    from qualcode.refi import write_qdpx

    repo = Path(__file__).resolve().parents[2]
    sample = repo / "transcripts_sample"
    docs = ["alpha", "beta", "gamma", "delta"]
    corpus = qc.load_transcripts([sample / f"{d}.txt" for d in docs], cases=sample / "cases.csv")
    cb_path = repo / "codebooks" / "b2b_influencer_marketing.yaml"
    cb = qc.Codebook.load(cb_path)
    human = qc.read_codings(sample / "codings_human.csv")
    human = human[human["document"].isin(docs) & (human["coder"] == "C1")]
    write_qdpx(tmp_path / "study.qdpx", corpus, cb, human)
    (tmp_path / "t").mkdir()
    for d in docs:
        (tmp_path / "t" / f"{d}.txt").write_text((sample / f"{d}.txt").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    human.to_csv(tmp_path / "human.csv", index=False)
    runner = CliRunner()
    via_qdpx = runner.invoke(main, ["evaluate", str(tmp_path / "study.qdpx"), "--codebook", str(cb_path),
                                    "--level", "category"])
    via_csv = runner.invoke(main, ["evaluate", str(tmp_path / "t"), "--codebook", str(cb_path),
                                   "--codings", str(tmp_path / "human.csv"), "--level", "category"])
    assert via_qdpx.exit_code == 0, via_qdpx.output
    summary = [l for l in via_qdpx.output.splitlines() if l.startswith("overall (")]
    assert summary and summary == [l for l in via_csv.output.splitlines() if l.startswith("overall (")]


def test_after_a_codebook_change_code_next_and_suggestions_use_the_new_codebook(tmp_path,
                                                                               monkeypatch):
    import qualcode as qc
    from qualcode.coders import learner

    monkeypatch.setattr(learner, "default_base", lambda: "classifier")  # no sentence model
    runner = CliRunner()
    with inside(tmp_path) as d:
        make_study(Path(d), coded_docs=4)
        assert run(runner, "init", ".", "--transcripts", "t/", "--codebook", "cb.yaml",
                   "--codings", "human.csv").exit_code == 0
        res = run(runner, "code")  # the project learner
        assert res.exit_code == 0, res.output
        with qc.Project.open(".") as project:
            seg = project.corpus.codable_segments()  # and another machine coder's run
            seg = seg[seg["document"].isin(["doc4", "doc5"])]
            project.replace_suggestions(seg.assign(
                code=["roi", "rel", "one"] * (len(seg) // 3), method="keyword", score=1.0)[
                ["document", "start", "end", "code", "method", "score"]],
                coder="qualcode-keyword")
            before = project.suggestions()
            assert {"roi", "rel"} <= set(before["code"])
            assert {"qualcode-keyword", "qualcode-learner"} <= set(before["coder"])
            # a merge and a move, as the workbench's owner (or a script) makes them
            project.merge_codes("rel", "roi", coder="C1")
            project.move_code("one", "roi", coder="C1")
            ids = project.codebook.ids()
            assert ids == ["roi", "roi.one"]
            stored = project.suggestions()  # the stored suggestions followed their codes
            assert len(stored) and set(stored["code"]) <= set(ids)
        res = run(runner, "suggestions", "--limit", "0")
        assert res.exit_code == 0 and " rel " not in res.output and " one " not in res.output
        res = run(runner, "code")  # the learner on the new codebook
        assert res.exit_code == 0, res.output
        assert "of 2 codes suggest" in res.output and "rel:" not in res.output
        with qc.Project.open(".") as project:
            run_ = project.machine_runs().iloc[-1]
            assert run_["coder"] == "qualcode-learner"
            assert run_["codebook"] == project.codebook.fingerprint()
            mine = project.suggestions(coder="qualcode-learner")
            assert len(mine) and set(mine["code"]) <= set(ids)
        res = run(runner, "next", "-n", "5")
        assert res.exit_code == 0, res.output
        listed = {line.split()[3] for line in res.output.splitlines()[3:]}
        assert listed and listed <= set(ids), res.output
