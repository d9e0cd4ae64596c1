"""`qualcode codebook` through CliRunner: exact output lines and exit codes."""
from __future__ import annotations

from click.testing import CliRunner
from helpers import inside

from qualcode.cli import main

CB = """\
name: Tiny
version: "2"
codes:
  - id: goal
    name: Goals
    description: Why.
    children:
      - id: goal.sales
        name: Sales
        description: Leads and deals.
        keywords: [lead generation, sales]
"""


def test_validate_ok_and_error(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        open("cb.yaml", "w", encoding="utf-8").write(CB)
        res = runner.invoke(main, ["codebook", "validate", "cb.yaml"])
        assert res.exit_code == 0
        assert res.output == "cb.yaml: valid — 2 codes (1 top level, 1 leaves), 2 keyword phrases, version 2\n"
        open("bad.yaml", "w", encoding="utf-8").write(CB.replace("name: Sales", "nam: Sales"))
        res = runner.invoke(main, ["codebook", "validate", "bad.yaml"])
        assert res.exit_code == 1
        assert res.output == ("Error: bad.yaml, line 8, code goal.sales: unknown field 'nam' (fields: "
                              "children, color, description, examples, exclude_keywords, exclusion, id, "
                              "inclusion, keywords, name, parent, properties, source)\n")
        assert "Traceback" not in res.output


def test_show(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        open("cb.yaml", "w", encoding="utf-8").write(CB)
        res = runner.invoke(main, ["codebook", "show", "cb.yaml"])
        assert res.output == "goal  Goals\n  goal.sales  Sales\n"
        res = runner.invoke(main, ["codebook", "show", "cb.yaml", "--code", "goal.sales"])
        assert res.output.splitlines()[:3] == ["goal.sales  Sales", "  definition: Leads and deals.",
                                               "  keywords: lead generation, sales"]


def test_export_formats_and_no_overwrite(tmp_path):
    runner = CliRunner()
    with inside(tmp_path):
        open("cb.yaml", "w", encoding="utf-8").write(CB)
        res = runner.invoke(main, ["codebook", "export", "cb.yaml", "-o", "cb.md"])
        assert res.exit_code == 0 and res.output == "2 codes written to cb.md\n"
        assert "### Sales (`goal.sales`)" in open("cb.md", encoding="utf-8").read()
        res = runner.invoke(main, ["codebook", "export", "cb.yaml", "-o", "cb.md"])
        assert res.exit_code == 1
        assert res.output == "Error: cb.md: already exists; pass --force to replace it\n"
        res = runner.invoke(main, ["codebook", "export", "cb.yaml", "-o", "cb.csv"])
        assert open("cb.csv", encoding="utf-8").readline().startswith("id,parent,level,name,description")


def test_every_command_has_help():
    """A docs test: every command and option of the CLI carries help text."""
    import click

    def walk(cmd, path):
        yield path, cmd
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, path + [name])

    for path, cmd in walk(main, ["qualcode"]):
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"
