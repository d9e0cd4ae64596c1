"""How commands find the project: ``-p/--project DIR``, or ``qualcode.yaml`` in the working folder
or a parent. Explicit arguments always win over the project's settings; without a project every
command works from files as before."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click
import pandas as pd

from ..corpus import _expand
from ..errors import ProjectError
from ..io import read_codebook, read_codings
from ..project import Project, load_corpus_files


def project_option(f):
    """Add ``-p/--project`` to a command (the value arrives as ``project_dir``)."""
    return click.option(
        "-p", "--project", "project_dir", type=click.Path(path_type=Path), default=None,
        help="Project folder (default: the qualcode.yaml in this folder or a parent); its "
             "settings fill in what is not given on the command line.")(f)


def open_project(project_dir=None, *, required: bool = False):
    """The project named by ``-p``, else the one around the working folder, else None (or a
    :class:`ProjectError` when ``required``)."""
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


def corpus_for(project, transcripts=None, *, cases=None, unit=None, interviewer=(), speakers=()):
    """The corpus a command works on: explicit TRANSCRIPTS (files or folders), else the project's.

    Settings the command line does not give come from the project (unit, interviewer, speakers);
    ``--interviewer`` labels are added to the default rule and to an ``interviewer`` column of the
    cases table.
    """
    interviewer = split_names(interviewer)
    speakers = split_names(speakers)
    if isinstance(transcripts, (str, Path)):
        transcripts = [transcripts]
    transcripts = [Path(t) for t in (transcripts or [])]
    if transcripts:
        settings = project.settings if project is not None else None
        files = [f for t in transcripts for f in _expand(t)]
        if cases is None and len(transcripts) == 1 and transcripts[0].is_dir() \
                and (transcripts[0] / "cases.csv").exists():
            cases = transcripts[0] / "cases.csv"
        return load_corpus_files(
            files, cases=cases, unit=unit or (settings.unit if settings else "turn"),
            interviewer=interviewer or (settings.interviewer if settings else []),
            speakers=speakers or (settings.speakers if settings else []))
    if project is None:
        raise click.UsageError("give the transcripts, or run inside a project (see 'qualcode "
                               "init') or name one with -p/--project")
    if cases is None and unit in (None, project.settings.unit) and not interviewer \
            and not speakers:
        return project.corpus
    if cases is not None:
        return load_corpus_files(project.transcript_files(), cases=cases, unit=unit or project.settings.unit,
                     interviewer=interviewer or project.settings.interviewer,
                     speakers=speakers or project.settings.speakers)
    return project.load_corpus(unit=unit, interviewer=interviewer or None,
                               speakers=speakers or None)


def codebook_for(project, codebook_path=None):
    """``--codebook`` when given, else the project's codebook (file plus stored changes)."""
    if codebook_path is not None:
        return read_codebook(codebook_path)
    if project is None:
        raise click.UsageError("give --codebook, or run inside a project (see 'qualcode init')")
    return project.codebook


def codings_for(project, paths=(), *, corpus=None, codebook=None, human_only: bool = True):
    """Codings from ``--codings`` files when given, else from the project's store (human rows
    only unless ``human_only`` is False). Columns: the codings contract (DESIGN.md)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if paths:
        frames = [read_codings(p, corpus=corpus, codebook=codebook) for p in paths]
        return pd.concat(frames, ignore_index=True)
    if project is None:
        raise click.UsageError("give --codings, or run inside a project (see 'qualcode init')")
    df = project.codings(include_machine=not human_only)
    cols = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo"]
    return df[cols].reset_index(drop=True)


def reference_coder_for(project, explicit=None, codings=None) -> str | None:
    """``explicit`` > the project's ``reference_coder`` > the only human coder > None."""
    if explicit:
        return explicit
    if project is not None and project.settings.reference_coder:
        return project.settings.reference_coder
    if codings is not None and len(codings):
        human = codings
        if "method" in codings.columns:
            human = codings[codings["method"].fillna("human").eq("human")]
        coders = sorted(human["coder"].unique())
        if len(coders) == 1:
            return str(coders[0])
    return None


def project_context(project_dir=None, *, required: bool = False):
    """A context manager giving the project (closed at the end) or None without one."""
    project = open_project(project_dir, required=required)
    return project if project is not None else contextlib.nullcontext(None)


interviewer_option = click.option(
    "--interviewer", multiple=True,
    help="Speaker labels never coded (repeatable or comma-separated), added to the default rule "
         "(Interviewer, I, Q, Moderator). Default: the project's 'interviewer:' setting.")


skip_changed_option = click.option(
    "--skip-changed", is_flag=True,
    help="In a project: leave out the documents whose transcript changed or is missing since "
         "they were coded (and say so), instead of refusing.")


def parse_where(pairs) -> dict | None:
    """``--where ATTRIBUTE=VALUE`` options (repeatable) as ``{attribute: [values]}``."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not ATTRIBUTE=VALUE", param_hint="--where")
        out.setdefault(key.strip(), []).append(value.strip())
    return out or None
