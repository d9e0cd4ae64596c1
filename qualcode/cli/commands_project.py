"""``qualcode init``, ``status``, ``history``, ``rehash``, ``suggestions``, ``accept``,
``reject`` and ``undo``: making a project and looking into its store."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pandas as pd

from ..corpus import UNITS
from ..fileio import write_bytes, write_dataframe, write_text
from ..project import Project
from ..transcript_state import problem_lines
from .app import main
from .commands_codebook import TEMPLATE
from .common import echo_table
from .projectopts import open_project, project_option, split_names


@main.command("init")
@click.argument("directory", default=".", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="The study's name (default: the folder's name).")
@click.option("--transcripts", multiple=True,
              help="Transcript files, folders or globs (repeatable), relative to DIRECTORY or here.")
@click.option("--cases", default=None, help="Cases table (csv/xlsx): 'case' plus attributes.")
@click.option("--codebook", default=None,
              help="Codebook (.yaml or .qdc). Default: a commented template, codebook.yaml.")
@click.option("--codings", multiple=True, type=click.Path(path_type=Path),
              help="Codings files (csv/xlsx/qdpx) to import into the store (repeatable).")
@click.option("--unit", type=click.Choice(UNITS), default=None,
              help="The coding unit (default: turn; with --from, the .qdpx's when qualcode "
                   "wrote it).")
@click.option("--interviewer", multiple=True,
              help="Speaker labels never coded (repeatable or comma-separated), added to the "
                   "default rule (Interviewer, I, Q, Moderator).")
@click.option("--speakers", multiple=True,
              help="Labels that are speakers even when used once (repeatable or comma-separated).")
@click.option("--reference-coder", default=None,
              help="Whose codings reports and matrices use (default: the only human coder).")
@click.option("--from", "from_qdpx", type=click.Path(path_type=Path), default=None,
              help="Make the project from a REFI-QDA .qdpx (NVivo, ATLAS.ti, MAXQDA, QualCoder): "
                   "transcripts, codebook, cases and every coder's codings.")
@click.option("--offsets", type=click.Choice(["auto", "codepoint", "codepoint-lf", "utf16",
                                              "utf16-lf"]), default="auto", show_default=True,
              help="With --from: how the producing tool counted positions.")
def init_cmd(directory, name, transcripts, cases, codebook, codings, unit, interviewer, speakers,
             reference_coder, from_qdpx, offsets):
    """Make DIRECTORY (default: here) a qualcode project: a commented qualcode.yaml with the
    settings every command reads, and the store qualcode.sqlite for codings, memos and reviews."""
    from ..project_io import init_from_qdpx  # lazy: qualcode.project_io at CLI start-up

    wrote_template = None
    if from_qdpx is not None:
        if transcripts or codebook or cases:
            raise click.UsageError("--from takes transcripts, codebook and cases from the .qdpx; "
                                   "leave out --transcripts/--codebook/--cases")
        project, p = init_from_qdpx(directory, from_qdpx, name=name, unit=unit, offsets=offsets,
                                    reference_coder=reference_coder,
                                    interviewer=split_names(interviewer),
                                    speakers=split_names(speakers))
        for w in p.warnings:
            click.echo(f"warning: {from_qdpx}: {w}", err=True)
    else:
        made_folder = not Path(directory).exists()
        if codebook is None:
            template = Path(directory) / "codebook.yaml"
            if not template.exists():
                write_text(template, TEMPLATE)
                wrote_template = template
            codebook = "codebook.yaml"
        try:
            project = Project.init(directory, name=name, transcripts=list(transcripts) or None,
                                   cases=cases, codebook=codebook, unit=unit or "turn",
                                   interviewer=split_names(interviewer),
                                   speakers=split_names(speakers),
                                   reference_coder=reference_coder)
        except BaseException:  # nothing left behind: the user fixes the cause and runs it again
            if wrote_template is not None:
                wrote_template.unlink(missing_ok=True)
            if made_folder and Path(directory).is_dir() and not any(Path(directory).iterdir()):
                Path(directory).rmdir()
            raise
    with project:
        try:
            for f in codings:
                ids = project.import_codings(f)
                click.echo(f"imported {len(ids)} codings from {f}")
        except BaseException:  # no half-made project: the user fixes the file and runs init again
            project.close()
            _remove_new_project(project)
            if wrote_template is not None:
                wrote_template.unlink(missing_ok=True)
            raise
        if wrote_template is not None:
            click.echo(f"wrote a codebook template to {wrote_template}; edit it to define your "
                       "codes")
        if reference_coder is None and project.settings.reference_coder is None:
            _set_only_human_coder(project)
        _print_project(project)


def _remove_new_project(project) -> None:
    for name in ("qualcode.yaml", "qualcode.sqlite", "qualcode.sqlite-wal", "qualcode.sqlite-shm"):
        (project.root / name).unlink(missing_ok=True)


def _set_only_human_coder(project) -> None:
    """With no reference coder yet and exactly one human coder, make them the reference."""
    if project.settings.reference_coder:
        return
    human = project.codings(include_machine=False)["coder"].unique()
    if len(human) == 1:
        project.set_setting("reference_coder", str(human[0]))
        click.echo(f"reference coder: {human[0]} (reference_coder in qualcode.yaml)")


def _print_project(project) -> None:
    s = project.settings
    click.echo(f"project {s.name!r} in {project.root}")
    click.echo(f"  settings: {project.settings_path}")
    click.echo(f"  store:    {project.store.path}")
    if s.transcripts:
        corpus = project.corpus
        summary = corpus.summary()
        click.echo(f"  {summary['documents']} documents, {summary['cases']} cases, "
                   f"{summary['codable_segments']} codable {summary['unit']} segments")
    else:
        click.echo("  no transcripts yet: add them under 'transcripts:' in qualcode.yaml")
    df = project.codings()
    if len(df):
        counts = df.groupby(["coder", "method"]).size().reset_index(name="codings")
        echo_table(counts)
    if s.reference_coder:
        click.echo(f"  reference coder: {s.reference_coder}")


@main.command("status")
@project_option
def status_cmd(project_dir):
    """Show the project's settings, documents, codings per coder, and transcripts that changed
    since they were coded."""
    with open_project(project_dir, required=True) as project:
        _print_project(project)
        _print_changed(project)


def _print_changed(project) -> None:
    """Transcripts changed or missing since they were coded (machine suggestions count too)."""
    for line in problem_lines(project):
        click.echo(f"warning: {line}", err=True)


@main.command("history")
@click.option("--document", default=None, help="Only this document's events.")
@click.option("--coding", type=int, default=None, help="Only this coding's events (its id).")
@click.option("--code", default=None, help="Only events on this code id.")
@click.option("--last", type=int, default=None, help="Only the last N events.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the events (with before/after JSON) to .csv/.xlsx/.md (or, with "
                   "--format, to this file).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Export the whole event log (with batch and undoes) as CSV or JSON Lines, to "
                   "-o or standard output: the audit trail for an appendix or replication "
                   "package.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@project_option
def history_cmd(document, coding, code, last, output, fmt, force, project_dir):
    """Show who did what and when (create, edit, delete, accept, reject, memo, undo, codebook
    changes), oldest first."""
    with open_project(project_dir, required=True) as project:
        if fmt is not None:
            from ..methods import history_export  # lazy: qualcode.methods at CLI start-up

            data = history_export(project, fmt, document=document, coding=coding, code=code,
                                  last=last)
            if output is None:
                click.echo(data.decode("utf-8"), nl=False)
            else:
                write_bytes(output, data, force=force)
                click.echo(f"{_n_events(data, fmt)} events "
                           f"written to {output}")
            return
        hist = project.history(document=document, coding=coding, code=code)
        if last is not None:
            hist = hist.tail(last)
        if output is not None:
            write_dataframe(hist, output, force=force)
            click.echo(f"{len(hist)} events written to {output}")
            return
        view = pd.DataFrame({
            "time": hist["time"].str.slice(0, 19).str.replace("T", " "),
            "actor": hist["actor"], "action": hist["action"], "coding": hist["coding"],
            "document": hist["document"], "code": hist["code"],
            "change": [_change(b, a) for b, a in zip(hist["before"], hist["after"])]})
        echo_table(view, max_width=70)


def _n_events(data: bytes, fmt: str) -> int:
    lines = data.decode("utf-8").splitlines()
    return len(lines) if fmt == "jsonl" else max(len(_csv_rows(data)) - 1, 0)


def _csv_rows(data: bytes) -> list:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _state(text) -> dict:
    """An event's before/after: a JSON object, or {} (none, or JSON null: an undone creation)."""
    value = json.loads(text) if isinstance(text, str) and text else None
    return value if isinstance(value, dict) else {}


def _change(before, after) -> str:
    b = _state(before)
    a = _state(after)
    if not b:
        keys = ("start", "end", "status", "text", "run", "added", "name",
                # codebook changes: a new code's parent, a merge's target, a move's new parent,
                # a deletion's recode target
                "parent", "target", "new_parent", "recode_to")
        return ", ".join(f"{k}={a[k]}" for k in keys if a.get(k) is not None)
    if not a:  # the coding no longer exists (an undone creation)
        return "removed: " + ", ".join(f"{k}={b[k]}" for k in ("code", "start", "end")
                                       if b.get(k) is not None)
    diff = [f"{k}: {b.get(k)} -> {a.get(k)}" for k in sorted(set(a) | set(b))
            if k not in ("version", "human") and b.get(k) != a.get(k)]
    return "; ".join(diff)


@main.command("rehash")
@click.argument("document")
@click.option("--accept", is_flag=True,
              help="Take the transcript's current text as the one its codings refer to (they keep "
                   "their offsets: check them first).")
@click.option("--coder", default=None, help="Your name, for the history.")
@project_option
def rehash_cmd(document, accept, coder, project_dir):
    """Show, or with --accept resolve, a transcript that changed after it was coded."""
    with open_project(project_dir, required=True) as project:
        changed = project.changed_documents()
        row = changed[changed["document"] == document]
        if row.empty:
            click.echo(f"{document}: unchanged since it was coded")
            return
        r = row.iloc[0]
        if not accept:
            old = project.store.document_text(document) or ""
            new = project.corpus.text(document)
            first = next((i for i, (x, y) in enumerate(zip(old, new)) if x != y),
                         min(len(old), len(new)))
            click.echo(f"{document}: {r['n_codings']} codings were made on a text that has since "
                       f"changed (first difference at offset {first}; {len(old)} -> {len(new)} "
                       "characters). Restore the file, or accept the new text with --accept "
                       "(codings keep their offsets).")
            return
        project.accept_document_change(document, coder=coder)
        click.echo(f"{document}: the current text is now the one its {r['n_codings']} codings "
                   "refer to")


@main.command("suggestions")
@click.option("--status", type=click.Choice(["suggested", "accepted", "rejected", "all"]),
              default="suggested", show_default=True, help="Which machine rows to list.")
@click.option("--code", default=None, help="Only this code.")
@click.option("--document", default=None, help="Only this document.")
@click.option("--min-score", type=float, default=None, help="Only suggestions scored at least this.")
@click.option("--limit", type=int, default=20, show_default=True, help="Rows to print (0: all).")
@project_option
def suggestions_cmd(status, code, document, min_score, limit, project_dir):
    """List the machine's suggestions in the project's store, best score first, with their ids
    for 'qualcode accept' and 'qualcode reject'."""
    with open_project(project_dir, required=True) as project:
        df = project.suggestions(None if status == "all" else status, code=code,
                                 document=document, min_score=min_score)
        click.echo(f"{len(df)} {'machine rows' if status == 'all' else status}")
        if limit:
            df = df.head(limit)
        texts = project.corpus.texts
        view = df[["id", "document", "code", "score", "status", "coder"]].copy()
        view["text"] = [texts.get(d, "")[s:e] for d, s, e in
                        zip(df["document"], df["start"], df["end"])]
        echo_table(view)


def _ids(values) -> list[int]:
    out = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                a, b = part.split("-", 1)
                out.extend(range(int(a), int(b) + 1))
            else:
                out.append(int(part))
    return out


_filters = [
    click.option("--code", "only_code", default=None,
                 help="Every suggestion of this code (instead of ids)."),
    click.option("--document", default=None, help="Every suggestion in this document."),
    click.option("--min-score", type=float, default=None,
                 help="Every suggestion scored at least this."),
]


def _with_filters(f):
    for opt in reversed(_filters):
        f = opt(f)
    return f


def _select(project, ids, only_code, document, min_score) -> list[int]:
    if ids:
        if only_code or document or min_score is not None:
            raise click.UsageError("give suggestion ids or --code/--document/--min-score, not both")
        return _ids(ids)
    if not (only_code or document or min_score is not None):
        raise click.UsageError("give suggestion ids (see 'qualcode suggestions'), or choose them "
                               "with --code, --document or --min-score")
    df = project.suggestions(code=only_code, document=document, min_score=min_score)
    return df["id"].astype(int).tolist()


@main.command("accept")
@click.argument("ids", nargs=-1)
@click.option("--coder", required=True, help="Your coder name: accepted suggestions become your "
                                             "human codings.")
@click.option("--start", type=int, default=None, help="Adjusted start (one suggestion only).")
@click.option("--end", type=int, default=None, help="Adjusted end (one suggestion only).")
@click.option("--as-code", "code", default=None, help="A different code (one suggestion only).")
@_with_filters
@project_option
def accept_cmd(ids, coder, start, end, code, only_code, document, min_score, project_dir):
    """Accept suggestions (ids such as 12 13 or 12-20, or all those --code/--document/--min-score
    choose): each becomes a human coding by --coder that remembers the suggestion it came from."""
    with open_project(project_dir, required=True) as project:
        ids = _select(project, ids, only_code, document, min_score)
        if len(ids) > 1 and (start is not None or end is not None or code is not None):
            raise click.UsageError("--start/--end/--as-code adjust one suggestion at a time")
        new = project.accept(ids, coder=coder, start=start, end=end, code=code)
        click.echo(f"accepted {len(new)} suggestion(s) as codings by {coder}"
                   + (f": ids {', '.join(map(str, new))}" if len(new) <= 20 else ""))


@main.command("reject")
@click.argument("ids", nargs=-1)
@click.option("--coder", required=True, help="Your coder name (kept with the decision).")
@_with_filters
@project_option
def reject_cmd(ids, coder, only_code, document, min_score, project_dir):
    """Reject suggestions: they stay in the store as negative examples for training."""
    with open_project(project_dir, required=True) as project:
        ids = _select(project, ids, only_code, document, min_score)
        project.reject(ids, coder=coder)
        click.echo(f"rejected {len(ids)} suggestion(s)")


@main.command("undo")
@click.option("--coder", required=True, help="Whose last action to undo.")
@project_option
def undo_cmd(coder, project_dir):
    """Undo your most recent action in the store (create, edit, delete, accept, reject, memo)."""
    with open_project(project_dir, required=True) as project:
        done = project.undo(coder=coder)
        if done is None:
            click.echo(f"nothing of {coder}'s to undo")
        else:
            click.echo(f"undid {done['action']} of coding(s) "
                       f"{', '.join(map(str, done['codings']))}")
