"""A project's files as units that appear whole or not at all: a new project is built in a
temporary sibling and moved into place, an import of a codings file is one transaction after a
snapshot, and a file imported twice adds nothing the second time.

Nothing here imports :mod:`qualcode.project`; its functions take the project (or its folder).
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .corpus import _build, apply_speaker_settings, case_interviewer_labels, read_cases
from .errors import ProjectError
from .io import read_codings
from .readers import read_source, with_turns
from .store import Store

SETTINGS_FILE = "qualcode.yaml"
STORE_FILE = "qualcode.sqlite"


class ImportedIds(list):
    """The ids of the codings an import added, in file order; ``skipped`` counts the rows left
    out because the store held an identical one (document, start, end, code, coder)."""

    skipped = 0


def check_writable(folder, *, what: str = "project") -> None:
    """Refuse, before anything is written, a folder the user cannot write into."""
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ProjectError(f"cannot write into this folder (permission denied); choose a folder "
                           f"of yours for the {what}", file=folder)


def staging_folder(parent, name: str) -> Path:
    """A new hidden temporary folder in ``parent`` (the file system of the target: moving out of
    it is a rename)."""
    parent = Path(parent)
    check_writable(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        raise ProjectError(f"cannot write here ({exc.strerror})", file=parent) from None


def place_new_project(root, settings_text: str, build=None) -> None:
    """Make ``root`` a project: the store (and whatever ``build(stage)`` writes, paths relative to
    the project folder) and ``qualcode.yaml`` are made in a temporary folder, then moved into
    place, ``qualcode.yaml`` last; any failure (a full disk, a bad file) leaves ``root`` as it
    was, so the command can simply be run again."""
    root = Path(root)
    if (root / SETTINGS_FILE).exists():
        raise ProjectError(f"a project already exists here; edit {SETTINGS_FILE} or choose "
                           "another folder", file=root / SETTINGS_FILE)
    # a new folder appears whole; into an existing one (perhaps someone's working folder, never
    # replaced) the files move one by one
    fresh = not root.exists()
    stage = staging_folder(root.parent if fresh else root, root.name if fresh else "qualcode-init")
    moved: list[Path] = []
    try:
        with Store(stage / STORE_FILE):
            pass
        if build is not None:
            build(stage)
        with open(stage / SETTINGS_FILE, "w", encoding="utf-8") as f:
            f.write(settings_text)
            f.flush()
            os.fsync(f.fileno())
        if fresh:  # the whole folder appears at once
            os.chmod(stage, 0o777 & ~_umask())  # mkdtemp made it private
            os.rename(stage, root)
            return
        entries = sorted(stage.iterdir(), key=lambda p: p.name == SETTINGS_FILE)
        for entry in entries:  # qualcode.yaml, the mark of a project, last
            target = root / entry.name
            if target.exists() or target.is_symlink():
                raise ProjectError("already exists; move it away or choose another folder",
                                   file=target)
            os.rename(entry, target)
            moved.append(target)
    except BaseException as exc:
        for target in reversed(moved):
            with contextlib.suppress(OSError):
                shutil.rmtree(target) if target.is_dir() else target.unlink()
        if isinstance(exc, OSError):
            raise ProjectError(f"cannot make the project ({exc.strerror or exc}); nothing was "
                               "left behind", file=root) from None
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _stat(path) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (None, None)
    return (st.st_size, st.st_mtime_ns)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def store_ready(codings: pd.DataFrame) -> pd.DataFrame:
    """Empty memo/status cells as None (the store's missing value)."""
    df = codings.copy()
    for col in ("memo", "status"):
        if col in df.columns:
            df[col] = df[col].where(df[col].notna() & (df[col].astype(str) != ""), None)
    return df


def import_codings(project, path, *, coder=None, actor=None) -> ImportedIds:
    """:meth:`qualcode.project.Project.import_codings` (see there)."""
    df = store_ready(read_codings(path, coder=coder, corpus=project.corpus,
                                  codebook=project.codebook))
    source_ids = source_links = None
    if "id" in df.columns and "suggestion_id" in df.columns:
        source_ids = pd.to_numeric(df["id"], errors="coerce").tolist()
        source_links = pd.to_numeric(df["suggestion_id"], errors="coerce").tolist()
    df = df.drop(columns=[c for c in ("id", "suggestion_id", "text") if c in df.columns])
    df, actor = project.prepare_codings(df, actor=actor, file=path)
    project.snapshot("import")
    ids, skipped = project.store.import_codings(df, actor=actor, source_ids=source_ids,
                                                source_links=source_links)
    out = ImportedIds(ids)
    out.skipped = skipped
    return out


def load_corpus_files(files, *, cases=None, unit: str = "turn", interviewer=None, speakers=None,
                      nlp=None):
    """A corpus from transcript files with the project rules for speakers and interviewers.

    ``interviewer`` labels are added to the default rule (and to an ``interviewer`` column of the
    cases table, which names the interviewer of each case's interviews); ``speakers`` are labels
    that are speakers even when used once. Front matter naming interviewers wins for its document.
    """
    sources = []
    for f in files:
        sources.extend(read_source(f, turns=False))
    table = read_cases(cases) if cases else None
    per_doc = case_interviewer_labels(sources, table)
    for src in sources:
        apply_speaker_settings([src], interviewer=list(interviewer or []) + per_doc.get(src.name, []),
                               speakers=list(speakers or []))
    sources = [with_turns(src) for src in sources]
    return _build(sources, table, unit=unit, nlp=nlp, cases_path=cases)


def _relative(path, root: Path) -> str:
    """Write a path given for a new project relative to its folder when possible."""
    p = Path(path).expanduser()
    text = os.fspath(path)
    if p.is_absolute():
        target = p
    elif glob.has_magic(text) or (root / p).exists() or not p.exists():
        return text
    else:
        target = p.resolve()
    try:
        rel = os.path.relpath(target, root)
    except ValueError:
        return str(target)
    if rel.startswith(".."):  # outside the project: an absolute path survives moving the folder
        return str(target) + ("/" if text.endswith(("/", os.sep)) else "")
    rel = rel.replace(os.sep, "/")
    if text.endswith(("/", os.sep)) and not rel.endswith("/"):
        rel += "/"
    return rel
