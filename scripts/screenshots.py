"""README screenshots of the workbench (``qualcode open``), made from the bundled sample.

A project over transcripts_sample/ in a temporary folder: coder C1's hand coding of most
interviews (codings_human.csv), a few codings of coder ME in ``alpha`` (two of them overlapping),
the classifier retrained on them, then Chromium (Playwright, /usr/bin/chromium) photographs the
home page, the document view with the code picker open, and the review queue into docs/img/.

Run: ``python scripts/screenshots.py`` (regenerates docs/img/workbench-*.png).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import qualcode as qc
from qualcode.web import create_app
from qualcode.web.auth import WebState
from qualcode.web.loop import Trainer
from qualcode.web.server import ServerThread

SAMPLE = REPO / "transcripts_sample"
OUT = REPO / "docs" / "img"
TOKEN = "screenshots"
UNCODED = ["alpha", "beta", "chi", "ypsilon"]  # left for ME and the classifier


def build(folder: Path):
    project = qc.Project.init(folder, name="B2B influencer marketing (sample)",
                              transcripts=[str(SAMPLE)], cases=str(SAMPLE / "cases.csv"),
                              codebook=str(REPO / "codebooks" / "b2b_influencer_marketing.yaml"))
    human = pd.read_csv(SAMPLE / "codings_human.csv")
    human = human[(human["coder"] == "C1") & ~human["document"].isin(UNCODED)]
    project.add_codings(human)
    text = project.corpus.text("alpha")

    def span(phrase: str, length: int) -> tuple[int, int]:
        start = text.index(phrase)
        return start, start + length

    for phrase, length, code in [
        ("I plan the campaigns", 117, "process.planning.integration"),
        ("Honestly, I'm not a big fan", 330, "influencer_type.internal"),
        ("Sometimes that person is one of our own architects", 150, "influencer_type.external"),
        ("A respected security researcher", 170, "influence_source.expertise"),
    ]:
        a, b = span(phrase, length)
        project.add_coding("alpha", a, b, code, coder="ME")
    WebState(folder).update(local_coder="ME")
    return project


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp()) / "sample-study"
    project = build(folder)
    trainer = Trainer(mode="thread", delay=0)
    with ServerThread(create_app(project, token=TOKEN, trainer=trainer)) as server, \
            sync_playwright() as pw:
        trainer.wait(300)
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page.goto(f"{server.url}/?token={TOKEN}")
        page.wait_for_selector("#model-table tbody tr")
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "workbench-home.png"))

        page.goto(f"{server.url}/documents/alpha")
        page.wait_for_selector("body[data-ready='1']")
        page.check("#show-names")  # the coding stripes with their codes' names
        page.evaluate("document.querySelectorAll('.turn')[2].scrollIntoView({block: 'start'})")
        page.evaluate("window.scrollBy(0, -70)")
        page.wait_for_timeout(200)
        # select a passage with the mouse and start typing a code's name
        target = "We build custom applications"
        box = page.evaluate("""(phrase) => {
            const p = [...document.querySelectorAll('.piece')].find((el) => el.textContent.includes(phrase));
            const i = p.textContent.indexOf(phrase);
            const r = document.createRange();
            r.setStart(p.firstChild, i); r.setEnd(p.firstChild, i + 1);
            const a = r.getBoundingClientRect();
            r.setStart(p.firstChild, i + 74); r.setEnd(p.firstChild, i + 75);
            const b = r.getBoundingClientRect();
            return [a.left + 1, a.top + a.height / 2, b.right, b.top + b.height / 2];
        }""", target)
        page.mouse.move(box[0], box[1])
        page.mouse.down()
        page.mouse.move(box[2], box[3], steps=5)
        page.mouse.up()
        page.wait_for_selector("#picker-panel:not([hidden])")
        page.keyboard.type("integr")
        page.wait_for_timeout(200)
        page.screenshot(path=str(OUT / "workbench-document.png"))
        page.keyboard.press("Escape")

        page.goto(f"{server.url}/review")
        page.wait_for_selector(".card .accept-btn")
        page.wait_for_timeout(200)
        page.screenshot(path=str(OUT / "workbench-review.png"))
        browser.close()
    trainer.close()
    project.close()
    for name in ("home", "document", "review"):
        print(OUT / f"workbench-{name}.png")


if __name__ == "__main__":
    main()
