"""``qualcode open``: coder links, a missing project, and a real server process killed with
``kill -9`` right after it acknowledged edits (nothing acknowledged is lost)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.web.auth import WebState

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"


def make_project(folder: Path):
    """A project over three of the sample's interviews (read by path, never copied)."""
    return qc.Project.init(folder, transcripts=[str(SAMPLE / f"{d}.txt") for d in ("alpha", "beta", "gamma")],
                           cases=str(SAMPLE / "cases.csv"),
                           codebook=str(REPO / "codebooks" / "b2b_influencer_marketing.yaml"))


def test_add_coder_prints_a_private_link(tmp_path):
    make_project(tmp_path / "study").close()
    r = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--add-coder", "Anna",
                                  "--host", "0.0.0.0", "--port", "8000"])
    assert r.exit_code == 0, r.output
    token = re.search(r"token: (\S+)", r.output).group(1)
    assert f"/?token={token}" in r.output and ":8000" in r.output
    assert WebState(tmp_path / "study").coder_for(token) == "Anna"
    bad = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--add-coder", "<x>"])
    assert bad.exit_code == 1 and "coder name" in bad.output and "Traceback" not in bad.output


def test_open_without_a_project_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["open", str(tmp_path), "--no-browser"])
    assert r.exit_code == 1
    assert "qualcode.yaml" in r.output and len(r.output.strip().splitlines()) == 1


def test_open_help_names_the_options():
    r = CliRunner().invoke(main, ["open", "--help"])
    for opt in ("--host", "--port", "--token", "--no-browser", "--add-coder"):
        assert opt in r.output


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_right_after_acknowledged_edits_loses_nothing(tmp_path):
    folder = tmp_path / "study"
    make_project(folder).close()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "open", str(folder), "--no-browser", "--no-train",
         "--token", "T0K", "--coder", "ME"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=T0K", line).group(1)
        with httpx.Client(base_url=url, headers={"X-Qualcode-Token": "T0K"}, timeout=20) as c:
            ids = []
            for start in (394, 977, 1300):
                r = c.post("/api/codings", json={"document": "alpha", "start": start,
                                                 "end": start + 40, "code": "goal.sales"})
                assert r.status_code == 200, r.text
                ids.append(r.json()["id"])
            r = c.patch(f"/api/codings/{ids[0]}", json={"version": 1, "memo": "kept"})
            assert r.status_code == 200
            r = c.request("DELETE", f"/api/codings/{ids[1]}", json={"version": 1})
            assert r.status_code == 200
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no flush: right after the answers
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    with qc.Project.open(folder) as project:
        rows = project.codings().set_index("id")
        assert sorted(rows.index) == [ids[0], ids[2]]
        assert rows.loc[ids[0], "memo"] == "kept" and rows.loc[ids[0], "version"] == 2
        assert list(project.history()["action"]).count("create") == 3
