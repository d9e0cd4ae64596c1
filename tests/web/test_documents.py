"""The documents' endpoints: who is coding (asked once on this machine; a coder's link fixes it), and
POST /api/transcripts: an interview added from the browser, owners only, bounded, never over a
file, the new document served at once."""
from __future__ import annotations

import json

from starlette.testclient import TestClient
from workbench import HOST, TOKEN, client_for

from qualcode import intake
from qualcode.web import create_app
from qualcode.web.auth import WebState

NEW = b"Interviewer: How do you pick influencers?\nDelta: We look at who our buyers trust.\n"


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


def test_upload_adds_a_document_at_once(client, project):
    r = client.post("/api/transcripts?name=delta.txt", content=NEW,
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == ["delta"] and "delta" in out["documents"]
    assert out["message"].startswith("delta.txt: 1 document (delta)")
    assert "Delta 1" in out["message"] and "Interviewer 1 (interviewer)" in out["message"]
    assert client.get("/documents/delta").status_code == 200
    assert (project.root / "transcripts" / "delta.txt").read_bytes() == NEW


def test_upload_never_replaces_and_says_why(client, project):
    assert client.post("/api/transcripts?name=delta.txt", content=NEW).status_code == 200
    r = client.post("/api/transcripts?name=delta.txt", content=b"Anna: other text\n")
    assert r.status_code == 400 and "nothing was replaced" in r.json()["error"]
    assert (project.root / "transcripts" / "delta.txt").read_bytes() == NEW
    r = client.post("/api/transcripts?name=notes.rtf", content=b"{\\rtf1}")
    assert r.status_code == 400 and "save it as .docx or .txt" in r.json()["error"]


def test_upload_body_is_bounded(client, project, monkeypatch):
    monkeypatch.setattr(intake, "MAX_BYTES", 1000)
    r = client.post("/api/transcripts?name=big.txt", content=b"Anna: x\n" * 200)
    assert r.status_code == 400 and "larger than" in r.json()["error"]
    assert not (project.root / "transcripts" / "big.txt").exists()


def test_a_coder_cannot_add_interviews(project):
    token = WebState(project.root).add_coder("Ben")
    with client_for(project) as c:
        c.headers["X-Qualcode-Token"] = token
        r = c.post("/api/transcripts?name=delta.txt", content=NEW)
        assert r.status_code == 403 and "owner" in r.json()["error"]
        c.headers["X-Qualcode-Token"] = TOKEN
        assert c.post("/api/transcripts?name=delta.txt", content=NEW).status_code == 200
