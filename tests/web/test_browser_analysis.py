"""The workbench's codebook and analysis pages in real Chromium (Playwright,
/usr/bin/chromium) against a real uvicorn server: create, rename, move and merge codes and see the
codings follow; a new code from the document's code picker; retrieve a code's passages and open
one in place; blind mode; a disagreement opening both coders' codings; charts with the right number
of bars and cells."""
from __future__ import annotations

import json

import pandas as pd

from workbench import SAMPLE

from test_browser import drag_select, open_document  # noqa: E402 - the document page's helpers


def sample_codings(project, coders=("C1", "C2"), as_me: str | None = None) -> pd.DataFrame:
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    h = h[h["document"].isin(project.corpus.document_ids) & h["coder"].isin(coders)]
    if as_me:  # the local coder ("ME") coded like this sample coder
        mine = h[h["coder"] == as_me].assign(coder="ME")
        h = pd.concat([h, mine], ignore_index=True)
    project.add_codings(h)
    return h


def api(page, path):
    return page.evaluate("(p) => fetch(p).then((r) => r.json())", path)


def test_create_rename_move_merge_codes_and_codings_follow(page, served, project):
    project.add_coding("alpha", 394, 460, "goal.sales", coder="ME")
    project.add_coding("beta", *_codable(project, "beta"), "goal.sales", coder="ME")
    n_brand = len(project.codings(code="goal.branding"))
    page.on("dialog", lambda d: d.accept())
    page.goto(served.url + "/codes")
    page.wait_for_selector("body[data-ready='1']")
    # create
    page.click("#new-code-btn")
    page.fill("#new-code-form input[name=name]", "Open idea")
    page.select_option("#new-code-form select[name=parent]", "goal")
    page.click("#new-code-form button[value=ok]")
    page.wait_for_function("document.querySelector('#e-name') && document.querySelector('#e-name').value === 'Open idea'")
    assert project.codebook.parent("goal.open_idea") == "goal"
    assert page.locator("#code-tree li[data-id='goal.open_idea']").count() == 1
    # rename and define
    page.fill("#e-name", "Renamed idea")
    page.fill("#e-description", "What the participant hopes for.")
    page.click("#save-code")
    page.wait_for_selector("#code-tree li[data-id='goal.open_idea'] >> text=Renamed idea")
    assert project.codebook["goal.open_idea"].name == "Renamed idea"
    assert project.codebook["goal.open_idea"].description == "What the participant hopes for."
    # move goal.sales under challenge: its codings follow to the new id
    page.click("#code-tree li[data-id='goal.sales']")
    page.wait_for_selector("#code-tree li[data-id='goal.sales'].selected")  # not the last editor's
    page.wait_for_selector("#move-parent")
    page.select_option("#move-parent", "challenge")
    page.click("#move-btn")
    page.wait_for_selector("#code-tree li[data-id='challenge.sales'].selected")
    assert len(project.codings(code="challenge.sales")) == 2 and not len(project.codings(code="goal.sales"))
    # ME had coded alpha's passage with goal.branding too: after the merge, one coding, not two
    project.add_coding("alpha", 394, 460, "goal.branding", coder="ME")
    n_brand += 1
    # merge it into goal.branding: the codings follow again, the tree's count says so
    page.select_option("#merge-into", "goal.branding")
    page.click("#merge-btn")
    page.wait_for_selector("#code-tree li[data-id='goal.branding'].selected")
    assert page.locator("#code-tree li[data-id='challenge.sales']").count() == 0
    assert len(project.codings(code="goal.branding")) == n_brand + 1
    count = page.text_content("#code-tree li[data-id='goal.branding'] .code-count")
    assert int(count) == n_brand + 1
    # and the document shows the moved coding under its new code
    doc = api(page, "/api/documents/alpha")
    assert [c["code"] for c in doc["codings"] if c["start"] == 394] == ["goal.branding"]
    # undo on the document page says why it does not take the merge back, and changes nothing
    open_document(page, served.url)
    page.keyboard.press("u")
    page.wait_for_selector("#flash.error:not([hidden])")
    assert "codebook change (merge of challenge.sales)" in page.text_content("#flash")
    assert len(project.codings(code="goal.branding")) == n_brand + 1
    assert not page.errors


def _codable(project, doc):
    t = project.corpus.turns
    row = t[(t["document"] == doc) & ~t["is_interviewer"]].iloc[0]
    return int(row["start"]), int(row["start"]) + 30


def test_new_code_from_the_document_picker(page, served, project):
    open_document(page, served.url)
    drag_select(page, 394, 438)
    page.wait_for_selector("#picker-panel:not([hidden])")
    page.fill("#picker-filter", "Hiring talent")  # no code matches: Enter makes a new one
    page.wait_for_selector("#picker-new-code")
    page.keyboard.press("Enter")
    page.wait_for_selector("#new-code-dialog[open]")
    assert page.input_value("#new-code-form input[name=name]") == "Hiring talent"
    page.select_option("#new-code-form select[name=parent]", "goal")
    page.click("#new-code-create")
    page.wait_for_selector(".piece.coded")
    rows = project.codings(coder="ME")
    assert rows["code"].tolist() == ["goal.hiring_talent"] and rows["start"].tolist() == [394]
    assert project.codebook["goal.hiring_talent"].name == "Hiring talent"
    assert not page.errors


def test_retrieve_a_codes_passages_and_open_one_in_place(page, served, project):
    sample_codings(project)
    page.goto(served.url + "/retrieve?code=goal")
    page.wait_for_selector(".passage")
    expected = api(page, "/api/retrieve?code=goal")
    assert page.locator(".passage").count() == len(expected["items"]) > 0
    assert f"{expected['total']} passages" == page.text_content("#result-count")
    third = expected["items"][2]
    link = page.locator(".passage .open-link").nth(2)
    assert link.get_attribute("href") == f"/documents/{third['document']}#at={third['start']}-{third['end']}"
    link.click()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector(".turn.focus")
    focused = page.text_content(".turn.focus")
    assert third["text"].strip()[:60] in " ".join(focused.split()) or \
        " ".join(third["text"].split())[:60] in " ".join(focused.split())
    # the passage is selected: c codes it
    sel = page.evaluate("() => window.getSelection().toString()")
    assert " ".join(sel.split())[:40] == " ".join(third["text"].split())[:40]
    # search: a hit, and "code this hit"
    page.goto(served.url + '/retrieve?q="marketing team"')
    page.wait_for_selector(".passage.hit")
    page.select_option(".passage.hit >> nth=0 >> select.code-this-select", "goal.branding")
    page.click(".passage.hit >> nth=0 >> button.code-this")
    page.wait_for_selector(".passage.hit >> nth=0 >> .code-chip")
    mine = project.codings(coder="ME")
    assert mine["code"].tolist() == ["goal.branding"]
    text = project.corpus.text(mine["document"].iloc[0])
    assert text[mine["start"].iloc[0]:mine["end"].iloc[0]].lower() == "marketing team"
    assert not page.errors


def test_search_by_meaning_ranks_passages_and_codes_one(page, served, project):
    from pagecheck import CHECK_JS

    sample_codings(project)
    page.goto(served.url + "/retrieve")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#tab-search")
    page.fill("#f-q", "how we measure the results")
    page.check("#f-meaning")  # with a query typed, ticking the box searches
    page.wait_for_selector(".passage.by-meaning")
    assert "by=meaning" in page.url
    expected = api(page, "/api/search?q=how%20we%20measure%20the%20results&by=meaning")
    items = page.locator(".passage.by-meaning")
    assert items.count() == len(expected["items"]) > 0
    first = expected["items"][0]
    assert " ".join(items.nth(0).locator(".quote").text_content().split()) == \
        " ".join(first["text"].split())
    assert items.nth(0).locator(".similarity").text_content().startswith("similarity 0.")
    assert page.text_content("#result-note") == f"Ranked {expected['note']}."
    assert page.text_content("#result-title").endswith("by meaning")
    assert not page.evaluate(CHECK_JS)["words"]
    # "Code this": the whole passage, as on the Find similar page
    items.nth(0).locator("select.code-this-select").select_option("process.evaluation.metrics")
    # the passage may carry the code's chip already (another coder's): wait for the write itself
    with page.expect_response(lambda r: r.url.endswith("/api/codings")
                              and r.request.method == "POST") as answer:
        items.nth(0).locator("button.code-this").click()
    assert answer.value.ok
    mine = project.codings(coder="ME")
    assert mine[["document", "start", "end", "code"]].values.tolist() == [
        [first["document"], first["start"], first["end"], "process.evaluation.metrics"]]
    # words again: the same box, hits of every word
    page.uncheck("#f-meaning")
    page.wait_for_selector(".passage.hit:not(.by-meaning), #results li.muted")
    assert page.locator("#result-note").is_hidden()
    assert not page.errors


def test_blind_mode(page, served, project):
    sample_codings(project, as_me="C2")
    page.goto(served.url + "/compare")
    page.wait_for_selector("body[data-ready='1']")
    page.check("#blind-toggle")
    page.wait_for_selector("#blind-panel:not([hidden])")
    assert page.is_disabled("#compare-form button[type=submit]")
    open_document(page, served.url)
    data = json.loads(page.text_content("#page-data"))
    assert {c["coder"] for c in data["document"]["codings"]} == {"ME"}
    assert page.locator(".blind-note").count() == 1
    page.goto(served.url + "/retrieve?code=goal")
    page.wait_for_selector(".passage")
    assert set(page.locator(".passage .meta .muted").all_text_contents()) == {"coded by ME"}
    # choosing to compare ends blind mode and shows agreement
    page.goto(served.url + "/compare")
    page.wait_for_selector("#blind-panel:not([hidden])")
    page.click("#reveal")
    page.wait_for_selector("body[data-compared='1']")
    assert page.locator("#agree-table tbody tr").count() > 1
    open_document(page, served.url)
    data = json.loads(page.text_content("#page-data"))
    assert {c["coder"] for c in data["document"]["codings"]} >= {"ME", "C1"}
    assert not page.errors


def test_a_disagreement_opens_both_coders_codings(page, served, project):
    sample_codings(project)
    page.goto(served.url + "/compare?coders=C1,C2")
    page.wait_for_selector("body[data-compared='1']")
    first = api(page, "/api/disagreements?coders=C1,C2&unit=segment")["items"][0]
    assert page.locator("#dis-list .dis").count() == min(first and 100, api(
        page, "/api/disagreements?coders=C1,C2")["total"])
    page.click("#dis-list .dis >> nth=0")
    page.wait_for_selector(".sbs-col")
    cols = page.locator(".sbs-col")
    assert cols.count() == 2
    assert [cols.nth(i).get_attribute("data-coder") for i in range(2)] == ["C1", "C2"]
    side = api(page, f"/api/passage?document={first['document']}&start={first['start']}"
                     f"&end={first['end']}&coders=C1,C2")
    for i, coder in enumerate(("C1", "C2")):
        names = {c["name"] for c in side["coders"][coder]}
        chips = set(cols.nth(i).locator(".chips .code-chip").all_text_contents())
        assert chips == names
        assert cols.nth(i).locator(".coded-piece").count() >= (1 if names else 0)
    disputed = first["codes"][0]
    c1_has = disputed["name"] in set(cols.nth(0).locator(".code-chip").all_text_contents())
    c2_has = disputed["name"] in set(cols.nth(1).locator(".code-chip").all_text_contents())
    assert c1_has != c2_has  # one coder used the code here, the other did not
    assert not page.errors


def test_charts_have_the_right_number_of_bars_and_cells(page, served, project):
    sample_codings(project)
    page.goto(served.url + "/crosscase")
    page.wait_for_selector("body[data-drawn='1']")
    cc = api(page, "/api/crosscase?depth=1")
    cells = page.locator("#heatmap rect.cell")
    assert cells.count() == len(cc["cases"]) * len(cc["codes"]) > 0
    for k in (0, 5):
        el = cells.nth(k)
        i, j = int(el.get_attribute("data-row")), int(el.get_attribute("data-col"))
        assert int(el.get_attribute("data-value")) == cc["case_by_code"][i][j]
    n = len(cc["cooccurrence"]["codes"])
    assert page.locator("#cooc rect.cell").count() == n * n
    assert page.locator("#strategy-table tbody tr").count() == len(cc["strategy"]["cases"])
    # a cell opens the passages behind it
    nonzero = page.locator("#heatmap g.clickable").first
    nonzero.click()
    page.wait_for_url("**/retrieve?**")
    page.wait_for_selector(".passage")
    assert page.locator(".passage").count() > 0
    page.goto(served.url + "/compare?coders=C1,C2")
    page.wait_for_selector("body[data-compared='1']")
    rows = api(page, "/api/compare?coders=C1,C2&n_boot=0")["rows"]
    defined = [r for r in rows if r["alpha"] is not None]
    assert page.locator("#agree-chart rect.bar").count() == len(defined)
    assert page.locator("#agree-chart rect.bar.pooled").count() == 1
    assert not page.errors


def test_numbers_are_written_with_the_librarys_digits(page, served):
    """One formatter: the page receives qualcode.formatting's digits and missing mark, and the
    JavaScript writes a kappa as the report and the command line do (0.907, not 0.91)."""
    from qualcode.formatting import interval, number

    page.goto(served.url + "/compare")
    got = page.evaluate("[QC.fmt(0.90712), QC.fmt(null), QC.fmt(12.5, 1)]")
    assert got == [number(0.90712), number(None), "12.5"]
    assert got[0] == "0.907" and interval(0.907, 0.8821, 0.928) == "0.907 [0.882, 0.928]"


def test_the_qdpx_export_holds_suggestions_only_when_ticked(page, served, project, tmp_path):
    import qualcode as qc

    sample_codings(project, coders=("C1",))
    project.add_codings(pd.DataFrame({"document": ["alpha"], "start": [394], "end": [460],
                                      "code": ["goal.sales"], "coder": ["qualcode-keyword"],
                                      "method": ["keyword"], "score": [0.8]}))
    page.goto(served.url + "/crosscase")
    page.wait_for_selector("body[data-ready='1']")
    found = {}
    for ticked in (False, True):
        page.set_checked("input[name=include_suggestions]", ticked)
        with page.expect_download() as dl:
            page.click("button[form=export-qdpx]")
        path = tmp_path / f"x{int(ticked)}.qdpx"
        dl.value.save_as(path)
        found[ticked] = qc.read_qdpx(path).codings
    assert set(found[False]["method"]) == {"human"}
    assert found[True]["method"].tolist().count("keyword") == 1
    assert len(found[True]) == len(found[False]) + 1
