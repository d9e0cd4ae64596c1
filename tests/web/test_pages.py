"""The workbench's HTML pages: each beside its JSON twin, user text escaped on every page, the
number format they carry."""
from __future__ import annotations

import json

from workbench import EVIL, client_for

ALPHA = (394, 839)      # Alpha's second turn: "Sure. I sit in the marketing team, ..."


def test_pages_and_their_json_twins(client):
    home = client.get("/api/project").json()
    assert [d["id"] for d in home["documents"]] == ["alpha", "beta", "gamma"]
    alpha = home["documents"][0]
    assert alpha["length"] > 9000 and alpha["codable_segments"] == 17
    assert {"name": "Interviewer", "interviewer": True} in alpha["speakers"]
    assert home["codebook"][0]["id"] == "goal" and home["model"]["status"] == "off"
    html = client.get("/").text
    assert "alpha" in html and "Branding" in html
    doc = client.get("/api/documents/alpha").json()
    assert doc["turns"][0] == {"turn": 1, "speaker": "Interviewer", "timestamp": "00:00:08",
                               "start": 24, "end": 145, "interviewer": True}
    assert doc["text"][ALPHA[0]:ALPHA[0] + 5] == "Sure."
    assert "Sure. I sit in the marketing team" in client.get("/documents/alpha").text
    assert client.get("/api/codebook").json()["codes"][1]["id"] == "goal.branding"
    assert client.get("/review").status_code == 200


def test_user_text_is_escaped_in_every_page(evil_project):
    with client_for(evil_project) as c:
        row = c.post("/api/codings", json={"document": "evil", "start": 0, "end": 0, "code": "roi"})
        assert row.status_code == 400
        doc = c.get("/api/documents/evil").json()
        turn = doc["turns"][1]
        cid = c.post("/api/codings", json={"document": "evil", "start": turn["start"],
                                           "end": turn["end"], "code": "roi", "memo": EVIL}).json()["id"]
        c.put("/api/memos/document/evil", json={"text": EVIL})
        for path in ("/", "/documents/evil", "/review", "/me"):
            html = c.get(path).text
            assert "<script>window.__pwned" not in html, path
            assert "{{ 7*7 }}" not in html or "49" not in html.replace("{{ 7*7 }}", ""), path
        home = c.get("/").text
        assert "ROI &lt;script&gt;window.__pwned=1&lt;/script&gt;{{ 7*7 }}" in home
        page = c.get("/documents/evil").text
        assert "\\u003cscript\\u003ewindow.__pwned" in page  # the page data: JSON, escaped
        assert c.get(f"/api/codings/{cid}").json()["memo"] == EVIL  # stored as written


def test_escaping_in_the_new_pages(evil_project):
    with client_for(evil_project) as c:
        for url in ("/codes", "/retrieve", "/compare", "/crosscase"):
            html = c.get(url).text
            assert "<script>window.__pwned" not in html, url
            assert "{{ 7*7 }}" not in html or "49" not in html
        r = c.post("/api/codes", json={"name": EVIL, "parent": "roi"}).json()
        assert c.get(f"/api/codes/{r['created']}").json()["name"] == EVIL  # JSON, drawn as text
        assert "<script>window.__pwned" not in c.get("/codes").text


def test_pages_carry_the_number_format_and_the_filters_use_it(cclient):
    import re

    from qualcode.formatting import DIGITS, MISSING
    from qualcode.web.app import _num, _pct

    html = cclient.get("/compare").text
    data = re.search(r'<script type="application/json" id="number-format">(.*?)</script>', html)
    assert json.loads(data.group(1)) == {"digits": DIGITS, "missing": MISSING}
    assert _num(0.90712) == "0.907" and _num(26040) == "26,040" and _num(None) == MISSING
    assert _pct(0.5) == "50%" and _pct(float("nan")) == MISSING
