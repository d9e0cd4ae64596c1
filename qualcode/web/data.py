"""What the workbench's pages show, as plain JSON-ready dicts (the pages' JSON twins return them).

Everything is read through the requesting coder's view of the project
(:class:`~.view.CoderView`: corpus, codebook, codings, suggestions, memos, history), so a page
shows only what that coder may see; nothing here writes.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..palette import code_colors
from ..errors import NotFoundError, QualcodeError

CODING_FIELDS = ["id", "document", "start", "end", "code", "coder", "segment", "method", "score",
                 "memo", "status", "version", "suggestion_id", "created_at", "updated_at"]
#: what the document page needs of each coding (the full rows: /api/codings/{id})
PAGE_FIELDS = ["id", "start", "end", "code", "coder", "method", "score", "memo", "status",
               "version", "suggestion_id"]


def clean(value):
    """A value as JSON can carry it: numpy scalars to Python, NaN/NA to None."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(df: pd.DataFrame, fields=None) -> list[dict]:
    if df is None or len(df) == 0:
        return []
    if fields is not None:
        df = df[[f for f in fields if f in df.columns]]
    df = df.astype(object).where(pd.notna(df), None)
    return [clean(r) for r in df.to_dict("records")]


def codebook_list(codebook, counts: dict[str, int] | None = None) -> list[dict]:
    """The code tree in reading order: one dict per code with its depth, rules and count."""
    colors = code_colors(codebook)
    counts = counts or {}
    out = []

    def walk(code_id: str, depth: int) -> None:
        c = codebook[code_id]
        out.append({
            "id": c.id, "name": c.name, "parent": c.parent, "depth": depth, "color": colors[c.id],
            "description": c.description or "", "inclusion": c.inclusion or "",
            "exclusion": c.exclusion or "", "keywords": [str(k) for k in (c.keywords or [])],
            "count": int(counts.get(c.id, 0)),
            "total": int(sum(counts.get(d, 0) for d in codebook.descendants(c.id, include_self=True))),
        })
        for child in codebook.children(code_id):
            walk(child, depth + 1)

    for root in codebook.roots():
        walk(root, 0)
    return out


def human_rows(codings: pd.DataFrame) -> pd.DataFrame:
    if codings is None or len(codings) == 0:
        return codings
    return codings[codings["method"].fillna("human") == "human"]


def _segments_touched(segments: pd.DataFrame, codings: pd.DataFrame) -> int:
    """How many of ``segments`` (one document) overlap at least one of ``codings``."""
    if len(codings) == 0 or len(segments) == 0:
        return 0
    s = segments["start"].to_numpy()[:, None]
    e = segments["end"].to_numpy()[:, None]
    cs = codings["start"].to_numpy()[None, :]
    ce = codings["end"].to_numpy()[None, :]
    return int(((s < ce) & (e > cs)).any(axis=1).sum())


def home(project, *, model: dict | None = None) -> dict:
    """The home page: documents with length, speakers and coding progress per coder; the code
    tree with counts (human codings); the classifier's state."""
    corpus, codebook = project.corpus, project.codebook
    codings = project.codings(include_machine=False)
    human = human_rows(codings)
    coders = sorted(human["coder"].unique().tolist()) if len(human) else []
    codable = corpus.codable_segments()
    documents = []
    for doc in corpus.document_ids:
        segs = corpus.segments[corpus.segments["document"] == doc]
        csegs = codable[codable["document"] == doc]
        mine = human[human["document"] == doc] if len(human) else human
        progress = {}
        for coder in coders:
            rows = mine[mine["coder"] == coder]
            touched = _segments_touched(csegs, rows)
            progress[coder] = {"codings": len(rows), "segments": touched,
                               "fraction": touched / len(csegs) if len(csegs) else 0.0}
        speakers = segs.drop_duplicates("speaker")
        documents.append({
            "id": doc, "case": str(segs["case"].iloc[0]) if len(segs) else "",
            "length": len(corpus.text(doc)), "turns": len(segs),
            "codable_segments": len(csegs),
            "speakers": [{"name": str(r.speaker), "interviewer": bool(r.is_interviewer)}
                         for r in speakers.itertuples()],
            "progress": progress,
        })
    counts = human["code"].value_counts().to_dict() if len(human) else {}
    try:
        n_suggested = len(project.suggestions())
    except QualcodeError:
        n_suggested = 0
    return {
        "project": {"name": project.settings.name or project.root.name, "root": str(project.root)},
        "documents": documents, "coders": coders,
        "codebook": codebook_list(codebook, counts),
        "suggestions": n_suggested,
        "model": model or {"status": "off"},
    }


def document(project, doc: str) -> dict:
    """One document: its turns (speaker, timestamp, offsets, interviewer or not), its human
    codings and open suggestions, the document memo, and the codebook."""
    corpus = project.corpus
    if doc not in corpus.document_ids:
        raise NotFoundError(f"no document {doc!r} in this project; the home page lists them")
    text = corpus.text(doc)
    turns = corpus.turns[corpus.turns["document"] == doc]
    rows = project.codings(document=doc)
    if len(rows):
        rows = rows[rows["status"].isna() | (rows["status"] == "suggested")]
    memo = memo_of(project, "document", doc)
    changed = doc in set(project.changed_documents()["document"])
    return {
        "id": doc, "length": len(text), "text": text, "changed": changed,
        "turns": [{"turn": int(t.turn), "speaker": str(t.speaker),
                   "timestamp": None if pd.isna(t.timestamp) else str(t.timestamp),
                   "start": int(t.start), "end": int(t.end), "interviewer": bool(t.is_interviewer)}
                  for t in turns.itertuples()],
        "codings": records(rows, PAGE_FIELDS),
        "memo": memo["text"], "memo_version": memo["version"], "memos": memo["others"],
        "documents": corpus.document_ids,
        "codebook": codebook_list(project.codebook),
    }


def memo_of(view, kind: str, target) -> dict:
    """The viewer's own memo on a target (``text``, ``version``: 0 when none) and the others'
    memos they may read (``others``: ``coder, text, updated_at``; none in a blind project)."""
    if hasattr(view, "memo"):
        return view.memo(kind, target)
    rows = view.memos(kind=kind, target=str(target))  # a bare Project: the latest memo
    last = rows.iloc[-1] if len(rows) else None
    return {"text": "" if last is None else str(last["text"] or ""),
            "version": 0 if last is None else int(last["version"]), "others": []}


def memo_text(project, kind: str, target) -> str:
    return memo_of(project, kind, target)["text"]


def coding(project, coding_id: int) -> dict:
    """One coding with its memo and its history (oldest first)."""
    rows = project.codings()
    row = rows[rows["id"] == coding_id]
    if len(row) == 0:
        raise NotFoundError(f"no coding with id {coding_id}; it may have been deleted "
                            "(reload the page)")
    out = records(row, CODING_FIELDS)[0]
    hist = project.history(coding=coding_id)
    out["history"] = records(hist)
    return out


def context_for(corpus, doc: str, start: int, end: int, *, limit: int = 1600) -> dict:
    """The passage around a span for the review card: the turn(s) it lies in and the
    interviewer's question just before (as the transcript has them, labels included):
    ``context_start``, ``context``, ``speaker``."""
    turns = corpus.turns[corpus.turns["document"] == doc].reset_index(drop=True)
    inside = turns[(turns["start"] < max(end, start + 1)) & (turns["end"] > start)]
    if len(inside):
        first = int(inside.index[0])
        c0, c1 = int(inside["start"].min()), int(inside["end"].max())
        speaker = str(inside["speaker"].iloc[0])
        if first > 0 and bool(turns.loc[first - 1, "is_interviewer"]):
            c0 = int(turns.loc[first - 1, "start"])
    else:
        c0, c1, speaker = start, end, ""
    c0, c1 = min(c0, start), max(c1, end)
    if c1 - c0 > limit:  # a very long turn: a window around the span
        c0 = max(c0, start - limit // 3)
        c1 = min(c1, max(end, c0 + limit))
    return {"context_start": c0, "context": corpus.text(doc)[c0:c1], "speaker": speaker}


def coding_row(view, coding_id: int) -> dict:
    """One coding as the pages and the API show it (the answer to a write that made or changed it)."""
    return records(pd.DataFrame([view.coding(coding_id)]), CODING_FIELDS)[0]
