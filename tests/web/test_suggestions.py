"""The suggestions' endpoints: the review queue, accept, reject and accept-all, the model's status
and the learner's settings (the gate's minimum; the chat model: owner only, remote needs consent
and says what is sent), find similar (JSON and page)."""
from __future__ import annotations

import pandas as pd
import pytest

from workbench import TOKEN, client_for, suggest

from qualcode.web.auth import WebState


def test_suggestion_queue_filters_and_order(client, project):
    ids = suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, "keyword “brand”"),
                            ("alpha", 977, 1574, "goal.sales", 0.4, ""),
                            ("beta", 164, 300, "goal.branding", 0.7, "")])
    r = client.get("/api/suggestions").json()
    assert r["total"] == 3 and [s["score"] for s in r["items"]] == [0.9, 0.7, 0.4]
    first = r["items"][0]
    assert first["text"].startswith("Sure.") and first["code_name"] == "Branding"
    assert first["context"][first["start"] - first["context_start"]:][:5] == "Sure."
    assert first["memo"] == "keyword “brand”"
    assert client.get("/api/suggestions?code=goal.branding").json()["total"] == 2
    assert client.get("/api/suggestions?document=beta").json()["total"] == 1
    assert client.get("/api/suggestions?min_score=0.5").json()["total"] == 2
    assert client.get("/api/suggestions?limit=1&offset=1").json()["items"][0]["score"] == 0.7
    assert len(client.get("/api/suggestions?order=uncertainty").json()["items"]) == 3
    for bad in ("order=random", "code=nope", "document=nope", "min_score=high", "min_score=nan",
                "limit=0", "limit=x"):
        r = client.get("/api/suggestions?" + bad)
        assert r.status_code == 400 and r.json()["error"], bad
    assert len(ids) == 3


def test_a_chat_model_suggestion_names_its_model(client, project):
    suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, "keyword “brand”")])
    llm = pd.DataFrame([{"document": "alpha", "start": 977, "end": 1574, "code": "goal.sales",
                         "score": 1.0, "method": "llm", "memo": "evidence: the word"}])
    project.replace_suggestions(llm, coder="qualcode-llm", run={"method": "llm", "model": "old"})
    project.replace_suggestions(llm, coder="qualcode-llm", run={"method": "llm", "model": "gemma"})
    items = {s["method"]: s for s in client.get("/api/suggestions").json()["items"]}
    assert items["llm"]["model"] == "gemma" and items["llm"]["memo"] == "evidence: the word"
    assert "model" not in items["classifier"]


def test_accept_reject_and_adjust(client, project):
    a, b, c = suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, ""),
                                ("alpha", 977, 1574, "goal.sales", 0.8, ""),
                                ("beta", 164, 300, "goal.branding", 0.7, "")])
    r = client.post(f"/api/suggestions/{a}/accept", json={})
    assert r.status_code == 200
    new = r.json()["coding"]
    assert new["coder"] == "ME" and new["method"] == "human" and new["suggestion_id"] == a
    assert (new["start"], new["end"]) == (394, 839)
    r = client.post(f"/api/suggestions/{b}/accept", json={"start": 977, "end": 1100})
    assert (r.json()["coding"]["start"], r.json()["coding"]["end"]) == (977, 1100)
    assert client.post(f"/api/suggestions/{c}/reject").status_code == 200
    statuses = dict(zip(project.suggestions(status=None)["id"], project.suggestions(status=None)["status"]))
    assert statuses == {a: "accepted", b: "accepted", c: "rejected"}
    assert set(project.training_decisions()["status"]) == {"accepted", "rejected"}
    assert client.post(f"/api/suggestions/{c}/reject").status_code in (400, 404, 409)
    assert client.post("/api/suggestions/999/accept", json={}).status_code == 404
    assert client.post(f"/api/suggestions/{a}/accept", json={"start": 5}).status_code == 400


def test_decisions_survive_a_retraining_that_renumbered_the_suggestions(client, project):
    [old] = suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, "")])
    [old2] = suggest(project, [("alpha", 977, 1574, "goal.sales", 0.8, "")])  # a new run: old is gone
    was = {"document": "alpha", "start": 394, "end": 839, "code": "goal.branding"}
    r = client.post(f"/api/suggestions/{old}/accept", json={"was": was})
    assert r.status_code == 200 and r.json()["note"].startswith("the retrained model")
    assert project.codings(include_machine=False)[["start", "end", "code"]].values.tolist() == \
        [[394, 839, "goal.branding"]]
    [new] = suggest(project, [("alpha", 977, 1574, "goal.sales", 0.7, "")])  # renumbered again
    assert new != old2
    was2 = {"document": "alpha", "start": 977, "end": 1574, "code": "goal.sales"}
    r = client.post(f"/api/suggestions/{old2}/reject", json={"was": was2})
    assert r.json() == {"rejected": new}
    assert project.suggestions(status="rejected")["id"].tolist() == [new]
    r = client.post(f"/api/suggestions/{old2}/reject", json={"was": was2})
    assert r.status_code == 200 and r.json()["rejected"] is None  # nothing left to reject


def test_accept_all_of_a_code_counts_then_confirms(client, project):
    suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, ""),
                      ("beta", 164, 300, "goal.branding", 0.85, ""),
                      ("gamma", 164, 300, "goal.branding", 0.5, ""),
                      ("alpha", 977, 1574, "goal.sales", 0.95, "")])
    dry = client.post("/api/suggestions/accept-all", json={"code": "goal.branding", "min_score": 0.8})
    assert dry.json() == {"code": "goal.branding", "min_score": 0.8, "count": 2, "accepted": 0}
    assert len(project.codings(include_machine=False)) == 0  # a dry run changes nothing
    wrong = client.post("/api/suggestions/accept-all",
                        json={"code": "goal.branding", "min_score": 0.8, "confirm": 3})
    assert wrong.status_code == 400 and "count changed" in wrong.json()["error"]
    done = client.post("/api/suggestions/accept-all",
                       json={"code": "goal.branding", "min_score": 0.8, "confirm": 2}).json()
    assert done["accepted"] == 2
    human = project.codings(include_machine=False)
    assert sorted(human["document"]) == ["alpha", "beta"] and set(human["coder"]) == {"ME"}
    for bad in ({"code": "nope", "min_score": 0.5}, {"code": "goal", "min_score": 2},
                {"code": "goal", "min_score": "high"}, {"min_score": 0.5}):
        assert client.post("/api/suggestions/accept-all", json=bad).status_code == 400


def test_review_never_offers_a_code_already_applied_on_that_span(project):
    """An older machine run suggested "goal.branding" on a turn the coder then coded with it: the
    review queue leaves it out (accepting it would make a duplicate)."""
    from workbench import suggest

    seg = project.corpus.codable_segments()
    a, b = seg.iloc[0], seg.iloc[1]
    ids = suggest(project, [(a["document"], int(a["start"]), int(a["end"]), "goal.branding", 0.9, ""),
                            (b["document"], int(b["start"]), int(b["end"]), "goal.branding", 0.8, "")])
    with client_for(project) as c:
        assert c.get("/api/suggestions").json()["total"] == 2
        assert c.post("/api/codings", json={"document": a["document"], "start": int(a["start"]) + 2,
                                            "end": int(a["end"]), "code": "goal.branding"}).status_code == 200
        items = c.get("/api/suggestions").json()["items"]
        assert [i["id"] for i in items] == [ids[1]]


def test_model_endpoints_without_a_trainer(client):
    assert client.get("/api/model").json()["status"] == "off"
    assert client.post("/api/model/retrain").status_code == 400


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_model_settings_are_validated_and_kept(project):
    from qualcode.web.loop import Trainer

    trainer = Trainer(mode="thread", delay=0)
    try:
        with client_for(project, trainer=trainer) as c:
            r = c.put("/api/model/settings", json={"kappa_floor": 0.35, "min_examples": 4})
            assert r.status_code == 200 and r.json()["kappa_floor"] == 0.35
            assert WebState(project.root).read()["min_examples"] == 4
            for bad in ({}, {"kappa_floor": 3}, {"kappa_floor": "x"}, {"min_examples": 0}):
                assert c.put("/api/model/settings", json=bad).status_code == 400
            assert trainer.wait(60)
    finally:
        trainer.close()


def test_gate_settings_refuse_a_floor_below_the_minimum(project):
    with client_for(project) as c:
        assert c.put("/api/model/settings", json={"kappa_floor": 0.05}).status_code == 400
        assert c.put("/api/model/settings", json={}).status_code == 400
        r = c.put("/api/model/settings", json={"kappa_floor": 0.3, "min_examples": 4})
        assert r.status_code == 200
        assert WebState(project.root).read()["kappa_floor"] == 0.3


def test_chat_model_settings_owner_only_and_remote_needs_consent(project):
    with client_for(project) as c:
        view = c.get("/api/model/llm").json()
        assert view["enabled"] is False and view["local"] is True
        assert "llama-server" in view["how_to_start"] and "ollama" in view["how_to_start"].lower()
        r = c.put("/api/model/llm", json={"enabled": True, "url": "https://llm.example.com/v1"})
        assert r.status_code == 400 and "sent to llm.example.com" in r.json()["error"]
        r = c.put("/api/model/llm", json={"enabled": True, "url": "https://llm.example.com/v1",
                                          "allow_remote": True, "model": "big", "budget": 5})
        assert r.status_code == 200 and r.json()["local"] is False and r.json()["budget"] == 5
        assert WebState(project.root).read()["llm"]["model"] == "big"
        assert c.put("/api/model/llm", json={"budget": 0}).status_code == 400
        assert c.put("/api/model/llm", json={"url": "ftp://x"}).status_code == 400
    token = WebState(project.root).add_coder("ANNA")
    with client_for(project, coder=None) as c:
        c.headers["X-Qualcode-Token"] = token
        r = c.put("/api/model/llm", json={"enabled": False})
        assert r.status_code == 403 and "owner" in r.json()["error"]
        r = c.put("/api/model/settings", json={"kappa_floor": 0.3})
        assert r.status_code == 403 and "owner" in r.json()["error"]
        c.headers["X-Qualcode-Token"] = TOKEN


def test_find_similar_lists_uncoded_passages_across_interviews(project):
    corpus = project.corpus
    seg = corpus.codable_segments()
    first = seg[seg["document"] == "alpha"].iloc[0]
    with client_for(project) as c:
        r = c.get("/api/similar", params={"document": "alpha", "start": int(first["start"]),
                                          "end": int(first["end"]), "n": 5})
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["method"] in ("embeddings", "tfidf") and len(out["items"]) == 5
        assert not any(i["document"] == "alpha" and i["start"] == first["start"] for i in out["items"])
        assert {"document", "segment", "start", "end", "similarity", "text"} <= set(out["items"][0])
        # coded by this coder: no longer listed
        top = out["items"][0]
        assert c.post("/api/codings", json={"document": top["document"], "start": top["start"],
                                            "end": top["end"], "code": "goal.branding"}).status_code == 200
        again = c.get("/api/similar", params={"document": "alpha", "start": int(first["start"]),
                                              "end": int(first["end"]), "n": 5}).json()
        assert not any(i["document"] == top["document"] and i["start"] == top["start"]
                       for i in again["items"])
        assert c.get("/api/similar", params={"q": "measuring the return of campaigns"}).status_code == 200
        assert c.get("/api/similar", params={"document": "nope", "start": 0, "end": 5}).status_code == 400
        assert c.get("/api/similar", params={"document": "alpha", "start": 5, "end": 2}).status_code == 400
        page = c.get("/similar")
        assert page.status_code == 200 and "/static/similar.js" in page.text


def test_home_page_has_the_learner_table(project):
    with client_for(project) as c:
        html = c.get("/").text
        assert "learner.css" in html and "show everything" in html and "Chat model" in html
        assert "/similar" in html
