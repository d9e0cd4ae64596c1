"""The codebook's endpoints while coding: create a code from a name under a parent, bad input,
edit and rename, take an example from a coded passage, move, merge and delete (codings follow)."""
from __future__ import annotations

import pytest

ALPHA = (394, 839)  # Alpha's second turn


def test_create_code_from_a_name_under_a_parent(client, project):
    r = client.post("/api/codes", json={"name": "Trust in experts!", "parent": "goal",
                                        "color": "#AA3377", "description": "later"})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == "goal.trust_in_experts"
    cb = project.codebook
    assert cb["goal.trust_in_experts"].name == "Trust in experts!"
    assert cb.parent("goal.trust_in_experts") == "goal" and cb["goal.trust_in_experts"].color == "#aa3377"
    again = client.post("/api/codes", json={"name": "Trust in experts!", "parent": "goal"}).json()
    assert again["created"] == "goal.trust_in_experts_2"  # a free id, never a clash
    top = client.post("/api/codes", json={"name": "Ümlaut code"}).json()["created"]
    assert top == "umlaut_code" and project.codebook.parent(top) is None
    # the new code is codable at once, and shows in the picker's codebook
    row = client.post("/api/codings", json={"document": "alpha", "start": ALPHA[0], "end": ALPHA[0] + 40,
                                            "code": "goal.trust_in_experts"}).json()
    assert row["code"] == "goal.trust_in_experts"
    assert "goal.trust_in_experts" in [c["id"] for c in client.get("/api/codebook").json()["codes"]]
    assert project.history(code="goal.trust_in_experts")["action"].iloc[0] == "code_create"


@pytest.mark.parametrize("body,fragment", [
    ({}, "name"), ({"name": "  "}, "name"), ({"name": "x", "parent": "nope"}, "no code"),
    ({"name": "x", "color": "red"}, "colour"), ({"name": "x", "id": "Bad Id"}, "not usable"),
    ({"name": 5}, "string"), ({"name": "Branding", "id": "goal.branding"}, "exists"),
])
def test_create_code_bad_input(client, body, fragment):
    r = client.post("/api/codes", json=body)
    assert r.status_code in (400, 404) and fragment in r.json()["error"], r.text


def test_edit_rename_and_take_an_example_from_a_coded_passage(cclient, coded):
    detail = cclient.get("/api/codes/goal.branding").json()
    assert detail["count"] == len(coded.codings(code="goal.branding")) and detail["passages"]
    p = detail["passages"][0]
    example = {"quote": p["text"], "source": f"{p['document']}, {p['speaker']}"}
    r = cclient.patch("/api/codes/goal.branding", json={
        "name": "Brand building", "description": "New definition", "inclusion": "when x",
        "exclusion": "not y", "keywords": "brand, image of * firm",
        "examples": detail["examples"] + [example]})
    assert r.status_code == 200, r.text
    c = coded.codebook["goal.branding"]
    assert (c.name, c.description, c.inclusion, c.exclusion) == ("Brand building", "New definition",
                                                                "when x", "not y")
    assert c.keywords == ["brand", "image of * firm"]
    assert c.examples[-1] == example and p["text"].strip() in coded.corpus.text(p["document"])
    assert len(coded.codings(code="goal.branding")) == detail["count"]  # codings untouched
    assert cclient.patch("/api/codes/goal.branding", json={"name": ""}).status_code == 400
    assert cclient.patch("/api/codes/goal.branding", json={"examples": [{"quote": ""}]}).status_code == 400
    assert cclient.patch("/api/codes/goal.branding", json={"id": "x"}).status_code == 400
    assert cclient.patch("/api/codes/nope", json={"name": "x"}).status_code == 404
    assert cclient.patch("/api/codes/goal.branding", json={"memo": "a hunch"}).json()["code"]["memo"] == "a hunch"
    assert cclient.patch("/api/codes/goal.branding", json={}).status_code == 400


def test_move_merge_and_delete_codings_follow(cclient, coded):
    n_sales = len(coded.codings(code="goal.sales"))
    n_brand = len(coded.codings(code="goal.branding"))
    assert n_sales and n_brand
    r = cclient.post("/api/codes/goal.sales/move", json={"parent": "challenge"}).json()
    assert r["id"] == "challenge.sales" and "goal.sales" not in coded.codebook
    assert len(coded.codings(code="challenge.sales")) == n_sales and not len(coded.codings(code="goal.sales"))
    r = cclient.post("/api/codes/challenge.sales/merge", json={"into": "goal.branding"}).json()
    assert r["codings_moved"] == n_sales and "challenge.sales" not in coded.codebook
    assert len(coded.codings(code="goal.branding")) == n_brand + n_sales
    hist = coded.history(code="challenge.sales")
    merge = hist[hist["action"] == "code_merge"]
    assert len(merge) == 1 and "goal.branding" in merge["after"].iloc[0]  # the log keeps the merge
    # undo does not half-reverse it (codings back on challenge.sales, a code that is gone)
    r = cclient.post("/api/undo", json={})
    assert r.status_code == 400 and "codebook change (merge of challenge.sales)" in r.json()["error"]
    assert len(coded.codings(code="goal.branding")) == n_brand + n_sales
    # delete: refused with codings, allowed with a recode target or without codings
    r = cclient.delete("/api/codes/goal.branding")
    assert r.status_code == 400 and "recode" in r.json()["error"]
    r = cclient.request("DELETE", "/api/codes/goal.branding", json={"recode_to": "goal.relationship_building"})
    assert r.status_code == 200 and "goal.branding" not in coded.codebook
    new = cclient.post("/api/codes", json={"name": "Empty"}).json()["created"]
    assert cclient.delete(f"/api/codes/{new}").status_code == 200 and new not in coded.codebook
    assert cclient.post("/api/codes/goal/move", json={"parent": "goal.relationship_building"}).status_code == 400
    assert cclient.post("/api/codes/goal/merge", json={"into": "goal"}).status_code == 400
    assert cclient.post("/api/codes/goal/move", json={}).status_code == 400
