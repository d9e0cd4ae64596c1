"""The console script's entry point (``qualcode.cli:run``) in a real process."""
from __future__ import annotations

import subprocess
import sys


def _qualcode(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_run_exits_with_the_commands_status(tmp_path):
    ok = _qualcode("--version", cwd=tmp_path)
    assert ok.returncode == 0 and "version" in ok.stdout
    bad = _qualcode("codebook", "validate", "missing.yaml", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == ["Error: missing.yaml: no such codebook file"]
