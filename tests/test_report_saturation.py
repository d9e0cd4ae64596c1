"""The report's saturation section (issue 26): the curve as inline SVG, one bar per interview,
the line through the distinct codes so far, and the reporting sentence."""
from __future__ import annotations

import re
from pathlib import Path

import qualcode as qc
from qualcode.report import render_report, saturation_chart
from qualcode.saturation import saturation_of
from qualcode.study import report_data

SAMPLE = Path(__file__).resolve().parents[1] / "transcripts_sample"
CODEBOOK = Path(__file__).resolve().parents[1] / "codebooks" / "b2b_influencer_marketing.yaml"


def test_the_report_draws_the_saturation_curve():
    corpus = qc.load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv")
    cb = qc.Codebook.load(CODEBOOK)
    human = qc.read_codings(SAMPLE / "codings_human.csv")
    sat = saturation_of(corpus, cb, human)
    html = render_report(report_data(corpus, cb, human, saturation=sat))
    section = html[html.index('<section id="saturation">'):]
    section = section[:section.index("</section>")]
    assert sat["sentence"] in section
    assert section.count("<rect ") == len(sat["curve"]) == 22
    chart = saturation_chart(sat)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', section)]
    assert heights == [b["h"] for b in chart["bars"]]
    # the tallest bar is the interview with the most new codes; the line ends at the top
    news = [p["new"] for p in sat["curve"]]
    assert heights.index(max(heights)) == news.index(max(news))
    assert float(chart["points"].split()[-1].split(",")[1]) == chart["top"]
    assert '<a href="#saturation">Saturation</a>' in html
    # without a result (too few interviews) there is no section
    assert 'id="saturation"' not in render_report(report_data(corpus, cb, human))
