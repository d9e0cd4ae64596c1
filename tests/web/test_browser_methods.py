"""The Methods page and the Compare page's reporting paragraph in real Chromium (Playwright,
/usr/bin/chromium) against a real uvicorn server: the page shows the numbers of its JSON twin."""
from __future__ import annotations

import pandas as pd
from workbench import SAMPLE

DOCS = ("alpha", "beta", "gamma")


def api(page, path):
    return page.evaluate("(p) => fetch(p).then((r) => r.json())", path)


def _codings(project):
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    project.add_codings(h[h["document"].isin(DOCS) & h["coder"].isin(["C1", "C2"])])


def test_the_methods_page_shows_the_record(page, served, project):
    _codings(project)
    project.create_code("goal.new_idea", "New idea", coder="ME")
    page.goto(served.url + "/methods?base=1&run=1")
    page.wait_for_selector("body[data-loaded='1']")
    r = api(page, "/api/methods?base=1&run=1")
    shown = {el.get_attribute("data-key"): el.text_content()
             for el in page.locator("dd[data-key]").all()}
    assert shown["corpus.interviews"] == str(r["corpus"]["interviews"]) == "3"
    assert shown["codings.human"] == f"{r['codings']['human']:,}"
    assert shown["corpus.codable_turns"] == str(r["corpus"]["codable_turns"])
    assert shown["suggestions.pending"] == "0"
    sat = r["saturation"]
    assert page.text_content("#sat-sentence") == sat["sentence"]
    assert page.locator("#sat-chart rect.new-bar").count() == len(sat["curve"]) == 3
    assert [int(x) for x in page.locator("#sat-chart circle.dot").evaluate_all(
        "els => els.map((e) => e.getAttribute('data-cumulative'))")] == \
        [p["cumulative"] for p in sat["curve"]]
    assert page.locator("#sat-runs tbody tr").count() == len(sat["runs"])
    # the codebook: one change, the size chart's last point is the codebook now
    assert page.text_content("#cb-summary") == "87 codes at the start, 88 now; 1 change"
    assert page.locator("#cb-chart circle.dot").last.get_attribute("data-size") == "88"
    assert page.locator("#cb-table tbody tr").count() == 1
    assert page.text_content("#machine-statement") == r["machine"]["statement"]
    assert page.input_value("#agreement-paragraph") == r["agreement"]["paragraph"]
    assert "between C1 and C2" in r["agreement"]["paragraph"]
    # another order and level redraws from the JSON twin
    page.select_option("#f-level", "category")
    page.click("#sat-form button[type=submit]")
    page.wait_for_function("location.search.includes('level=category')")
    r2 = api(page, "/api/methods?base=1&run=1&level=category")
    page.wait_for_function("(s) => document.querySelector('#sat-sentence').textContent === s",
                           arg=r2["saturation"]["sentence"])
    assert page.locator("nav a.active").text_content() == "Methods"
    assert not page.errors


def test_the_compare_page_offers_the_reporting_paragraph(page, served, project):
    _codings(project)
    page.goto(served.url + "/compare?coders=C1,C2")
    page.wait_for_selector("body[data-paragraph='1']")
    expected = api(page, "/api/methods/agreement?coders=C1,C2&unit=segment&n_boot=1000")
    assert page.input_value("#report-paragraph") == expected["paragraph"]
    assert "Krippendorff's alpha" in expected["paragraph"]
    assert page.is_visible("#copy-report")
    assert not page.errors
