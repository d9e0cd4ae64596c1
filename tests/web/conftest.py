"""Fixtures for the workbench: small projects over the bundled sample, a project whose
transcript, codebook and memos try to inject markup, an in-process client, and (for the browser
tests) one Chromium per session and a real uvicorn server."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `from workbench import ...`

from workbench import (
    EVIL,
    SAMPLE,
    EVIL_CODEBOOK,
    EVIL_TRANSCRIPT,
    TOKEN,
    client_for,
    make_project,
)

import qualcode as qc
from qualcode.web import create_app
from qualcode.web.auth import WebState


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path / "study")
    yield p
    p.close()


@pytest.fixture
def client(project):
    with client_for(project) as c:
        yield c


@pytest.fixture
def evil_project(tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "evil.txt").write_text(EVIL_TRANSCRIPT, encoding="utf-8")
    (folder / "codebook.yaml").write_text(EVIL_CODEBOOK, encoding="utf-8")
    p = qc.Project.init(folder, name=f"Project {EVIL}", transcripts=["evil.txt"],
                        codebook="codebook.yaml")
    yield p
    p.close()


# ---- the browser ------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (python) is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def served(project):
    """The workbench over ``project`` on a real uvicorn server (127.0.0.1, free port)."""
    from qualcode.web.server import ServerThread

    WebState(project.root).update(local_coder="ME")
    with ServerThread(create_app(project, token=TOKEN)) as server:
        yield server


@pytest.fixture
def page(browser, served):
    # the Content-Security-Policy refuses the eval Playwright's string predicates and some of its
    # waits use; the pages' own behaviour under it is tested in test_browser_team.py
    context = browser.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=True)
    context.set_default_timeout(60_000)  # a CI machine shared with other jobs can be slow
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(served.url + f"/?token={TOKEN}")
    yield pg
    context.close()


@pytest.fixture
def coded(project):
    """The project with the sample's three human coders on alpha, beta and gamma."""
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    project.add_codings(h[h["document"].isin(project.corpus.document_ids)])
    return project


@pytest.fixture
def cclient(coded):
    with client_for(coded, coder="C1") as c:
        yield c


@pytest.fixture
def study(tmp_path):
    """A project over the whole sample folder, with two coders' codings (for the CLI checks)."""
    p = qc.Project.init(tmp_path / "whole", name="Sample", transcripts=[str(SAMPLE)],
                        cases=str(SAMPLE / "cases.csv"),
                        codebook=str(SAMPLE.parent / "codebooks" / "b2b_influencer_marketing.yaml"))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["coder"].isin(["C1", "C2"])])
    yield p
    p.close()
