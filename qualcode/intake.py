"""Adding an interview to a project: one transcript file, read and checked as ``qualcode load``
reads it (the project's interviewer and speaker rules) from a staging copy, then written into the
project's transcripts folder atomically and never over a file that is there. The workbench's "Add
interviews" calls :func:`add_to_project`; a command line could call it the same way.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputFormatError, ProjectError
from .fileio import write_bytes
from .project import load_corpus_files
from .readers import supported_suffixes

#: the largest transcript accepted (a 300-page PDF is a few MB; a docx with images more)
MAX_BYTES = 40 * 1024 * 1024
#: formats people try that the loader does not read, with what to do instead
CONVERT = {".doc": "save it as .docx", ".rtf": "save it as .docx or .txt",
           ".pages": "export it as .docx", ".odf": "save it as .odt"}


@dataclass
class Added:
    """What one added file held: the path written, its documents and their speakers."""

    path: Path
    documents: list[str]
    turns: int
    codable: int
    words: int
    speakers: list[dict] = field(default_factory=list)  # {name, turns, interviewer}

    def message(self) -> str:
        """One line, as ``qualcode load`` would summarise the file."""
        who = ", ".join(f"{s['name'] or '(no label)'} {s['turns']}"
                        + (" (interviewer)" if s["interviewer"] else "") for s in self.speakers)
        docs = ", ".join(self.documents)
        return (f"{self.path.name}: {len(self.documents)} document{'s' * (len(self.documents) != 1)}"
                f" ({docs}), {self.words:,} words, {self.turns} turns ({self.codable} codable); "
                f"speakers found: {who or 'none'}")


def unreadable_reason(name: str) -> str | None:
    """Why the loader would skip a file of this name (None: it reads it)."""
    suffix = Path(name).suffix.lower()
    if suffix in supported_suffixes():
        return None
    if suffix in CONVERT:
        return f"{suffix} is not read: {CONVERT[suffix]}"
    return (f"{suffix or 'a file without a suffix'} is not a transcript format "
            f"(use one of {', '.join(supported_suffixes())})")


def safe_name(name: str) -> str:
    """The file name of an upload, refused when it could leave the folder or hide itself."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base.startswith(".") or base != (name or "").strip() or "\x00" in base \
            or len(base) > 200:
        raise InputFormatError(f"file name {name!r} is not usable: give a plain name such as "
                               "interview_07.docx (no folders, not starting with a dot)")
    return base


def add_transcript(folder, name: str, data: bytes, *, interviewer=(), speakers=(),
                   existing=()) -> Added:
    """Write ``data`` as ``folder/name`` after reading it as the loader does.

    The file is read from a staging copy in a temporary folder with the project's ``interviewer``
    and ``speakers`` rules; a file the loader cannot read, an empty one, a name in use, or a
    document id already in ``existing`` is refused with one line, and nothing is written. The
    file appears under its name in one step (a hard link, which fails rather than replace).
    """
    folder = Path(folder)
    name = safe_name(name)
    reason = unreadable_reason(name)
    if reason:
        raise InputFormatError(f"skipped: {reason}", file=name)
    if not data:
        raise InputFormatError("the file is empty", file=name)
    if len(data) > MAX_BYTES:
        raise InputFormatError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it",
                               file=name)
    target = folder / name
    if target.exists() or target.is_symlink():
        raise InputFormatError(f"{target} exists already: nothing was replaced; rename the new "
                               "file if it is another interview", file=name)
    staging = Path(tempfile.mkdtemp(prefix="qualcode-add-"))
    try:
        staged = staging / name
        staged.write_bytes(data)
        corpus = load_corpus_files([staged], interviewer=list(interviewer),
                                   speakers=list(speakers))
        documents = list(corpus.document_ids)
        if not documents:
            raise InputFormatError("no text found in the file", file=name)
        taken = sorted(set(documents) & set(existing))
        if taken:
            raise InputFormatError(f"the project has a document {taken[0]!r} already: rename the "
                                   "file (the document id comes from its name)", file=name)
        turns = corpus.turns
        added = Added(target, documents, turns=len(turns),
                      codable=int((~turns["is_interviewer"]).sum()) if len(turns) else 0,
                      words=int(corpus.documents["n_words"].sum()))
        if len(turns):
            for spk, rows in turns.groupby("speaker", sort=False):
                added.speakers.append({"name": str(spk), "turns": len(rows),
                                       "interviewer": bool(rows["is_interviewer"].all())})
            added.speakers.sort(key=lambda s: -s["turns"])
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)  # temporary file + link: whole or absent, never over a file
        return added
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def transcripts_folder(project) -> Path:
    """Where added interviews go: the one folder the settings' ``transcripts`` names, else
    ``transcripts/`` in the project folder (added to the settings when first used)."""
    for entry in project.settings.transcripts:
        p = project.path(entry)
        if p is not None and p.is_dir():
            return p
    return project.root / "transcripts"


def add_to_project(project, name: str, data: bytes) -> Added:
    """Add one transcript file to ``project`` (a :class:`qualcode.Project`) and reload its
    corpus, so the new document is there at once. A project whose settings name files rather
    than a folder gets ``transcripts/`` added to its ``transcripts`` list."""
    folder = transcripts_folder(project)
    listed = any(project.path(e) == folder for e in project.settings.transcripts)
    try:
        existing = project.corpus.document_ids
    except ProjectError:  # no transcripts yet: the first interview
        existing = []
    added = add_transcript(folder, name, data, interviewer=project.settings.interviewer,
                           speakers=project.settings.speakers, existing=existing)
    if not listed:
        project.set_setting("transcripts", [*project.settings.transcripts, "transcripts/"])
    project.reload()
    return added
