"""Transcripts that changed or disappeared after they were coded, checked once for every output.

A coding's offsets count into the text it was made on. When the transcript file changed since
(an edit, a re-export from the transcription service) the offsets point at other words; when it
was deleted or renamed they point at nothing. Every output of a project that reads codings (the
exports, matrices, agreement, reports, in the CLI and the workbench) passes them through
:func:`usable_codings`, which refuses with one line naming the document and ``qualcode rehash``,
or with ``skip_changed`` leaves those documents out and says how many codings it left out.
"""
from __future__ import annotations

import pandas as pd

from .errors import QualcodeError

COLUMNS = ["document", "state", "n_codings", "n_human", "n_machine", "stored_sha256",
           "current_sha256"]


class ChangedTranscriptError(QualcodeError):
    """Codings of a transcript that changed or went missing after it was coded."""


def transcript_problems(project) -> pd.DataFrame:
    """Documents with live codings (human or machine suggestions) whose transcript changed
    (``state="changed"``) or is missing from the project (``"missing"``): columns
    :data:`COLUMNS`, one row per document in document order."""
    corpus = project.corpus
    changed = project.changed_documents()
    docs = project.store.documents()
    present = set(corpus.document_ids)
    missing = docs[(docs["n_codings"] > 0) & ~docs["id"].isin(present)]
    rows = [(r.document, "changed", r.stored_sha256, r.current_sha256)
            for r in changed.itertuples(index=False)]
    rows += [(r.id, "missing", r.sha256, None) for r in missing.itertuples(index=False)]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    names = [r[0] for r in rows]
    live = project.codings(document=names)
    human = live["method"].fillna("human").eq("human")
    n_all = live.groupby("document").size()
    n_human = live[human].groupby("document").size()
    out = pd.DataFrame([{"document": d, "state": state,
                         "n_codings": int(n_all.get(d, 0)), "n_human": int(n_human.get(d, 0)),
                         "n_machine": int(n_all.get(d, 0) - n_human.get(d, 0)),
                         "stored_sha256": old, "current_sha256": new}
                        for d, state, old, new in rows], columns=COLUMNS)
    return out.sort_values("document", kind="stable").reset_index(drop=True)


def describe(row) -> str:
    """One line about one problem document (a row of :func:`transcript_problems`)."""
    what = (f"{row.n_codings} codings" if not row.n_machine else
            f"{row.n_codings} codings ({row.n_human} human, {row.n_machine} machine suggestions)")
    if row.state == "missing":
        return (f"{row.document} is missing: its transcript was deleted or renamed after it was "
                f"coded ({what} on it); restore the file")
    return (f"{row.document} changed since it was coded ({what} on the old text; sha256 "
            f"{str(row.stored_sha256)[:12]} -> {str(row.current_sha256)[:12]}); restore the "
            f"file, or run: qualcode rehash {row.document} --accept (keeps the offsets; without "
            "--accept it shows the change)")


def problem_lines(project) -> list[str]:
    """One line per transcript changed or missing since it was coded (what ``qualcode status``
    and ``qualcode load`` print)."""
    return [describe(r) for r in transcript_problems(project).itertuples(index=False)]


def usable_codings(project, codings: pd.DataFrame, *, skip_changed: bool = False
                   ) -> tuple[pd.DataFrame, list[str]]:
    """``codings`` (rows of ``project``'s store) without a document whose transcript changed or
    is missing: raises :class:`ChangedTranscriptError` naming the first such document that
    ``codings`` touches, or with ``skip_changed`` leaves those documents out. Returns the
    codings to use and one note per document left out (what was left out and why)."""
    problems = transcript_problems(project)
    if not len(problems) or codings is None or not len(codings):
        return codings, []
    hit = problems[problems["document"].isin(set(codings["document"]))]
    if not len(hit):
        return codings, []
    if not skip_changed:
        raise ChangedTranscriptError(describe(hit.iloc[0]) + "; or pass --skip-changed to leave "
                                     "it out of this output")
    counts = codings["document"].value_counts()
    notes = [f"left out {int(counts[r.document])} codings of {r.document!r}: its transcript "
             f"{'is missing' if r.state == 'missing' else 'changed after it was coded'}"
             for r in hit.itertuples(index=False)]
    keep = ~codings["document"].isin(set(hit["document"]))
    return codings[keep].reset_index(drop=True), notes
