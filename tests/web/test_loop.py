"""The coding loop: the workbench's background retraining is the project learner (the same
function as ``qualcode code`` in a project): suggestions from the first retrain of a fresh
project, per-code figures with their source, the gate's minimum, never a duplicate of one's own
coding, and the same suggestions as the command line for the same project state. A fake
bag-of-stems encoder stands in for the sentence-embedding model (no PyTorch)."""
from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from workbench import CODEBOOK, SAMPLE, client_for, human_sample

import qualcode as qc
from qualcode.cli import main
from qualcode.web.loop import Trainer, retrain

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for the coders' helpers
from coders.test_learner import BOOK, LINES
from coders.test_semantic import FakeEncoder


class LooseFake(FakeEncoder):
    """The fake encoder standing in for a SentenceTransformer (which takes more keywords)."""

    def encode(self, texts, batch_size=64, **kwargs):
        return super().encode(texts, batch_size=batch_size)


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
    return retrain(corpus, codebook, human, rejected, kappa_floor=0.2, min_examples=5, folds=4,
                   base="classifier")


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    """Every sentence-embedding model is the fake encoder (cache in a temporary folder)."""
    from qualcode.coders import embeddings, learner

    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(embeddings, "load_encoder", lambda *a, **k: LooseFake())
    monkeypatch.setattr(learner, "default_base", lambda: "codebook")
    learner._ESTIMATES.clear()


def small_project(folder: Path, n_docs: int = 4):
    folder.mkdir(parents=True)
    order = ["roi", "rel", "", "roi", "rel", ""]
    for d in range(n_docs):
        lines = []
        for i, code in enumerate(order):
            lines += [f"Interviewer: question {i}?", f"P{d}: {LINES[code][(d + i) % 3]}"]
        (folder / f"doc{d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import yaml

    (folder / "codebook.yaml").write_text(yaml.safe_dump(BOOK), encoding="utf-8")
    return qc.Project.init(folder, transcripts=[f"doc{d}.txt" for d in range(n_docs)],
                           codebook="codebook.yaml")


@contextlib.contextmanager
def running(folder: Path):
    """A small project open in the workbench with a trainer in this thread: (project, trainer,
    client); both closed after."""
    project = small_project(folder)
    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer) as c:
            yield project, trainer, c
    finally:
        trainer.close()
        project.close()


def test_only_codes_it_can_predict_get_suggestions(result):
    codes = {c["code"]: c for c in result["codes"]}
    suggesting = {k for k, c in codes.items() if c["state"] == "suggesting"}
    assert suggesting, "some code of the sample must be predictable from four coded documents"
    for c in codes.values():
        if c["state"] == "suggesting":
            assert c["source"] == "project" and c["kappa"] >= 0.2
            assert c["n"] >= 5 or c["precision"] is not None
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


def test_uncertainty_order_is_spread_over_the_unread_passages(result, corpus):
    ranks = result["uncertainty"]
    assert ranks and sorted(ranks.values()) == list(range(1, len(ranks) + 1))
    # the interviews nobody coded, and what comes after the last coding of the others
    assert {"epsilon", "zeta"} <= {d for d, _ in ranks}
    human = human_sample(DOCS[:4])
    seg = corpus.codable_segments()
    for d, n in ranks:
        if d in DOCS[:4]:
            row = seg[(seg["document"] == d) & (seg["segment"] == n)].iloc[0]
            assert row["start"] >= human[human["document"] == d]["end"].max()
    first = sorted(ranks, key=ranks.get)[:6]
    assert len({d for d, _ in first}) == 6  # one passage of every interview first


def test_a_fresh_project_gets_suggestions_within_one_retrain(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        assert trainer.wait(120)
        assert trainer.state["trainings"] == 1, trainer.state
        model = c.get("/api/model").json()
        assert model["status"] == "idle" and model["suggesting"] > 0
        shown = [x for x in model["codes"] if x["state"] == "suggesting"]
        assert {x["source"] for x in shown} == {"codebook"}
        stored = project.suggestions()
        assert len(stored) and set(stored["coder"]) == {"qualcode-learner"}
        assert stored["memo"].str.contains("codebook's own examples").all()
        assert model["kappa_minimum"] == 0.1


def test_the_floor_minimum_holds_in_the_workbench(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        r = c.put("/api/model/settings", json={"kappa_floor": 0.0})
        assert r.status_code == 400 and "minimum 0.1" in r.json()["error"]
        r = c.put("/api/model/settings", json={"kappa_floor": 0.0, "show_all": True})
        assert r.status_code == 200 and r.json()["show_all"] is True
        assert trainer.wait(120)
        model = c.get("/api/model").json()
        assert {x["state"] for x in model["codes"]} == {"suggesting"}
        assert project.suggestions()["memo"].str.startswith("unmeasured").all()
        # turning "show everything" off with a floor below the minimum is refused too
        assert c.put("/api/model/settings", json={"show_all": False}).status_code == 400


def test_a_decision_answers_at_once_and_is_learned_from(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        assert trainer.wait(120)
        stored = project.suggestions()
        sid = int(stored["id"].iloc[0])
        t0 = time.perf_counter()
        assert c.post(f"/api/suggestions/{sid}/reject").status_code == 200
        assert time.perf_counter() - t0 < 2
        assert trainer.wait(120) and trainer.state["trainings"] == 2  # rejections are data
        rejected = project.suggestions(status="rejected").iloc[0]
        again = project.suggestions()
        assert not ((again["document"] == rejected["document"]) & (again["code"] == rejected["code"])
                    & (again["start"] == rejected["start"])).any()
        # a code applied by hand on a span is never suggested again there
        s = again.iloc[0]
        assert c.post("/api/codings", json={"document": s["document"], "start": int(s["start"]),
                                            "end": int(s["end"]), "code": s["code"]}).status_code == 200
        assert trainer.wait(120)
        now = project.suggestions()
        assert not ((now["document"] == s["document"]) & (now["code"] == s["code"])
                    & (now["start"] < s["end"]) & (now["end"] > s["start"])).any()


def test_cli_and_workbench_make_the_same_suggestions(tmp_path, fake_model):
    project = small_project(tmp_path / "study", n_docs=5)
    seg = project.corpus.codable_segments()
    for doc in ("doc0", "doc1", "doc2"):
        for r in seg[seg["document"] == doc].itertuples():
            code = "roi" if "ROI" in r.text or "return" in r.text else \
                "rel" if "trust" in r.text.lower() else None
            if code:
                project.add_coding(doc, int(r.start), int(r.end), code, coder="ME")
    cols = ["document", "start", "end", "code", "score", "memo"]

    def rows():
        s = project.suggestions()
        return s[cols].sort_values(cols[:4]).reset_index(drop=True).round({"score": 9})

    res = CliRunner().invoke(main, ["code", "-p", str(project.root)])
    assert res.exit_code == 0, res.output
    assert "project learner" in res.output and "your coding" in res.output
    from_cli = rows()
    assert len(from_cli)
    import json

    run = json.loads(project.machine_runs()["parameters"].iloc[-1])
    assert run["learned_from"] == ["ME"]  # whose work it learned from, also from the CLI
    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer):
            assert trainer.wait(120)
            from_web = rows()
    finally:
        trainer.close()
    pd.testing.assert_frame_equal(from_cli, from_web)
    runs = project.machine_runs()
    assert len(runs) >= 2
    project.close()


def test_cli_refuses_a_floor_below_the_minimum(tmp_path, fake_model):
    project = small_project(tmp_path / "study")
    root = str(project.root)
    project.close()
    res = CliRunner().invoke(main, ["code", "-p", root, "--kappa-floor", "0.05"])
    assert res.exit_code != 0 and "minimum 0.1" in res.output
    res = CliRunner().invoke(main, ["code", "-p", root, "--kappa-floor", "0", "--show-everything"])
    assert res.exit_code == 0, res.output


def test_next_in_a_project_uses_the_learner_spread_over_interviews(tmp_path, fake_model):
    project = small_project(tmp_path / "study", n_docs=5)
    project.add_coding("doc0", *_span(project, "doc0", 0), "roi", coder="ME")
    project.add_coding("doc1", *_span(project, "doc1", 1), "rel", coder="ME")
    root = str(project.root)
    project.close()
    res = CliRunner().invoke(main, ["next", "-p", root, "-n", "5"])
    assert res.exit_code == 0, res.output
    assert "spread over 5 interviews" in res.output  # one passage of each, not five of one
    for d in ("doc0", "doc1", "doc2", "doc3", "doc4"):
        assert d in res.output


def _span(project, doc, i):
    seg = project.corpus.codable_segments()
    r = seg[seg["document"] == doc].iloc[i]
    return int(r["start"]), int(r["end"])


def test_no_suggestions_written_into_a_transcript_changed_since_coding(tmp_path, fake_model):
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("one", "two"):
        (folder / f"{name}.txt").write_text("Interviewer: Why?\nAnna: Because we measure ROI.\n",
                                            encoding="utf-8")
    (folder / "codebook.yaml").write_text(
        "codes:\n  - id: roi\n    name: ROI\n    keywords: [ROI]\n    examples:\n"
        + "".join(f"      - {{quote: 'We measure ROI {i}.', source: t}}\n" for i in range(3))
        + "  - id: other\n    name: Other\n    examples:\n"
        + "".join(f"      - {{quote: 'Lunch was late {i}.', source: t}}\n" for i in range(3)),
        encoding="utf-8")
    project = qc.Project.init(folder, transcripts=["one.txt", "two.txt"], codebook="codebook.yaml")
    _ = project.corpus  # the store records each transcript's hash
    project.add_coding("two", 24, 45, "roi", coder="ME")
    (folder / "two.txt").write_text("Interviewer: Why?\nAnna: Because we count ROI.\n", encoding="utf-8")
    project.reload()
    assert list(project.changed_documents()["document"]) == ["two"]
    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer) as c:
            assert "qualcode rehash two --accept" in c.get("/documents/two").text
            assert trainer.wait(60)
            assert trainer.state["status"] == "idle", trainer.state
            assert "two" not in set(project.suggestions()["document"])
    finally:
        trainer.close()
        project.close()


def test_evaluate_in_a_project_cross_validates_the_learner(tmp_path, fake_model):
    project = small_project(tmp_path / "study", n_docs=4)
    seg = project.corpus.codable_segments()
    for r in seg.itertuples():
        code = "roi" if "ROI" in r.text or "return" in r.text else \
            "rel" if "trust" in r.text.lower() else None
        if code:
            project.add_coding(r.document, int(r.start), int(r.end), code, coder="ME")
    root = str(project.root)
    project.close()
    # no --method: in a project the learner is the default (--method learner is the same)
    res = CliRunner().invoke(main, ["evaluate", "-p", root, "--folds", "2"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("learner coder vs all human coders (union), 2-fold "
                                 "cross-validation over 4 documents\n"
                                 "method: the project learner (the default in a project; ")
    assert "on the codebook-trained coder (semantic extra), gate included" in res.output
    assert "pooled kappa" in res.output


def test_the_chat_model_in_the_workbench_loop(tmp_path, fake_model, monkeypatch):
    from coders.learner_stub import ChatStub

    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path / "cache"))
    project = small_project(tmp_path / "study")
    project.add_coding("doc0", *_span(project, "doc0", 0), "roi", coder="ME")
    trainer = Trainer(mode="thread", delay=0)
    try:
        with ChatStub() as stub, client_for(project, trainer=trainer) as c:
            assert trainer.wait(120)
            assert stub.requests == []  # off by default
            r = c.put("/api/model/llm", json={"enabled": True, "url": stub.url, "model": "stub-1",
                                              "budget": 30})
            assert r.status_code == 200, r.text
            assert trainer.wait(120)
            assert stub.requests and stub.requests[0]["body"]["model"] == "stub-1"
            llm = project.suggestions(coder="qualcode-llm")
            assert trainer.state["error"] is None, trainer.state
            assert len(llm) and llm["memo"].str.startswith("stub-1: ").all()
            model = c.get("/api/model").json()
            assert model["llm"]["model"] == "stub-1" and model["llm"]["asked"] >= 6
            assert model["llm"]["measured_on"] >= 1
            import json

            runs = project.machine_runs()
            llm_run = json.loads(runs[runs["coder"] == "qualcode-llm"]["parameters"].iloc[-1])
            assert llm_run["learned_from"] == ["ME"]  # a blind coder sees their own chat run
    finally:
        trainer.close()
        project.close()


# ---- a blind project: each coder's suggestions come from a model of their own work -------------

def _add_coder(root, name) -> str:
    """``qualcode open --add-coder NAME``: the coder's own token."""
    res = CliRunner().invoke(main, ["open", str(root), "--add-coder", name])
    assert res.exit_code == 0, res.output
    return res.output.split("token: ")[-1].strip()


def _code_by_hand(project, coder, docs, code):
    seg = project.corpus.codable_segments()
    word = {"roi": "ROI", "rel": "trust"}[code]
    for doc in docs:
        for r in seg[seg["document"] == doc].itertuples():
            if word.lower() in r.text.lower() or (code == "roi" and "return" in r.text):
                project.add_coding(doc, int(r.start), int(r.end), code, coder=coder)


def blind_team(folder: Path, kim_docs, maya_docs):
    """A project owned by Olga where Kim and Maya (their own links) coded ``roi`` and ``rel`` by
    hand in their documents, open in a workbench with a trainer in this thread: (project, trainer,
    olga, kim, maya)."""
    from starlette.testclient import TestClient
    from workbench import HOST, TOKEN

    from qualcode.web import create_app
    from qualcode.web.auth import WebState

    project = small_project(folder, n_docs=5)
    WebState(project.root).update(local_coder="Olga")
    tokens = {name: _add_coder(project.root, name) for name in ("Kim", "Maya")}
    _code_by_hand(project, "Kim", kim_docs, "roi")
    _code_by_hand(project, "Maya", maya_docs, "rel")
    trainer = Trainer(mode="thread", delay=0)
    app = create_app(project, token=TOKEN, trainer=trainer)

    def client(token):
        c = TestClient(app, base_url=HOST)
        c.headers["X-Qualcode-Token"] = token
        return c

    return project, trainer, client(TOKEN), client(tokens["Kim"]), client(tokens["Maya"])


def test_blind_coders_get_suggestions_from_a_model_of_their_own_work(tmp_path, fake_model):
    import json

    project, trainer, olga, kim, maya = blind_team(tmp_path / "study", ["doc0", "doc1", "doc2"],
                                                   ["doc3", "doc4"])
    human = project.codings(include_machine=False)
    n = {c: int((human["coder"] == c).sum()) for c in ("Kim", "Maya")}
    assert n["Kim"] and n["Maya"] and n["Kim"] != n["Maya"]
    mine = {"Kim": "qualcode-learner-for-Kim", "Maya": "qualcode-learner-for-Maya"}

    def latest_run(name):
        runs = project.machine_runs()
        return json.loads(runs[runs["coder"] == name].iloc[-1]["parameters"])

    def items(c, **params):
        r = c.get("/api/suggestions", params={"limit": 1000, **params})
        assert r.status_code == 200, r.text
        return r.json()["items"]

    try:
        assert kim.get("/api/me").json()["blind"] is True
        assert trainer.wait(120)
        assert trainer.state["trainings"] == 0  # blind: the shared model (everyone's) is not trained
        # Kim asks on the home page, Maya by opening a document: each one's own model trains
        assert kim.get("/").status_code == 200
        assert maya.get("/documents/doc0").status_code == 200
        assert trainer.wait(120)
        assert sorted(c.coder for c in trainer.family()[1:]) == ["Kim", "Maya"]
        for coder, c in (("Kim", kim), ("Maya", maya)):
            params = latest_run(mine[coder])
            assert params["learned_from"] == [coder] and params["learner"]["codings"] == n[coder]
            model = c.get("/api/model").json()
            assert model["status"] == "idle" and model["codings"] == n[coder], model
            assert model["suggesting"] > 0 and model["curve"]
            got = items(c)
            assert got and {s["coder"] for s in got} == {mine[coder]}
            # the document page's suggestions are the same model's
            doc = got[0]["document"]
            shown = c.get(f"/api/documents/{doc}").json()["codings"]
            machine = {x["coder"] for x in shown if x["coder"].startswith("qualcode-")}
            assert machine == {mine[coder]}, machine
        assert "qualcode-learner" not in set(project.machine_runs()["coder"])
        # Kim never sees Maya's model nor her name, on any page that shows suggestions or figures
        for url in ("/api/suggestions?limit=1000", "/api/suggestions?order=uncertainty",
                    "/api/model", "/api/project", "/api/documents/doc3", "/", "/review",
                    "/documents/doc3"):
            text = kim.get(url).text
            assert "Maya" not in text and mine["Maya"] not in text, url
        # the uncertainty order is Kim's own model's
        ranks = trainer.for_coder("Kim").uncertainty()
        assert ranks
        order = items(kim, order="uncertainty")
        key = [ranks.get((s["document"], s["segment"]), len(ranks) + 1) for s in order]
        assert key == sorted(key)
        # a decision of Kim's retrains Kim's model only
        before = {c.coder: c.state["trainings"] for c in trainer.family()[1:]}
        first = items(kim)[0]
        assert kim.post(f"/api/suggestions/{first['id']}/reject").status_code == 200
        assert trainer.wait(120)
        after = {c.coder: c.state["trainings"] for c in trainer.family()[1:]}
        assert after == {"Kim": before["Kim"] + 1, "Maya": before["Maya"]}
        # the command line, for the same state of Kim's data, makes the same suggestions
        cols = ["document", "start", "end", "code", "score", "memo"]

        def kims():
            s = project.suggestions(coder=mine["Kim"])
            return s[cols].sort_values(cols[:4]).reset_index(drop=True).round({"score": 9})

        from_web = kims()
        res = CliRunner().invoke(main, ["code", "--coder", "Kim", "-p", str(project.root)])
        assert res.exit_code == 0, res.output
        assert "Kim's" in res.output
        pd.testing.assert_frame_equal(from_web, kims())
        assert latest_run(mine["Kim"])["learned_from"] == ["Kim"]
        # an owner who has coded nothing: a model of the codebook alone, theirs
        assert olga.get("/api/model").status_code == 200
        assert trainer.wait(120)
        assert latest_run("qualcode-learner-for-Olga")["learner"]["codings"] == 0
        assert {s["coder"] for s in items(olga)} <= {"qualcode-learner-for-Olga"}
        # blind lifted: back to the shared model, learned from everyone
        assert olga.put("/api/blind", json={"blind": False}).status_code == 200
        assert trainer.wait(120)
        assert trainer.state["trainings"] == 1
        assert sorted(latest_run("qualcode-learner")["learned_from"]) == ["Kim", "Maya"]
        assert kim.get("/api/model").json()["codings"] == n["Kim"] + n["Maya"]
    finally:
        trainer.close()
        project.close()


def test_the_command_line_coder_option_is_for_the_learner(tmp_path, fake_model):
    project = small_project(tmp_path / "study")
    root = str(project.root)
    project.close()
    res = CliRunner().invoke(main, ["code", "--method", "keyword", "--coder", "Kim", "-p", root])
    assert res.exit_code != 0 and "--coder is only used with --method learner" in res.output


# ---- a codebook change retrains -----------------------------------------------------------------

def _check_against_codebook(project, model):
    """No stored suggestion and no row of the model's per-code table names a code the project's
    codebook no longer has; the table lists the codebook's codes, in its order."""
    ids = project.codebook.ids()
    stored = project.suggestions()
    assert set(stored["code"]) <= set(ids), set(stored["code"]) - set(ids)
    assert [c["code"] for c in model["codes"]] == ids
    keys = stored[["coder", "document", "start", "end", "code"]]
    assert not keys.duplicated().any()  # a merge never leaves a suggestion twice
    return stored


class Retrains:
    """A workbench over a small project whose every step must retrain once more."""

    def __init__(self, client, trainer, project):
        self.c, self.trainer, self.project = client, trainer, project

    def __call__(self, response, trainings):
        assert response.status_code == 200, response.text
        assert self.trainer.wait(120) and self.trainer.state["error"] is None, self.trainer.state
        assert self.trainer.state["trainings"] == trainings, (trainings, self.trainer.state)
        return _check_against_codebook(self.project, self.c.get("/api/model").json())


def test_editing_a_code_retrains(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        after = Retrains(c, trainer, project)
        assert trainer.wait(120) and trainer.state["trainings"] == 1
        first = after(c.get("/api/model"), 1)
        assert {"roi", "rel"} <= set(first["code"])
        # a definition, examples, keywords: the same ids, a new model
        for n, body in enumerate((
                {"description": "Hiring people and the staff's working conditions."},
                {"examples": ["We measure the ROI of our hiring campaigns."]},
                {"keywords": ["recruiting", "new hires"]}), start=2):
            after(c.patch("/api/codes/hire", json=body), n)
        # a name only: the fingerprint changes too (the codebook coder reads names)
        after(c.patch("/api/codes/roi", json={"name": "ROI of campaigns"}), 5)
        # a memo says nothing about the codes: no retraining
        after(c.patch("/api/codes/roi", json={"memo": "ask Kim"}), 5)
        # a new code joins the table
        r = c.post("/api/codes", json={"name": "Budget", "description": "Money spent."})
        after(r, 6)
        assert "budget" in [x["code"] for x in c.get("/api/model").json()["codes"]]
        runs = project.machine_runs()
        assert runs["codebook"].iloc[-1] == project.codebook.fingerprint()


def test_moving_merging_and_deleting_codes_retrains(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        after = Retrains(c, trainer, project)
        assert trainer.wait(120)
        first = after(c.get("/api/model"), 1)
        assert {"roi", "rel"} <= set(first["code"])
        # moved: a new id; nothing left under the old one, the table shows the new one
        moved = after(c.post("/api/codes/rel/move", json={"parent": "roi"}), 2)
        assert "rel" not in project.codebook and "roi.rel" in set(moved["code"])
        # merged: the source's suggestions are recomputed under the target
        merged = after(c.post("/api/codes/roi.rel/merge", json={"into": "hire"}), 3)
        assert "roi.rel" not in project.codebook and "roi.rel" not in set(merged["code"])
        fresh = merged[merged["coder"] == "qualcode-learner"]
        assert len(fresh) and set(fresh["version"]) == {1}  # made by the retraining, not recoded
        # deleted
        gone = after(c.request("DELETE", "/api/codes/hire"), 4)
        assert project.codebook.ids() == ["roi"] and set(gone["code"]) <= {"roi"}
        assert project.machine_runs()["codebook"].iloc[-1] == project.codebook.fingerprint()


def test_until_the_retraining_the_table_leaves_out_codes_that_are_gone(tmp_path, fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        assert trainer.wait(120)
        with trainer._shared["turn"]:  # the retraining waits for its turn meanwhile
            assert c.post("/api/codes/rel/move", json={"parent": "roi"}).status_code == 200
            codes = [x["code"] for x in c.get("/api/model").json()["codes"]]
            assert "rel" not in codes and "roi" in codes and not trainer._idle.is_set()
        assert trainer.wait(120) and trainer.state["trainings"] == 2
        assert [x["code"] for x in c.get("/api/model").json()["codes"]] == \
            project.codebook.ids()


def test_a_codebook_change_by_another_process_retrains_when_the_model_is_asked(tmp_path,
                                                                               fake_model):
    with running(tmp_path / "study") as (project, trainer, c):
        assert trainer.wait(120) and trainer.state["trainings"] == 1
        with qc.Project.open(project.root) as other:  # e.g. a script beside the server
            other.merge_codes("rel", "roi", coder="ME")
        model = c.get("/api/model").json()
        assert "rel" not in [x["code"] for x in model["codes"]]
        assert trainer.wait(120) and trainer.state["trainings"] == 2, trainer.state
        _check_against_codebook(project, c.get("/api/model").json())
        # asked again, the same codebook: no more retraining
        c.get("/api/model")
        assert trainer.wait(120) and trainer.state["trainings"] == 2


def test_in_a_blind_project_a_codebook_change_retrains_every_coders_model(tmp_path, fake_model):
    project, trainer, olga, kim, maya = blind_team(tmp_path / "study", ["doc0", "doc1"], ["doc3"])
    try:
        assert kim.get("/api/model").status_code == maya.get("/api/model").status_code == 200
        assert trainer.wait(120)
        coders = {t.coder: t for t in trainer.family()[1:]}
        assert sorted(coders) == ["Kim", "Maya"]
        before = {name: t.state["trainings"] for name, t in coders.items()}
        assert olga.post("/api/codes/rel/move", json={"parent": "roi"}).status_code == 200
        assert trainer.wait(120)
        assert {n: t.state["trainings"] for n, t in coders.items()} == \
            {n: k + 1 for n, k in before.items()}
        assert trainer.state["trainings"] == 0  # blind: the shared model is not trained
        ids = project.codebook.ids()
        for name, c in (("Kim", kim), ("Maya", maya)):
            mine = project.suggestions(coder=f"qualcode-learner-for-{name}")
            assert len(mine) and set(mine["code"]) <= set(ids)
            assert [x["code"] for x in c.get("/api/model").json()["codes"]] == ids
        # Maya's coding of rel followed the code to its new id, and her model learned from it
        human = project.codings(coder="Maya", include_machine=False)
        assert set(human["code"]) == {"roi.rel"}
    finally:
        trainer.close()
        project.close()
