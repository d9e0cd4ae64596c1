"""The learner's endpoints: the gate's settings (the minimum), the chat model settings (owner
only, remote needs consent and says what is sent), find similar (JSON and page)."""
from __future__ import annotations

from workbench import TOKEN, client_for

from qualcode.web.auth import WebState


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
        assert r.status_code == 403 and "owner" in r.json()["error"]  # Forbidden: owners only
        c.headers["X-Qualcode-Token"] = TOKEN


def test_gate_settings_refuse_a_floor_below_the_minimum(project):
    with client_for(project) as c:
        assert c.put("/api/model/settings", json={"kappa_floor": 0.05}).status_code == 400
        assert c.put("/api/model/settings", json={}).status_code == 400
        r = c.put("/api/model/settings", json={"kappa_floor": 0.3, "min_examples": 4})
        assert r.status_code == 200
        assert WebState(project.root).read()["kappa_floor"] == 0.3


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
