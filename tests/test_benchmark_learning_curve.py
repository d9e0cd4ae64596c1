"""benchmarks/learning_curve.py runs (a small run: the TF-IDF learner, two steps) so it cannot rot."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a whole command: 8 retrains
def test_learning_curve_small_run(tmp_path):
    svg, csv = tmp_path / "curve.svg", tmp_path / "curve.csv"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "learning_curve.py"), "--steps", "0,60",
         "--orders", "document,uncertainty", "--learners", "tfidf", "--splits", "0,1", "--plot", str(svg),
         "--csv", str(csv)], capture_output=True, text=True, timeout=600, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("| 0 | tfidf", "| 1 | tfidf"))]
    assert len(rows) == 8  # 2 splits x 2 orders x 2 steps
    assert "| 0 | tfidf | document | 60 |" in proc.stdout and "| 1 | tfidf | document | 60 |" in proc.stdout
    # the mean over the two splits, one line per learner, order and step
    assert "Mean over 2 split(s):" in proc.stdout
    assert "| tfidf | document | 60 (60) |" in proc.stdout
    assert svg.read_text(encoding="utf-8").startswith("<svg") and "polyline" in svg.read_text()
    assert csv.read_text(encoding="utf-8").startswith("split,step,learner,order,codings")


@pytest.mark.parametrize("options, says", [
    ("{bad", "--base-options: not JSON"), ("[1]", "give a JSON object"),
    ('{"maxcodes": 3}', "the codebook coder has no option maxcodes")])
def test_bad_base_options_are_one_line_before_any_work(options, says):
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "learning_curve.py"), "--base-options", options],
        capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr


def test_the_human_coders_against_c1_for_scale():
    """The README's "for scale" figures: C2 and C3 against C1 with the learner's own measure. A
    coder against their own coding agrees perfectly, so the measure is checked on C1 itself too."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import learning_curve as lc
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "learning_curve.py"),
                           "--humans"], capture_output=True, text=True, timeout=300, cwd=REPO,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {line.split("|")[1].strip(): [float(x) for x in line.split("|")[3:7]]
            for line in proc.stdout.splitlines() if line.startswith(("| C2", "| C3"))}
    assert set(rows) == {"C2", "C3"} and all(0.7 < k < 1.0 for r in rows.values() for k in r)
    import warnings

    from qualcode import Codebook, load_transcripts
    from qualcode.codings import read_codings

    warnings.simplefilter("ignore")
    cb = Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    corpus = load_transcripts(lc.SAMPLE, cases=lc.SAMPLE / "cases.csv", unit="turn")
    c1 = read_codings(lc.SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb)
    c1 = c1[c1["coder"] == "C1"]
    same = lc.held_out_scores(corpus, cb, c1, ["alpha", "beta"], c1)
    assert same["category"][0] == pytest.approx(1.0) and same["code"][1] == pytest.approx(1.0)
