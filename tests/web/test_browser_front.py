"""The document page and every other page as a student meets them, in real Chromium: the README's
keyboard path key by key (and nothing stored that the person did not decide), keys typed while a
mouse selection is being made, new codes' colours, coding stripes with names, hard-wrapped
transcripts (display only: offsets unchanged), the document memo's confirmation, "Add interviews",
and every page at 1280x800 and 1920x1080 without null/undefined/NaN or clipped headers."""
from __future__ import annotations

import pytest
from pagecheck import CHECK_JS
from test_browser import drag_select, open_document, pick
from test_browser_analysis import sample_codings
from workbench import TOKEN, suggest

import qualcode as qc
from qualcode.palette import PALETTE
from qualcode.web import create_app
from qualcode.web.auth import WebState
from qualcode.web.server import ServerThread


def _participant_turns(project, doc="alpha"):
    return project.corpus.turns.query("document == @doc and not is_interviewer")


def _events(project):
    return project.history()["action"].tolist()


def test_readme_keyboard_path_key_by_key(page, served, project):
    """README: j/k to a turn, Enter, type part of a code's name, Enter. Open suggestions and an
    earlier coding are in the way of every stray key (r rejects, a accepts, u undoes)."""
    turns = _participant_turns(project)
    sugg = suggest(project, [("alpha", int(turns.iloc[0]["start"]), int(turns.iloc[0]["end"]),
                              "goal.sales", 0.9, "keyword")])
    events_before = _events(project)
    open_document(page, served.url)
    page.click(".doc-head h1")
    for key in ["j", "Enter"]:
        page.keyboard.press(key)
    page.wait_for_selector("#picker-panel:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "picker-filter"
    page.keyboard.type("brand")
    assert page.text_content("#picker-list .pick.active .code-name") == "Branding"
    page.keyboard.press("Enter")
    page.wait_for_selector(".piece.coded")
    # the next turn the same way, with k back and j twice: the third participant turn
    for key in ["j", "j", "k", "j", "Enter"]:
        page.keyboard.press(key)
    page.wait_for_selector("#picker-panel:not([hidden])")
    page.keyboard.type("relationship b")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe:not(.sugg)').length === 2")
    rows = project.codings(coder="ME", include_machine=False).sort_values("id")
    text = project.corpus.text("alpha")
    expect = []
    for i, code in [(0, "goal.branding"), (2, "goal.relationship_building")]:
        t = turns.iloc[i]
        span = text[t["start"]:t["end"]]
        start = t["start"] + len(span) - len(span.lstrip())
        expect.append((code, start, start + len(span.strip())))
    assert list(zip(rows["code"], rows["start"], rows["end"])) == expect
    # nothing else was decided: the suggestion is still open, nothing undone or rejected
    assert project.suggestions()["id"].tolist() == sugg
    assert _events(project)[len(events_before):] == ["create", "create"]
    assert not page.errors


def test_keys_while_selecting_never_reach_the_shortcuts(page, served, project):
    """u (undo), r (reject), a (accept) typed while the mouse is down or between mouse-up and the
    picker's focus: nothing is undone, rejected or accepted; the letters land in the filter."""
    turns = _participant_turns(project)
    t3 = turns.iloc[2]
    [sid] = suggest(project, [("alpha", int(t3["start"]), int(t3["end"]), "goal.sales", 0.9, "")])
    first = project.add_coding("alpha", 394, 420, "goal.branding", coder="ME")
    open_document(page, served.url)
    page.click(".piece.sugg")  # an open suggestion: "r" would reject it, "a" accept it
    page.wait_for_selector("#coding-panel .coding-card.sugg")
    # 1. keys while the mouse button is down
    x0, y0, x1, y1 = page.evaluate("""([a, b]) => {
      const p = [...document.querySelectorAll('#transcript .piece')].find((el) => +el.dataset.a <= a && a < +el.dataset.b);
      const q = [...document.querySelectorAll('#transcript .piece')].find((el) => +el.dataset.a <= b && b < +el.dataset.b);
      const r = document.createRange(); r.setStart(p.firstChild, a - p.dataset.a); r.setEnd(p.firstChild, a - p.dataset.a + 1);
      const s = document.createRange(); s.setStart(q.firstChild, b - q.dataset.a); s.setEnd(q.firstChild, b - q.dataset.a + 1);
      const A = r.getBoundingClientRect(), B = s.getBoundingClientRect();
      return [A.left + 1, A.top + A.height / 2, B.right, B.top + B.height / 2];
    }""", [440, 470])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=4)
    for key in "ura":
        page.keyboard.press(key)
    page.mouse.up()
    page.wait_for_selector("#picker-panel:not([hidden])")
    assert page.input_value("#picker-filter") == "ura"
    page.keyboard.press("Escape")
    # 2. keys between mouse-up and the picker's focus (the 16-65 ms a person can type in)
    page.evaluate("""() => {
      const p = [...document.querySelectorAll('#transcript .piece')].find((el) => +el.dataset.a <= 600 && 600 < +el.dataset.b);
      const r = document.createRange(); r.setStart(p.firstChild, 600 - p.dataset.a); r.setEnd(p.firstChild, 630 - p.dataset.a);
      getSelection().removeAllRanges(); getSelection().addRange(r);
      p.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
      for (const key of ['u', 'r', 'a', 'n']) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    }""")
    page.wait_for_selector("#picker-panel:not([hidden])")
    assert page.input_value("#picker-filter") == "uran"
    page.wait_for_timeout(300)  # an undo or a reject would have answered by now
    assert project.codings(coder="ME", include_machine=False)["id"].tolist() == [first["id"]]
    assert project.suggestions()["id"].tolist() == [sid]
    assert "undo" not in _events(project) and "reject" not in _events(project)
    assert not page.errors


def test_new_codes_take_unused_palette_colours_and_stripes_name_them(page, served, project):
    open_document(page, served.url)
    used = {c["color"] for c in page.evaluate("JSON.parse(document.getElementById('page-data').textContent).document.codebook")}
    made = []
    for i, (a, b) in enumerate([(394, 420), (440, 470), (600, 630)]):
        drag_select(page, a, b)
        page.wait_for_selector("#picker-panel:not([hidden])")
        page.fill("#picker-filter", f"Open idea {i}")
        page.wait_for_selector("#picker-new-code")
        page.keyboard.press("Enter")
        page.wait_for_selector("#new-code-dialog[open]")
        shown = page.input_value("#new-code-form input[name=color]")
        page.click("#new-code-create")
        page.wait_for_function(f"document.querySelectorAll('.stripe').length === {i + 1}")
        code = f"open_idea_{i}"
        made.append(project.codebook[code].color)
        assert made[-1] == shown  # the dialog showed the colour the code got
    assert len(set(made)) == 3 and not set(made) & used and "#4e79a7" not in made
    assert all(c in PALETTE for c in made)
    # stripes: the name on hover, all names with the toggle, the open coding's stripe emphasised
    stripe = page.locator(".stripe").first
    name = page.locator(".stripe .stripe-name").first
    assert not name.is_visible()
    stripe.hover()
    assert name.is_visible() and name.text_content().startswith("Open idea")
    page.check("#show-names")
    page.mouse.move(5, 5)
    page.wait_for_function("[...document.querySelectorAll('.stripe-name')].every((n) => n.getClientRects().length)")
    assert page.locator(".stripe-name").count() == 3
    page.click(".piece.coded >> nth=0")
    page.wait_for_selector(".stripe.selected")
    assert page.locator(".stripe.selected").count() == 1
    assert not page.errors


WRAPPED = """---
case: Wrap
---
Interviewer: How did it start?
Pallis: We started with the brand team and
then the
sales people joined. [Pallis 00:00:52] It was slow going at first.
Short one.
Then the long part of the answer goes on for a while and keeps
going to the end.
Interviewer: Thanks.
"""


@pytest.fixture
def wrapped(browser, tmp_path):
    folder = tmp_path / "wrap"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "wrap.txt").write_text(WRAPPED, encoding="utf-8")
    project = qc.Project.init(folder, name="Wrapped", transcripts=["transcripts/"],
                              codebook=str(__import__("workbench").CODEBOOK))
    WebState(folder).update(local_coder="ME")
    with ServerThread(create_app(project, token=TOKEN)) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.goto(server.url + f"/?token={TOKEN}")
        yield pg, server, project
        context.close()
    project.close()


def test_hard_wrapped_lines_display_as_spaces_and_offsets_stay_exact(wrapped):
    page, server, project = wrapped
    page.evaluate("localStorage.clear()")
    open_document(page, server.url, "wrap")
    turn = page.locator(".turn:not(.interviewer) .turn-text").first
    shown = turn.text_content()
    assert "brand team and then the sales people joined." in shown
    assert "going at first. Short one.\nThen the long part" in shown  # a short sentence end stays
    assert page.text_content(".piece.ts-inline") == "[Pallis 00:00:52]"
    text = project.corpus.text("wrap")
    a, b = text.index("team and"), text.index("sales") + len("sales")
    drag_select(page, a, b)
    pick(page, "branding")
    page.wait_for_selector(".piece.coded")
    row = project.codings(coder="ME").iloc[0]
    assert text[row["start"]:row["end"]] == "team and\nthen the\nsales"  # the source's characters
    page.check("#original-layout")
    page.wait_for_function("document.querySelector('.turn:not(.interviewer) .turn-text').textContent.includes('and\\nthen the\\nsales')")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.is_checked("#original-layout")  # remembered
    assert not page.errors


def test_document_memo_says_it_was_saved(page, served, project):
    open_document(page, served.url)
    page.fill("#doc-memo", "Alpha talks about trust.")
    page.click("#save-doc-memo")
    page.wait_for_selector("#flash:not([hidden])")
    assert page.text_content("#flash") == "Document memo saved"
    assert page.text_content("#doc-memo-state").startswith("Memo saved")
    assert project.memos("document", "alpha")["text"].tolist() == ["Alpha talks about trust."]


def test_add_interviews_from_the_home_page(page, served, project, tmp_path):
    new = tmp_path / "delta.txt"
    new.write_text("Interviewer: How?\nDelta: We trust experts.\n", encoding="utf-8")
    bad = tmp_path / "notes.rtf"
    bad.write_text("{\\rtf1 hi}", encoding="utf-8")
    page.goto(served.url + "/")
    page.set_input_files("#upload-files", [str(new), str(bad)])
    page.wait_for_selector("#upload-log li.error")
    log = page.locator("#upload-log li").all_text_contents()
    assert log[0].startswith("delta.txt: 1 document (delta)") and "Delta 1" in log[0]
    assert log[1] == "notes.rtf: skipped: .rtf is not read: save it as .docx or .txt"
    page.click("a.doc-link >> text=delta")
    page.wait_for_selector("body[data-ready='1']")
    assert "We trust experts." in page.text_content("#transcript")
    assert not page.errors


PAGES = ["/", "/documents/alpha", "/review", "/codes?code=goal.branding",
         "/retrieve?code=goal", "/compare?coders=C1,C2", "/crosscase?depth=1&attribute=industry",
         "/me"]


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_every_page_without_null_or_clipped_headers(browser, served, project, size):
    sample_codings(project, as_me="C1")
    # a code with no inclusion/exclusion rules, with a suggestion on the review card
    project.create_code("bare", "Bare code", coder="ME")
    t = _participant_turns(project, "beta").iloc[0]
    suggest(project, [("beta", int(t["start"]), int(t["end"]), "bare", 0.7, "")])
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(120_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served.url + f"/?token={TOKEN}")
    problems = {}
    for path in PAGES:
        page.goto(served.url + path)
        page.wait_for_load_state("load")
        if path.startswith(("/documents", "/codes", "/retrieve", "/compare", "/crosscase")):
            page.wait_for_selector("body[data-ready='1']", state="attached")
        if path.startswith("/compare"):
            page.wait_for_selector("body[data-intervals='1']")
        if path.startswith("/crosscase"):
            page.wait_for_selector("body[data-drawn='1']")
        if path == "/review":
            page.wait_for_selector(".card .accept-btn")
            assert page.text_content(".card-code strong") == "Bare code"
        page.wait_for_timeout(300)
        if path.startswith("/codes") or path == "/":  # the tree's counts: one right-aligned column
            edges = page.evaluate("[...new Set([...document.querySelectorAll('.code-tree li')]"
                                  ".filter((li) => li.getClientRects().length)"
                                  ".map((li) => Math.round(li.querySelector('.code-count').getBoundingClientRect().right)))]")
            assert len(edges) == 1, (path, edges)
        found = page.evaluate(CHECK_JS)
        if found["words"] or found["clipped"]:
            problems[path] = found
    context.close()
    assert not problems, problems
    assert not errors
