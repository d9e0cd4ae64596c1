"""benchmarks/web.py runs (small mode) so that it cannot rot; its figures are printed, not asserted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_small_run_prints_the_three_measurements():
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    pytest.importorskip("playwright")
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "web.py"), "--small"],
                          capture_output=True, text=True, timeout=600, cwd=REPO, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "render: 3" in out and "200 codings" in out
    assert "apply a code: median" in out and "retrain on the sample's hand coding" in out
