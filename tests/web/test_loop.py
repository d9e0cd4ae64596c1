"""The coding loop: retraining measures each code by cross-validation and only codes it can
predict get suggestions; the background trainer writes them into the store without blocking."""
from __future__ import annotations

import time

import pandas as pd
import pytest

import qualcode as qc
from workbench import CODEBOOK, SAMPLE, client_for, human_sample, make_project

from qualcode.web.loop import Trainer, retrain

DOCS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")


@pytest.fixture(scope="module")
def corpus():
    return qc.load_transcripts([SAMPLE / f"{d}.txt" for d in DOCS], cases=SAMPLE / "cases.csv")


@pytest.fixture(scope="module")
def codebook():
    return qc.Codebook.load(CODEBOOK)


@pytest.fixture(scope="module")
def result(corpus, codebook):
    human = human_sample(DOCS[:4]).assign(method="human")
    rejected = pd.DataFrame({"document": ["epsilon"], "start": [0], "end": [10 ** 6],
                             "code": ["goal.branding"], "status": ["rejected"]})
    return retrain(corpus, codebook, human, rejected, kappa_floor=0.2, min_examples=5, folds=4)


def test_only_codes_it_can_predict_get_suggestions(result):
    codes = {c["code"]: c for c in result["codes"]}
    suggesting = {k for k, c in codes.items() if c["state"] == "suggesting"}
    assert suggesting, "some code of the sample must be predictable from four coded documents"
    for c in codes.values():
        if c["state"] == "suggesting":
            assert c["n"] >= 5 and c["kappa"] >= 0.2
        elif c["n"] > 0:
            assert c["state"] == "needs more examples"
            assert c["n"] < 5 or c["kappa"] is None or c["kappa"] < 0.2
    sugg = result["suggestions"]
    assert len(sugg) and set(sugg["code"]) <= suggesting
    assert sugg["score"].between(0, 1).all()
    assert (sugg["memo"].str.len() > 0).all()  # every suggestion says why
    assert result["documents"] == 4 and result["seconds"] > 0


def test_no_suggestion_where_a_person_already_decided(result, corpus):
    sugg = result["suggestions"]
    human = human_sample(DOCS[:4])
    for row in sugg.itertuples():
        same = human[(human["document"] == row.document) & (human["code"] == row.code)]
        assert not ((same["start"] < row.end) & (same["end"] > row.start)).any()
    assert not ((sugg["document"] == "epsilon") & (sugg["code"] == "goal.branding")).any()


def test_uncertainty_order_is_that_of_qualcode_next(result):
    ranks = result["uncertainty"]
    assert ranks and sorted(ranks.values()) == list(range(1, len(ranks) + 1))
    assert {d for d, _ in ranks} <= {"epsilon", "zeta"}  # the documents nobody coded yet


def test_one_coded_document_suggests_nothing(corpus, codebook):
    """A new user's 30-odd codings in one interview: no flood of guesses, "needs more examples"."""
    human = human_sample(["alpha"]).head(32).assign(method="human")
    out = retrain(corpus, codebook, human, None)
    assert len(out["suggestions"]) == 0
    assert {c["state"] for c in out["codes"] if c["n"]} == {"needs more examples"}
    assert "two documents" in out["note"]


def test_the_trainer_retrains_in_the_background_after_a_decision(tmp_path):
    project = make_project(tmp_path / "study", documents=DOCS)
    project.add_codings(human_sample(DOCS[:4]))
    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer) as c:
            assert trainer.wait(120)
            first = trainer.state["runs"]
            model = c.get("/api/model").json()
            assert model["status"] == "idle" and model["suggesting"] > 0
            shown = {x["code"] for x in model["codes"] if x["state"] == "suggesting"}
            stored = project.suggestions()
            assert len(stored) and set(stored["code"]) <= shown
            assert set(stored["coder"]) == {"qualcode-classifier"}
            # a decision answers at once and asks for another run
            sid = int(stored["id"].iloc[0])
            t0 = time.perf_counter()
            assert c.post(f"/api/suggestions/{sid}/reject").status_code == 200
            assert time.perf_counter() - t0 < 2
            assert trainer.wait(120) and trainer.state["runs"] > first
            assert sid not in set(project.suggestions()["id"])
            # the human coding did not change: the last measurement was reused, not retrained
            assert trainer.state["trainings"] == model["trainings"] == 1
            rejected = project.suggestions(status="rejected").iloc[0]
            again = project.suggestions()
            assert not ((again["document"] == rejected["document"]) & (again["code"] == rejected["code"])
                        & (again["start"] == rejected["start"])).any()
            home = c.get("/api/project").json()
            assert home["model"]["codes"] and home["suggestions"] == len(project.suggestions())
    finally:
        trainer.close()


def test_no_suggestions_written_into_a_transcript_changed_since_coding(tmp_path, monkeypatch):
    from qualcode.web import loop

    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("one", "two"):
        (folder / f"{name}.txt").write_text("Interviewer: Why?\nAnna: Because we measure ROI.\n",
                                            encoding="utf-8")
    (folder / "codebook.yaml").write_text("codes:\n  - id: roi\n    name: ROI\n", encoding="utf-8")
    project = qc.Project.init(folder, transcripts=["one.txt", "two.txt"], codebook="codebook.yaml")
    project.corpus  # the store records each transcript's hash
    project.add_coding("two", 24, 45, "roi", coder="ME")
    (folder / "two.txt").write_text("Interviewer: Why?\nAnna: Because we count leads.\n", encoding="utf-8")
    project.reload()
    assert list(project.changed_documents()["document"]) == ["two"]
    fake = pd.DataFrame({"document": ["one", "two"], "start": [24, 24], "end": [45, 45],
                         "code": ["roi", "roi"], "segment": [2, 2], "score": [0.9, 0.9],
                         "memo": ["", ""]})
    monkeypatch.setattr(loop, "measure", lambda *a, **k: {
        "metrics": {"roi": {"precision": 1.0, "recall": 1.0, "kappa": 1.0}}, "support": {"roi": 9},
        "predictions": fake, "uncertainty": {}, "documents": 2, "codings": 1, "seconds": 0.1,
        "note": ""})
    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer) as c:
            assert "qualcode rehash two --accept" in c.get("/documents/two").text
            assert "rehash" not in c.get("/documents/one").text
            assert c.post("/api/codings", json={"document": "two", "start": 24, "end": 30,
                                                "code": "roi"}).status_code == 400
            assert trainer.wait(30)
            assert trainer.state["status"] == "idle", trainer.state
            assert project.suggestions()["document"].tolist() == ["one"]
    finally:
        trainer.close()
        project.close()
