"""Making projects from files: transcripts written with their speaker lists, a project from a
REFI-QDA export.

:func:`write_transcripts` writes each document as a ``.txt`` whose front matter carries ``case``,
``speakers`` (every label the corpus found, so a label used once stays a speaker when read back)
and ``interviewer``, so the files load into exactly the turns they came from.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

from . import refi
from .corpus import is_side_file
from .errors import OutputExistsError, QualcodeError
from .fileio import write_dataframe, write_text
from .project import Project, ProjectSettings
from .project_files import SETTINGS_FILE, STORE_FILE, check_writable, store_ready
from .readers import parse_turns
from .store import Store

def speaker_front_matter(corpus, document: str) -> dict:
    """``case``, ``speakers`` and ``interviewer`` of one document as front-matter values, and
    ``turns`` when the plain-text rules would find other turns in its text (a subtitle cue
    without a speaker label reads as part of the turn before it)."""
    turns = corpus.turns[corpus.turns["document"] == document]
    labels = [s for s in dict.fromkeys(turns["speaker"]) if s]
    interviewers = [s for s in dict.fromkeys(turns.loc[turns["is_interviewer"], "speaker"]) if s]
    doc = corpus.documents.set_index("document").loc[document]
    out = {"case": str(doc["case"])}
    if labels:
        out["speakers"] = labels
        out["interviewer"] = interviewers
    found = parse_turns(corpus.text(document), speakers=set(labels),
                        interviewers=set(interviewers) or None)
    have = list(zip(turns["start"].astype(int), turns["end"].astype(int), turns["speaker"]))
    if [(t.start, t.end, t.speaker) for t in found] != have:
        out["turns"] = [[s, e, str(sp or "")] for s, e, sp in have]
    return out


def transcript_file_text(corpus, document: str) -> str:
    """A ``.txt`` transcript: front matter (case, speakers, interviewer) and the document's text."""
    front = yaml.safe_dump(speaker_front_matter(corpus, document), allow_unicode=True,
                           sort_keys=False, default_flow_style=None, width=1000)
    return f"---\n{front}---\n{corpus.text(document)}"


def planned_transcripts(corpus, folder: Path, *, file=None,
                        names: dict | None = None) -> list[tuple[Path, object]]:
    """(path, content) for every document's ``.txt`` (``names``: documents written under another
    name) and the ``cases.csv`` beside them."""
    folder = Path(folder)
    names = names or {}
    out: list[tuple[Path, object]] = []
    for d in corpus.document_ids:
        target = folder / f"{names.get(d, d)}.txt"
        if target.parent != folder:  # document ids are file-name safe; this is a second guard
            raise QualcodeError(f"document id {d!r} is not a safe file name", file=file)
        out.append((target, transcript_file_text(corpus, d)))
    if len(corpus.document_ids) and len(corpus.cases.columns) > 1:
        out.append((folder / "cases.csv", corpus.cases.fillna("")))
    return out


def write_planned(planned: list[tuple[Path, object]], *, force: bool = False) -> None:
    """Write (path, text or DataFrame) pairs atomically, refusing before the first write when any
    exists without ``force``."""
    if not force:
        for target, _ in planned:
            if Path(target).exists():
                raise OutputExistsError("already exists; pass --force to replace it", file=target)
    for target, content in planned:
        if isinstance(content, pd.DataFrame):
            write_dataframe(content, target, force=force)
        else:
            write_text(target, content, force=force)


MAX_NAME_BYTES = 200  # most file systems allow 255 bytes per name


def safe_document_names(docs, folder: Path) -> dict[str, str]:
    """Documents whose file name ``load`` would skip (README, cases.csv ...) or that is too long
    for a file system (a 300-character source name) -> a name that works (old id -> new id)."""
    taken = {d.lower() for d in docs}
    renamed = {}
    for d in docs:
        base = d
        if len(f"{d}.txt".encode("utf-8")) > MAX_NAME_BYTES:
            digest = hashlib.sha1(d.encode("utf-8")).hexdigest()[:8]
            cut = d.encode("utf-8")[:MAX_NAME_BYTES - 20].decode("utf-8", "ignore")
            base = f"{cut}-{digest}"
        if is_side_file(Path(folder) / f"{base}.txt"):
            base = f"doc-{base.lstrip('.')}"
        if base == d:
            continue
        new, k = base, 2
        while new.lower() in taken:
            new, k = f"{base}-{k}", k + 1
        taken.add(new.lower())
        renamed[d] = new
    return renamed


def init_from_qdpx(directory, qdpx, *, name=None, unit: str | None = None, offsets: str = "auto",
                   reference_coder=None, interviewer=None, speakers=None):
    """A new project in ``directory`` from a REFI-QDA export: ``transcripts/`` (with speaker lists)
    and ``cases.csv``, ``codebook.yaml``, and every coder's codings in the store (``method``,
    ``status`` and ``memo`` kept). Returns ``(project, qdpx project)``.

    The settings qualcode keeps in a .qdpx it wrote (``interviewer``, ``speakers``, ``unit``,
    ``reference_coder``) are the new project's, unless given here; otherwise the reference coder
    is the only human coder when there is one. A document whose name cannot be a file name
    (README, too long) is renamed, said in the qdpx project's ``warnings``. The project is built
    in a temporary folder and moved into place: a failure leaves nothing behind."""
    directory = Path(directory)
    if (directory / SETTINGS_FILE).exists():
        raise QualcodeError(f"a project already exists here; edit {SETTINGS_FILE} or choose "
                            "another folder", file=directory / SETTINGS_FILE)
    check_writable(directory)
    p = refi.read_qdpx(qdpx, offsets=offsets, unit=unit or "turn")
    if p.corpus is None:
        raise QualcodeError("the project has no text sources to code", file=qdpx)
    kept = p.settings
    unit = unit or kept.get("unit") or "turn"
    renamed = safe_document_names(p.corpus.document_ids, directory / "transcripts")
    codings = p.codings
    if renamed:
        codings = codings.assign(document=codings["document"].replace(renamed))
        p.warnings.extend(f"document {old[:60]!r} is {new!r} in the project (its name cannot be "
                          "a transcript's file name)" for old, new in renamed.items())
    if reference_coder is None:
        reference_coder = kept.get("reference_coder")
    if reference_coder is None and len(codings):
        human = sorted(codings.loc[codings["method"].eq("human"), "coder"].unique()) \
            if "method" in codings.columns else sorted(codings["coder"].unique())
        reference_coder = human[0] if len(human) == 1 else None
    interviewer = list(interviewer or kept.get("interviewer") or [])
    speakers = list(speakers or kept.get("speakers") or [])
    settings = ProjectSettings.from_dict({
        "name": name or kept.get("name") or p.name or directory.resolve().name,
        "transcripts": ["transcripts/"], "codebook": "codebook.yaml", "unit": unit,
        "reference_coder": reference_coder, "interviewer": interviewer, "speakers": speakers})

    def build(stage: Path) -> None:
        planned = planned_transcripts(p.corpus, stage / "transcripts", file=qdpx, names=renamed)
        planned.append((stage / "codebook.yaml", p.codebook.to_yaml()))
        (stage / "transcripts").mkdir()
        write_planned(planned)
        if len(codings):  # checked against the files as written, before anything is in place
            with Project(stage, settings, Store(stage / STORE_FILE)) as staged:
                staged.add_codings(store_ready(codings), actor="import", file=qdpx)

    project = Project.init(directory, name=settings.name, transcripts=["transcripts/"],
                           codebook="codebook.yaml", unit=unit, reference_coder=reference_coder,
                           interviewer=interviewer, speakers=speakers, build=build)
    return project, p


def qdpx_folder_plan(p, out: Path, *, file=None) -> tuple[list[tuple[Path, object]], dict]:
    """What ``qualcode import FILE -o OUT`` writes for a read .qdpx ``p``
    (:class:`~qualcode.refi.QdpxProject`): ``transcripts/`` (one ``.txt`` per document with
    its speaker lists, and ``cases.csv``), ``codings.csv``, ``codebook.yaml`` and ``notes.csv``,
    as (path, content) pairs for :func:`qualcode.fileio.write_folder`; and the documents renamed
    (old -> new file name) because their own name would not load back."""
    docs = [] if p.corpus is None else p.corpus.document_ids
    out = Path(out)
    tdir = out / "transcripts"
    renamed = safe_document_names(docs, tdir)
    codings, notes = p.codings, p.notes
    if renamed:
        codings = codings.assign(document=codings["document"].replace(renamed))
        if "document" in notes.columns:
            notes = notes.assign(document=notes["document"].replace(renamed))
    planned: list[tuple[Path, object]] = []
    for d in docs:
        target = tdir / f"{renamed.get(d, d)}.txt"
        if target.parent != tdir:  # document ids are file-name safe; this is a second guard
            raise QualcodeError(f"document id {d!r} is not a safe file name", file=file)
        planned.append((target, transcript_file_text(p.corpus, d)))
    if docs:
        planned.append((tdir / "cases.csv", p.cases.fillna("")))
    planned.append((out / "codings.csv", codings))
    planned.append((out / "codebook.yaml", p.codebook.to_yaml()))
    if len(notes):
        planned.append((out / "notes.csv", notes))
    return planned, renamed
