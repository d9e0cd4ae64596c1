"""A second process beside the workbench: a CLI command that writes to the project's store while
the server runs is seen by the server's next request (the store's data version), and the
codebook change another process made is the one the server's next write builds on."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workbench import client_for, human_sample

REPO = Path(__file__).resolve().parents[2]


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "qualcode", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_cli_import_beside_the_server_is_seen_by_its_next_request(project, tmp_path):
    rows = human_sample(["alpha"])
    csv = tmp_path / "c1.csv"
    rows.to_csv(csv, index=False)
    with client_for(project) as c:
        before = c.get("/api/documents/alpha").json()
        assert not any(k["coder"] == "C1" for k in before["codings"])
        done = _cli("import", str(csv), "-p", str(project.root), cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        after = c.get("/api/documents/alpha").json()
        seen = [k for k in after["codings"] if k["coder"] == "C1"]
        assert len(seen) == len(rows)


def test_a_codebook_change_by_another_process_is_what_the_server_builds_on(project, tmp_path):
    move = ("import sys, qualcode as qc\n"
            "p = qc.Project.open(sys.argv[1])\n"
            "p.move_code('goal.branding', 'challenge', coder='ME')\n"
            "p.close()\n")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with client_for(project) as c:
        assert "goal.branding" in [k["id"] for k in c.get("/api/codebook").json()["codes"]]
        done = subprocess.run([sys.executable, "-c", move, str(project.root)], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        # the server's next write builds on the codebook as the other process left it
        r = c.patch("/api/codes/challenge.branding", json={"name": "Branding (moved)"})
        assert r.status_code == 200, r.text
        r = c.patch("/api/codes/goal.branding", json={"name": "stale"})
        assert r.status_code in (400, 404), r.text
        codes = {k["id"]: k["name"] for k in c.get("/api/codebook").json()["codes"]}
        assert codes.get("challenge.branding") == "Branding (moved)" and "goal.branding" not in codes
    done = _cli("codebook", "show", "-p", str(project.root), cwd=tmp_path)  # and it reopens whole
    assert done.returncode == 0 and "Branding (moved)" in done.stdout, done.stdout + done.stderr
