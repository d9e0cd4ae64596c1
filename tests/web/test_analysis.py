"""The analysis endpoints through Starlette's TestClient: retrieve and search, compare (the same
figures as qualcode agree), disagreements, blind mode, cross-case (as qualcode matrix), the
Methods record and the Compare page's reporting paragraph; bad input is a message, never a 500."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from workbench import invoke, SAMPLE, client_for, make_project

from qualcode import matrix
from qualcode.methods import methods_record


DOCS = ("alpha", "beta", "chi", "delta", "epsilon", "eta", "gamma")


def _sample(tmp_path):
    p = make_project(tmp_path / "s", documents=DOCS)
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["document"].isin(DOCS) & h["coder"].isin(["C1", "C2"])])
    return p


def test_retrieve_a_code_with_its_descendants_and_filters(cclient, coded):
    cb = coded.codebook
    human = coded.codings(include_machine=False)
    under = human[human["code"].isin(cb.descendants("goal", include_self=True))]
    r = cclient.get("/api/retrieve?code=goal&limit=1000").json()
    assert r["total"] == len(under) and len(r["items"]) == len(under)
    item = r["items"][0]
    text = coded.corpus.text(item["document"])
    assert item["text"] == text[item["start"]:item["end"]] and item["speaker"] == "Alpha"
    assert item["case"] == "Alpha" and item["code_name"]
    assert cclient.get("/api/retrieve?code=goal&descendants=0").json()["total"] == 0
    c2 = cclient.get("/api/retrieve?code=goal&coder=C2").json()
    assert c2["total"] == int((under["coder"] == "C2").sum()) and {i["coder"] for i in c2["items"]} == {"C2"}
    beta = cclient.get("/api/retrieve?code=goal&document=beta").json()
    assert beta["total"] == int((under["document"] == "beta").sum())
    firm = coded.corpus.cases.set_index("case").loc["Alpha"]["firm_size"]
    by_attr = cclient.get(f"/api/retrieve?code=goal&attribute=firm_size&value={firm}").json()
    same = coded.corpus.cases[coded.corpus.cases["firm_size"] == firm]["case"]
    assert by_attr["total"] == int(under["document"].map(
        lambda d: d.capitalize()).isin(same).sum())
    by_case = cclient.get("/api/retrieve?code=goal&case=Gamma").json()
    assert by_case["total"] == int((under["document"] == "gamma").sum())
    page2 = cclient.get("/api/retrieve?code=goal&offset=2&limit=2").json()
    assert [i["id"] for i in page2["items"]] == [i["id"] for i in r["items"][2:4]]
    for bad in ("code=nope", "code=goal&coder=Nobody", "code=goal&document=nope",
                "code=goal&attribute=nope&value=1", "code=goal&limit=x"):
        resp = cclient.get("/api/retrieve?" + bad)
        assert resp.status_code == 400 and resp.json()["error"], bad


def test_search_words_and_phrases_case_insensitive(cclient, coded):
    corpus = coded.corpus
    r = cclient.get('/api/search?q="MARKETING team"').json()
    assert r["terms"] == ["MARKETING team"] and r["total"] >= 1
    for hit in r["items"]:
        text = corpus.text(hit["document"])
        for s, e in hit["matches"]:
            assert text[s:e].lower().split() == ["marketing", "team"]
        assert hit["context"] == text[hit["context_start"]:hit["context_start"] + len(hit["context"])]
    both = cclient.get("/api/search?q=trust expert").json()
    for hit in both["items"]:
        seg = corpus.text(hit["document"])[hit["turn_start"]:hit["turn_end"]].lower()
        assert "trust" in seg and "expert" in seg
    # whole words: "team" does not find "teams" or "steam"
    for hit in cclient.get("/api/search?q=team").json()["items"]:
        text = corpus.text(hit["document"])
        assert all(text[s:e].lower() == "team" for s, e in hit["matches"])
    # interviewer turns are not searched (they are not codable)
    q = corpus.text("alpha")[30:60].split()[1]
    for hit in cclient.get(f"/api/search?q={q}&document=alpha").json()["items"]:
        assert hit["turn_start"] >= 145
    assert cclient.get("/api/search?q=").status_code == 400
    assert cclient.get("/api/search?q=zzzqqq").json()["total"] == 0
    # "code this hit": the span of a hit is codable as it is
    hit = r["items"][0]
    row = cclient.post("/api/codings", json={"document": hit["document"], "start": hit["start"],
                                             "end": hit["end"], "code": "goal.branding"}).json()
    assert row["coder"] == "C1"
    again = cclient.get('/api/search?q="marketing team"&coder=C1').json()["items"][0]
    assert "goal.branding" in again["codes"]


def _codes_on(project, coders, it):
    h = project.codings(include_machine=False)
    h = h[h["coder"].isin(coders) & (h["document"] == it["document"]) & (h["start"] < it["end"])
          & (h["end"] > it["start"])]
    return sorted(set(h["code"]))


def test_search_by_meaning_ranks_passages_with_their_codes(cclient, coded):
    corpus = coded.corpus
    r = cclient.get("/api/search", params={"q": "how we measure the results", "by": "meaning"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["by"] == "meaning" and out["method"] in ("embeddings", "tfidf") and out["note"]
    items = out["items"]
    assert 0 < len(items) <= out["total"] <= 100
    sims = [it["similarity"] for it in items]
    assert sims == sorted(sims, reverse=True) and all(s > 0 for s in sims)
    for it in items:
        assert it["text"] == corpus.text(it["document"])[it["start"]:it["end"]]
        assert it["codes"] == _codes_on(coded, ["C1", "C2", "C3"], it)
        assert it["case"] and it["speaker"] != "Interviewer"
    assert any(it["codes"] for it in items)
    page2 = cclient.get("/api/search", params={"q": "how we measure the results", "by": "meaning",
                                               "offset": 2, "limit": 2}).json()
    assert [(i["document"], i["start"]) for i in page2["items"]] == \
        [(i["document"], i["start"]) for i in items[2:4]]
    beta = cclient.get("/api/search", params={"q": "how we measure the results", "by": "meaning",
                                              "document": "beta"}).json()
    assert beta["items"] and {i["document"] for i in beta["items"]} == {"beta"}
    assert cclient.get("/api/search", params={"q": "x", "by": "sound"}).status_code == 400
    assert cclient.get("/api/search", params={"q": " ", "by": "meaning"}).status_code == 400
    # blind: the codes on each passage are the coder's own, and no one else's may be asked for
    assert cclient.put("/api/blind", json={"blind": True}).json()["blind"] is True
    blind = cclient.get("/api/search", params={"q": "how we measure the results",
                                               "by": "meaning"}).json()
    assert [i["start"] for i in blind["items"]] == [i["start"] for i in items]
    assert all(i["codes"] == _codes_on(coded, ["C1"], i) for i in blind["items"])
    assert any(i["codes"] != j["codes"] for i, j in zip(blind["items"], items))
    r = cclient.get("/api/search", params={"q": "results", "by": "meaning", "coder": "C2"})
    assert r.status_code == 403


def test_search_by_meaning_without_the_semantic_extra_says_tfidf(cclient, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    out = cclient.get("/api/search", params={"q": "trust in the expert", "by": "meaning"}).json()
    assert out["method"] == "tfidf" and "TF-IDF" in out["note"]
    assert out["items"] and "semantic extra" in out["note"]


@pytest.mark.parametrize("unit", ["segment", "character"])
def test_agreement_equals_qualcode_agree(study, tmp_path, unit):
    """The page's numbers are `qualcode agree`'s for the same project (same seed, same resamples)."""
    codings = tmp_path / "codings.csv"
    study.export_codings(codings, include_machine=False)
    out = tmp_path / "agree.csv"
    invoke("agree", codings, "--transcripts", SAMPLE, "--unit", unit, "--n-boot", 200,
           "--seed", 3, "-o", out)
    cli = pd.read_csv(out)
    with client_for(study, coder="C1") as c:
        page = c.get(f"/api/compare?coders=C1,C2&unit={unit}&n_boot=200&seed=3").json()
    rows = pd.DataFrame(page["rows"])
    assert list(rows["code"]) == list(cli["code"])
    for col in ("n_units", "n_coded", "percent_agreement", "cohen_kappa", "cohen_kappa_low",
                "cohen_kappa_high", "alpha", "alpha_low", "alpha_high", "gwet_ac1",
                "brennan_prediger"):
        a = pd.to_numeric(rows[col]).to_numpy(dtype=float)
        b = cli[col].to_numpy(dtype=float)
        assert ((a == b) | (pd.isna(a) & pd.isna(b))).all(), col
    pooled = rows[rows["code"] == "(all codes)"].iloc[0]
    assert not pooled["low_n"] and 0 < pooled["alpha"] <= 1
    low = rows[rows["n_passages"] < 10]
    assert len(low) and low["low_n"].all() and not rows[rows["n_passages"] >= 10]["low_n"].any()


def test_three_coders_give_fleiss_kappa(cclient):
    r = cclient.get("/api/compare?coders=C1,C2,C3&n_boot=0").json()
    pooled = [x for x in r["rows"] if x["code"] == "(all codes)"][0]
    assert not r["two"] and pooled["fleiss_kappa"] is not None and pooled["cohen_kappa"] is None


@pytest.mark.parametrize("query,fragment", [
    ("coders=C1", "two or more"), ("coders=C1,Nobody", "Nobody"), ("coders=C1,C2&unit=overlap", "unit"),
    ("coders=C1,C2&n_boot=x", "integer"),
])
def test_compare_bad_input(cclient, query, fragment):
    r = cclient.get("/api/compare?" + query)
    assert r.status_code == 400 and fragment in r.json()["error"]


def test_disagreements_grouped_by_passage_and_side_by_side(cclient, coded):
    from qualcode.agreement import disagreements

    h = coded.codings(include_machine=False)
    h = h[h["coder"].isin(["C1", "C2"])]
    flat = disagreements(coded.corpus, h, "segment")
    r = cclient.get("/api/disagreements?coders=C1,C2&limit=1000").json()
    assert r["rows"] == len(flat)
    assert sum(len(e["codes"]) for e in r["items"]) == len(flat)
    keys = [(e["document"], e["start"]) for e in r["items"]]
    assert len(keys) == len(set(keys)) == len(flat.drop_duplicates(["document", "start"]))
    multi = [e for e in r["items"] if len(e["codes"]) > 1]
    assert multi, "the sample has a passage with two disputed codes: one entry, not two rows"
    e = multi[0]
    for c in e["codes"]:
        assert set(c["decisions"]) == {"C1", "C2"} and c["decisions"]["C1"] != c["decisions"]["C2"]
    side = cclient.get(f"/api/passage?document={e['document']}&start={e['start']}&end={e['end']}"
                       "&coders=C1,C2").json()
    assert side["start"] <= e["start"] and side["end"] >= e["end"]
    for c in e["codes"]:
        for coder in ("C1", "C2"):
            has = any(x["code"] == c["code"] for x in side["coders"][coder])
            assert has == (c["decisions"][coder] == 1)
    one = cclient.get(f"/api/disagreements?coders=C1,C2&code={e['codes'][0]['code']}").json()
    assert all(c["code"] == e["codes"][0]["code"] for x in one["items"] for c in x["codes"])


def test_blind_mode(cclient, coded):
    assert cclient.get("/api/blind").json() == {"coder": "C1", "blind": False}
    assert len({c["coder"] for c in cclient.get("/api/documents/alpha").json()["codings"]}) >= 2
    assert cclient.put("/api/blind", json={"blind": True}).json()["blind"] is True
    doc = cclient.get("/api/documents/alpha").json()
    assert {c["coder"] for c in doc["codings"]} == {"C1"} and doc["blind"]
    assert "C2" not in cclient.get("/documents/alpha").text.split('id="page-data"')[1]
    home = cclient.get("/api/project").json()
    assert home["coders"] == ["C1"] and home["blind"]
    assert all(set(d["progress"]) <= {"C1"} for d in home["documents"])
    own = coded.codings(coder="C1")
    branding = [c for c in home["codebook"] if c["id"] == "goal.branding"][0]
    assert branding["count"] == int((own["code"] == "goal.branding").sum())
    html = cclient.get("/").text
    assert '<span class="bar-label">C1</span>' in html and '<span class="bar-label">C2</span>' not in html
    assert cclient.get("/api/compare?coders=C1,C2").status_code == 403
    assert cclient.get("/api/disagreements?coders=C1,C2").status_code == 403
    assert cclient.get("/api/retrieve?code=goal&coder=C2").status_code == 403
    assert {i["coder"] for i in cclient.get("/api/retrieve?code=goal").json()["items"]} == {"C1"}
    assert cclient.get("/api/crosscase").json()["coders"] == ["C1"]  # every coder = the viewer
    assert cclient.get("/api/crosscase?coder=C1").status_code == 200
    assert cclient.put("/api/blind", json={"blind": "yes"}).status_code == 400
    assert "blind: true" in (coded.root / "qualcode.yaml").read_text()
    assert cclient.put("/api/blind", json={"blind": False}).json()["blind"] is False  # lifted
    assert cclient.get("/api/compare?coders=C1,C2&n_boot=0").status_code == 200
    events = coded.history()
    lifted = events[events["action"] == "blind_lifted"]
    assert lifted["actor"].tolist() == ["C1"]  # "blind lifted by C1 at T", logged


def test_crosscase_equals_qualcode_matrix(cclient, coded):
    human = coded.codings(include_machine=False)
    r = cclient.get("/api/crosscase?attribute=firm_size").json()
    expected = matrix.case_by_code(coded.corpus, human)
    ids = [c["id"] for c in r["codes"]]
    for i, case in enumerate(r["cases"]):
        for j, code in enumerate(ids):
            assert r["case_by_code"][i][j] == expected.loc[case, code]
    assert set(r["cases"]) == {"Alpha", "Beta", "Gamma"}  # cases with a transcript
    cba = matrix.code_by_attribute(coded.corpus, human, "firm_size")
    a = r["code_by_attribute"]
    for i, v in enumerate(a["values"]):
        assert a["n_cases"][i] == cba.loc[v, "n_cases"]
        for j, code in enumerate(a["codes"]):
            assert a["table"][i][j] == cba.loc[v, code]
    sm = matrix.strategy_by_case(coded.corpus, human, coded.codebook)
    s = r["strategy"]
    for i, case in enumerate(s["cases"]):
        assert s["hybrid"][i] == bool(sm.hybrid[case])
        assert s["counts"][i] == sm.counts.loc[case].tolist()
    co = matrix.cooccurrence(coded.corpus, human)
    k = r["cooccurrence"]["codes"]
    assert r["cooccurrence"]["table"] == co.loc[k, k].to_numpy().tolist()
    top = cclient.get("/api/crosscase?depth=0&coder=C2").json()
    assert {c["id"] for c in top["codes"]} <= set(coded.codebook.roots())
    assert cclient.get("/api/crosscase?coder=Nobody").status_code == 400
    assert cclient.get("/api/crosscase?attribute=nope").status_code == 400


@pytest.mark.parametrize("method,url,body", [
    ("GET", "/api/passage?document=alpha&coders=C1,C2", None),
    ("GET", "/api/passage?document=nope&start=1&end=2&coders=C1,C2", None),
    ("GET", "/api/passage?document=alpha&start=1&end=2&coders=C1", None),
    ("GET", "/api/disagreements?coders=C1,C2&unit=words", None),
    ("GET", "/api/disagreements?coders=C1,C2&offset=-1", None),
    ("GET", "/api/crosscase?depth=-1", None),
    ("GET", "/api/crosscase?depth=x", None),
    ("GET", "/api/search?q=" + "w%20" * 13, None),
    ("GET", "/api/codes/nope", None),
    ("POST", "/api/codes/goal/merge", {"into": "nope"}),
    ("POST", "/api/codes/goal/merge", {"into": 5}),
    ("POST", "/api/codes/goal/move", {"parent": 5}),
    ("DELETE", "/api/codes/goal.sales", {"recode_to": 5}),
    ("DELETE", "/api/codes/goal.sales", {"recode_to": "nope"}),
    ("PATCH", "/api/codes/goal", {"keywords": 5}),
    ("PATCH", "/api/codes/goal", {"examples": "x"}),
    ("PUT", "/api/blind", {}),
])
def test_bad_requests_get_a_message_never_a_500(cclient, method, url, body):
    r = cclient.request(method, url, json=body) if body is not None else cclient.request(method, url)
    assert r.status_code in (400, 404), (url, r.status_code, r.text)
    assert r.json()["error"]


def test_the_json_twin_is_the_methods_record(tmp_path):
    with _sample(tmp_path) as p, client_for(p) as c:
        r = c.get("/api/methods?n_boot=0&order=interview_minutes&base=3&run=2")
        assert r.status_code == 200, r.text
        data = r.json()
        expected = json.loads(json.dumps(methods_record(p, n_boot=0, saturation={
            "order": "interview_minutes", "base": 3, "run": 2})))
        assert data == expected
        assert data["saturation"]["order"][0] == "chi"  # the shortest interview first
        page = c.get("/methods")
        assert page.status_code == 200 and 'href="/methods" class="active"' in page.text
        bad = c.get("/api/methods?level=theme")
        assert bad.status_code == 400 and bad.json()["error"].startswith("level must be")


def test_the_compare_paragraph_summarises_the_compare_table(tmp_path):
    with _sample(tmp_path) as p, client_for(p) as c:
        cmp = c.get("/api/compare?coders=C1,C2&n_boot=0").json()
        r = c.get("/api/methods/agreement?coders=C1,C2&n_boot=0")
        assert r.status_code == 200, r.text
        a = r.json()["summary"]
        pooled = next(x for x in cmp["rows"] if x["code"] == "(all codes)")
        assert a["overall"]["alpha"] == pooled["alpha"]
        assert a["units"] == max(x["n_units"] for x in cmp["rows"] if x["code"] != "(all codes)")
        assert f"alpha was {pooled['alpha']:.3f}" in r.json()["paragraph"]
        # the same figures as the methods record computes for these two coders
        rec = methods_record(p, n_boot=0)["agreement"]
        assert rec["overall"] == a["overall"] and rec["paragraph"] == r.json()["paragraph"]
        ch = c.get("/api/methods/agreement?coders=C1,C2&n_boot=0&unit=character").json()
        assert "codable characters that two or more of them coded" in ch["paragraph"]


def test_blind_mode_keeps_the_record_closed(tmp_path):
    with _sample(tmp_path) as p, client_for(p) as c:
        p.settings.blind = True
        r = c.get("/api/methods")
        assert r.status_code == 403 and "blind" in r.json()["error"]
        assert c.get("/methods").status_code == 403
        assert c.get("/api/methods/agreement?coders=C1,C2").status_code == 403
        p.settings.blind = False
        assert c.get("/api/methods").status_code == 200
