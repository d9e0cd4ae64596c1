"""Helpers for the hostile-input tests: run the CLI in a child process with a timeout, so that an
input that would hang qualcode fails its test instead of hanging the suite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(tmp_path):
    """``run_cli(*args, timeout=60, cwd=tmp_path)`` -> CompletedProcess of ``python -m qualcode``."""
    def run(*args, timeout: float = 60, cwd=None, **kw):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "qualcode", *map(str, args)], cwd=cwd or tmp_path,
                              env=env, capture_output=True, text=True, timeout=timeout, **kw)
    return run


@pytest.fixture
def laughs():
    """``laughs(indent)``: :func:`billion_laughs`."""
    return billion_laughs


def billion_laughs(indent: str = "") -> str:
    """Ten YAML lines whose aliases expand to 9**9 strings."""
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{indent}{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"
