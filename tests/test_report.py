"""The HTML report: self-contained, escaped, and showing the numbers it is given."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import qualcode as qc
from qualcode import matrix, report
from qualcode.study import report_data

TEXTS = {"a": "Interviewer: q\nAnna: we do podcasts\nInterviewer: q2\n"
              "Anna: we trust our experts <script>alert(1)</script>",
         "b": "Interviewer: q\nBen: customer references\nInterviewer: q\nBen: testimonials help"}
CB = qc.Codebook.from_dict({"name": "T", "codes": [
    {"id": "strategy", "name": "Strategies", "children": [
        {"id": "strategy.content_based", "name": "Content", "properties": {"associated_firms": ["A"]}},
        {"id": "strategy.reference_based", "name": "Reference", "properties": {"associated_firms": ["A*", "B"]}}]},
    {"id": "dimension", "name": "Dimensions", "children": [
        {"id": "dimension.attributes", "name": "Attributes", "children": [
            {"id": "dimension.attributes.trustworthiness", "name": "Trustworthiness"}]}]},
]})


@pytest.fixture()
def data():
    c = qc.Corpus.from_texts(TEXTS, cases={"a": "A", "b": "B"})
    seg = c.codable_segments().reset_index(drop=True)
    rows = [(seg.document[i], seg.start[i], seg.end[i], code, "C1") for i, code in
            [(0, "strategy.content_based"), (1, "dimension.attributes.trustworthiness"),
             (2, "strategy.reference_based"), (3, "strategy.reference_based")]]
    cod = pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])
    sm = matrix.strategy_by_case(c, cod, CB, min_segments=1)
    agreement = pd.DataFrame({"code": ["strategy.content_based"], "n_units": [4],
                              "percent_agreement": [0.75], "kappa": [0.5]})
    return report_data(c, CB, cod, strategy=sm, themes="dimension", title="Test <study>",
                       agreement=agreement, evaluation_summary={"overall kappa": 0.4213})


def test_report_is_self_contained_and_escaped(data):
    html = report.render_report(data)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html   # the quote, escaped, in Table 2
    assert "<title>Test &lt;study&gt;</title>" in html
    assert not re.search(r"(src|href)=\"https?://", html)      # nothing loaded from the network
    assert "<link" not in html


def test_report_shows_given_numbers_and_differences(data):
    html = report.render_report(data)
    assert "0.750" in html and "0.500" in html and "0.421" in html
    # derived: A content (1 seg), B reference (2 seg) -> no hybrid; published A* under reference
    assert "(1 of 3 firm assignments)" in html
    assert html.count('class="differs"') == 1
    assert "Trustworthiness" in html and "we trust our experts" in html


def test_write_report_no_overwrite(tmp_path, data):
    out = report.write_report(data, tmp_path / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(qc.OutputExistsError):
        report.write_report(data, tmp_path / "r.html")


def test_agreement_view_formats_pairs_and_intervals():
    t = pd.DataFrame([
        {"code": "g", "coders": "C1, C2, C3", "n_units": 10, "n_coded": 4, "percent_agreement": 0.9,
         "cohen_kappa": float("nan"), "cohen_kappa_low": float("nan"), "cohen_kappa_high": float("nan"),
         "alpha": 0.71234, "alpha_low": 0.5, "alpha_high": 0.9, "gwet_ac1": 0.8, "note": "fleiss_kappa: x"},
        {"code": "g", "coders": "C1, C2", "n_units": 6, "n_coded": 3, "percent_agreement": 1.0,
         "cohen_kappa": 1.0, "cohen_kappa_low": 1.0, "cohen_kappa_high": 1.0,
         "alpha": 1.0, "alpha_low": 1.0, "alpha_high": 1.0, "gwet_ac1": 1.0, "note": ""},
    ])
    view, notes = report.agreement_view(t)
    assert view.to_dict("records") == [{
        "code": "g", "coded segments": 4, "units": 10, "% agreement": "90.0",
        "Krippendorff's α [95% CI]": "0.712 [0.500, 0.900]", "Gwet's AC1": "0.800",
        "κ C1–C2": "1.000 [1.000, 1.000]"}]
    assert notes == ["fleiss_kappa: x"]


def test_the_report_computes_nothing():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(report.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not imported & {"matrix", "agreement", "coders", "study", "codings"}
