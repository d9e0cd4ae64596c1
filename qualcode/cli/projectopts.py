"""How commands find the project: ``-p/--project DIR``, or ``qualcode.yaml`` in the working folder
or a parent. Explicit arguments always win over the project's settings; without a project every
command works from files as before."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ProjectError


def project_option(f):
    """Add ``-p/--project`` to a command (the value arrives as ``project_dir``)."""
    return click.option(
        "-p", "--project", "project_dir", type=click.Path(path_type=Path), default=None,
        help="Project folder (default: the qualcode.yaml in this folder or a parent); its "
             "settings fill in what is not given on the command line.")(f)


def open_project(project_dir=None, *, required: bool = False):
    """The project named by ``-p``, else the one around the working folder, else None (or a
    :class:`ProjectError` when ``required``)."""
    from ..project import Project

    if project_dir is not None:
        if not (Path(project_dir) / "qualcode.yaml").is_file() and Project.find(project_dir) is None:
            raise ProjectError("no qualcode.yaml in this folder or a parent; run 'qualcode init' "
                               "there first", file=project_dir)
        return Project.open(project_dir)
    root = Project.find(Path.cwd())
    if root is None:
        if required:
            raise ProjectError("no qualcode.yaml here or in a parent folder; run 'qualcode init' "
                               "to make a project, or name one with -p/--project", file=Path.cwd())
        return None
    return Project.open(root)


def split_names(values) -> list[str]:
    """``--interviewer A --interviewer "B, C"`` -> ``["A", "B", "C"]``."""
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in str(v).split(",") if x.strip())
    return out
