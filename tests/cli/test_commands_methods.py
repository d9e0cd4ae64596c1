"""`qualcode saturation` and `qualcode methods` through CliRunner: plain and JSON outputs agree."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from helpers import inside
from methods_projects import interviews, make_project

from qualcode.cli import main

LATE = [["x.a", "x.b", "x.c"], ["y.d", "y.e", "y.f"], ["x.g", "x.h"], ["y.i", "y.j"],
        ["x.k"], ["x.l"], ["y.m"], ["x.a"], ["y.d"]]  # base 10 codes; runs add 2, 2, 1, 0


def invoke(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


def test_saturation_plain_and_json_agree(tmp_path):
    with inside(tmp_path):
        make_project(Path("p"), interviews(LATE)).close()
        res = invoke("saturation", "-p", "p", "--json")
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        assert list(data) == ["reached", "at", "base_size", "run_length", "threshold",
                              "base_codes", "runs", "order"]
        assert data["reached"] is True and data["at"] == 7 and data["base_codes"] == 10
        assert [r["new"] for r in data["runs"]] == [2, 2, 1, 0]
        assert data["order"] == [f"i{k:02d}" for k in range(1, 10)]
        plain = invoke("saturation", "-p", "p")
        assert plain.exit_code == 0
        lines = plain.output.splitlines()
        rows = [ln.split() for ln in lines if "–" in ln.split()[0]]
        table = [(r[0], int(r[3]), r[4]) for r in rows]
        assert table == [(f"{x['start']}–{x['end']}", x["new"], f"{x['ratio']:.3f}")
                         for x in data["runs"]]
        assert lines[-1] == ("Saturation was reached at 7 interviews (base size 4, run length 2, "
                             "new-information threshold ≤ 5%).")
        res = invoke("saturation", "-p", "p", "--threshold", "0.1", "--base", "3", "--run", "3",
                     "--json")
        data = json.loads(res.output)
        assert data["threshold"] == 0.1 and data["run_length"] == 3 and data["base_size"] == 3


def test_saturation_with_too_few_interviews_says_so(tmp_path):
    with inside(tmp_path):
        make_project(Path("p"), interviews(LATE[:5])).close()
        res = invoke("saturation", "-p", "p")
        assert res.exit_code == 1
        assert res.output == ("Error: saturation needs at least base size + run length = 4 + 2 "
                              "= 6 interviews; there are 5: code more interviews, or choose a "
                              "smaller --base or --run\n")
        res = invoke("saturation", "-p", "p", "--base", "3", "--coder", "ME")
        assert res.exit_code == 0 and "Saturation was not reached within 5 interviews" in res.output


def test_methods_markdown_and_json_carry_the_same_numbers(tmp_path):
    with inside(tmp_path):
        with make_project(Path("p"), interviews(LATE)) as p:
            p.create_code("x.new", "New", coder="ME")
        res = invoke("methods", "-p", "p", "--json", "--n-boot", "0")
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        assert data["codings"]["human"] == 15 and data["codings"]["by_coder"] == {"ME": 15}
        assert data["suggestions"]["by_method"] == {} and data["agreement"] is None
        assert data["codebook"]["changes"] == 1 and data["saturation"]["at"] == 7
        res = invoke("methods", "-p", "p", "--n-boot", "0", "-o", "methods.md")
        assert res.exit_code == 0 and res.output == "methods record written to methods.md\n"
        md = Path("methods.md").read_text(encoding="utf-8")
        assert data["machine"]["statement"] in md
        assert "All 15 codings were made by human coders; no machine suggestions were used." in md
        assert f"- Interviews: {data['corpus']['interviews']} " in md
        assert f"| ME | {data['coders']['ME']['codings']} | 9 |" in md
        assert data["saturation"]["sentence"] in md
        assert "| 3 | 7–8 | 1 | 0.100 |" in md
        assert invoke("methods", "-p", "p", "-o", "methods.md").exit_code == 1  # no overwrite
        assert invoke("methods", "-p", "p", "-o", "methods.md", "--force",
                      "--n-boot", "0").exit_code == 0
        printed = invoke("methods", "-p", "p", "--n-boot", "0").output
        assert printed == md
