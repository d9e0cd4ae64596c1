"""The README's "Reporting your methods" section, run command by command on the bundled sample:
the saturation table, the machine-help statement, the agreement paragraph and the number of
events it quotes are what the commands print, so the README cannot drift from them."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Reporting your methods")
    end = text.find("\n## ", start + 5)
    return text[start:end]


def quotes(text: str) -> list[str]:
    """The blockquotes, each joined into one line."""
    out, cur = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("> "):
            cur.append(line[2:])
        elif cur:
            out.append(" ".join(cur))
            cur = []
    return out


def test_the_readme_methods_section_is_what_the_commands_print(tmp_path):
    text = section()
    bash, printed = re.findall(r"```(?:bash)?\n(.*?)```", text, flags=re.DOTALL)[:2]
    for name in ("transcripts_sample", "codebooks"):
        shutil.copytree(REPO / name, tmp_path / name)
    runner, outputs = CliRunner(), {}
    before = os.getcwd()
    os.chdir(tmp_path)
    try:
        for line in bash.replace("\\\n", " ").splitlines():
            args = shlex.split(line)
            if not args:
                continue
            if args[0] == "cd":
                os.chdir(args[1])
                continue
            res = runner.invoke(main, args[1:])
            assert res.exit_code == 0, f"{line}\n{res.output}"
            outputs[args[1]] = res.output
        md = Path("methods.md").read_text(encoding="utf-8")
        events = Path("events.jsonl").read_text(encoding="utf-8").splitlines()
    finally:
        os.chdir(before)
    assert outputs["saturation"] == printed
    statement, paragraph = quotes(text)
    assert statement in md and paragraph in md
    assert f"the whole event log ({len(events):,} events here" in " ".join(text.split())
    assert json.loads(events[-1])["action"] == "reject"
