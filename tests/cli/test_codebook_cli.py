"""`qualcode codebook` through CliRunner: exact output lines and exit codes."""
from __future__ import annotations

from click.testing import CliRunner
from helpers import TINY_CODEBOOK, inside

from qualcode.cli import main

CB = TINY_CODEBOOK


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


def test_in_a_project_every_codebook_command_works_on_the_projects_codebook(tmp_path, monkeypatch):
    """issue 23: 'qualcode codebook show' in a project demanded a file, and the file on disk stayed
    at the codes the student started with."""
    import warnings

    import qualcode as qc

    root = tmp_path / "study"
    root.mkdir()
    (root / "t.txt").write_text("Interviewer: Why?\nAnn: Deals.\n", encoding="utf-8")
    (root / "codebook.yaml").write_text(CB, encoding="utf-8")
    with qc.Project.init(root, transcripts=["t.txt"], codebook="codebook.yaml") as p, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notice that the student's file was kept as .bak
        p.create_code("goal.trust", "Trust", parent="goal", coder="ME")
    runner = CliRunner()
    monkeypatch.chdir(root)
    res = runner.invoke(main, ["codebook", "show"])
    assert res.exit_code == 0, res.output
    assert res.output == "goal  Goals\n  goal.sales  Sales\n  goal.trust  Trust\n"
    res = runner.invoke(main, ["codebook", "show", "--code", "goal.trust"])
    assert res.output.splitlines()[0] == "goal.trust  Trust"
    res = runner.invoke(main, ["codebook", "validate"])
    assert res.exit_code == 0
    assert res.output.splitlines() == [
        "project codebook: valid — 3 codes (1 top level, 2 leaves), 2 keyword phrases, version 2",
        ("It lives in codebook.yaml, kept in step with qualcode.sqlite (1 change made while "
         "coding).")]
    res = runner.invoke(main, ["codebook", "export", "-o", "now.md"])
    assert res.exit_code == 0 and "Trust (`goal.trust`)" in (root / "now.md").read_text()
    # from elsewhere with -p; and the file on disk is the project's codebook
    res = runner.invoke(main, ["codebook", "show", "-p", str(root)])
    assert "goal.trust  Trust" in res.output
    assert qc.Codebook.load(root / "codebook.yaml").ids() == ["goal", "goal.sales", "goal.trust"]
    # a CODEBOOK given wins over the project
    (root / "other.yaml").write_text(CB, encoding="utf-8")
    res = runner.invoke(main, ["codebook", "show", str(root / "other.yaml"), "-p", str(root)])
    assert "goal.trust" not in res.output


def test_without_a_codebook_or_a_project_one_line_says_what_to_give(tmp_path):
    with inside(tmp_path):
        for command in ("show", "validate"):
            res = CliRunner().invoke(main, ["codebook", command])
            assert res.exit_code == 2 and "Traceback" not in res.output
            assert "give a CODEBOOK file, or run inside a project" in res.output


def test_export_refuses_to_overwrite_the_projects_own_codebook_file(tmp_path, monkeypatch):
    """An export over the file the stored changes apply to would apply them twice."""
    import qualcode as qc

    root = tmp_path / "study"
    root.mkdir()
    (root / "t.txt").write_text("Interviewer: Why?\nAnn: Deals.\n", encoding="utf-8")
    (root / "codebook.yaml").write_text(CB, encoding="utf-8")
    qc.Project.init(root, transcripts=["t.txt"], codebook="codebook.yaml").close()
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["codebook", "export", "-o", "codebook.yaml", "--force"])
    assert res.exit_code == 1 and "the project's codebook file itself" in res.output
    assert (root / "codebook.yaml").read_text(encoding="utf-8") == CB
