"""README screenshots of the workbench's codebook, retrieve, compare and cross-case pages, made
from the bundled sample.

A project over transcripts_sample/ in a temporary folder with the sample's three human coders
(codings_human.csv); Chromium (Playwright, /usr/bin/chromium) photographs the codebook editor,
a code's passages, the comparison of C1 and C2 with a disagreement opened side by side, and the
cross-case heat map into docs/img/.

Run: ``python scripts/screenshots_analysis.py`` (regenerates docs/img/workbench-{codebook,
retrieve,compare,crosscase}.png).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import qualcode as qc  # noqa: E402
from qualcode.web import create_app  # noqa: E402
from qualcode.web.auth import WebState  # noqa: E402
from qualcode.web.server import ServerThread  # noqa: E402

SAMPLE = REPO / "transcripts_sample"
OUT = REPO / "docs" / "img"
TOKEN = "screenshots"


def build(folder: Path):
    project = qc.Project.init(folder, name="B2B influencer marketing (sample)",
                              transcripts=[str(SAMPLE)], cases=str(SAMPLE / "cases.csv"),
                              codebook=str(REPO / "codebooks" / "b2b_influencer_marketing.yaml"))
    project.add_codings(pd.read_csv(SAMPLE / "codings_human.csv"))
    WebState(folder).update(local_coder="C1")
    return project


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    project = build(Path(tempfile.mkdtemp()) / "sample-study")
    with ServerThread(create_app(project, token=TOKEN)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page.goto(f"{server.url}/?token={TOKEN}")
        page.goto(f"{server.url}/codes?code=goal.branding")
        page.wait_for_selector("#save-code")
        page.screenshot(path=str(OUT / "workbench-codebook.png"))

        page.goto(f"{server.url}/retrieve?code=strategy.content_based")
        page.wait_for_selector(".passage")
        page.screenshot(path=str(OUT / "workbench-retrieve.png"))

        page.goto(f"{server.url}/compare?coders=C1,C2")
        page.wait_for_selector("body[data-intervals='1']", timeout=120_000)
        page.locator("#dis-list .dis").nth(1).click()
        page.wait_for_selector(".sbs-col")
        page.evaluate("document.querySelector('#dis-list').closest('.panel').scrollIntoView()")
        page.evaluate("window.scrollBy(0, -70)")
        page.wait_for_timeout(200)
        page.screenshot(path=str(OUT / "workbench-compare.png"))

        page.goto(f"{server.url}/crosscase?depth=1&attribute=industry")
        page.wait_for_selector("body[data-drawn='1']")
        page.wait_for_timeout(200)
        page.screenshot(path=str(OUT / "workbench-crosscase.png"))
        browser.close()
    project.close()
    for name in ("codebook", "retrieve", "compare", "crosscase"):
        print(OUT / f"workbench-{name}.png")


if __name__ == "__main__":
    main()
