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


@pytest.fixture
def fifo(tmp_path):
    """``fifo(name)`` makes a FIFO in tmp_path; a thread opens its writing end after 5 s and
    closes it, so a reader that blocks on it (the bug) fails its test instead of hanging."""
    import threading

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    made = []

    def make(name: str):
        path = tmp_path / name
        os.mkfifo(path)

        def unblock():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:  # nobody is reading: nothing to unblock
                pass

        timer = threading.Timer(5.0, unblock)
        timer.daemon = True
        timer.start()
        made.append(timer)
        return path

    yield make
    for timer in made:
        timer.cancel()
