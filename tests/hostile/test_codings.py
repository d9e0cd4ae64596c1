"""Hostile and careless codings tables, and the coding run's worker processes (issue 17)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from qualcode.codings import read_codings, write_codings
from qualcode.errors import CodingsError, InputFormatError

REPO = Path(__file__).resolve().parents[2]
HEADER = "document,start,end,code,coder\n"


@pytest.mark.parametrize("value", ["inf", "1e30", "-inf", "nan", "9007199254740993"])
def test_absurd_offsets_are_a_clear_error(tmp_path, value):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + f"doc,0,{value},a,ann\n", encoding="utf-8")
    with pytest.raises(CodingsError, match=r"c\.csv, row 2: 'end' must be a whole number"):
        read_codings(p)


def test_extra_fields_in_a_codings_row_are_an_error_naming_it(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "doc,0,5,a,ann\ndoc,5,9,b,ann,surplus\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"c\.csv, line 3: 6 fields where the header has 5"):
        read_codings(p)


def test_codings_with_formula_like_names_round_trip(tmp_path):
    df = pd.DataFrame({"document": ["=doc", "+d"], "start": [0, 3], "end": [2, 5],
                       "code": ["a", "b"], "coder": ["@ann", "-bob"], "memo": ["=1+1", "ok"]})
    for suffix in ("csv", "xlsx"):
        path = write_codings(df, tmp_path / f"c.{suffix}")
        back = read_codings(path)
        assert back["document"].tolist() == ["=doc", "+d"]
        assert back["coder"].tolist() == ["@ann", "-bob"]
        assert back["memo"].tolist() == ["=1+1", "ok"]


CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from qualcode.parallel import fork_map
    pids = sys.argv[2]

    def task(i):
        with open(pids, "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        time.sleep(120)
        return i

    fork_map(task, range(4), 2)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool runs on Linux")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    pids = tmp_path / "pids"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), str(REPO), str(pids)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if pids.exists():
                workers = [int(x) for x in pids.read_text().split()]
                if len(workers) >= 2:
                    break
            time.sleep(0.05)
        assert len(workers) >= 2, "workers never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.05)
        assert not any(_alive(p) for p in workers)
    finally:
        for p in workers:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if parent.poll() is None:
            parent.kill()
