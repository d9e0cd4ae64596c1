"""Retrieval and text search: every coded passage of a code with its context, and the codable
turns that hold a set of words, as a researcher asks for them in a notebook or the workbench.

All functions take a :class:`~qualcode.corpus.Corpus`, a :class:`~qualcode.codebook.Codebook`
and codings tables (DESIGN.md contract: ``document, start, end, code, coder`` and any store
columns such as ``id``, ``memo``); offsets are code points into ``corpus.text(document)``. They
return DataFrames with the columns each docstring lists; nothing here reads or writes files.

>>> from qualcode import retrieval
>>> rows = retrieval.retrieve(corpus, codebook, codings, code="goal", coders=["C1"])
>>> retrieval.passages(corpus, codebook, rows)            # text, before, after, speaker, case
>>> retrieval.search(corpus, 'influencer "trade fair"')  # turns holding every term
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import QualcodeError


class RetrievalError(QualcodeError):
    """A retrieval or search that cannot be answered (unknown code, coder, document, attribute)."""


PASSAGE_COLUMNS = ["document", "start", "end", "code", "coder", "text", "before", "after",
                   "speaker", "case", "code_name"]
HIT_COLUMNS = ["document", "turn_start", "turn_end", "speaker", "case", "start", "end", "matches"]


def turn_index(corpus) -> dict:
    """Per document: its turns' ``start``, ``end``, ``speaker``, ``case`` and ``interviewer``
    flags as arrays sorted by start (what :func:`passages` and :func:`search` look turns up in)."""
    out = {}
    for doc, t in corpus.turns.groupby("document", sort=False):
        t = t.sort_values("start")
        out[doc] = {"start": t["start"].to_numpy(), "end": t["end"].to_numpy(),
                    "speaker": t["speaker"].astype(str).to_numpy(),
                    "case": t["case"].astype(str).to_numpy(),
                    "interviewer": t["is_interviewer"].to_numpy(dtype=bool)}
    return out


def document_cases(corpus) -> dict[str, str]:
    """document -> its case."""
    seg = corpus.segments.drop_duplicates("document")
    return dict(zip(seg["document"], seg["case"].astype(str)))


def case_documents(corpus, attribute: str | None = None, value: str | None = None,
                   case: str | None = None) -> set[str] | None:
    """The documents of the cases with ``attribute == value`` (and/or named ``case``); None
    when neither is given (no filter)."""
    if not attribute and not case:
        return None
    cases = corpus.cases
    keep = set(cases["case"].astype(str))
    if attribute:
        if attribute not in cases.columns or attribute == "case":
            names = ", ".join(c for c in cases.columns if c != "case") or "none"
            raise RetrievalError(f"no case attribute {attribute!r} (attributes: {names})")
        keep &= set(cases.loc[cases[attribute].astype(str) == str(value or ""), "case"].astype(str))
    if case:
        keep &= {str(case)}
    return {d for d, c in document_cases(corpus).items() if c in keep}


def retrieve(corpus, codebook, codings: pd.DataFrame, *, code: str | None = None,
             descendants: bool = True, coders=None, document: str | None = None,
             documents=None) -> pd.DataFrame:
    """The codings of ``code`` (and the codes below it unless ``descendants`` is False), of
    ``coders``, in ``document`` or ``documents`` (e.g. :func:`case_documents`), in reading
    order (corpus document order, then start, end and ``id`` when there is one). The rows of
    ``codings`` with their columns."""
    df = codings
    if code:
        if code not in codebook:
            raise RetrievalError(f"unknown code {code!r}; the codebook lists the codes")
        codes = codebook.descendants(code, include_self=True) if descendants else [code]
        df = df[df["code"].isin(codes)]
    if coders:
        present = sorted(codings["coder"].unique().tolist()) if len(codings) else []
        unknown = [c for c in coders if c not in present]
        if unknown:
            raise RetrievalError(f"no human codings by coder {unknown[0]!r} "
                                 f"(coders: {', '.join(present) or 'none yet'})")
        df = df[df["coder"].isin(list(coders))]
    if document:
        if document not in corpus.document_ids:
            raise RetrievalError(f"unknown document {document!r}")
        df = df[df["document"] == document]
    if documents is not None:
        df = df[df["document"].isin(set(documents))]
    order = {d: i for i, d in enumerate(corpus.document_ids)}
    keys = ["_o", "start", "end"] + (["id"] if "id" in df.columns else [])
    return df.assign(_o=df["document"].map(order)).sort_values(keys, kind="stable") \
        .drop(columns="_o")


def passages(corpus, codebook, rows: pd.DataFrame, *, context: int = 160,
             turns: dict | None = None) -> pd.DataFrame:
    """Coding rows as passages: the rows' columns plus ``text`` (the coded text), ``before`` and
    ``after`` (up to ``context`` characters of its turn either side), ``speaker`` (of the turn
    the passage starts in), ``case`` and ``code_name``. ``turns``: :func:`turn_index` of the
    corpus, computed once."""
    index = turn_index(corpus) if turns is None else turns
    case_of = document_cases(corpus)
    out = rows.copy()
    texts, before, after, speakers = [], [], [], []
    for doc, s, e in zip(rows["document"], rows["start"], rows["end"]):
        text = corpus.text(doc)
        s, e = int(s), int(e)
        t = index.get(doc)
        if t is None or not len(t["start"]):
            t0, t1, sp = 0, len(text), ""
        else:
            k = int(np.searchsorted(t["start"], s, side="right")) - 1
            k2 = int(np.searchsorted(t["start"], max(e - 1, s), side="right")) - 1
            t0 = int(t["start"][k]) if k >= 0 else 0
            t1 = int(t["end"][k2]) if k2 >= 0 else len(text)
            sp = str(t["speaker"][max(k, 0)])
        texts.append(text[s:e])
        before.append(text[max(t0, s - context):s])
        after.append(text[e:min(t1, e + context)])
        speakers.append(sp)
    out["text"], out["before"], out["after"], out["speaker"] = texts, before, after, speakers
    out["case"] = [case_of.get(d, "") for d in rows["document"]]
    out["code_name"] = [codebook[c].name if c in codebook else c for c in rows["code"]]
    return out


# ---- text search -------------------------------------------------------------------------------

_TERM = re.compile(r'"([^"]+)"|(\S+)')
MAX_TERMS = 12


def terms(query: str) -> list[str]:
    """Words and "quoted phrases" of a query."""
    out = []
    for phrase, word in _TERM.findall(query or ""):
        t = (phrase or word).strip()
        if t:
            out.append(t)
    return out


def _pattern(term: str) -> re.Pattern:
    body = r"\s+".join(re.escape(w) for w in term.split())
    lead = r"\b" if re.match(r"\w", term) else ""
    tail = r"\b" if re.search(r"\w$", term) else ""
    return re.compile(lead + body + tail, re.IGNORECASE)


def search(corpus, query: str, *, documents=None, turns: dict | None = None) -> pd.DataFrame:
    """Case-insensitive search of the codable turns: one row per turn holding every term of
    ``query`` (words match whole words; a "quoted phrase" its words in order), in reading order.
    Columns :data:`HIT_COLUMNS`: the turn's bounds, speaker and case, ``start``/``end`` from its
    first to its last match, and ``matches`` (a list of ``[start, end]``). ``documents``: only
    these."""
    ts = terms(query)
    if not ts:
        raise RetrievalError("type a word or a \"phrase\" to search for")
    if len(ts) > MAX_TERMS:
        raise RetrievalError(f"search for at most {MAX_TERMS} words or phrases at once")
    pats = [_pattern(t) for t in ts]
    index = turn_index(corpus) if turns is None else turns
    keep = None if documents is None else set(documents)
    hits = []
    for doc in corpus.document_ids:
        if keep is not None and doc not in keep:
            continue
        text = corpus.text(doc)
        found = []
        for p in pats:
            f = [(m.start(), m.end()) for m in p.finditer(text)]
            if not f:
                break
            found.append(f)
        if len(found) < len(pats):
            continue
        t = index[doc]
        ts_, te_ = t["start"], t["end"]
        per_turn: dict[int, list] = {}
        for k, f in enumerate(found):
            pos = np.searchsorted(ts_, np.array(f)[:, 0], side="right") - 1
            for (s, e), p in zip(f, pos):
                if p >= 0 and not t["interviewer"][p] and s >= ts_[p] and e <= te_[p]:
                    per_turn.setdefault(int(p), [set() for _ in pats])[k].add((s, e))
        for p, sets in sorted(per_turn.items()):
            if any(not s for s in sets):
                continue
            matches = sorted(set().union(*sets))
            hits.append({"document": doc, "turn_start": int(ts_[p]), "turn_end": int(te_[p]),
                         "speaker": str(t["speaker"][p]), "case": str(t["case"][p]),
                         "start": matches[0][0], "end": matches[-1][1],
                         "matches": [list(m) for m in matches]})
    return pd.DataFrame(hits, columns=HIT_COLUMNS)


def codes_on(codings: pd.DataFrame, document: str, start: int, end: int) -> list[str]:
    """The codes of ``codings`` that overlap ``document[start:end]``, sorted."""
    on = codings[(codings["document"] == document) & (codings["start"] < end)
                 & (codings["end"] > start)]
    return sorted(set(on["code"]))
