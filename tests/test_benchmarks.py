"""The benchmark script runs (small mode, as CI does) so that it cannot rot."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "run.py"

pytest.importorskip("krippendorff")  # the alpha reference (a test extra)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the benchmarks fork")
def test_small_run_prints_the_table(tmp_path):
    out_json = tmp_path / "bench.json"
    out_md = tmp_path / "bench.md"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--small", "--json", str(out_json), "--markdown", str(out_md)],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    assert "| measurement | size | work | median s | throughput | peak MiB | reference | ratio |" \
        in proc.stdout
    assert "ERROR" not in proc.stdout
    assert out_md.read_text(encoding="utf-8") == proc.stdout.rstrip("\n") + "\n"
    report = json.loads(out_json.read_text(encoding="utf-8"))
    tasks = {r["task"] for r in report["results"]}
    assert tasks == {"load", "keyword", "cli", "train", "predict", "compare_segment",
                     "compare_character", "case_by_code", "strategy_by_case", "alpha",
                     "fleiss_weighted", "conger", "store"}
    for r in report["results"]:
        assert r["seconds"] > 0 and r["peak_mib"] > 0 and r["work"] > 0, r
    # full-size targets only, and the store's, measured at every size
    assert [t["status"] for t in report["targets"]] == ["not run"] * 6 + ["met"]


def test_sizes_parse():
    import importlib.util

    spec = importlib.util.spec_from_file_location("qualcode_benchmarks_run", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert [bench.parse_size(s) for s in ("10k", "1M", "2.5M", "250000")] == \
        [10_000, 1_000_000, 2_500_000, 250_000]
    assert [bench.size_label(n) for n in (10_000, 1_000_000, 12_345)] == ["10k", "1M", "12,345"]
    assert [bench.repeats_for(n, 5) for n in (10_000, 100_000, 1_000_000, 10_000_000)] == [5, 5, 3, 1]


@pytest.mark.slow
def test_classifier_options_small_run():
    script = REPO / "benchmarks" / "classifier_options.py"
    proc = subprocess.run([sys.executable, str(script), "--small", "--options", "{}",
                           "{'max_negatives': 100}"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        fit, feat, micro, macro, auc = map(float, cells[1:])
        assert fit > feat > 0 and 0 < micro <= 1 and 0 < macro <= 1 and 0.5 < auc <= 1
