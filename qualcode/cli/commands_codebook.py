"""``qualcode codebook validate|show|export|new``, and the project's codebook changes
``add|edit|move|merge|delete`` (what the workbench's Codebook page does, one store transaction
each; a running workbench picks them up and retrains)."""
from __future__ import annotations

from pathlib import Path

import click

from .. import palette
from ..codebook import COLOR_RE, EXAMPLE_LIMIT, NAME_LIMIT, SOURCE_LIMIT, TEXT_LIMIT
from ..io import read_codebook
from ..fileio import write_bytes, write_text
from ..project import Project
from .app import main
from .projectopts import open_project


@main.group("codebook")
def codebook_group():
    """Check, show and export codebooks (YAML, or REFI-QDA .qdc/.qdpx); in a project, add, edit,
    move, merge and delete its codes."""


TEMPLATE = """\
# A qualcode codebook (README, "Codebook format"). Check it with: qualcode codebook validate FILE
name: My study
version: "0.1"
description: What this codebook is for.
codes:
  - id: goal                      # lowercase letters, digits, _ ; a child's id is its parent's id + "."
    name: Goals
    description: What the interviewee wants to achieve.
    children:
      - id: goal.sales
        name: Sales
        description: Selling more, or to new customers.
        inclusion: Concrete revenue or sales targets.
        exclusion: Brand awareness without a sales aim (code goal.branding).
        keywords: ["increase sales", "new customer", "sell * product"]  # lemmas; * = one word
        exclude_keywords: ["sales team"]                          # phrases that suppress the code
        examples:
          - quote: "We wanted to sell more to the people who already knew us."
            source: "interview 3"
      - id: goal.branding
        name: Branding
        description: Being known and recognised.
        keywords: ["brand awareness", "be know"]
  - id: obstacle
    name: Obstacles
    description: What stood in the way.
    color: "#e15759"
"""


@codebook_group.command("new")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("codebook.yaml"),
              show_default=True, help="The codebook file to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def new_cmd(output, force):
    """Write a small, commented example codebook to start from (every field explained)."""
    write_text(output, TEMPLATE, force=force)
    cb = read_codebook(output)
    click.echo(f"{len(cb)} example codes written to {output}; edit them, then run "
               f"'qualcode codebook validate {output}'")


def _project_option(f):
    return click.option("-p", "--project", "project_dir", type=click.Path(path_type=Path),
                        default=None, help="Project folder (default: the qualcode.yaml here or in "
                                           "a parent); used when no CODEBOOK is given.")(f)


def _load(codebook, project_dir):
    """``(codebook, label, where, file)``: the CODEBOOK file when given, else the project's
    codebook (its file plus the changes made while coding; ``where`` says where it lives, ``file``
    is the project's codebook file or None)."""
    if codebook is not None:
        return read_codebook(codebook), str(codebook), None, None
    from ..project_codebook import codebook_status  # lazy: qualcode.project_codebook at CLI start-up

    if project_dir is None and Project.find(Path.cwd()) is None:
        raise click.UsageError("give a CODEBOOK file, or run inside a project (there is no "
                               "qualcode.yaml here or in a parent folder; see 'qualcode init') "
                               "or name one with -p/--project")
    with open_project(project_dir, required=True) as project:
        cb = project.codebook
        status = codebook_status(project)
    n = status["changes"]
    changes = (f"{n} change{'s' if n != 1 else ''} made while coding" if n
               else "no change made while coding yet")
    if status["file"] is None:
        where = f"stored in qualcode.sqlite ({changes})"
    elif status["in_step"]:
        where = f"{status['file'].name}, kept in step with qualcode.sqlite ({changes})"
    else:
        where = (f"{status['file']} (outside the project or not YAML, so never rewritten) plus "
                 f"qualcode.sqlite ({changes}); 'qualcode codebook export -o FILE' writes it whole")
    return cb, "project codebook", where, status["file"]


@codebook_group.command("validate")
@click.argument("codebook", type=click.Path(path_type=Path), required=False)
@_project_option
def validate_cmd(codebook, project_dir):
    """Check a codebook and print a one-line summary (exit 1 with the error otherwise); without
    CODEBOOK, the project's codebook (its file plus the changes made while coding)."""
    cb, label, where, _ = _load(codebook, project_dir)
    n_kw = sum(len(c.keywords) for c in cb)
    click.echo(f"{label}: valid — {len(cb)} codes ({len(cb.roots())} top level, "
               f"{len(cb.leaves())} leaves), {n_kw} keyword phrases, version {cb.version or '-'}")
    if where:
        click.echo(f"It lives in {where}.")


@codebook_group.command("show")
@click.argument("codebook", type=click.Path(path_type=Path), required=False)
@click.option("--code", "code_id", default=None, help="Show one code (and its children) in full.")
@_project_option
def show_cmd(codebook, code_id, project_dir):
    """Print the code tree, or one code's definition, rules, examples and properties; without
    CODEBOOK, the project's codebook (its file plus the changes made while coding)."""
    cb, label, _, _ = _load(codebook, project_dir)
    if code_id is None:
        for c in cb:
            click.echo(f"{'  ' * c.depth}{c.id}  {c.name}")
        return
    if code_id not in cb:
        raise click.ClickException(f"{label}: unknown code id {code_id!r}")
    c = cb[code_id]
    click.echo(f"{c.id}  {c.name}")
    for label, value in (("definition", c.description), ("include", c.inclusion),
                         ("exclude", c.exclusion), ("source", c.source)):
        if value:
            click.echo(f"  {label}: {value}")
    if c.keywords:
        click.echo(f"  keywords: {', '.join(c.keywords)}")
    for k, v in c.properties.items():
        click.echo(f"  {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}")
    for ex in c.examples:
        click.echo(f"  example: \"{ex['quote']}\" ({ex.get('source', '')})")
    if c.children:
        click.echo(f"  children: {', '.join(c.children)}")


@codebook_group.command("export")
@click.argument("codebook", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Output file: .md (an appendix), .csv/.xlsx (one row per code), .yaml, or .qdc.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@_project_option
def export_cmd(codebook, output, force, project_dir):
    """Export a codebook as Markdown, CSV/XLSX, YAML or a REFI-QDA .qdc codebook; without
    CODEBOOK, the project's current codebook (its file plus the codes created, renamed, moved and
    merged while coding)."""
    cb, _, _, own = _load(codebook, project_dir)
    if own is not None and output.resolve() == own.resolve():
        raise click.ClickException(
            f"{output}: this is the project's codebook file itself (qualcode keeps it in step, "
            "and the changes made while coding apply on top of it); export to another file")
    from .. import exports  # lazy: qualcode.exports at CLI start-up

    fmt = {".markdown": "md", ".yml": "yaml"}.get(output.suffix.lower(),
                                                  output.suffix.lower().lstrip("."))
    if fmt not in exports.CODEBOOK_FORMATS:
        raise click.ClickException(f"{output}: unknown export format; use .md, .csv, .xlsx, .yaml or .qdc")

    write_bytes(output, exports.codebook_bytes(cb, fmt), force=force)
    click.echo(f"{len(cb)} codes written to {output}")


# ---- changing the project's codebook (what the workbench's Codebook page does) ----------------

def _coder_option(f):
    return click.option("--coder", required=True,
                        help="Your name, for the project's history.")(f)


def _change(project_dir, what):
    """Run ``what(project)`` on the project (required) and return its result; the change is one
    store transaction (a running workbench picks it up and retrains)."""
    with open_project(project_dir, required=True) as project:
        return what(project)


def _check_lengths(**texts) -> None:
    """Each option's text within what the workbench takes (``add_example`` is --add-example)."""
    limits = {"name": NAME_LIMIT, "add_example": EXAMPLE_LIMIT, "source": SOURCE_LIMIT}
    for key, value in texts.items():
        limit = limits.get(key, TEXT_LIMIT)
        key = key.replace("_", "-")
        if value is not None and len(value) > limit:
            raise click.UsageError(f"--{key} is {len(value):,} characters long; at most {limit:,}")


def _known(project, code_id, *, role="code"):
    if code_id not in project.codebook:
        raise click.ClickException(f"no {role} {code_id!r} in the project's codebook (see "
                                   "'qualcode codebook show')")
    return code_id


@codebook_group.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="The code to put it under (default: top level).")
@click.option("--id", "code_id", default=None,
              help="Its id (default: from the name, under the parent's id).")
@click.option("--description", default="", help="Its definition.")
@click.option("--color", default=None,
              help="A #rrggbb colour (default: the palette's first colour no code shows, as in "
                   "the workbench).")
@_coder_option
@_project_option
def add_cmd(name, parent, code_id, description, color, coder, project_dir):
    """Add a code named NAME to the project's codebook (open coding)."""
    from ..project_codebook import new_code_id  # lazy: qualcode.project_codebook at CLI start-up

    if not name.strip():
        raise click.UsageError("give the new code a name")
    _check_lengths(name=name, description=description)
    if color is not None and not COLOR_RE.match(color):
        raise click.UsageError(f"--color {color!r} is not a #rrggbb colour")

    def add(project):
        if parent is not None:
            _known(project, parent, role="parent code")
        new = new_code_id(project.codebook, name.strip(), parent=parent, code_id=code_id)
        chosen = color.lower() if color else palette.new_code_color(project.codebook)
        project.create_code(new, name.strip(), parent=parent, color=chosen,
                            description=description.strip(), coder=coder)
        return new

    click.echo(f"added {_change(project_dir, add)}")


@codebook_group.command("edit")
@click.argument("code_id", metavar="CODE")
@click.option("--name", default=None, help="Its new name (the id stays).")
@click.option("--description", default=None, help="Its definition.")
@click.option("--inclusion", default=None, help="When to apply it.")
@click.option("--exclusion", default=None, help="When not to (and what to code instead).")
@click.option("--keyword", "keywords", multiple=True,
              help="A keyword phrase (repeat the option; replaces the code's keywords).")
@click.option("--add-example", "example", default=None,
              help="Add an example quote (the learner learns from a code's examples too).")
@click.option("--source", default=None, help="With --add-example: where the quote is from.")
@click.option("--color", default=None, help="A #rrggbb colour ('' for none).")
@_coder_option
@_project_option
def edit_cmd(code_id, name, description, inclusion, exclusion, keywords, example, source, color,
             coder, project_dir):
    """Change a code's name, definition, rules, keywords or colour, or add an example quote."""
    _check_lengths(name=name, description=description, inclusion=inclusion, exclusion=exclusion,
                   keyword=max(keywords, key=len) if keywords else None)
    fields = {k: v.strip() for k, v in (("name", name), ("description", description),
                                        ("inclusion", inclusion), ("exclusion", exclusion))
              if v is not None}
    if "name" in fields and not fields["name"]:
        raise click.UsageError("a code's name cannot be empty")
    if keywords:
        fields["keywords"] = [k.strip() for k in keywords if k.strip()]
    if source is not None and example is None:
        raise click.UsageError("--source goes with --add-example")
    if example is not None:
        if not example.strip():
            raise click.UsageError("--add-example needs the quote")
        _check_lengths(add_example=example, source=source)
    if color is not None:
        if color and not COLOR_RE.match(color):
            raise click.UsageError(f"--color {color!r} is not a #rrggbb colour")
        fields["color"] = color.lower()
    if not fields and example is None:
        raise click.UsageError("nothing to change: give --name, --description, --inclusion, "
                               "--exclusion, --keyword, --add-example or --color")

    def edit(project):
        code = _known(project, code_id)
        if example is not None:  # appended to the code's examples as they are now
            new = {"quote": example.strip(), **({"source": source.strip()} if source else {})}
            fields["examples"] = [dict(e) for e in project.codebook[code].examples] + [new]
        project.update_code(code, coder=coder, **fields)

    _change(project_dir, edit)
    click.echo(f"edited {code_id}: {', '.join(fields)}")


@codebook_group.command("move")
@click.argument("code_id", metavar="CODE")
@click.option("--parent", default=None, help="The code to move it under.")
@click.option("--top", is_flag=True, help="Move it to the top level.")
@_coder_option
@_project_option
def move_cmd(code_id, parent, top, coder, project_dir):
    """Move a code (and its children) under another code, or to the top level (axial coding).
    Its id changes with its parent's; its codings follow."""
    if (parent is None) == (not top):
        raise click.UsageError("give --parent CODE or --top")

    def move(project):
        if parent is not None:
            _known(project, parent, role="parent code")
        return project.move_code(_known(project, code_id), parent, coder=coder)

    click.echo(f"moved {code_id}: now {_change(project_dir, move)}")


@codebook_group.command("merge")
@click.argument("source")
@click.argument("target")
@_coder_option
@_project_option
def merge_cmd(source, target, coder, project_dir):
    """Merge SOURCE into TARGET: SOURCE's codings (and its children, which move under TARGET)
    follow. A coding that would become a second copy of one its coder has is dropped (one with a
    memo of its own stays). The store is copied first (.qualcode/backups/)."""
    def merge(project):
        _known(project, source), _known(project, target)
        human = project.codings(include_machine=False)
        n = int(human["code"].isin(project.codebook.descendants(source, include_self=True)).sum())
        project.merge_codes(source, target, coder=coder)
        dropped = len(human) - len(project.codings(include_machine=False))
        return n - dropped, dropped

    moved, dropped = _change(project_dir, merge)
    click.echo(f"merged {source} into {target} ({moved} human coding{'s' if moved != 1 else ''} "
               f"moved" + (f", {dropped} dropped as a second copy" if dropped else "") + ")")


@codebook_group.command("delete")
@click.argument("code_id", metavar="CODE")
@click.option("--recode-to", default=None,
              help="Move its codings to this code first (needed when it has codings).")
@_coder_option
@_project_option
def delete_cmd(code_id, recode_to, coder, project_dir):
    """Delete a code without children; one with codings needs --recode-to."""
    def delete(project):
        if recode_to is not None:
            _known(project, recode_to)
        project.delete_code(_known(project, code_id), coder=coder, recode_to=recode_to)

    _change(project_dir, delete)
    click.echo(f"deleted {code_id}" + (f" (its codings recoded to {recode_to})" if recode_to else ""))
