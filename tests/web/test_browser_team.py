"""A team in real Chromium (Playwright, /usr/bin/chromium) on one real uvicorn server: Kim and Maya
each open their own ``qualcode open --add-coder`` link. The project is blind (a second coder
exists): Kim's pages, their JSON twins and every export show nothing of Maya's, and Kim's token
cannot change, re-memo or delete Maya's coding; the pages run under the Content-Security-Policy. When the owner lifts blind mode, Kim sees Maya's
document memo read-only, marked with her name."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from workbench import TOKEN

from qualcode.cli import main
from qualcode.web import create_app
from qualcode.web.auth import WebState
from qualcode.web.server import ServerThread

SECRETS = ("Maya", "MAYA-DOC-MEMO", "MAYA-CODING-MEMO", "MAYA-CODE-MEMO")
PAGES = ["/", "/documents/alpha", "/review", "/codes", "/retrieve?code=goal", "/compare",
         "/crosscase"]
TWINS = ["/api/project", "/api/documents/alpha", "/api/suggestions", "/api/codebook",
         "/api/retrieve?code=goal", "/api/search?q=marketing", "/api/crosscase", "/api/me",
         "/api/blind", "/api/codes/goal.sales"]
EXPORTS = ["/api/export/codings.csv", "/api/export/codings.xlsx", "/api/export/project.qdpx",
           "/api/export/codebook.yaml"]


def link_for(project, name: str) -> str:
    r = CliRunner().invoke(main, ["open", str(project.root), "--add-coder", name])
    assert r.exit_code == 0, r.output
    return re.search(r"token: (\S+)", r.output).group(1)


@pytest.fixture
def team(browser, project):
    WebState(project.root).update(local_coder="Olga")
    tokens = {name: link_for(project, name) for name in ("Kim", "Maya")}
    with ServerThread(create_app(project, token=TOKEN)) as server:
        contexts = {}
        for name, token in tokens.items():
            ctx = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
            ctx.set_default_timeout(60_000)
            page = ctx.new_page()
            page.errors = []
            page.on("pageerror", lambda e, p=page: p.errors.append(str(e)))
            page.on("console", lambda m, p=page: p.errors.append(m.text)
                    if "Content Security Policy" in m.text else None)
            page.goto(f"{server.url}/?token={token}")
            contexts[name] = page
        yield server, contexts
        for page in contexts.values():
            page.context.close()


def call(page, method, path, body=None):
    return page.evaluate(
        """([m, p, b]) => fetch(p, {method: m, headers: {"Content-Type": "application/json"},
             body: b === null ? undefined : JSON.stringify(b)})
           .then(async (r) => ({status: r.status, body: await r.text()}))""",
        [method, path, body])


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_blind_team_kim_sees_nothing_of_maya_and_cannot_touch_her_work(team, project):
    server, pages = team
    kim, maya = pages["Kim"], pages["Maya"]
    # Maya codes three passages, memos one, and writes a document memo through the page
    ids = []
    for start in (394, 977, 1300):
        r = call(maya, "POST", "/api/codings", {"document": "alpha", "start": start,
                                                 "end": start + 40, "code": "goal.sales"})
        assert r["status"] == 200, r
        ids.append(json.loads(r["body"])["id"])
    r = call(maya, "PUT", f"/api/memos/coding/{ids[0]}", {"text": "MAYA-CODING-MEMO", "version": 1})
    assert r["status"] == 200
    r = call(maya, "PATCH", "/api/codes/goal.sales", {"memo": "MAYA-CODE-MEMO", "memo_version": 0})
    assert r["status"] == 200
    maya.goto(server.url + "/documents/alpha")
    maya.fill("#doc-memo", "MAYA-DOC-MEMO on alpha")
    maya.click("#save-doc-memo")
    maya.wait_for_selector("#doc-memo-state >> text=Memo saved")
    assert project.memos(kind="document")["coder"].tolist() == ["Maya"]
    # Kim codes one passage of her own
    r = call(kim, "POST", "/api/codings", {"document": "alpha", "start": 2000, "end": 2040,
                                           "code": "goal.branding"})
    assert r["status"] == 200
    for path in PAGES:
        kim.goto(server.url + path)
        kim.wait_for_load_state("networkidle")
        html = kim.content()
        for secret in SECRETS:
            assert secret not in html, (path, secret)
    assert kim.errors == []  # no script error, and nothing the Content-Security-Policy refused
    kim.goto(server.url + "/")
    bar = kim.locator(".bar > span").first
    assert bar.evaluate("(el) => el.style.width").endswith("%")  # set through the CSSOM
    assert kim.locator(".swatch").first.evaluate("(el) => el.style.background") != ""
    for path in TWINS + EXPORTS:
        r = kim.context.request.get(server.url + path)
        assert r.status == 200, (path, r.status)
        for secret in SECRETS:
            assert secret.encode() not in r.body(), (path, secret)
    # Cross-case -> Export "Codings CSV": Kim's one coding, none of Maya's
    kim.goto(server.url + "/crosscase")
    kim.wait_for_selector("body[data-ready='1']")
    with kim.expect_download() as info:
        kim.click("a.button >> text=Codings CSV")
    rows = Path(info.value.path()).read_text(encoding="utf-8").strip().splitlines()
    assert len(rows) == 2 and ",Kim," in rows[1]
    # Kim's token cannot change, re-memo or delete Maya's coding
    for method, path, body in [
        ("PATCH", f"/api/codings/{ids[0]}", {"version": 2, "end": 500}),
        ("PUT", f"/api/memos/coding/{ids[0]}", {"text": "Kim was here", "version": 2}),
        ("PUT", f"/api/memos/coding/{ids[1]}", {"text": "Kim was here"}),
        ("DELETE", f"/api/codings/{ids[2]}", {"version": 1}),
    ]:
        r = call(kim, method, path, body)
        assert r["status"] in (403, 404), (path, r)
        assert "Maya" not in r["body"]
    maya_rows = project.codings(coder="Maya").set_index("id")
    assert sorted(maya_rows.index) == ids
    assert maya_rows.loc[ids[0], "memo"] == "MAYA-CODING-MEMO" and maya_rows["memo"].notna().sum() == 1
    assert maya_rows.loc[ids[0], "end"] == 434
    # the owner lifts blind mode (logged); now Kim reads Maya's memo, marked with her name
    owner = kim.context.browser.new_context()
    op = owner.new_page()
    op.goto(f"{server.url}/?token={TOKEN}")
    r = call(op, "PUT", "/api/blind", {"blind": False})
    assert r["status"] == 200
    owner.close()
    assert "blind_lifted" in project.history()["action"].tolist()
    kim.goto(server.url + "/documents/alpha")
    kim.wait_for_selector("#doc-memos-others >> text=Maya's memo (read-only)")
    assert "MAYA-DOC-MEMO on alpha" in kim.text_content("#doc-memos-others")
    assert kim.input_value("#doc-memo") == ""  # Kim's own memo: still empty, still hers
    kim.click(f".stripe[data-id='{ids[0]}']")  # Maya's coding: shown, not offered for change
    kim.wait_for_selector("#coding-panel >> text=only Maya can change it")
    assert "MAYA-CODING-MEMO" in kim.text_content("#coding-panel")
    assert kim.locator("#coding-panel button.danger").count() == 0
    kim.goto(server.url + "/codes?code=goal.sales")
    kim.wait_for_selector("#editor >> text=Maya's memo (read-only): MAYA-CODE-MEMO")
