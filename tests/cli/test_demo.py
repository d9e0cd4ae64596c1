"""`qualcode demo` on the bundled sample: the whole study, end to end, through the CLI."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from qualcode.cli import main

# Table 4 of Mero, Vanninen & Keränen (2023), "Associated firms (* hybrid strategy)", typed from
# the paper: the demo must print it unchanged beside the derived row.
PUBLISHED = {
    "strategy.reference_based": "Theta Mu Epsilon Zeta",
    "strategy.content_based": "Beta Delta Alpha* Iota* Kappa* Lambda* Eta*",
    "strategy.interaction_based": "Gamma Kappa* Eta*",
    "strategy.purpose_based": "Alpha* Iota* Lambda*",
}


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(main, ["demo", "-o", str(out), "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[-1] == f"Report: {out / 'report.html'}"
    assert any(l.startswith("22 documents, 22 cases, ") for l in lines)
    for strategy, row in PUBLISHED.items():
        line = next(l for l in lines if l.strip().startswith(f"{strategy}: derived"))
        assert line.endswith(f"| published {row}")
    m = re.search(r"(\d+) of (\d+) firm assignments differ from the published Table 4", res.output)
    assert m and int(m.group(2)) >= 17  # every published assignment is compared
    assert m.group(1) == "0"  # the sample reproduces Table 4 (issue 23)
    for name in ("report.html", "agreement_humans.csv", "evaluation_classifier.csv",
                 "evaluation_keyword.csv", "strategy_vs_published.csv", "codings_keyword.csv",
                 "codings_classifier.csv", "disagreements_humans.csv", "case_by_code.csv"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Strategy by firm, next to the published Table 4" in html
    assert "Intercoder agreement between the human coders" in html
    # a second run refuses to overwrite, in one line, before doing any work
    again = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert again.exit_code == 1
    assert again.output.splitlines()[-1] == \
        f"Error: {out / 'report.html'}: already exists; pass --force to replace it"
