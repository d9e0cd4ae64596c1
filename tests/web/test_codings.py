"""The codings' and memos' endpoints through Starlette's TestClient: add, bad input, edit with
versions, history, undo, memos. Each write is checked in the store, not only in the answer."""
from __future__ import annotations

import pytest
from workbench import client_for

INTERVIEWER = (24, 145)  # the interviewer's first question


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
