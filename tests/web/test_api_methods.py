"""The Methods page's JSON twin and the Compare page's reporting paragraph, in-process."""
from __future__ import annotations

import json

import pandas as pd
from workbench import SAMPLE, client_for, make_project

from qualcode.methods import methods_record
from qualcode.web.auth import WebState

DOCS = ("alpha", "beta", "chi", "delta", "epsilon", "eta", "gamma")


def _sample(tmp_path):
    p = make_project(tmp_path / "s", documents=DOCS)
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["document"].isin(DOCS) & h["coder"].isin(["C1", "C2"])])
    return p


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
