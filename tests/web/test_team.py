"""A team on one workbench (in-process): a token acts only as its coder, roles (owners reshape the
codebook and change settings; coders code and may create codes), memos per author and versioned,
blind coding (a coder sees nothing of another coder: pages, JSON twins, exports, search,
retrieval, tables, suggestions), lifting it (an owner's logged act), read-only projects."""
from __future__ import annotations

import pytest

import io
import json
import zipfile

import pandas as pd
from starlette.testclient import TestClient
from workbench import HOST, TOKEN

from qualcode.web import create_app
from qualcode.web.auth import WebState

SPANS = [(394, 434), (977, 1017), (1300, 1340)]


def clients(project, *, blind=None, owner="Olga"):
    """The owner (the server token), Kim and Maya (their own links, role coder)."""
    state = WebState(project.root)
    state.update(local_coder=owner)
    kim, maya = state.add_coder("Kim"), state.add_coder("Maya")
    if blind is not None:
        project.set_setting("blind", blind)
    app = create_app(project, token=TOKEN)

    def client(token):
        c = TestClient(app, base_url=HOST)
        c.headers["X-Qualcode-Token"] = token
        return c
    return client(TOKEN), client(kim), client(maya)


def code(c, start, end, code="goal.sales", document="alpha"):
    r = c.post("/api/codings", json={"document": document, "start": start, "end": end,
                                     "code": code})
    assert r.status_code == 200, r.text
    return r.json()


# ---- ownership ---------------------------------------------------------------------------------

def test_a_token_acts_only_as_its_coder(project):
    olga, kim, maya = clients(project, blind=False)
    row = code(maya, *SPANS[0])
    cid, v = row["id"], row["version"]
    for c in (kim, olga):  # another coder, and the owner too: a token acts only as its coder
        r = c.patch(f"/api/codings/{cid}", json={"version": v, "end": 450})
        assert r.status_code == 403 and "Maya" in r.json()["error"], r.text
        assert r.json()["status"] == 403
        r = c.request("DELETE", f"/api/codings/{cid}", json={"version": v})
        assert r.status_code == 403
        r = c.put(f"/api/memos/coding/{cid}", json={"text": "mine now", "version": v})
        assert r.status_code == 403 and "only Maya" in r.json()["error"]
        assert c.put(f"/api/memos/coding/{cid}", json={"text": "x"}).status_code == 403
        assert c.request("DELETE", f"/api/memos/coding/{cid}").status_code == 403
    kept = project.codings(coder="Maya").iloc[0]
    assert (kept["end"], kept["version"], kept["memo"]) == (SPANS[0][1], 1, None)
    r = maya.patch(f"/api/codings/{cid}", json={"version": v, "end": 450})
    assert r.status_code == 200 and r.json()["end"] == 450


def test_undo_never_reverts_another_coders_coding(project):
    olga, kim, maya = clients(project, blind=False)
    row = code(maya, *SPANS[0])
    # Kim changed Maya's coding outside the workbench (the library takes the coder it is given)
    project.update_coding(row["id"], coder="Kim", expected_version=1, end=460)
    r = kim.post("/api/undo", json={})
    assert r.status_code == 403 and "Maya" in r.json()["error"]
    assert project.codings(coder="Maya")["end"].tolist() == [460]  # nothing undone
    code(kim, *SPANS[1])
    r = kim.post("/api/undo", json={})  # Kim's own coding: undone
    assert r.status_code == 200 and len(project.codings(coder="Kim")) == 0
    assert kim.post("/api/undo", json={}).status_code == 403  # then the edit of Maya's again
    assert project.codings(coder="Maya")["end"].tolist() == [460]


def test_accepting_a_suggestion_makes_a_coding_of_the_acceptors(project):
    olga, kim, maya = clients(project, blind=True)
    df = pd.DataFrame([{"document": "alpha", "start": s, "end": e, "code": "goal.sales",
                        "score": 0.9, "method": "keyword"} for s, e in SPANS])
    project.replace_suggestions(df, coder="qualcode-keyword", run={"method": "keyword"})
    queue = kim.get("/api/suggestions").json()
    assert queue["total"] == 3  # keyword rules learned from no coder: every coder sees them
    r = kim.post(f"/api/suggestions/{queue['items'][0]['id']}/accept", json={})
    assert r.status_code == 200 and r.json()["coding"]["coder"] == "Kim"
    assert maya.get("/api/suggestions").json()["total"] == 2
    # Kim's decision is not shown to Maya (nor its coding)
    assert all(c["coder"] != "Kim" for c in maya.get("/api/documents/alpha").json()["codings"])


# ---- roles -------------------------------------------------------------------------------------

def test_only_owners_see_add_interviews_on_the_home_page(project):
    olga, kim, _ = clients(project, blind=False)
    mine, theirs = olga.get("/").text, kim.get("/").text
    assert 'id="upload-files"' in mine and "add-interviews-owner" not in mine
    # a coder is not offered what would answer 403; the page says who adds interviews
    assert 'id="upload-files"' not in theirs
    assert "New interviews are added by the project's owner." in theirs
    assert kim.post("/api/transcripts?name=x.txt", content=b"Kim: hi").status_code == 403


def test_coders_create_codes_owners_reshape_the_codebook(project):
    olga, kim, maya = clients(project, blind=False)
    r = kim.post("/api/codes", json={"name": "Trust in experts", "parent": "goal"})
    assert r.status_code == 200, r.text
    new = r.json()["created"]
    events = project.history(code=new)
    assert events["actor"].tolist() == ["Kim"]  # logged with the coder's name
    for method, url, body in [
        ("PATCH", f"/api/codes/{new}", {"name": "Renamed"}),
        ("POST", f"/api/codes/{new}/move", {"parent": None}),
        ("POST", f"/api/codes/{new}/merge", {"into": "goal.sales"}),
        ("DELETE", f"/api/codes/{new}", {}),
        ("PUT", "/api/model/settings", {"kappa_floor": 0.5}),
        ("PUT", "/api/blind", {"blind": True}),
    ]:
        r = kim.request(method, url, json=body)
        assert r.status_code == 403, (url, r.text)
        assert "owners (Olga)" in r.json()["error"]  # says who may do it
    assert new in project.codebook and project.settings.blind is False
    r = kim.patch(f"/api/codes/{new}", json={"memo": "my reading of it"})  # a memo is one's own
    assert r.status_code == 200 and r.json()["message"] == "Memo saved"
    assert olga.patch(f"/api/codes/{new}", json={"name": "Renamed"}).status_code == 200
    assert olga.put("/api/model/settings", json={"kappa_floor": 0.5}).status_code == 200
    pat = WebState(project.root).add_coder("Pat", "owner")
    c = TestClient(kim.app, base_url=HOST)
    c.headers["X-Qualcode-Token"] = pat
    assert c.get("/api/me").json()["role"] == "owner"
    assert c.post(f"/api/codes/{new}/merge", json={"into": "goal.sales"}).status_code == 200


# ---- memos -------------------------------------------------------------------------------------

def test_document_memos_belong_to_their_authors_and_are_versioned(project):
    olga, kim, maya = clients(project, blind=False)
    r = maya.put("/api/memos/document/alpha", json={"text": "Maya: a hard interview", "version": 0})
    assert r.status_code == 200 and r.json()["message"] == "Memo saved" and r.json()["version"] == 1
    r = kim.put("/api/memos/document/alpha", json={"text": "Kim: talkative", "version": 0})
    assert r.status_code == 200  # Kim's own memo: Maya's is not replaced
    memos = project.memos(kind="document", target="alpha")
    assert sorted(zip(memos["coder"], memos["text"])) == [("Kim", "Kim: talkative"),
                                                         ("Maya", "Maya: a hard interview")]
    doc = kim.get("/api/documents/alpha").json()
    assert (doc["memo"], doc["memo_version"]) == ("Kim: talkative", 1)
    assert [(m["coder"], m["text"]) for m in doc["memos"]] == [("Maya", "Maya: a hard interview")]
    r = maya.put("/api/memos/document/alpha", json={"text": "stale", "version": 0})
    assert r.status_code == 409 and r.json()["status"] == 409
    assert maya.put("/api/memos/document/alpha", json={"text": "v2", "version": 1}).json()["version"] == 2
    page = kim.get("/documents/alpha").text
    assert "Maya" in page and "v2" in page  # read-only, marked with its author (blind is off)
    r = kim.request("DELETE", "/api/memos/document/alpha")
    assert r.status_code == 200 and r.json()["message"] == "Memo removed"
    assert project.memos(kind="document")["coder"].tolist() == ["Maya"]


# ---- blind coding ------------------------------------------------------------------------------

def test_blind_by_default_once_a_second_coder_exists(project):
    state = WebState(project.root)
    state.update(local_coder="Olga")
    app = create_app(project, token=TOKEN)
    c = TestClient(app, base_url=HOST)
    c.headers["X-Qualcode-Token"] = TOKEN
    assert c.get("/api/me").json()["blind"] is False  # one coder alone
    state.add_coder("Kim")
    assert c.get("/api/me").json()["blind"] is True
    project.set_setting("blind", False)  # said in qualcode.yaml: the setting wins
    assert c.get("/api/me").json()["blind"] is False


def _maya_works(project, maya):
    ids = [code(maya, s, e)["id"] for s, e in SPANS]
    maya.put("/api/memos/document/alpha", json={"text": "MAYA-MEMO on alpha", "version": 0})
    maya.put(f"/api/memos/coding/{ids[0]}", json={"text": "MAYA-CODING-MEMO", "version": 1})
    r = maya.post("/api/codes", json={"name": "Tacit knowledge", "parent": "goal"})
    assert r.status_code == 200
    return ids, r.json()["created"]


def test_blind_kim_sees_nothing_of_maya(project):
    olga, kim, maya = clients(project, blind=True)
    maya_ids, maya_code = _maya_works(project, maya)
    mine = code(kim, 2000, 2040, "goal.branding")
    # suggestions: Maya's model, Kim's model, a shared model that learned from both
    for coder, learned in (("qualcode-learner-1", ["Maya"]), ("qualcode-learner-2", ["Kim"]),
                           ("qualcode-classifier", None)):
        start = {"qualcode-learner-1": 100, "qualcode-learner-2": 200}.get(coder, 300)
        df = pd.DataFrame([{"document": "beta", "start": start, "end": start + 40,
                            "code": "goal.sales", "score": 0.5, "method": "classifier"}])
        params = {} if learned is None else {"learned_from": learned}
        project.replace_suggestions(df, coder=coder,
                                    run={"method": "classifier", "parameters": params})
    assert kim.get("/api/me").json()["blind"] is True
    urls = ["/", "/api/project", "/documents/alpha", "/api/documents/alpha", "/review",
            "/api/suggestions", "/codes", "/api/codebook", f"/api/codes/{maya_code}",
            "/api/codes/goal.sales", "/retrieve", "/api/retrieve?code=goal",
            "/api/search?q=marketing", "/compare", "/crosscase", "/api/crosscase",
            "/api/crosscase?attribute=industry", "/api/model", f"/api/codings/{mine['id']}",
            "/api/export/codings.csv", "/api/export/codings.csv?machine=1",
            "/api/export/codebook.yaml", "/api/blind", "/api/me"]
    for url in urls:
        r = kim.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        for secret in ("Maya", "MAYA-MEMO", "MAYA-CODING-MEMO"):
            assert secret not in r.text, (url, secret)
    doc = kim.get("/api/documents/alpha").json()
    assert [c["id"] for c in doc["codings"] if c["status"] is None] == [mine["id"]]
    assert doc["memo"] == "" and doc["memos"] == []
    sugg = kim.get("/api/suggestions").json()
    assert {i["coder"] for i in sugg["items"]} == {"qualcode-learner-2"}  # learned from Kim alone
    assert kim.get("/api/project").json()["coders"] == ["Kim"]
    csv = kim.get("/api/export/codings.csv").text.strip().splitlines()
    assert len(csv) == 2 and "Kim" in csv[1]  # the header and Kim's one coding
    xlsx = pd.read_excel(io.BytesIO(kim.get("/api/export/codings.xlsx").content))
    assert xlsx["coder"].tolist() == ["Kim"]
    report = kim.get("/api/export/report.html?n_boot=0")  # (one coder's few codings: refused
    assert "Maya" not in report.text                        # today, see the report's own tests)
    qdpx = kim.get("/api/export/project.qdpx").content
    with zipfile.ZipFile(io.BytesIO(qdpx)) as z:
        assert b"Maya" not in z.read("project.qde")
    # other coders' codings: not found, and never named
    for cid in maya_ids:
        r = kim.get(f"/api/codings/{cid}")
        assert r.status_code == 404 and "Maya" not in r.text
        r = kim.patch(f"/api/codings/{cid}", json={"version": 1, "end": 500})
        assert r.status_code in (403, 404) and "Maya" not in r.text
    for url in ("/api/compare?coders=Kim,Maya", "/api/retrieve?coder=Maya",
                "/api/crosscase?coder=Maya", "/api/search?q=x&coder=Maya"):
        r = kim.get(url)
        assert r.status_code == 403 and "blind" in r.json()["error"], url
    # the code Maya created shows, its history does not name her
    hist = kim.get(f"/api/codes/{maya_code}").json()["history"]
    assert [h["actor"] for h in hist] == ["another coder"]
    # Maya sees her own work
    assert len([c for c in maya.get("/api/documents/alpha").json()["codings"]
                if c["status"] is None]) == 3


def test_lifting_blind_is_an_owners_logged_act_and_then_coders_meet(project):
    olga, kim, maya = clients(project, blind=True)
    _maya_works(project, maya)
    r = kim.put("/api/blind", json={"blind": False})
    assert r.status_code == 403 and "owners" in r.json()["error"] and "Olga" not in r.text
    assert olga.put("/api/blind", json={"blind": False}).json()["blind"] is False
    events = project.history()
    lifted = events[events["action"] == "blind_lifted"]
    assert lifted["actor"].tolist() == ["Olga"] and lifted["time"].iloc[0]
    doc = kim.get("/api/documents/alpha").json()
    assert [m["coder"] for m in doc["memos"]] == ["Maya"]
    assert {c["coder"] for c in doc["codings"]} == {"Maya"}
    assert "blind: false" in project.settings_path.read_text()


def test_a_read_only_project_refuses_every_write(project):
    from qualcode import Project

    clients(project, blind=False)
    read_only = Project.open(project.root, read_only=True)  # the project as a reader opens it
    olga, kim, maya = clients(read_only)
    for c in (olga, kim):
        for method, url, body in [
            ("POST", "/api/codings", {"document": "alpha", "start": 394, "end": 434,
                                      "code": "goal"}),
            ("PUT", "/api/memos/document/alpha", {"text": "x"}),
            ("POST", "/api/codes", {"name": "New"}),
            ("POST", "/api/undo", {}),
        ]:
            r = c.request(method, url, json=body)
            assert r.status_code == 403 and "read-only" in r.json()["error"], (url, r.text)
    assert olga.get("/api/project").status_code == 200  # reading still works
    assert len(project.codings()) == 0
    read_only.close()


# ---- web hardening -----------------------------------------------------------------------------

@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_in_a_blind_project_each_coder_is_suggested_to_by_a_model_of_their_own_work(project):
    from qualcode.web.loop import Trainer

    state = WebState(project.root)
    state.update(local_coder="Olga")
    kim_token, maya_token = state.add_coder("Kim"), state.add_coder("Maya")
    trainer = Trainer(mode="thread", delay=0)

    def learned(name):
        runs = project.machine_runs()
        runs = runs[runs["coder"] == name]
        return json.loads(runs["parameters"].iloc[-1])["learned_from"] if len(runs) else None

    try:
        app = create_app(project, token=TOKEN, trainer=trainer)
        kim, maya = (TestClient(app, base_url=HOST) for _ in range(2))
        kim.headers["X-Qualcode-Token"], maya.headers["X-Qualcode-Token"] = kim_token, maya_token
        code(kim, *SPANS[0])
        assert trainer.wait(120)
        assert learned("qualcode-learner-for-Kim") == ["Kim"]
        assert learned("qualcode-learner") is None  # blind: no shared model of everyone's work
        assert kim.get("/api/model").json()["codings"] == 1  # Kim's own model
        maya_model = maya.get("/api/model").json()  # Maya asks: her own model (the codebook's)
        assert maya_model["status"] != "off" and maya_model["codings"] in (0, None)
        code(maya, *SPANS[1])
        trainer.request(force=True)  # the shared model: it does not train while blind
        assert trainer.wait(120)
        assert trainer.state["trainings"] == 0
        assert learned("qualcode-learner-for-Maya") == ["Maya"]
        assert learned("qualcode-learner-for-Kim") == ["Kim"]
        for c, me, other in ((kim, "Kim", "Maya"), (maya, "Maya", "Kim")):
            assert c.get("/api/model").json()["codings"] == 1
            shown = {s["coder"] for s in c.get("/api/suggestions").json()["items"]}
            assert shown <= {f"qualcode-learner-for-{me}"}, shown
            assert other not in c.get("/api/suggestions").text
    finally:
        trainer.close()


def test_code_memos_are_their_authors_too(project):
    olga, kim, maya = clients(project, blind=False)
    assert kim.patch("/api/codes/goal.sales", json={"memo": "Kim's view", "memo_version": 0}).status_code == 200
    assert maya.patch("/api/codes/goal.sales", json={"memo": "Maya's view", "memo_version": 0}).status_code == 200
    r = kim.patch("/api/codes/goal.sales", json={"memo": "stale", "memo_version": 0})
    assert r.status_code == 409
    detail = kim.get("/api/codes/goal.sales").json()
    assert (detail["memo"], detail["memo_version"]) == ("Kim's view", 1)
    assert [(m["coder"], m["text"]) for m in detail["memos"]] == [("Maya", "Maya's view")]
    project.set_setting("blind", True)
    assert kim.get("/api/codes/goal.sales").json()["memos"] == []
