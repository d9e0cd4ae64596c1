"""The workbench's JSON API through Starlette's TestClient: every endpoint, with bad input, the
token and the Host checks. Each write is checked in the store, not only in the answer."""
from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient
from workbench import EVIL, HOST, TOKEN, client_for, suggest

from qualcode.web import create_app
from qualcode.web.auth import WebState

ALPHA = (394, 839)      # Alpha's second turn: "Sure. I sit in the marketing team, ..."
INTERVIEWER = (24, 145)  # the interviewer's first question


def test_every_request_needs_the_token(project):
    bare = TestClient(create_app(project, token=TOKEN), base_url=HOST)
    for path in ("/", "/api/project", "/static/qualcode.css", "/documents/alpha", "/review"):
        r = bare.get(path, follow_redirects=False)
        assert r.status_code == 403, path
    assert "token" in bare.get("/api/project").json()["error"]
    assert bare.post("/api/codings", json={}).status_code == 403
    assert bare.get("/api/project", headers={"X-Qualcode-Token": "wrong"}).status_code == 403
    assert bare.get("/?token=wrong", follow_redirects=False).status_code == 403
    ok = bare.get("/api/project", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_link_token_becomes_a_cookie_and_leaves_the_address(project):
    c = TestClient(create_app(project, token=TOKEN), base_url=HOST)
    r = c.get(f"/review?token={TOKEN}&code=goal&document=a%26b", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review?code=goal&document=a%26b"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert c.get("/api/project").status_code == 200  # the cookie is enough from now on


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8765", True), ("localhost:8765", True), ("[::1]:8765", True), ("10.0.0.7", True),
    ("evil.example", False), ("evil.example:8765", False), ("127.0.0.1.nip.io:8765", False), ("", False),
])
def test_host_header_is_checked_against_dns_rebinding(client, host, ok):
    r = client.get("/api/project", headers={"host": host})
    assert (r.status_code == 200) is ok, (host, r.status_code)
    if not ok:
        assert r.status_code == 421 and "rebinding" in r.text


def test_writes_from_another_sites_page_are_refused(client, project):
    body = {"document": "alpha", "start": 394, "end": 420, "code": "goal"}
    r = client.post("/api/codings", json=body, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "Origin" in r.json()["error"]
    r = client.post("/api/undo", headers={"origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403
    assert len(project.codings()) == 0
    r = client.post("/api/codings", json=body, headers={"origin": HOST})
    assert r.status_code == 200
    assert client.get("/api/project", headers={"origin": "http://evil.example"}).status_code == 200


def test_extra_allowed_host(project):
    c = TestClient(create_app(project, token=TOKEN, allowed_hosts=["lab-server"]), base_url=HOST)
    c.headers["X-Qualcode-Token"] = TOKEN
    assert c.get("/api/project", headers={"host": "lab-server:8000"}).status_code == 200
    assert c.get("/api/project", headers={"host": "other-server:8000"}).status_code == 421


def test_local_coder_is_asked_once(project):
    with client_for(project, coder=None) as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/me")
        assert c.get("/api/me").json() == {"coder": None, "fixed": False, "role": "owner",
                                           "blind": False}
        assert c.post("/api/codings", json={"document": "alpha", "start": 394, "end": 420,
                                            "code": "goal"}).status_code == 400
        for bad in ("", "  ", "<b>x</b>", "qualcode-keyword", "x" * 50):
            r = c.post("/api/me", json={"coder": bad})
            assert r.status_code == 400 and r.json()["error"], bad
        assert c.post("/api/me", json={"coder": "Anna K"}).json()["coder"] == "Anna K"
        assert c.get("/", follow_redirects=False).status_code == 200
    assert WebState(project.root).read()["local_coder"] == "Anna K"  # kept for the next start
    with client_for(project, coder=None) as c:
        assert c.get("/api/me").json()["coder"] == "Anna K"


def test_a_coders_own_token_attributes_their_codings(project):
    state = WebState(project.root)
    token = state.add_coder("Ben")
    assert "Ben" in state.read()["coders"] and token not in json.dumps(state.read())  # hash only
    c = TestClient(create_app(project, token=TOKEN), base_url=HOST)
    c.headers["X-Qualcode-Token"] = token
    assert c.get("/api/me").json() == {"coder": "Ben", "fixed": True, "role": "coder",
                                       "blind": False}  # one coder alone: not blind
    assert c.post("/api/me", json={"coder": "Eve"}).status_code == 400  # cannot act as another
    r = c.post("/api/codings", json={"document": "alpha", "start": 394, "end": 450, "code": "goal"})
    assert r.status_code == 200 and r.json()["coder"] == "Ben"
    assert project.codings(coder="Ben")["start"].tolist() == [394]


def test_pages_and_their_json_twins(client):
    home = client.get("/api/project").json()
    assert [d["id"] for d in home["documents"]] == ["alpha", "beta", "gamma"]
    alpha = home["documents"][0]
    assert alpha["length"] > 9000 and alpha["codable_segments"] == 17
    assert {"name": "Interviewer", "interviewer": True} in alpha["speakers"]
    assert home["codebook"][0]["id"] == "goal" and home["model"]["status"] == "off"
    html = client.get("/").text
    assert "alpha" in html and "Branding" in html
    doc = client.get("/api/documents/alpha").json()
    assert doc["turns"][0] == {"turn": 1, "speaker": "Interviewer", "timestamp": "00:00:08",
                               "start": 24, "end": 145, "interviewer": True}
    assert doc["text"][ALPHA[0]:ALPHA[0] + 5] == "Sure."
    assert "Sure. I sit in the marketing team" in client.get("/documents/alpha").text
    assert client.get("/api/codebook").json()["codes"][1]["id"] == "goal.branding"
    assert client.get("/review").status_code == 200


def test_unknown_things_are_404_with_a_message(client):
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and "nope" in r.json()["error"]
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/api/codings/999").status_code == 404
    assert client.get("/api/nothing").status_code == 404
    assert client.put("/api/project", json={}).status_code == 405


def test_code_a_span_progress_and_counts(client, project):
    r = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                          "code": "goal.branding", "memo": "first"})
    assert r.status_code == 200, r.text
    row = r.json()
    assert row["coder"] == "ME" and row["method"] == "human" and row["version"] == 1
    stored = project.codings(coder="ME")
    assert stored[["start", "end", "code", "memo"]].values.tolist() == [[394, 480, "goal.branding", "first"]]
    home = client.get("/api/project").json()
    assert home["documents"][0]["progress"]["ME"] == {"codings": 1, "segments": 1, "fraction": 1 / 17}
    assert {c["id"]: c["count"] for c in home["codebook"]}["goal.branding"] == 1
    assert {c["id"]: c["total"] for c in home["codebook"]}["goal"] == 1
    assert client.get("/api/documents/alpha").json()["codings"][0]["id"] == row["id"]


@pytest.mark.parametrize("body,needle", [
    ({"start": 394, "end": 480, "code": "goal"}, "document"),
    ({"document": "alpha", "end": 480, "code": "goal"}, "start"),
    ({"document": "alpha", "start": "x", "end": 480, "code": "goal"}, "start"),
    ({"document": "alpha", "start": 1.5, "end": 480, "code": "goal"}, "start"),
    ({"document": "alpha", "start": True, "end": 480, "code": "goal"}, "start"),
    ({"document": "alpha", "start": -3, "end": 480, "code": "goal"}, "start"),
    ({"document": "alpha", "start": 480, "end": 480, "code": "goal"}, "empty"),
    ({"document": "alpha", "start": 394, "end": 480, "code": "no.such"}, "no.such"),
    ({"document": "alpha", "start": 394, "end": 480, "code": ["goal"]}, "code"),
    ({"document": "nope", "start": 394, "end": 480, "code": "goal"}, "nope"),
    ({"document": "alpha", "start": 394, "end": 10 ** 7, "code": "goal"}, "10000000"),
    ({"document": "alpha", "start": INTERVIEWER[0], "end": INTERVIEWER[1], "code": "goal"}, "interviewer"),
])
def test_bad_codings_are_400_with_a_message(client, project, body, needle):
    r = client.post("/api/codings", json=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]
    assert "Traceback" not in r.text
    assert len(project.codings()) == 0


def test_malformed_bodies_are_400(client):
    r = client.post("/api/codings", content=b"{oops", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = client.post("/api/codings", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "object" in r.json()["error"]
    r = client.post("/api/codings", content=b"document=alpha", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]
    assert client.patch("/api/codings/abc", json={"version": 1, "memo": "x"}).status_code == 400
    r = client.put("/api/memos/document/alpha", json={"text": "x" * 3_000_000})
    assert r.status_code == 400 and "longer than" in r.json()["error"]


def test_edit_with_versions_conflicts_and_delete(client, project):
    row = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                            "code": "goal"}).json()
    cid = row["id"]
    r = client.patch(f"/api/codings/{cid}", json={"version": 1, "code": "goal.sales", "end": 500})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["end"] == 500
    # a second tab still holding version 1: refused, and its change is not applied
    r = client.patch(f"/api/codings/{cid}", json={"version": 1, "memo": "stale tab"})
    assert r.status_code == 409 and "version" in r.json()["error"]
    assert project.codings().iloc[0]["memo"] is None
    assert client.patch(f"/api/codings/{cid}", json={"version": 2}).status_code == 400
    assert client.patch(f"/api/codings/{cid}", json={"memo": "x"}).status_code == 400
    assert client.patch(f"/api/codings/{cid}", json={"version": 2, "start": 600}).status_code == 400
    assert client.patch("/api/codings/999", json={"version": 1, "memo": "x"}).status_code == 404
    assert client.request("DELETE", f"/api/codings/{cid}", json={"version": 1}).status_code == 409
    assert client.request("DELETE", f"/api/codings/{cid}", json={}).status_code == 400
    r = client.request("DELETE", f"/api/codings/{cid}", json={"version": 2})
    assert r.status_code == 200 and len(project.codings()) == 0
    assert client.get(f"/api/codings/{cid}").status_code == 404
    # the query string works for clients that send no body with DELETE
    cid2 = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 420,
                                             "code": "goal"}).json()["id"]
    assert client.delete(f"/api/codings/{cid2}?version=1").status_code == 200


def test_coding_detail_has_history(client):
    cid = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                            "code": "goal"}).json()["id"]
    client.patch(f"/api/codings/{cid}", json={"version": 1, "code": "goal.sales"})
    detail = client.get(f"/api/codings/{cid}").json()
    assert detail["code"] == "goal.sales"
    assert [e["action"] for e in detail["history"]] == ["create", "edit"]
    assert {e["actor"] for e in detail["history"]} == {"ME"}


def test_undo_reverts_the_last_action(client, project):
    cid = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                            "code": "goal"}).json()["id"]
    client.patch(f"/api/codings/{cid}", json={"version": 1, "code": "goal.sales"})
    assert client.post("/api/undo").json()["undone"]["action"] == "edit"
    assert project.codings().iloc[0]["code"] == "goal"
    client.post("/api/codings", json={"document": "alpha", "start": 977, "end": 1000, "code": "goal"})
    assert client.post("/api/undo").json()["undone"]["action"] == "create"
    assert project.codings()["start"].tolist() == [394]
    other = client_for(project, coder="Other")
    r = other.post("/api/undo").json()  # ME's actions are not Other's to undo
    assert r["undone"] is None and "nothing" in r["message"]


def test_undo_twice_in_a_row(client, project):
    cid = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                            "code": "goal"}).json()["id"]
    client.patch(f"/api/codings/{cid}", json={"version": 1, "code": "goal.sales"})
    assert client.post("/api/undo").json()["undone"]["action"] == "edit"
    assert client.post("/api/undo").json()["undone"]["action"] == "create"
    assert project.codings().empty


def test_memos_on_documents_and_codings(client, project):
    r = client.put("/api/memos/document/alpha", json={"text": "Talkative; ask about budgets"})
    assert r.status_code == 200
    assert client.get("/api/documents/alpha").json()["memo"] == "Talkative; ask about budgets"
    assert project.memos(kind="document")["text"].tolist() == ["Talkative; ask about budgets"]
    cid = client.post("/api/codings", json={"document": "alpha", "start": 394, "end": 480,
                                            "code": "goal"}).json()["id"]
    r = client.put(f"/api/memos/coding/{cid}", json={"text": "why I coded this", "version": 1})
    assert r.status_code == 200 and r.json()["coding"]["version"] == 2
    assert project.codings().iloc[0]["memo"] == "why I coded this"
    assert client.put(f"/api/memos/coding/{cid}", json={"text": "stale", "version": 1}).status_code == 409
    assert client.put("/api/memos/nonsense/alpha", json={"text": "x"}).status_code == 400
    assert client.put("/api/memos/coding/abc", json={"text": "x"}).status_code == 400
    assert client.put("/api/memos/document/alpha", json={"text": 5}).status_code == 400


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


def test_model_endpoints_without_a_trainer(client):
    assert client.get("/api/model").json()["status"] == "off"
    assert client.post("/api/model/retrain").status_code == 400


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


def test_an_internal_error_is_a_500_without_traceback(client, project, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(project, "codings", boom)
    r = client.get("/api/project")
    assert r.status_code == 500
    assert "internal error" in r.json()["error"] and "secret" not in r.text
    assert "Traceback" not in client.get("/").text


def test_user_text_is_escaped_in_every_page(evil_project):
    with client_for(evil_project) as c:
        row = c.post("/api/codings", json={"document": "evil", "start": 0, "end": 0, "code": "roi"})
        assert row.status_code == 400
        doc = c.get("/api/documents/evil").json()
        turn = doc["turns"][1]
        cid = c.post("/api/codings", json={"document": "evil", "start": turn["start"],
                                           "end": turn["end"], "code": "roi", "memo": EVIL}).json()["id"]
        c.put("/api/memos/document/evil", json={"text": EVIL})
        for path in ("/", "/documents/evil", "/review", "/me"):
            html = c.get(path).text
            assert "<script>window.__pwned" not in html, path
            assert "{{ 7*7 }}" not in html or "49" not in html.replace("{{ 7*7 }}", ""), path
        home = c.get("/").text
        assert "ROI &lt;script&gt;window.__pwned=1&lt;/script&gt;{{ 7*7 }}" in home
        page = c.get("/documents/evil").text
        assert "\\u003cscript\\u003ewindow.__pwned" in page  # the page data: JSON, escaped
        assert c.get(f"/api/codings/{cid}").json()["memo"] == EVIL  # stored as written
