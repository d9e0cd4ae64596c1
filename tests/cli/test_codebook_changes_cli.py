"""`qualcode codebook add|edit|move|merge|delete`: the project's codebook changed from the command
line as the workbench's Codebook page changes it (one store transaction each, in the history, the
codebook file kept in step), beside a running process that sees the change."""
from __future__ import annotations

import subprocess
import sys
import warnings

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import TINY_CODEBOOK

import qualcode as qc
from qualcode.cli import main
from qualcode.palette import PALETTE, code_colors

# the tiny codebook, with a second goal and a second top-level code
CB = TINY_CODEBOOK + """\
      - id: goal.branding
        name: Branding
        description: Being known.
  - id: obstacle
    name: Obstacles
"""
TEXT = "Interviewer: Why?\nAnn: Deals and being known.\nInterviewer: And?\nAnn: Budgets.\n"


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "study"
    root.mkdir()
    (root / "t.txt").write_text(TEXT, encoding="utf-8")
    (root / "codebook.yaml").write_text(CB, encoding="utf-8")
    with qc.Project.init(root, transcripts=["t.txt"], codebook="codebook.yaml") as p:
        seg = p.corpus.codable_segments()
        first = seg.iloc[0]
        p.add_codings(pd.DataFrame({"document": "t", "start": int(first["start"]),
                                    "end": int(first["end"]),
                                    "code": ["goal.sales", "goal.branding"], "coder": "ME"}))
    return root


def run(root, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CliRunner().invoke(main, [*args, "-p", str(root)])


def said(res) -> tuple[int, str]:
    """The exit code and the last line (a first change also says that the codebook file was
    brought in step, the student's file kept as .bak)."""
    return res.exit_code, res.output.splitlines()[-1] + "\n"


def test_add_edit_move_merge_delete_as_the_workbench_does(root):
    res = run(root, "codebook", "add", "Trust in experts!", "--parent", "goal", "--coder", "ME")
    assert said(res) == (0, "added goal.trust_in_experts\n")
    with qc.Project.open(root) as p:  # no --color: the workbench's choice, the first unused one
        cb = p.codebook
        used = {c for k, c in code_colors(cb).items() if k != "goal.trust_in_experts"}
        assert cb["goal.trust_in_experts"].color == next(c for c in PALETTE if c not in used)
    res = run(root, "codebook", "edit", "goal.trust_in_experts", "--description", "Credibility.",
              "--keyword", "trust", "--keyword", "credible", "--coder", "ME")
    assert said(res) == (0, "edited goal.trust_in_experts: description, keywords\n")
    res = run(root, "codebook", "edit", "goal.trust_in_experts", "--add-example",
              "We invited a professor because buyers believe her.", "--source", "P7",
              "--coder", "ME")
    assert said(res) == (0, "edited goal.trust_in_experts: examples\n")
    res = run(root, "codebook", "edit", "goal.trust_in_experts", "--add-example", "Second one.",
              "--coder", "ME")
    res = run(root, "codebook", "move", "goal.trust_in_experts", "--top", "--coder", "ME")
    assert said(res) == (0, "moved goal.trust_in_experts: now trust_in_experts\n")
    with qc.Project.open(root) as p:  # the second answer: branding only
        second = p.corpus.codable_segments().iloc[1]
        p.add_coding("t", int(second["start"]), int(second["end"]), "goal.branding", coder="ME")
    res = run(root, "codebook", "merge", "goal.branding", "goal.sales", "--coder", "ME")
    # the first turn had both codes: one coding of goal.sales stays there, not two
    assert said(res) == (0, ("merged goal.branding into goal.sales (1 human coding moved, 1 "
                             "dropped as a second copy)\n"))
    res = run(root, "codebook", "delete", "obstacle", "--coder", "ME")
    assert said(res) == (0, "deleted obstacle\n")
    with qc.Project.open(root) as p:
        assert p.codebook.ids() == ["goal", "goal.sales", "trust_in_experts"]
        assert p.codebook["trust_in_experts"].keywords == ["trust", "credible"]
        assert [dict(e) for e in p.codebook["trust_in_experts"].examples] == [
            {"quote": "We invited a professor because buyers believe her.", "source": "P7"},
            {"quote": "Second one."}]
        assert p.codings()[["code", "coder"]].values.tolist() == [["goal.sales", "ME"]] * 2
        actions = p.history()["action"].tolist()
        for a in ("code_create", "code_update", "code_move", "code_merge", "code_delete",
                  "merge_duplicate"):
            assert a in actions
    # qualcode history says what each change did
    lines = run(root, "history").output.splitlines()
    assert any("code_create" in x and "name=Trust in experts!, parent=goal" in x for x in lines)
    assert any("code_merge" in x and "target=goal.sales" in x for x in lines)
    assert any("code_move" in x and "goal.trust_in_experts" in x for x in lines)
    # the copy made before the merge, for a restore
    assert len(list((root / ".qualcode" / "backups").glob("auto-*-merge-goal-branding.sqlite"))) == 1
    # the codebook file is kept in step
    assert qc.Codebook.load(root / "codebook.yaml").ids() == ["goal", "goal.sales",
                                                              "trust_in_experts"]


@pytest.mark.parametrize("args, code, message", [
    (["add", "X", "--parent", "nope"], 1, "no parent code 'nope' in the project's codebook"),
    (["add", "Sales", "--parent", "goal", "--id", "sales"], 1, "code 'goal.sales' exists already"),
    (["add", "X", "--id", "Bad Id"], 1, "id 'Bad Id' is not usable"),
    (["add", "X", "--color", "red"], 2, "--color 'red' is not a #rrggbb colour"),
    (["edit", "goal.sales"], 2, "nothing to change"),
    (["add", "x" * 201], 2, "--name is 201 characters long; at most 200"),
    (["edit", "goal.sales", "--description", "y" * 20_001], 2, "--description is 20,001 characters"),
    (["edit", "goal.sales", "--add-example", "q" * 2_001], 2, "--add-example is 2,001 characters"),
    (["edit", "goal.sales", "--source", "P1"], 2, "--source goes with --add-example"),
    (["edit", "nope", "--name", "N"], 1, "no code 'nope' in the project's codebook"),
    (["move", "goal.sales"], 2, "give --parent CODE or --top"),
    (["merge", "goal.sales", "nope"], 1, "no code 'nope'"),
    (["delete", "goal.sales"], 1, "code 'goal.sales' has 1 coding; give recode_to="),
])
def test_bad_input_is_one_line_and_changes_nothing(root, args, code, message):
    with qc.Project.open(root) as p:
        before = (p.codebook.ids(), len(p.history()))
    res = run(root, "codebook", *args, "--coder", "ME")
    assert res.exit_code == code, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len([x for x in res.output.splitlines() if x.strip()]) <= 3  # usage lines for exit 2
    with qc.Project.open(root) as p:
        assert (p.codebook.ids(), len(p.history())) == before


def test_a_change_from_a_second_process_reaches_an_open_project(root):
    """A workbench holds the project open; the command line changes the codebook beside it."""
    with qc.Project.open(root) as p:
        assert "goal.branding" in p.codebook
        out = subprocess.run([sys.executable, "-m", "qualcode", "codebook", "merge",
                              "goal.branding", "goal.sales", "--coder", "OWNER", "-p", str(root)],
                             capture_output=True, text=True, timeout=120, check=False)
        assert out.returncode == 0, out.stderr
        assert "goal.branding" not in p.codebook.ids()
        assert p.codings()["code"].tolist() == ["goal.sales"]
        # the coder's undo in the open project does not half-reverse the owner's merge
        with pytest.raises(qc.errors.StoreError, match="codebook change"):
            p.undo(coder="OWNER")
