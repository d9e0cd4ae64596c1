"""The workbench's part 2 through Starlette's TestClient: the codebook while coding, retrieve and
search, compare coders (numbers equal to `qualcode agree`'s), blind mode, cross-case tables
(equal to qualcode.matrix's), and exports (equal to the CLI's bytes). Every write is checked in
the store, not only in the answer."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from workbench import EVIL, SAMPLE, client_for

import qualcode as qc
from qualcode import matrix
from qualcode.cli import main

ALPHA = (394, 839)  # Alpha's second turn


@pytest.fixture
def coded(project):
    """The project with the sample's three human coders on alpha, beta and gamma."""
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    project.add_codings(h[h["document"].isin(project.corpus.document_ids)])
    return project


@pytest.fixture
def cclient(coded):
    with client_for(coded, coder="C1") as c:
        yield c


@pytest.fixture
def study(tmp_path):
    """A project over the whole sample folder, with two coders' codings (for the CLI checks)."""
    p = qc.Project.init(tmp_path / "whole", name="Sample", transcripts=[str(SAMPLE)],
                        cases=str(SAMPLE / "cases.csv"),
                        codebook=str(SAMPLE.parent / "codebooks" / "b2b_influencer_marketing.yaml"))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["coder"].isin(["C1", "C2"])])
    yield p
    p.close()


def invoke(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    return res


# ---- the codebook while coding -----------------------------------------------------------------

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


def test_codebook_export_equals_the_cli(cclient, coded, tmp_path):
    cclient.post("/api/codes", json={"name": "Open code", "parent": "goal"})
    cclient.post("/api/codes/goal.sales/merge", json={"into": "goal.branding"})
    for fmt in ("yaml", "qdc", "md"):
        page = cclient.get(f"/api/export/codebook.{fmt}")
        assert page.status_code == 200 and "attachment" in page.headers["content-disposition"]
        out = tmp_path / f"cb.{fmt}"
        invoke("codebook", "export", "-p", coded.root, "-o", out)
        assert page.content == out.read_bytes(), fmt
    data = yaml.safe_load(cclient.get("/api/export/codebook.yaml").text)
    assert "Open code" in str(data) and "goal.sales" not in str(data)
    reloaded = qc.Codebook.load(tmp_path / "cb.yaml")  # the same Codebook rules
    assert "goal.open_code" in reloaded and "goal.sales" not in reloaded
    assert cclient.get("/api/export/codebook.pdf").status_code == 400


# ---- retrieve and search -----------------------------------------------------------------------

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


def test_escaping_in_the_new_pages(evil_project):
    with client_for(evil_project) as c:
        for url in ("/codes", "/retrieve", "/compare", "/crosscase"):
            html = c.get(url).text
            assert "<script>window.__pwned" not in html, url
            assert "{{ 7*7 }}" not in html or "49" not in html
        r = c.post("/api/codes", json={"name": EVIL, "parent": "roi"}).json()
        assert c.get(f"/api/codes/{r['created']}").json()["name"] == EVIL  # JSON, drawn as text
        assert "<script>window.__pwned" not in c.get("/codes").text


# ---- compare coders ----------------------------------------------------------------------------

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


# ---- cross-case --------------------------------------------------------------------------------

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


# ---- exports -----------------------------------------------------------------------------------

def test_report_needs_codings(client):
    r = client.get("/api/export/report.html")
    assert r.status_code == 400 and "no human codings" in r.json()["error"]
    assert client.get("/api/export/report.html?n_boot=x").status_code == 400


def test_exports_equal_the_cli(study, tmp_path):
    """One library function per format (qualcode.exports): the CLI's file and the workbench's
    download are the same bytes, human codings by default, the machine rows when asked."""
    machine = study.codings(include_machine=False).head(5).assign(coder="qualcode-keyword",
                                                                  method="keyword", score=0.5)
    study.add_codings(machine.drop(columns=["id", "version", "created_at", "updated_at",
                                            "suggestion_id", "status", "segment"]))
    with client_for(study, coder="C1") as c:
        csv = c.get("/api/export/codings.csv")
        qdpx = c.get("/api/export/project.qdpx")
        qdpx_all = c.get("/api/export/project.qdpx?include_suggestions=1")
        xlsx = c.get("/api/export/codings.xlsx")
        assert c.get("/api/export/nothing.txt").status_code == 400
    out = {}
    for name, extra in (("c.csv", []), ("p.qdpx", []), ("all.qdpx", ["--include-suggestions"])):
        invoke("export", "-p", study.root, "-o", tmp_path / name, *extra)
        out[name] = (tmp_path / name).read_bytes()
    assert csv.content == out["c.csv"]
    assert qdpx.content == out["p.qdpx"] and qdpx_all.content == out["all.qdpx"]
    human = qc.refi.read_qdpx(tmp_path / "p.qdpx").codings
    both = qc.refi.read_qdpx(tmp_path / "all.qdpx").codings
    n_human = len(study.codings(include_machine=False))
    assert len(human) == n_human and set(human["method"]) == {"human"}
    assert len(both) == n_human + 5 and (both["method"] == "keyword").sum() == 5
    # marked as machine rows for the other tool's user, and no memo of anyone's on read-back
    qde = zipfile.ZipFile(io.BytesIO(qdpx_all.content)).read("project.qde").decode("utf-8")
    assert qde.count("machine suggestion by qualcode-keyword (keyword, score 0.50, suggested)") == 5
    assert "machine suggestion" not in zipfile.ZipFile(io.BytesIO(qdpx.content)) \
        .read("project.qde").decode("utf-8")
    assert not both["memo"].fillna("").str.contains("machine suggestion").any()
    book = pd.read_excel(io.BytesIO(xlsx.content), dtype=str)
    assert len(book) == n_human and list(book.columns) == list(pd.read_csv(tmp_path / "c.csv").columns)


def test_report_export_equals_the_cli(study, tmp_path):
    out = tmp_path / "report.html"
    invoke("report", "-p", study.root, "--no-classifier", "--reference", "C1", "--n-boot", 50,
           "-o", out)
    with client_for(study, coder="C1") as c:
        page = c.get("/api/export/report.html?reference=C1&n_boot=50")
    assert page.status_code == 200, page.text[:300]
    assert page.content == out.read_bytes()


def _figures(html: str) -> dict:
    """The figures a student would report, read from a report's HTML."""
    import re

    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    return {"codable": re.search(r"(\d+) codable turn segments", text).group(1),
            "reference": re.search(r"Reference coder: (\S+) \((.*?)\)\. The matrices", text).groups(),
            "alpha": re.findall(r"\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]", text),
            "units": re.findall(r"<td>(\d+)</td>", html)[:40],
            "themes": 'id="themes"' in html}


def test_cli_report_and_workbench_report_show_the_same_figures(tmp_path):
    """A project whose interviewer is named in the settings (Dan asks the questions): the
    workbench's report counts the codable turns the project counts (Dan's turns are not), the
    agreement units of the project's corpus, names the reference coder and why, and has Themes;
    the CLI's report says the same."""
    folder = tmp_path / "t"
    folder.mkdir()
    for name in ("alpha", "beta"):
        text = (SAMPLE / f"{name}.txt").read_text(encoding="utf-8")
        text = text.replace("interviewer: Interviewer\n", "").replace("Interviewer:", "Dan Jackson:")
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    p = qc.Project.init(tmp_path / "p", transcripts=[str(folder)], interviewer=["Dan Jackson"],
                        codebook=str(SAMPLE.parent / "codebooks" / "b2b_influencer_marketing.yaml"))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["coder"].isin(["C1", "C2"]) & h["document"].isin(["alpha", "beta"])])
    codable = p.corpus.summary()["codable_segments"]
    assert codable < len(p.corpus.segments)  # Dan's questions are not codable
    out = tmp_path / "cli.html"
    invoke("report", "-p", p.root, "--no-classifier", "--n-boot", 50, "-o", out)
    with client_for(p, coder="C1") as c:
        page = c.get("/api/export/report.html?n_boot=50")
    assert page.status_code == 200, page.text[:300]
    cli, web = _figures(out.read_text(encoding="utf-8")), _figures(page.text)
    assert cli == web
    assert web["codable"] == str(codable)
    assert web["reference"][0] in ("C1", "C2") and "most codings" in web["reference"][1]
    assert web["alpha"] and web["themes"]
    p.close()


def test_cached_views_follow_every_write(cclient, coded):
    """The analysis views are cached per state of the store: a write by this server or by
    another process is seen by the next request, however quickly it comes."""
    def total():
        return cclient.get("/api/retrieve?code=goal.branding&limit=1").json()["total"]

    before = total()
    for k in range(5):  # writes through the API, each read back at once
        r = cclient.post("/api/codings", json={"document": "alpha", "start": ALPHA[0] + k,
                                               "end": ALPHA[0] + 30 + k, "code": "goal.branding"})
        assert r.status_code == 200
        assert total() == before + k + 1
    other = qc.Project.open(coded.root)  # another connection, as another process would write
    try:
        other.add_coding("beta", *_codable_span(other, "beta"), "goal.branding", coder="Zed")
    finally:
        other.close()
    assert total() == before + 6
    compare = cclient.get("/api/compare?coders=C1,Zed&n_boot=0")
    assert compare.status_code == 200 and "Zed" in compare.json()["coders"]


def _codable_span(project, doc):
    t = project.corpus.turns
    row = t[(t["document"] == doc) & ~t["is_interviewer"]].iloc[0]
    return int(row["start"]), int(row["start"]) + 25


def test_strategy_like_codes_are_found():
    from qualcode.web.analysis import strategy_root

    cb = qc.Codebook.from_dict({"codes": [
        {"id": "goals", "name": "Goals", "children": [{"id": "goals.a", "name": "A"}]},
        {"id": "approaches", "name": "Marketing strategies",
         "children": [{"id": "approaches.x", "name": "X"}, {"id": "approaches.y", "name": "Y"}]}]})
    assert strategy_root(cb) == "approaches"
    assert strategy_root(qc.Codebook.from_dict({"codes": [{"id": "goals", "name": "Goals"}]})) is None


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


def test_pages_carry_the_number_format_and_the_filters_use_it(cclient):
    import json
    import re

    from qualcode.formatting import DIGITS, MISSING
    from qualcode.web.app import _num, _pct

    html = cclient.get("/compare").text
    data = re.search(r'<script type="application/json" id="number-format">(.*?)</script>', html)
    assert json.loads(data.group(1)) == {"digits": DIGITS, "missing": MISSING}
    assert _num(0.90712) == "0.907" and _num(26040) == "26,040" and _num(None) == MISSING
    assert _pct(0.5) == "50%" and _pct(float("nan")) == MISSING


def test_the_cache_keys_on_the_store_version(coded, monkeypatch):
    """Project.data_version() is the cache key: a write anywhere recomputes, nothing else does."""
    from qualcode.web import analysis

    version = {"n": 7}
    monkeypatch.setattr(type(coded), "data_version", lambda self: version["n"])
    calls = []
    assert analysis.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 1
    assert analysis.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 1
    version["n"] += 1  # a write anywhere
    assert analysis.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 2
