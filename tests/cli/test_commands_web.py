"""``qualcode open``: coder links and their roles, a missing project, a real server process killed
with ``kill -9`` right after it acknowledged edits (nothing acknowledged is lost), one server per
project (two real processes), short tokens, ``--blind``."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
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


# ---- a team: roles, blind coding, tokens, one server per project ---------------------------------

def _start(folder: Path, *extra, token="T0K-long-enough-123"):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "qualcode", "open", str(folder), "--no-browser", "--no-train",
         "--token", token, "--coder", "ME", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    proc.stderr_text = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_a_second_server_on_one_project_is_refused_naming_the_first(tmp_path):
    folder = tmp_path / "study"
    make_project(folder).close()
    first = _start(folder)
    try:
        url = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=", first.stdout.readline()).group(1)
        lock = json.loads((folder / ".qualcode" / "server.lock").read_text())
        assert lock["pid"] == first.pid and lock["url"] == url + "/"
        second = _start(folder)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert f"a workbench already serves this project at {url}/" in err + out
        assert "Traceback" not in err and "T0K" not in err + out  # the address, not the token
        with httpx.Client(base_url=url, headers={"X-Qualcode-Token": "T0K-long-enough-123"}) as c:
            assert c.get("/api/me").status_code == 200  # the first one still serves
    finally:
        _stop(first)
    assert not (folder / ".qualcode" / "server.lock").exists()  # released on a clean stop


def test_a_stale_lock_is_taken_over(tmp_path):
    from qualcode.web.server import ServerLock, ServerRunning

    folder = tmp_path / "study"
    make_project(folder).close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = folder / ".qualcode" / "server.lock"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(),
                                "url": "http://127.0.0.1:1/"}))
    lock = ServerLock(folder)
    lock.acquire("http://127.0.0.1:2/")
    assert json.loads(path.read_text())["pid"] == os.getpid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path.write_text(json.dumps({"pid": live.pid, "host": socket.gethostname(),
                                    "url": "http://127.0.0.1:3/"}))
        with pytest.raises(ServerRunning, match="127.0.0.1:3"):
            ServerLock(folder).acquire("http://127.0.0.1:4/")
    finally:
        live.kill()
        live.wait()


def test_add_coder_with_a_role(tmp_path):
    make_project(tmp_path / "study").close()
    r = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--add-coder", "Pat",
                                  "--role", "owner"])
    assert r.exit_code == 0 and "Pat, owner" in r.output
    r = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--add-coder", "Kim"])
    state = WebState(tmp_path / "study")
    assert state.role_of("Pat") == "owner" and state.role_of("Kim") == "coder"
    r = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--add-coder", "X",
                                  "--role", "boss"])
    assert r.exit_code == 2 and "boss" in r.output


def test_a_short_token_is_refused_on_the_network_and_warned_about_locally(tmp_path):
    make_project(tmp_path / "study").close()
    r = CliRunner().invoke(main, ["open", str(tmp_path / "study"), "--host", "0.0.0.0",
                                  "--token", "a", "--no-browser"])
    assert r.exit_code == 1 and "too short to serve on 0.0.0.0" in r.output
    assert not (tmp_path / "study" / ".qualcode" / "server.lock").exists()
    proc = _start(tmp_path / "study", token="short")
    try:
        proc.stdout.readline()  # serving
        assert proc.poll() is None
    finally:
        _stop(proc)
    assert "easy to guess" in proc.stderr_text  # kept by _stop


def test_blind_flag_and_init_template(tmp_path):
    p = make_project(tmp_path / "study")
    text = p.settings_path.read_text()
    assert "# blind: true" in text  # qualcode init writes the setting, commented
    p.close()
    proc = _start(tmp_path / "study", "--blind")
    try:
        assert "/?token=" in proc.stdout.readline()
    finally:
        _stop(proc)
    with qc.Project.open(tmp_path / "study") as project:
        assert project.settings.blind is True
        assert "blind_set" in project.history()["action"].tolist()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/PID/status")
def test_a_100_mb_body_is_refused_without_being_read(tmp_path):
    """The issue measured a 751 MB server peak for one 100 MB body; now it stays flat."""
    folder = tmp_path / "study"
    make_project(folder).close()
    proc = _start(folder)
    token = "T0K-long-enough-123"

    def peak_mb() -> int:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
    try:
        url = re.search(r"(http://127\.0\.0\.1:\d+)/", proc.stdout.readline()).group(1)
        with httpx.Client(base_url=url, timeout=120, headers={
                "X-Qualcode-Token": token, "content-type": "application/json"}) as c:
            assert c.get("/api/documents/alpha").status_code == 200
            before = peak_mb()
            r = c.post("/api/codings", content=b" " * (100 * 1024 * 1024))
            assert r.status_code == 413 and r.json()["status"] == 413

            def chunks():  # no Content-Length: counted while it streams
                for _ in range(100):
                    yield b" " * (1024 * 1024)
            r = c.post("/api/codings", content=chunks())
            assert r.status_code == 413
            assert peak_mb() - before < 40
    finally:
        _stop(proc)


def test_a_folder_the_lock_cannot_be_written_in_serves_without_one(tmp_path):
    from qualcode.web.server import ServerLock

    (tmp_path / ".qualcode").write_text("not a folder")  # mkdir fails as on a read-only folder
    lock = ServerLock(tmp_path)
    assert lock.acquire("http://127.0.0.1:1/") is False and not lock.held
    lock.release()  # nothing to release
