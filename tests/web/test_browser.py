"""The workbench in real Chromium (Playwright, /usr/bin/chromium) against a real uvicorn server:
code a selection and see it after a reload, overlapping codings, keyboard review of
suggestions, undo, escaping, and two pages editing the same document."""
from __future__ import annotations

import pandas as pd
import pytest

from workbench import EVIL, TOKEN, suggest

from qualcode.web import create_app
from qualcode.web.auth import WebState
from qualcode.web.server import ServerThread

# Alpha's second turn: 394-839 "Sure. I sit in the marketing team, but my focus is ..."
SPAN_JS = """([a, b]) => {
  const point = (o) => {
    const p = [...document.querySelectorAll('#transcript .piece')].find(
      (el) => +el.dataset.a <= o && o < +el.dataset.b);
    const r = document.createRange();
    r.setStart(p.firstChild, o - p.dataset.a); r.setEnd(p.firstChild, o - p.dataset.a + 1);
    const box = r.getBoundingClientRect();
    return [box.left + 1, box.top + box.height / 2];
  };
  const first = point(a), last = point(b - 1);
  return [first[0], first[1], last[0] + 4, last[1]];
}"""


def open_document(page, url, doc="alpha"):
    page.goto(f"{url}/documents/{doc}")
    page.wait_for_selector("body[data-ready='1']")


def drag_select(page, start, end):
    """Select document offsets start..end with the mouse, as a person does."""
    page.evaluate("(o) => document.querySelector(`.piece[data-a]`) && window.scrollTo(0, 0)", 0)
    x0, y0, x1, y1 = page.evaluate(SPAN_JS, [start, end])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=3)
    page.mouse.move(x1, y1, steps=3)
    page.mouse.up()


def pick(page, query):
    page.wait_for_selector("#picker-panel:not([hidden])")
    page.fill("#picker-filter", query)
    page.keyboard.press("Enter")


def test_select_code_reload_persisted(page, served, project):
    open_document(page, served.url)
    drag_select(page, 394, 438)  # "Sure. I sit in the marketing team, but my"
    page.wait_for_selector("#picker-panel:not([hidden])")
    quote = page.text_content("#sel-quote")
    assert quote.startswith("Sure. I sit in the marketing team")
    page.fill("#picker-filter", "branding")
    assert "Branding" in page.text_content("#picker-detail")  # the definition beside the list
    page.keyboard.press("Enter")
    page.wait_for_selector(".piece.coded")
    rows = project.codings(coder="ME")
    assert len(rows) == 1 and rows.iloc[0]["code"] == "goal.branding"
    assert rows.iloc[0]["start"] == 394 and "marketing team" in \
        project.corpus.text("alpha")[rows.iloc[0]["start"]:rows.iloc[0]["end"]]
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    coded = page.locator(".piece.coded").first
    assert coded.text_content().startswith("Sure. I sit")
    assert page.locator(".stripe").count() == 1
    assert not page.errors


def test_interviewer_turns_are_dimmed_and_not_codable(page, served, project):
    open_document(page, served.url)
    turn = page.locator(".turn.interviewer").first
    assert float(turn.evaluate("(el) => getComputedStyle(el).opacity")) < 1
    assert turn.locator(".turn-text").evaluate("(el) => getComputedStyle(el).userSelect") == "none"


def test_overlapping_codings_and_keyboard_selection(page, served, project):
    open_document(page, served.url)
    drag_select(page, 394, 480)
    pick(page, "branding")
    page.wait_for_selector(".piece.coded")
    # keyboard: j to the first participant turn, Enter selects it and opens the picker, the end
    # two words earlier (Shift+Left in the picker), then the code's name
    page.click(".doc-head h1")
    page.keyboard.press("j")
    page.wait_for_selector(".turn.focus")
    page.keyboard.press("Enter")
    page.wait_for_selector("#picker-panel:not([hidden])")
    page.wait_for_function("document.querySelector('#sel-quote').textContent.endsWith('(laughs)')")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.wait_for_function("document.querySelector('#sel-quote').textContent.endsWith('leaf')")
    pick(page, "sales")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    rows = project.codings(coder="ME").sort_values("id")
    assert rows["code"].tolist() == ["goal.branding", "goal.sales"]
    first_turn = project.corpus.turns.query("document == 'alpha' and not is_interviewer").iloc[0]
    assert rows.iloc[1]["start"] == first_turn["start"] and rows.iloc[1]["end"] < first_turn["end"]
    assert page.locator(".piece.overlap").count() == 0  # different turns: no overlap yet
    drag_select(page, 420, 520)  # overlaps the branding coding
    pick(page, "integration")
    page.wait_for_selector(".piece.overlap")
    page.wait_for_function(
        "document.querySelectorAll('.turn:has(.piece.overlap) .stripe').length === 2")
    stripes = page.locator(".turn:has(.piece.overlap) .stripe")
    lefts = {s.evaluate("(el) => el.style.left") for s in stripes.all()}
    assert len(lefts) == 2  # side by side in the margin


def test_click_a_coding_memo_recode_delete_and_undo(page, served, project):
    open_document(page, served.url)
    drag_select(page, 394, 480)
    pick(page, "branding")
    page.click(".piece.coded")
    page.wait_for_selector("#coding-panel .coding-card")
    page.fill("#coding-panel textarea", "first impression")
    page.click("text=Save memo")
    page.wait_for_function("document.querySelector('#coding-panel .muted').textContent.includes('version 2')")
    assert project.codings().iloc[0]["memo"] == "first impression"
    page.click("#coding-panel summary")
    page.wait_for_selector("#coding-panel .history li >> nth=1")
    page.click("text=Change code")
    pick(page, "sales")
    page.wait_for_function("document.querySelector('#coding-panel .code-id').textContent === 'goal.sales'")
    assert project.codings().iloc[0]["code"] == "goal.sales"
    # edit the span with the keyboard: its end two words earlier, its start one word later
    page.click("text=Edit span")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Alt+Shift+ArrowRight")
    page.click("text=Save span")
    page.wait_for_function("document.querySelector('#coding-panel .muted').textContent.includes('version 4')")
    row = project.codings().iloc[0]
    assert row["start"] > 394 and row["end"] < 480
    passage = project.corpus.text("alpha")[row["start"]:row["end"]]
    assert passage.startswith("I sit") and passage == passage.strip()
    page.click("text=Delete")
    page.wait_for_function("document.querySelectorAll('.piece.coded').length === 0")
    assert len(project.codings()) == 0
    page.keyboard.press("u")  # undo the delete
    page.wait_for_selector(".piece.coded")
    assert project.codings().iloc[0]["code"] == "goal.sales"


def test_review_suggestions_with_the_keyboard(page, served, project):
    a, b, c = suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, "keyword “brand”"),
                                ("alpha", 977, 1574, "goal.sales", 0.8, ""),
                                ("beta", 164, 271, "goal.relationship_building", 0.7, "")])
    page.goto(served.url + "/review")
    page.wait_for_selector(".card .accept-btn")
    assert "keyword “brand”" in page.text_content(".card-why")
    assert page.text_content(".card .hl").startswith("Sure.")
    page.keyboard.press("a")
    page.wait_for_function("document.querySelectorAll('#done-list li').length === 1")
    page.keyboard.press("r")
    page.wait_for_function("document.querySelectorAll('#done-list li').length === 2")
    # adjust the third one: end two words earlier, then accept
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    assert page.locator(".hl.adjusted").count() == 1
    page.keyboard.press("a")
    page.wait_for_function("document.querySelectorAll('#done-list li').length === 3")
    status = dict(zip(project.suggestions(status=None)["id"], project.suggestions(status=None)["status"]))
    assert status == {a: "accepted", b: "rejected", c: "accepted"}
    human = project.codings(include_machine=False).sort_values("id")
    assert human["suggestion_id"].tolist() == [a, c]
    assert human.iloc[1]["start"] == 164 and human.iloc[1]["end"] < 271
    page.wait_for_selector(".card .empty")  # the queue is done
    page.keyboard.press("u")  # undo the last acceptance: it is back in the queue
    page.wait_for_selector(".card .accept-btn")
    assert len(project.codings(include_machine=False)) == 1
    assert not page.errors


def _chat_suggestions(project, rows, *, model="gemma3-270m"):
    """Store ``(document, start, end, code, memo)`` as the chat model's suggestions (its run
    names the model); their ids."""
    df = pd.DataFrame(rows, columns=["document", "start", "end", "code", "memo"])
    df = df.assign(score=1.0, method="llm")
    project.replace_suggestions(df, coder="qualcode-llm",
                                run={"method": "llm", "model": model, "parameters": {}})
    return project.suggestions()["id"].tolist()


def test_review_marks_the_chat_models_evidence(page, served, project):
    text = project.corpus.text("alpha")
    turn = text[977:1574]
    words = turn.split()[3:9]  # six words of the passage, shouted and spread over lines
    evidence = "  " + " \n ".join(words).upper() + ". "
    _chat_suggestions(project, [
        ("alpha", 977, 1574, "goal.branding", f"gemma3-270m: “evidence: {evidence}”"),
        ("alpha", 394, 839, "goal.sales", "evidence: <img src=x onerror=alert(1)> not here")])
    page.goto(served.url + "/review")
    page.wait_for_selector(".card .accept-btn")
    assert page.locator(".card .code-id").text_content() == "goal.branding"
    assert page.text_content(".card .model-name") == "model gemma3-270m"
    marks = page.locator("#passage mark.evidence")
    assert marks.count() == 1
    # the stops around the evidence are left out, as qualcode.coders.llm checks it
    assert " ".join(marks.text_content().split()) == " ".join(words).strip(" .,;:")
    assert page.locator("#passage .hl mark.evidence").count() == 1  # inside the suggested span
    assert page.text_content(".card-why").startswith("Evidence: “")
    page.keyboard.press(" ")  # the next: its evidence is not in the passage
    page.wait_for_selector(".card .code-id >> text=goal.sales")
    assert page.locator("#passage mark").count() == 0
    why = page.text_content(".card-why")
    assert "<img src=x onerror=alert(1)> not here" in why and "not found in this passage" in why
    assert page.locator(".card img").count() == 0  # the memo is text, never markup
    assert page.text_content(".card .model-name") == "model gemma3-270m"  # from the run
    assert not page.errors


def test_suggestions_in_the_document_view(page, served, project):
    [a, b] = suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, "keyword “brand”"),
                               ("alpha", 977, 1574, "goal.sales", 0.6, "")])
    open_document(page, served.url)
    sugg = page.locator(".piece.sugg").first
    assert "dashed" in sugg.evaluate("(el) => getComputedStyle(el).textDecorationStyle")
    assert page.locator(".stripe.sugg").count() == 2
    # by keyboard: j to the third participant turn (977-1574), o opens its suggestion, r rejects it
    page.click(".doc-head h1")
    for _ in range(3):
        page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_selector("#coding-panel .coding-card.sugg")
    page.keyboard.press("r")
    page.wait_for_function("document.querySelectorAll('.stripe.sugg').length === 1")
    assert project.suggestions(status="rejected")["id"].tolist() == [b]
    sugg.click()
    page.wait_for_selector("#coding-panel .coding-card.sugg")
    assert "0.900" in page.text_content("#coding-panel")  # formatting.DIGITS
    page.keyboard.press("a")
    page.wait_for_selector(".piece.coded")
    assert project.codings(include_machine=False).iloc[0]["suggestion_id"] == a


def test_accept_all_asks_with_the_count(page, served, project):
    suggest(project, [("alpha", 394, 839, "goal.branding", 0.9, ""),
                      ("beta", 164, 271, "goal.branding", 0.85, ""),
                      ("gamma", 164, 271, "goal.branding", 0.3, "")])
    page.goto(served.url + "/review")
    page.wait_for_selector(".card .accept-btn")
    page.select_option("#bulk-code", "goal.branding")
    page.fill("#bulk-score", "0.8")
    page.click("#bulk-form button")
    page.wait_for_selector("#bulk-yes")
    assert "Accept 2 suggestions" in page.text_content("#bulk-confirm")
    assert len(project.codings(include_machine=False)) == 0
    page.click("#bulk-yes")
    page.wait_for_function("document.querySelector('#bulk-confirm').textContent.includes('Accepted 2')")
    assert len(project.codings(include_machine=False)) == 2


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_two_pages_on_one_document_nothing_lost(browser, served, project):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=True)
    first, second = context.new_page(), context.new_page()
    first.goto(served.url + f"/?token={TOKEN}")
    row = project.add_coding("alpha", 394, 480, "goal.branding", coder="ME")
    for p in (first, second):
        open_document(p, served.url)
        p.click(".piece.coded")
        p.wait_for_selector("#coding-panel textarea")
    first.fill("#coding-panel textarea", "memo from the first tab")
    first.click("text=Save memo")
    first.wait_for_function("document.querySelector('#coding-panel .muted').textContent.includes('version 2')")
    second.fill("#coding-panel textarea", "memo from the second tab")
    second.click("text=Save memo")
    second.wait_for_selector("#flash.error")
    assert "changed by someone else" in second.text_content("#flash")
    # the first tab's memo is stored; the second tab still shows its own text to save again
    assert project.codings().iloc[0]["memo"] == "memo from the first tab"
    # the panel is drawn again from the reloaded document (version 2), keeping the unsaved text
    second.wait_for_selector("#coding-panel .note")
    assert second.input_value("#coding-panel textarea") == "memo from the second tab"
    assert "not saved" in second.text_content("#coding-panel")
    second.click("text=Save memo")
    second.wait_for_function("document.querySelector('#coding-panel .muted').textContent.includes('version 3')")
    assert project.codings().iloc[0]["memo"] == "memo from the second tab"
    hist = project.history(coding=row["id"])
    assert "memo from the first tab" in " ".join(hist["after"].dropna())  # in the history too
    context.close()


def test_two_workbenches_at_once_keep_their_own_tokens(browser, served, evil_project):
    """Cookies are shared by all ports of 127.0.0.1: each server's token cookie is its own."""
    WebState(evil_project.root).update(local_coder="ME")
    with ServerThread(create_app(evil_project, token="other-token")) as other:
        context = browser.new_context()
        page = context.new_page()
        page.goto(served.url + f"/?token={TOKEN}")
        page.goto(other.url + "/?token=other-token")
        for url in (served.url, other.url):
            assert page.goto(url + "/api/me").status == 200, url
        context.close()


def test_escaping_in_the_browser(browser, evil_project):
    WebState(evil_project.root).update(local_coder="ME")
    turn = evil_project.corpus.turns.iloc[1]
    evil_project.add_coding("evil", int(turn["start"]), int(turn["end"]), "roi", coder="ME", memo=EVIL)
    evil_project.set_memo("document", "evil", EVIL, coder="ME")
    with ServerThread(create_app(evil_project, token=TOKEN)) as server:
        context = browser.new_context()
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(server.url + f"/?token={TOKEN}")
        assert page.title() == f"Project {EVIL} · qualcode"  # shown as text, not run
        assert "ROI " + EVIL in page.text_content(".code-tree")
        open_document(page, server.url, "evil")
        assert EVIL in page.text_content("#transcript")
        assert page.input_value("#doc-memo") == EVIL
        page.click(".piece.coded")
        page.wait_for_selector("#coding-panel textarea")
        assert page.input_value("#coding-panel textarea") == EVIL
        page.goto(server.url + "/review")
        page.wait_for_selector(".card")
        assert page.evaluate("window.__pwned") is None and not dialogs
        assert page.locator("script:not([src]):not([type])").count() == 0
        context.close()
