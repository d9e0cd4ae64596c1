"""The README's "Your own study" walkthrough, run command by command on a real interview.

The commands, the codebook and the coding spreadsheets are read from README.md itself (the
```bash block and the ```yaml/```csv blocks named by file), so the README cannot drift from
what works. Files named by a block are written after `cd mystudy`, as the student would.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[1]
P1 = REPO.parent / "shared" / "real-data" / "pdpilot-user-study" / "P1.pdf"


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Your own study")
    end = text.find("\n## ", start + 5)
    return text[start:end if end > 0 else None]


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, file name or "", body) of each fenced block."""
    return [(m.group(1), m.group(2).strip(), m.group(3))
            for m in re.finditer(r"```(\w+)([^\n]*)\n(.*?)```", text, flags=re.DOTALL)]


def test_the_walkthrough_block_is_there():
    found = blocks(section())
    assert [b[0] for b in found if not b[1]] == ["bash"]
    assert {b[1] for b in found if b[1]} == {"codebook.yaml", "hand-coding.csv",
                                             "second-coder.csv"}


@pytest.mark.slow
@pytest.mark.skipif(not P1.exists(), reason="../shared/real-data is not beside the repository")
def test_your_own_study_walkthrough(tmp_path):
    found = blocks(section())
    commands = [line for lang, name, body in found if lang == "bash" and not name
                for line in body.splitlines() if line.strip()]
    files = {name: body for _, name, body in found if name}
    (tmp_path / "interviews").mkdir()
    shutil.copy(P1, tmp_path / "interviews" / "P1.pdf")
    runner = CliRunner()
    outputs = {}
    before = os.getcwd()
    os.chdir(tmp_path)
    try:
        for line in commands:
            args = shlex.split(line, comments=True)
            if args[0] == "cd":
                os.chdir(args[1])
                for name, body in files.items():  # the student edits and saves these
                    Path(name).write_text(body, encoding="utf-8")
                continue
            assert args[0] == "qualcode", line
            res = runner.invoke(main, args[1:])
            assert res.exit_code == 0, f"{line}\n{res.output}"
            assert "Traceback" not in res.output and "warning" not in res.output.lower(), \
                f"{line}\n{res.output}"
            outputs[line] = res.output
        project = qc.Project.open(".")
    finally:
        os.chdir(before)
    out = dict(outputs)
    # the interviewer's 47 questions are interviewer turns, listed with their count
    load = out["qualcode load"]
    assert re.search(r"Dan\s+47\s+interviewer", load), load
    assert re.search(r"Participant\s+47\s+", load), load
    with project:
        codings = project.codings()
        seg = project.corpus.segments
        asked = seg[seg["speaker"] == "Dan"]
        assert asked["is_interviewer"].all()
        # no machine suggestion and no coding lies in Dan's questions
        from qualcode.codings import assign_segments

        on = assign_segments(codings, seg)
        assert not on.merge(asked[["document", "segment"]]).shape[0]
        human = codings[codings["method"] == "human"]
        assert sorted(human["coder"].unique()) == ["KIM", "ME"]
        accepted = codings[codings["status"] == "accepted"]
        assert len(accepted) and set(accepted["code"]) == {"practice.plots"}
        assert set(codings[codings["status"] == "rejected"]["code"]) == {"tool.useful"}
        assert project.settings.reference_coder == "ME"  # the only human coder when imported
        hist = project.history()
    assert {"create", "suggest", "accept", "reject"} <= set(hist["action"])
    assert "ME" in out["qualcode agree"] and "KIM" in out["qualcode agree"]
    report = (tmp_path / "mystudy" / "report.html").read_text(encoding="utf-8")
    assert "Plots used" in report and "practice.plots" in report
    assert "Themes, with quotes from the data" in report  # quotes per code of its own codebook
    assert "we use PDP and ICE plots" in report
    # the .qdpx for another tool holds the human coding (accepted suggestions included) and the
    # project's settings; the pending machine rows stay out unless --include-suggestions
    qdpx = qc.read_qdpx(tmp_path / "mystudy" / "mystudy.qdpx")
    back = qdpx.codings
    assert set(back["method"]) == {"human"} and "qualcode-keyword" not in set(back["coder"])
    human = pd.DataFrame(codings)
    human = human[human["method"].eq("human")]
    assert len(back) == len(human.drop_duplicates(["document", "start", "end", "code", "coder"]))
    assert qdpx.settings["interviewer"] == ["Dan"] and qdpx.settings["reference_coder"] == "ME"
