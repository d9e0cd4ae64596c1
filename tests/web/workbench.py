"""Helpers for the workbench tests: projects over the bundled sample (read by path, never
copied), markup that tries to get into the pages, an in-process client, stored suggestions."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import qualcode as qc
from qualcode.web import create_app
from qualcode.web.auth import WebState

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"
TOKEN = "test-token-123"
HOST = "http://127.0.0.1:8765"
EVIL = "<script>window.__pwned=1</script>{{ 7*7 }}"

EVIL_TRANSCRIPT = f"""---
case: Evil
---
[00:00:01] Interviewer: Tell me about {EVIL} please.
[00:00:09] Evil: We write {EVIL} in our posts and we measure the ROI of every campaign.
[00:00:30] Interviewer: And then?
[00:00:41] Evil: Then we build relationships with customers & partners over many years.
"""

EVIL_CODEBOOK = f"""name: evil
codes:
  - id: roi
    name: "ROI {EVIL}"
    description: "Money back {EVIL}"
    inclusion: "when {EVIL}"
    keywords: [ROI]
  - id: rel
    name: Relationships
    description: Long-term ties.
"""


def make_project(folder: Path, documents=("alpha", "beta", "gamma")):
    """A project over some of the sample's transcripts, with the papers' codebook."""
    return qc.Project.init(folder, name="Sample study",
                           transcripts=[str(SAMPLE / f"{d}.txt") for d in documents],
                           cases=str(SAMPLE / "cases.csv"), codebook=str(CODEBOOK))


def human_sample(documents) -> pd.DataFrame:
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    return h[(h["coder"] == "C1") & h["document"].isin(list(documents))]


def client_for(project, *, coder="ME", trainer=None):
    from starlette.testclient import TestClient

    if coder:
        WebState(project.root).update(local_coder=coder)
    app = create_app(project, token=TOKEN, trainer=trainer)
    client = TestClient(app, base_url=HOST)
    client.headers["X-Qualcode-Token"] = TOKEN
    return client


def suggest(project, rows) -> list[int]:
    """Store machine suggestions ``(document, start, end, code, score, why)``; their ids."""
    df = pd.DataFrame(rows, columns=["document", "start", "end", "code", "score", "memo"])
    df["method"] = "classifier"
    project.replace_suggestions(df, coder="qualcode-classifier", run={"method": "classifier"})
    return project.suggestions()["id"].tolist()


def invoke(*args):
    """``qualcode ARGS`` in-process; it must succeed without a traceback."""
    from click.testing import CliRunner

    from qualcode.cli import main

    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    return res
