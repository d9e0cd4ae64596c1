"""The home page's learner table in Chromium at 1280x800 and 1920x1080: no scrolling inside
itself, no cut header, every state chip on one line, per code its source, κ interval and
precision, and no "null"/"undefined"/"NaN" anywhere in the panel."""
from __future__ import annotations

import pytest
from workbench import TOKEN

from qualcode.web import create_app
from qualcode.web.auth import WebState


class StubTrainer:
    """A trainer whose status is fixed: every code of the papers' codebook, in every state."""

    def __init__(self, codes):
        self.codes = codes

    def attach(self, web):
        self.web = web

    def request(self, **kw):
        pass

    def close(self):
        pass

    def uncertainty(self):
        return {}

    def status(self):
        rows = []
        for i, code in enumerate(self.codes):
            kind = i % 4
            rows.append({"code": code, "n": [12, 3, 0, 7][kind],
                         "source": ["project", "codebook", None, "project"][kind],
                         "kappa": [0.61, 0.34, None, 0.05][kind],
                         "kappa_low": [0.42, None, None, -0.1][kind],
                         "kappa_high": [0.78, None, None, 0.2][kind],
                         "precision": [0.7, 0.5, None, 0.1][kind], "recall": None,
                         "state": ["suggesting", "suggesting", "not coded yet", "needs more examples"][kind],
                         "label": ["cross-validated on your coding of 4 interviews",
                                   "estimated on the codebook's own examples; no coding of yours yet",
                                   "", ""][kind]})
        return {"status": "idle", "error": None, "trained_at": "2026-01-01 10:00:00", "seconds": 4.2,
                "runs": 3, "trainings": 3, "kappa_floor": 0.2, "min_examples": 3, "show_all": False,
                "kappa_minimum": 0.1, "codes": rows, "note": "", "documents": 4, "codings": 120,
                "base": "codebook", "suggesting": sum(r["state"] == "suggesting" for r in rows),
                "llm": None, "curve": [{"codings": 10, "kappa": 0.2}, {"codings": 60, "kappa": 0.35},
                                       {"codings": 120, "kappa": 0.45}]}


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_home_learner_table_fits(browser, project, size, tmp_path):
    from qualcode.web.server import ServerThread

    WebState(project.root).update(local_coder="ME")
    app = create_app(project, token=TOKEN, trainer=StubTrainer(project.codebook.ids()))
    with ServerThread(app) as server:
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        ctx.set_default_timeout(60_000)
        pg = ctx.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(server.url + f"/?token={TOKEN}")
        pg.wait_for_selector("#model-table tbody tr")
        panel = pg.locator("#model-panel")
        text = panel.inner_text()
        for bad in ("null", "undefined", "NaN"):
            assert bad not in text
        from qualcode.formatting import number

        interval = f"[{number(0.42)}, {number(0.78)}]"  # the one number format (0.420 today)
        assert "from your coding" in text and "from codebook" in text and interval in text
        assert "Last trained 2026-01-01 10:00:00 in 4.2 s on" in text  # seconds, not a kappa's digits
        check = pg.evaluate("""() => {
            const table = document.getElementById('model-table');
            let el = table.parentElement, inner = false;
            while (el && el !== document.body) {
                const s = getComputedStyle(el);
                if (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1) inner = true;
                el = el.parentElement;
            }
            const clipped = [...table.querySelectorAll('th')].filter((th) => th.scrollWidth > th.clientWidth + 1).map((th) => th.textContent);
            const chips = [...table.querySelectorAll('.state')].map((c) => c.getClientRects().length);
            const tall = [...table.querySelectorAll('.state')].filter((c) => c.getBoundingClientRect().height > 24).length;
            const wide = table.scrollWidth > table.parentElement.clientWidth + 1;
            return {inner, clipped, chips: Math.max(...chips), tall, wide, rows: table.tBodies[0].rows.length};
        }""")
        assert not check["inner"], "the table scrolls inside itself"
        assert check["clipped"] == [] and not check["wide"], check
        assert check["chips"] == 1 and check["tall"] == 0, check
        # by default the codes coded or suggesting are listed; "show all" lists every code
        n_codes = len(project.codebook.ids())
        assert check["rows"] < n_codes
        pg.click("#model-more")
        assert pg.evaluate("document.querySelectorAll('#model-table tbody tr').length") == n_codes
        assert pg.locator("#model-curve svg").count() == 1
        pg.screenshot(path=str(tmp_path / f"home-{size[0]}.png"), full_page=True)
        assert errors == []
        ctx.close()


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_blind_coders_each_see_their_own_models_table_and_suggestions(browser, project):
    """Kim and Maya (their own ``--add-coder`` links, a blind project) code different
    interviews; in Chromium Kim's home page shows her own model's table (her number of codings)
    and her Review queue only her model's suggestions; Maya's name appears nowhere."""
    import json
    import re

    from click.testing import CliRunner
    from workbench import human_sample

    from qualcode.cli import main
    from qualcode.web.loop import Trainer
    from qualcode.web.server import ServerThread

    WebState(project.root).update(local_coder="Olga", show_all=True)  # two interviews: unmeasured
    tokens = {}
    for name in ("Kim", "Maya"):
        r = CliRunner().invoke(main, ["open", str(project.root), "--add-coder", name])
        assert r.exit_code == 0, r.output
        tokens[name] = re.search(r"token: (\S+)", r.output).group(1)
    for name, docs in (("Kim", ["alpha", "beta"]), ("Maya", ["gamma"])):
        for r in human_sample(docs).itertuples():
            project.add_coding(r.document, int(r.start), int(r.end), r.code, coder=name)
    n_kim = int((project.codings(include_machine=False)["coder"] == "Kim").sum())
    trainer = Trainer(mode="thread", delay=0, base="classifier")
    try:
        with ServerThread(create_app(project, token=TOKEN, trainer=trainer)) as server:
            ctx = browser.new_context(viewport={"width": 1280, "height": 800})
            ctx.set_default_timeout(60_000)
            pg = ctx.new_page()
            errors = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"{server.url}/?token={tokens['Kim']}")  # Kim's first ask: her model trains
            assert trainer.wait(120)
            pg.reload()
            pg.wait_for_selector("#model-table tbody tr")
            model = json.loads(pg.evaluate("() => fetch('/api/model').then((r) => r.text())"))
            assert model["codings"] == n_kim and model["status"] == "idle"
            assert "Maya" not in pg.content()
            runs = project.machine_runs()
            kims = runs[runs["coder"] == "qualcode-learner-for-Kim"]
            assert json.loads(kims["parameters"].iloc[-1])["learned_from"] == ["Kim"]
            assert not (runs["coder"] == "qualcode-learner-for-Maya").any()  # Maya has not asked
            pg.goto(server.url + "/review")
            queue = json.loads(pg.evaluate(
                "() => fetch('/api/suggestions?limit=500&order=uncertainty').then((r) => r.text())"))
            assert queue["total"] > 0
            assert {s["coder"] for s in queue["items"]} == {"qualcode-learner-for-Kim"}
            pg.wait_for_selector("#card .passage, #card mark, #card p")
            shown = json.loads(pg.evaluate(  # the queue as the page asks for it (its own order)
                "() => fetch('/api/suggestions' + (location.search || '?limit=50')).then((r) => r.text())"))
            assert shown["items"][0]["code_name"] in pg.locator("#card").inner_text()
            assert "Maya" not in pg.content()
            assert not errors, errors
            ctx.close()
    finally:
        trainer.close()
