"""Projects: a folder with ``qualcode.yaml`` (settings) and ``qualcode.sqlite`` (the store).

A project is found like git finds its repository: the given folder or one of its parents holds
``qualcode.yaml`` (:meth:`Project.find`). Settings (DESIGN.md, "Projects and the store")::

    name: Onboarding interviews
    transcripts: [transcripts/]      # files, folders or globs, relative to qualcode.yaml
    cases: cases.csv                 # optional
    codebook: codebook.yaml          # YAML or .qdc
    unit: turn                       # turn | paragraph | sentence
    interviewer: [Interviewer, Dan]  # speaker labels never coded (added to the default rule)
    speakers: [Anna, Ben]            # optional: labels that are speakers even if used once
    reference_coder: ME              # whose coding reports and matrices use by default

:class:`Project` loads the corpus and the codebook from the settings, checks every write against
them and hands it to :class:`qualcode.store.Store` as one transaction. The codings DataFrame it
returns has the columns of :data:`qualcode.store.CODING_COLUMNS`::

    id, document, start, end, code, coder, segment, method, score, memo, status, version,
    suggestion_id, created_at, updated_at
"""
from __future__ import annotations

import glob
import json
import os
import re
import threading
import time
from pathlib import Path

import pandas as pd

from .codings import assign_segments, validate_codings, write_codings
from .corpus import _expand
from .errors import CodingsError, ProjectError, StoreError, warn
from .fileio import write_text
from .project_files import (  # noqa: F401
    SETTINGS_FILE, STORE_FILE, ImportedIds, _relative, _stat, import_codings, load_corpus_files,
    place_new_project,
)
from .store import CODING_COLUMNS, Store
from .yamlsafe import load_yaml

from .project_settings import UNITS, ProjectSettings  # noqa: F401  (public names of this module too)
#: columns a codings file written by :meth:`Project.export_codings` carries
EXPORT_COLUMNS = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo",
                  "status", "id", "suggestion_id"]


class Project:
    """A study's folder: settings, corpus, codebook and the store (see the module docstring).

    Open one with :meth:`open` (or :meth:`init` for a new one); use it as a context manager or call
    :meth:`close`. Reads are cheap (the store's tables); :attr:`corpus` and :attr:`codebook` are
    loaded on first use and cached until :meth:`reload`. Safe to share between threads.
    """

    def __init__(self, root, settings: ProjectSettings, store: Store):
        self.root = Path(root).resolve()
        self.settings = settings
        self.store = store
        self._corpus = None
        self._codebook = None
        self._changed: pd.DataFrame | None = None
        self._lock = threading.RLock()
        self._corpus_key = None  # the transcript files' names, sizes and times the corpus is of
        self._corpus_checked = 0.0
        self._codebook_key = None  # (data version, codebook changes, codebook file) it is of

    #: how often (seconds) a cached corpus is checked against the transcript files
    SOURCES_CHECK_SECONDS = 1.0

    @property
    def read_only(self) -> bool:
        """Whether the user may only read this project (its store is open read-only)."""
        return self.store.read_only

    def data_version(self) -> int:
        """Changes with every write committed to the store by any process (for caches)."""
        return self.store.data_version()

    def backup(self, target=None, *, force: bool = False) -> Path:
        """A consistent copy of the store (safe while a server writes); default in
        ``.qualcode/backups/``, with the project's codebook file copied beside it. Returns its
        path."""
        from .project_codebook import save_beside  # lazy: off the CLI's start-up path

        path = self.store.backup(target, force=force)
        save_beside(self, path)
        return path

    def snapshot(self, reason: str) -> Path | None:
        """The automatic snapshot before an operation that rewrites many rows (the store's, with
        the codebook file beside it)."""
        from .project_codebook import save_beside  # lazy: off the CLI's start-up path

        path = self.store.snapshot(reason)
        save_beside(self, path)
        return path

    def restore(self, source, *, actor=None) -> Path:
        """Put the backup ``source`` back as the store, and the codebook file saved beside it
        (the current ones are backed up first; the store's copy's path is returned); caches
        follow the store's new data version."""
        from .project_codebook import restore_beside, save_beside  # lazy: off the start-up path

        with self._lock:
            kept = self.store.restore(source, actor=actor)
            save_beside(self, kept)
            restore_beside(self, Path(source))
            self._codebook = None
        return kept

    # -- discovery and creation ---------------------------------------------------------------

    @staticmethod
    def find(start=".") -> Path | None:
        """The folder holding ``qualcode.yaml``: ``start`` or its nearest parent; None if none."""
        here = Path(start).resolve()
        if here.is_file():
            here = here.parent
        for folder in (here, *here.parents):
            if (folder / SETTINGS_FILE).is_file():
                return folder
        return None

    @classmethod
    def open(cls, path=".", *, read_only: bool | None = None) -> "Project":
        """Open the project at ``path`` or above (:class:`ProjectError` when there is none).

        A project whose folder or store the user may only read is opened read-only
        (:attr:`read_only`): reading commands work, writes are refused with one line.
        ``read_only=True`` asks for that mode anyway."""
        root = cls.find(path)
        if root is None:
            raise ProjectError(f"no {SETTINGS_FILE} here or in a parent folder; run 'qualcode "
                               "init' to make a project, or name one with -p/--project",
                               file=Path(path))
        settings = ProjectSettings.load(root / SETTINGS_FILE)
        store_path = root / STORE_FILE
        if read_only is None:
            read_only = not os.access(root, os.W_OK) or (
                store_path.exists() and not os.access(store_path, os.W_OK))
        missing = not store_path.exists()
        project = cls(root, settings, Store(store_path, read_only=read_only))
        if missing:  # no store and no backup of one (else Store refused): never in silence
            warn(f"{store_path}: there was no store; started a new, empty one (codings, memos "
                 "and reviews are kept there)")
        return project

    @classmethod
    def init(cls, directory=".", *, name=None, transcripts=None, cases=None, codebook=None,
             unit="turn", interviewer=None, speakers=None, reference_coder=None,
             build=None) -> "Project":
        """Write a commented ``qualcode.yaml`` in ``directory`` and create ``qualcode.sqlite``.

        Both are made in a temporary folder and moved into place (``qualcode.yaml`` last), with
        whatever ``build(folder)`` writes there first: a failure leaves nothing behind.

        Paths may be relative to ``directory`` or to the current folder (they are written relative
        to ``directory`` when inside it). Refuses to overwrite an existing ``qualcode.yaml``.
        """
        root = Path(directory).resolve()
        settings_path = root / SETTINGS_FILE
        if settings_path.exists():
            raise ProjectError(f"a project already exists here; edit {SETTINGS_FILE} or choose "
                               "another folder", file=settings_path)
        if isinstance(transcripts, (str, os.PathLike)):
            transcripts = [transcripts]
        settings = ProjectSettings.from_dict({
            "name": name or root.name,
            "transcripts": [_relative(t, root) for t in (transcripts or [])],
            "cases": _relative(cases, root) if cases else None,
            "codebook": _relative(codebook, root) if codebook else None,
            "unit": unit, "interviewer": list(interviewer or []),
            "speakers": list(speakers or []), "reference_coder": reference_coder,
        }, file=settings_path)
        place_new_project(root, settings.to_yaml(), build)
        return cls(root, settings, Store(root / STORE_FILE))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Project {self.settings.name!r} at {self.root}>"

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    def set_setting(self, key: str, value) -> None:
        """Change one key of ``qualcode.yaml`` in place (the file's other lines and comments kept)."""
        if key not in ProjectSettings.__dataclass_fields__:
            raise ProjectError(f"unknown setting {key!r}", file=self.settings_path)
        text = self.settings_path.read_text(encoding="utf-8-sig")
        line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
        pattern = re.compile(rf"^(?:# )?{re.escape(key)}:.*$", re.MULTILINE)
        live = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
        if live.search(text):
            text = live.sub(lambda m: line, text, count=1)
        elif pattern.search(text):
            text = pattern.sub(lambda m: line, text, count=1)
        else:
            text = text.rstrip("\n") + "\n" + line + "\n"
        settings = ProjectSettings.from_dict(load_yaml(text, file=self.settings_path,
                                                       error=ProjectError),
                                             file=self.settings_path)
        write_text(self.settings_path, text, force=True)
        self.settings = settings

    def path(self, relative: str | None) -> Path | None:
        """A settings path resolved against the project folder."""
        if relative is None:
            return None
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p

    # -- loaded material ----------------------------------------------------------------------

    def transcript_files(self) -> list[Path]:
        """The transcript files the settings name, in order (folders expanded, globs matched)."""
        if not self.settings.transcripts:
            raise ProjectError("no transcripts in the settings; add 'transcripts: [folder/]'",
                               file=self.settings_path, place="key transcripts")
        files: list[Path] = []
        for entry in self.settings.transcripts:
            if glob.has_magic(entry):
                matched = sorted(Path(p) for p in glob.glob(str(self.path(entry)), recursive=True)
                                 if Path(p).is_file())
                if not matched:
                    raise ProjectError(f"no transcript matches {entry!r}", file=self.settings_path,
                                       place="key transcripts")
                files.extend(matched)
            else:
                p = self.path(entry)
                if not p.exists():
                    raise ProjectError(f"transcripts {entry!r} not found (looked for {p})",
                                       file=self.settings_path, place="key transcripts")
                files.extend(_expand(p))
        seen, out = set(), []
        for f in files:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                out.append(f)
        return out

    def cases_path(self) -> Path | None:
        if self.settings.cases:
            return self.path(self.settings.cases)
        if len(self.settings.transcripts) == 1 and not glob.has_magic(self.settings.transcripts[0]):
            p = self.path(self.settings.transcripts[0])
            if p.is_dir() and (p / "cases.csv").exists():
                return p / "cases.csv"
        return None

    @property
    def corpus(self):
        """The transcripts as a :class:`~qualcode.corpus.Corpus`, built with the settings.

        Loading records each document's hash in the store; see :meth:`changed_documents`.
        """
        with self._lock:
            now = time.monotonic()
            if self._corpus is not None and now - self._corpus_checked >= \
                    self.SOURCES_CHECK_SECONDS:  # a transcript added, edited or removed
                self._corpus_checked = now
                if self._sources_key() != self._corpus_key:
                    self._corpus = None
            if self._corpus is None:
                key = self._sources_key()
                self._corpus = self.load_corpus()
                self._corpus_key, self._corpus_checked = key, now
                self._changed = self.store.sync_documents(self._corpus.texts)
            return self._corpus

    def _sources_key(self) -> tuple:
        """Names, sizes and modification times of the transcript and cases files: a folder
        listing and a ``stat`` per file, cheap enough to ask on every use of the corpus."""
        files = list(self.transcript_files())
        cases = self.cases_path()
        if cases is not None:
            files.append(cases)
        return tuple((str(f), *_stat(f)) for f in files)

    def load_corpus(self, *, unit: str | None = None, interviewer=None, speakers=None, nlp=None):
        """Build the corpus from the settings (``unit``/``interviewer``/``speakers`` override)."""
        return load_corpus_files(self.transcript_files(), cases=self.cases_path(),
                                 unit=unit or self.settings.unit,
                                 interviewer=list(interviewer or self.settings.interviewer),
                                 speakers=list(speakers or self.settings.speakers), nlp=nlp)

    def changed_documents(self) -> pd.DataFrame:
        """Documents whose text differs from the text their codings were made on:
        ``document, stored_sha256, current_sha256, n_codings``. Their codings are never moved;
        fix with :meth:`accept_document_change` (keep the offsets) or restore the file."""
        self.corpus
        return self._changed.copy()

    def accept_document_change(self, document: str, *, coder: str | None = None) -> None:
        """Take the document's current text as the one its codings refer to (offsets kept)."""
        self.snapshot(f"rehash-{document}")
        self.store.accept_document_text(document, self.corpus.text(document), actor=coder)
        self._changed = self.store.sync_documents(self.corpus.texts)

    @property
    def codebook(self):
        """The codebook file with the project's stored codebook changes applied."""
        with self._lock:
            version = self.store.data_version()
            if self._codebook is not None and version != self._codebook_key[0]:
                # someone wrote: rebuild only when the stored codebook or its file changed
                key = self._codebook_state(version)
                if key[1:] != self._codebook_key[1:]:
                    self._codebook = None
                self._codebook_key = key
            if self._codebook is None:
                from .project_codebook import current_codebook  # lazy: qualcode.project_codebook at CLI start-up

                # the file plus the stored changes not yet in it (the file is brought in step);
                # the key after it, since bringing the file in step changes the file's state
                self._codebook = current_codebook(self)
                self._codebook_key = self._codebook_state(version)
            return self._codebook

    def _codebook_state(self, version: int) -> tuple:
        path = self.path(self.settings.codebook)
        return (version, self.store.codebook_version(),
                _stat(path) if path is not None else None)

    def reload(self) -> None:
        """Drop the cached corpus and codebook (and re-read the settings)."""
        with self._lock:
            self.settings = ProjectSettings.load(self.settings_path)
            self._corpus = self._codebook = self._changed = None
            self._corpus_key = self._codebook_key = None

    # -- codings ------------------------------------------------------------------------------

    def codings(self, coder=None, *, method=None, status=None, document=None, code=None,
                include_machine: bool = True) -> pd.DataFrame:
        """Live codings (columns in the module docstring), ordered by id."""
        return self.store.codings(coder=coder, method=method, status=status, document=document,
                                  code=code, include_machine=include_machine)

    def _check_writable_documents(self, documents) -> None:
        changed = self.changed_documents()
        bad = changed[changed["document"].isin(set(documents))]
        if len(bad):
            doc = bad["document"].iloc[0]
            raise StoreError(
                f"document {doc!r} changed since it was coded (sha256 {bad['stored_sha256'].iloc[0][:12]}"
                f" -> {bad['current_sha256'].iloc[0][:12]}); restore the file, or run 'qualcode "
                f"rehash {doc} --accept' to keep its codings at their offsets", file=self.store.path)

    def _validate(self, df: pd.DataFrame, *, file=None) -> pd.DataFrame:
        df = validate_codings(df, corpus=self.corpus, codebook=self.codebook, file=file)
        self._check_writable_documents(df["document"].unique())
        return df

    def _check_coder_kinds(self, df: pd.DataFrame, file=None) -> None:
        """A coder name is either human or machine, in the file and in the store together."""
        human = df["method"].eq("human")
        for coder, kinds in df.assign(_h=human).groupby("coder")["_h"]:
            both = set(kinds) | self.store.coder_kinds(coder)
            if len(both) > 1:
                raise CodingsError(f"coder {coder!r} would have both human and machine codings; "
                                   "give machine codings their own coder name (e.g. "
                                   "'qualcode-keyword')", file=file)

    def add_codings(self, df: pd.DataFrame, *, actor=None, file=None) -> list[int]:
        """Add a codings table (validated against corpus and codebook) in one transaction.

        Keeps ``method``/``score``/``memo``/``status``; machine rows default to ``suggested``.
        Returns the new ids in row order.
        """
        df, actor = self.prepare_codings(df, actor=actor, file=file)
        return self.store.insert_codings(df, actor=actor)

    def prepare_codings(self, df: pd.DataFrame, *, actor=None, file=None):
        """``df`` validated for the store (corpus, codebook, coder kinds) and the actor to log
        (the only coder, else ``import``)."""
        df = self._validate(df, file=file)
        if "method" not in df.columns:
            df["method"] = "human"
        self._check_coder_kinds(df, file)
        if actor is None:
            coders = df["coder"].unique()
            actor = coders[0] if len(coders) == 1 else "import"
        return df, actor

    def _check_span(self, document, start, end, code) -> None:
        row = pd.DataFrame([{"document": document, "start": start, "end": end, "code": code,
                             "coder": "-"}])
        self._validate(row)
        segs = self.corpus.codable_segments()
        if not len(assign_segments(row, segs[segs["document"] == document])):
            raise CodingsError(f"{document} {start}-{end} lies in interviewer turns only, which "
                               "are not coded; select the participant's words",
                               file=self.store.path)

    def add_coding(self, document, start, end, code, *, coder, memo=None) -> dict:
        """One human coding; refuses offsets outside the document, an unknown code and a span in
        interviewer turns only. Returns the row as a dict."""
        self._check_span(document, start, end, code)
        self._check_coder_kinds(pd.DataFrame([{"coder": coder, "method": "human"}]))
        [i] = self.store.insert_codings(pd.DataFrame([{
            "document": document, "start": int(start), "end": int(end), "code": code,
            "coder": coder, "method": "human", "memo": memo or None}]), actor=coder)
        return self.store.coding(i)

    def update_coding(self, id, *, coder, expected_version, start=None, end=None, code=None,
                      memo=None) -> dict:
        """Change a coding's span, code or memo if it is still at ``expected_version``
        (:class:`ConflictError` otherwise; :class:`NotFoundError` for an unknown id)."""
        cur = self.store.coding(id)
        fields = {k: v for k, v in (("start", start), ("end", end), ("code", code), ("memo", memo))
                  if v is not None}
        if any(k in fields for k in ("start", "end", "code")):
            self._check_span(cur["document"], fields.get("start", cur["start"]),
                             fields.get("end", cur["end"]), fields.get("code", cur["code"]))
        else:
            self._check_writable_documents([cur["document"]])
        return self.store.update_coding(id, actor=coder, expected_version=expected_version,
                                        **fields)

    def delete_coding(self, id, *, coder, expected_version) -> None:
        self.store.delete_coding(id, actor=coder, expected_version=expected_version)

    def undo(self, *, coder, check=None) -> dict | None:
        """Revert ``coder``'s most recent action not yet undone; returns what it undid.
        ``check(action, coding, before, after)`` may raise to refuse it (see ``Store.undo``)."""
        return self.store.undo(coder=coder, check=check)

    # -- suggestions --------------------------------------------------------------------------

    def replace_suggestions(self, df: pd.DataFrame, *, coder, run: dict | None = None) -> int:
        """Store one machine run of ``coder``: its earlier ``suggested`` rows are replaced;
        reviewed rows and human rows stay. ``run``: method, model, codebook (fingerprint),
        parameters. Returns the run id."""
        df = df.copy()
        df["coder"] = coder
        if len(df):
            df = self._validate(df)
            if "method" not in df.columns or df["method"].eq("human").any():
                raise CodingsError(f"suggestions of {coder!r} must carry a machine method "
                                   "(keyword, classifier, semantic)")
            self._check_coder_kinds(df)
        run = dict(run or {})
        run.setdefault("codebook", self.codebook.fingerprint())
        if "method" not in run and len(df):
            run["method"] = str(df["method"].iloc[0])
        return self.store.replace_suggestions(df, coder=coder, run=run)

    def store_machine_codings(self, machine: pd.DataFrame, *, method: str, model=None,
                              parameters: dict | None = None) -> list[int]:
        """Store a coder's output (one run per machine coder name in it, e.g. ``qualcode-keyword``)
        as suggestions; returns the run ids."""
        run = {"method": method, "model": None if model is None else str(model),
               "parameters": dict(parameters or {})}
        return [self.replace_suggestions(part, coder=str(coder), run=run)
                for coder, part in machine.groupby("coder", sort=True)]

    def suggestions(self, status="suggested", *, coder=None, code=None, document=None,
                    min_score=None) -> pd.DataFrame:
        """Machine rows with ``status`` (a value, a list, or None for all), by score descending.
        A pending suggestion of a code the codebook no longer has (its file edited by hand) is
        left out: it cannot be reviewed, and its coder's next run replaces it."""
        df = self.store.codings(status=status or list(("suggested", "accepted", "rejected")),
                                coder=coder, code=code, document=document)
        df = df[df["method"] != "human"]
        df = df[(df["status"] != "suggested") | df["code"].isin(self.codebook.ids())]
        if min_score is not None:
            df = df[df["score"].fillna(0) >= min_score]
        return df.sort_values(["score", "id"], ascending=[False, True], kind="stable",
                              na_position="last").reset_index(drop=True)

    def accept(self, ids, *, coder, start=None, end=None, code=None) -> list[int]:
        """Accept suggestions: each becomes ``accepted`` and a new human row by ``coder`` (the
        suggestion's span unless ``start``/``end``/``code`` adjust it). Returns the new ids.
        A suggestion of a code the codebook no longer has is accepted only as another ``code``."""
        ids = [ids] if isinstance(ids, int) else list(ids)
        adjusted = start is not None or end is not None or code is not None
        known = self.codebook
        for sid in ids:
            s = self.store.coding(sid)
            if code is None and s["code"] not in known:
                raise CodingsError(f"suggestion {sid} is of code {s['code']!r}, which the codebook "
                                   "no longer has (renamed or removed in its file?); accept it "
                                   "as another code (--as-code) or reject it",
                                   file=self.store.path)
            if adjusted:
                self._check_span(s["document"], start if start is not None else s["start"],
                                 end if end is not None else s["end"], code or s["code"])
        self._check_coder_kinds(pd.DataFrame([{"coder": coder, "method": "human"}]))
        return self.store.accept(ids, coder=coder, start=start, end=end, code=code)

    def reject(self, ids, *, coder) -> None:
        self.store.reject(ids, coder=coder)

    def training_decisions(self) -> pd.DataFrame:
        """Reviewed suggestions: ``id, document, start, end, code, status, reviewer``."""
        return self.store.training_decisions()

    def machine_runs(self) -> pd.DataFrame:
        return self.store.machine_runs()

    # -- memos and history ---------------------------------------------------------------------

    def set_memo(self, kind, target, text, *, coder, expected_version=None) -> int:
        """``coder``'s memo on a ``coding`` (id), a ``document`` or a ``code``; empty text removes
        it. Each coder has their own memo per target; ``expected_version`` (the version the
        author saw, 0 for none) makes a stale save a :class:`ConflictError`. Returns the new
        version."""
        if kind not in ("coding", "document", "code"):
            raise StoreError(f"unknown memo kind {kind!r}; use coding, document or code",
                             file=self.store.path)
        if kind == "code" and target not in self.codebook:
            raise StoreError(f"no code {target!r} in the codebook", file=self.store.path)
        return self.store.set_memo(kind, target, text, coder=coder,
                                   expected_version=expected_version)

    def memos(self, kind=None, target=None, coder=None) -> pd.DataFrame:
        """``kind, target, text, coder, version, updated_at``: one memo per author and target."""
        return self.store.memos(kind, target, coder)

    def history(self, *, document=None, coding=None, code=None) -> pd.DataFrame:
        """Events oldest first: ``id, time, actor, action, coding, document, code, before,
        after`` (before/after as JSON text)."""
        return self.store.history(document=document, coding=coding, code=code)

    # -- codebook changes ---------------------------------------------------------------------

    def _codebook_change(self, action, code, make, *, coder, snapshot=False) -> dict:
        """Store one codebook change planned by ``make(codebook, count) -> (data, recode)`` on the
        codebook as stored at write time (inside the store's write transaction, so no other
        process changes it meanwhile): a change that cannot be applied to it is refused, never
        stored. Returns the change's data."""
        from .project_codebook import apply_changes, compose, current_codebook  # lazy: qualcode.project_codebook at CLI start-up

        with self._lock:
            def plan(changes, count):
                current = compose(self, changes)[0]  # the file + the stored changes not in it
                data, recode = make(current, count)
                apply_changes(current, [{"action": action, "code": code, "data": data}],
                              file=self.settings_path)  # refused here unless it applies
                return data, recode

            if snapshot:
                self.snapshot(f"{action}-{code}")
            data = self.store.change_codebook(action, code, plan, actor=coder)
            version = self.store.data_version()
            # the codebook as stored now; writes the project's codebook file in step
            self._codebook = current_codebook(self)
            self._codebook_key = self._codebook_state(version)
            return data

    def create_code(self, id, name, *, parent=None, color=None, description="", coder) -> None:
        data = {"name": name, "parent": parent, "color": color, "description": description}
        self._codebook_change("create", id, lambda cb, count: (data, None), coder=coder)

    def update_code(self, id, *, coder, **fields) -> None:
        from .project_codebook import EDITABLE  # lazy: qualcode.project_codebook at CLI start-up

        bad = [k for k in fields if k not in EDITABLE]
        if bad:
            raise StoreError(f"cannot edit {bad[0]!r} of a code (editable: "
                             f"{', '.join(EDITABLE)})", file=self.store.path)
        self._codebook_change("update", id, lambda cb, count: (fields, None), coder=coder)

    def move_code(self, id, new_parent, *, coder) -> str:
        """Move a code (and its children) under ``new_parent`` (None: top level). Ids carry their
        parent's id, so the code gets a new id; codings follow. Returns the new id."""
        from .project_codebook import moved_ids  # lazy: qualcode.project_codebook at CLI start-up

        def make(cb, count):
            renames = moved_ids(cb, id, new_parent)
            return {"new_parent": new_parent, "renames": renames}, renames

        data = self._codebook_change("move", id, make, coder=coder, snapshot=True)
        return data["renames"][id]

    def merge_codes(self, source, target, *, coder) -> None:
        """Merge ``source`` into ``target``: its codings (and its children's) follow to target."""
        from .project_codebook import merged_ids  # lazy: qualcode.project_codebook at CLI start-up

        self._codebook_change("merge", source, lambda cb, count: (
            {"target": target}, merged_ids(cb, source, target)), coder=coder, snapshot=True)

    def delete_code(self, id, *, coder, recode_to=None) -> None:
        """Delete a code without children; refused when it has codings unless ``recode_to``.
        Its pending suggestions are recoded too, or (without ``recode_to``) discarded, logged."""
        def make(cb, count):
            if id not in cb:
                raise StoreError(f"no code {id!r} in the codebook", file=self.store.path)
            n = count(id)
            if n and recode_to is None:
                raise StoreError(f"code {id!r} has {n} coding{'s' if n != 1 else ''}; give "
                                 "recode_to= (--recode-to) to move them to another code first",
                                 file=self.store.path)
            if recode_to is not None and recode_to not in cb:
                raise StoreError(f"no code {recode_to!r} to recode to", file=self.store.path)
            return {"recode_to": recode_to}, {id: recode_to}

        self._codebook_change("delete", id, make, coder=coder, snapshot=recode_to is not None)

    # -- import and export --------------------------------------------------------------------

    def import_codings(self, path, *, coder=None, actor=None) -> ImportedIds:
        """Add the codings of a .csv/.tsv/.xlsx/.qdpx file (``method``, ``status`` and ``memo``
        kept; ``suggestion_id`` links kept when the file has ``id`` columns), in one transaction
        after a snapshot of the store. Rows identical to stored ones (document, start, end, code,
        coder) are skipped, so importing a file twice adds nothing: the returned list of new ids
        carries their number as ``.skipped``."""
        return import_codings(self, path, coder=coder, actor=actor)

    def export_codings(self, path, *, coder=None, include_machine=True, force=False,
                       text=False) -> Path:
        """Write the live codings to .csv/.xlsx (columns :data:`EXPORT_COLUMNS`, plus the passage
        ``text`` when asked), atomically."""
        df = self.codings(coder, include_machine=include_machine)[EXPORT_COLUMNS].copy()
        if text:
            texts = self.corpus.texts
            df["text"] = [texts.get(d, "")[s:e] for d, s, e in
                          zip(df["document"], df["start"], df["end"])]
        return write_codings(df, path, force=force)


__all__ = ["Project", "ProjectSettings", "SETTINGS_FILE", "STORE_FILE", "CODING_COLUMNS",
           "load_corpus_files"]
