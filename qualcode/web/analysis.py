"""What the workbench's analysis pages show (retrieve, search, compare coders, cross-case), as
JSON-ready dicts. Every number comes from the library functions the CLI calls
(:func:`qualcode.agreement.compare`, :func:`qualcode.agreement.disagreements`,
:mod:`qualcode.matrix`); nothing here writes to the store.

Each function takes the project as the requesting coder sees it (:class:`~.view.CoderView`: in a
blind project their own codings only), or a bare :class:`qualcode.Project`.
"""
from __future__ import annotations

import os
import re
import weakref

import numpy as np
import pandas as pd

from ..errors import QualcodeError
from . import data

#: a code whose comparison rests on fewer coded passages than this gets the low-n flag
LOW_N = 10
PAGE = 100


class AnalysisError(QualcodeError):
    """A request the analysis pages cannot answer (unknown coder, code, attribute...)."""


# ---- shared lookups ----------------------------------------------------------------------------

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def store_signature(project) -> tuple:
    """Changes whenever the store is written (by this server or any other process): the size
    and modification time of ``qualcode.sqlite`` and its write-ahead log. Read from the file
    system, so checking it costs microseconds and no query."""
    out = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(str(project.store.path) + suffix)
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [None, None]
    return tuple(out)


def cached(project, key, compute):
    """``compute()`` once per state of the store: analysis pages re-read 50,000 codings and
    re-run bootstraps only after something was written."""
    base = getattr(project, "project", project)  # a coder's view: cached per project and view
    key = (getattr(project, "cache_key", None), key)
    sig = store_signature(base)
    entry = _CACHE.get(base)
    if entry is None or entry[0] != sig:
        entry = (sig, {})
        _CACHE[base] = entry
    memo = entry[1]
    if key not in memo:
        if len(memo) > 32:
            memo.clear()
        memo[key] = compute()
    return memo[key]


def human(project, coders=None) -> pd.DataFrame:
    """Live human codings (the codings columns of the store), of ``coders`` when given."""
    df = cached(project, ("human",),
                lambda: data.human_rows(project.codings(include_machine=False)))
    if coders:
        df = df[df["coder"].isin(list(coders))]
    return df


def _turn_index(corpus) -> dict:
    """Per document: turn starts, ends, speakers, cases and interviewer flags as arrays."""
    cache = _CACHE.setdefault(corpus, (None, {}))[1]
    if "turns" not in cache:
        out = {}
        for doc, t in corpus.turns.groupby("document", sort=False):
            t = t.sort_values("start")
            out[doc] = {"start": t["start"].to_numpy(), "end": t["end"].to_numpy(),
                        "speaker": t["speaker"].astype(str).to_numpy(),
                        "case": t["case"].astype(str).to_numpy(),
                        "interviewer": t["is_interviewer"].to_numpy(dtype=bool)}
        cache["turns"] = out
    return cache["turns"]


def _doc_case(corpus) -> dict[str, str]:
    seg = corpus.segments.drop_duplicates("document")
    return dict(zip(seg["document"], seg["case"].astype(str)))


def case_filter(corpus, attribute: str | None, value: str | None, case: str | None = None):
    """The documents of the cases with ``attribute == value`` (and/or named ``case``), or None
    for no filter."""
    if not attribute and not case:
        return None
    cases = corpus.cases
    keep = set(cases["case"].astype(str))
    if attribute:
        if attribute not in cases.columns or attribute == "case":
            names = ", ".join(c for c in cases.columns if c != "case") or "none"
            raise AnalysisError(f"no case attribute {attribute!r} (attributes: {names})")
        keep &= set(cases.loc[cases[attribute].astype(str) == str(value or ""), "case"].astype(str))
    if case:
        keep &= {str(case)}
    return {d for d, c in _doc_case(corpus).items() if c in keep}


def attributes(corpus) -> dict[str, list[str]]:
    """Case attributes and their values (for the filters)."""
    out = {}
    for col in corpus.cases.columns:
        if col == "case":
            continue
        vals = sorted({str(v) for v in corpus.cases[col].dropna() if str(v) != ""})
        if 1 <= len(vals) <= 60:
            out[col] = vals
    return out


def _speakers(corpus, docs, starts) -> list[str]:
    """The speaker of the turn each offset lies in."""
    index = _turn_index(corpus)
    out = []
    for doc, start in zip(docs, starts):
        t = index.get(doc)
        if t is None or not len(t["start"]):
            out.append("")
            continue
        p = int(np.searchsorted(t["start"], start, side="right")) - 1
        out.append(str(t["speaker"][max(p, 0)]))
    return out


def passages(project, rows: pd.DataFrame, *, context: int = 160) -> list[dict]:
    """Coding rows as passages: the coded text, up to ``context`` characters of its turn either
    side (``before``, ``after``), speaker, case."""
    corpus, codebook = project.corpus, project.codebook
    case_of = _doc_case(corpus)
    index = _turn_index(corpus)
    out = data.records(rows, ["id", "document", "start", "end", "code", "coder", "memo", "version"])
    speakers = _speakers(corpus, [r["document"] for r in out], [r["start"] for r in out])
    for r, sp in zip(out, speakers):
        text = corpus.text(r["document"])
        s, e = r["start"], r["end"]
        t = index.get(r["document"])
        k = int(np.searchsorted(t["start"], s, side="right")) - 1 if t is not None else -1
        t0 = int(t["start"][k]) if k >= 0 else 0
        k2 = int(np.searchsorted(t["start"], max(e - 1, s), side="right")) - 1 if t is not None else -1
        t1 = int(t["end"][k2]) if k2 >= 0 else len(text)
        r["text"] = text[s:e]
        r["before"] = text[max(t0, s - context):s]
        r["after"] = text[e:min(t1, e + context)]
        r["speaker"] = sp
        r["case"] = case_of.get(r["document"], "")
        r["code_name"] = codebook[r["code"]].name if r["code"] in codebook else r["code"]
    return out


# ---- retrieve ----------------------------------------------------------------------------------

def retrieve(project, *, code: str | None = None, descendants: bool = True, coders=None,
             document: str | None = None, attribute: str | None = None, value: str | None = None,
             case: str | None = None, offset: int = 0, limit: int = PAGE) -> dict:
    """Every human coding of ``code`` (and its descendants), filtered by coder, document and case
    attribute, ordered by document and position: ``total`` and one page of ``items``
    (:func:`passages`), with the ``coders`` who coded anything."""
    corpus, codebook = project.corpus, project.codebook
    df = human(project)
    all_coders = sorted(df["coder"].unique().tolist()) if len(df) else []
    codes = None
    if code:
        if code not in codebook:
            raise AnalysisError(f"unknown code {code!r}; the codebook page lists the codes")
        codes = codebook.descendants(code, include_self=True) if descendants else [code]
        df = df[df["code"].isin(codes)]
    if coders:
        unknown = [c for c in coders if c not in all_coders]
        if unknown:
            raise AnalysisError(f"no human codings by coder {unknown[0]!r} "
                                f"(coders: {', '.join(all_coders) or 'none yet'})")
        df = df[df["coder"].isin(list(coders))]
    if document:
        if document not in corpus.document_ids:
            raise AnalysisError(f"unknown document {document!r}")
        df = df[df["document"] == document]
    docs = case_filter(corpus, attribute, value, case)
    if docs is not None:
        df = df[df["document"].isin(docs)]
    order = {d: i for i, d in enumerate(corpus.document_ids)}
    df = df.assign(_o=df["document"].map(order)).sort_values(["_o", "start", "end", "id"],
                                                              kind="stable")
    page = df.iloc[offset: offset + limit]
    return {"code": code, "codes": codes, "total": int(len(df)), "offset": offset,
            "limit": limit, "items": passages(project, page), "coders": all_coders,
            "by_code": {str(k): int(v) for k, v in df["code"].value_counts().items()}}


# ---- text search -------------------------------------------------------------------------------

TERM = re.compile(r'"([^"]+)"|(\S+)')


def terms(query: str) -> list[str]:
    """Words and "quoted phrases" of a query."""
    out = []
    for phrase, word in TERM.findall(query or ""):
        t = (phrase or word).strip()
        if t:
            out.append(t)
    return out


def _pattern(term: str) -> re.Pattern:
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)
    lead = r"\b" if re.match(r"\w", term) else ""
    tail = r"\b" if re.search(r"\w$", term) else ""
    return re.compile(lead + body + tail, re.IGNORECASE)


def search(project, query: str, *, document: str | None = None, attribute: str | None = None,
           value: str | None = None, coder: str | None = None, offset: int = 0,
           limit: int = PAGE, context: int = 120) -> dict:
    """Case-insensitive search of the codable turns: a hit is a turn holding every term (words
    match whole words; a "quoted phrase" its words in order), with the span from its first to its
    last match, the matches, context, speaker, case and the codes already on it (of ``coder``,
    or of every coder)."""
    ts = terms(query)
    if not ts:
        raise AnalysisError("type a word or a \"phrase\" to search for")
    if len(ts) > 12:
        raise AnalysisError("search for at most 12 words or phrases at once")
    corpus = project.corpus
    pats = [_pattern(t) for t in ts]
    index = _turn_index(corpus)
    docs = case_filter(corpus, attribute, value)
    if document:
        if document not in corpus.document_ids:
            raise AnalysisError(f"unknown document {document!r}")
        docs = {document} if docs is None else docs & {document}
    hits = []
    for doc in corpus.document_ids:
        if docs is not None and doc not in docs:
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
            arr = np.array(f)
            pos = np.searchsorted(ts_, arr[:, 0], side="right") - 1
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
    total = len(hits)
    page = hits[offset: offset + limit]
    if page:
        cod = human(project, [coder] if coder else None)
        by_doc = {d: g for d, g in cod.groupby("document", sort=False)} if len(cod) else {}
        for h in page:
            text = corpus.text(h["document"])
            c0 = max(h["turn_start"], h["start"] - context)
            c1 = min(h["turn_end"], h["end"] + context)
            h["context_start"], h["context"] = c0, text[c0:c1]
            g = by_doc.get(h["document"])
            on = g[(g["start"] < h["end"]) & (g["end"] > h["start"])] if g is not None else None
            h["codes"] = sorted(set(on["code"])) if on is not None and len(on) else []
    return {"query": query, "terms": ts, "total": total, "offset": offset, "limit": limit,
            "items": page}


# ---- compare coders ----------------------------------------------------------------------------

def compare(project, coders, *, unit: str = "segment", n_boot: int = 1000, seed: int = 0) -> dict:
    """Agreement between ``coders`` (two or more) per code and pooled, from
    :func:`qualcode.agreement.compare` with the same arguments ``qualcode agree`` passes (all
    metrics, ``n_boot`` resamples, ``seed``); each row gains ``low_n`` (fewer than
    :data:`LOW_N` coded passages by these coders) and ``n_passages``."""
    return compare_finish(compare_inputs(project, coders, unit=unit, n_boot=n_boot, seed=seed))


def compare_inputs(project, coders, *, unit: str = "segment", n_boot: int = 1000,
                   seed: int = 0) -> dict:
    """What :func:`compare_finish` needs, read from the project (quick; the web layer reads it
    under the project lock and computes the bootstrap outside it)."""
    coders = _check_coders(project, coders)
    if unit not in ("segment", "character"):
        raise AnalysisError(f"unit must be 'segment' or 'character', not {unit!r}")
    key = ("compare", tuple(coders), unit, n_boot, seed)
    entry = _CACHE.get(project)
    done = entry[1].get(key) if entry is not None and entry[0] == store_signature(project) else None
    return {"project": project, "coders": coders, "unit": unit, "n_boot": n_boot, "seed": seed,
            "key": key, "signature": store_signature(project), "table": done,
            "corpus": project.corpus, "codings": human(project, coders),
            "names": {c.id: c.name for c in project.codebook}}


def compare_finish(inputs: dict) -> dict:
    """The agreement table of :func:`compare_inputs`' data (the slow part: the bootstrap)."""
    from ..agreement import ALL_CODES, compare as ag_compare

    cod, table = inputs["codings"], inputs["table"]
    if table is None:
        table = ag_compare(inputs["corpus"], cod, inputs["unit"], n_boot=inputs["n_boot"],
                           seed=inputs["seed"])
        entry = _CACHE.get(inputs["project"])
        if entry is not None and entry[0] == inputs["signature"]:
            entry[1][inputs["key"]] = table  # still the state it was computed from
    per_code = cod["code"].value_counts()
    rows = data.records(table)
    for r in rows:
        n = int(len(cod)) if r["code"] == ALL_CODES else int(per_code.get(r["code"], 0))
        r["n_passages"] = n
        r["low_n"] = n < LOW_N
        r["name"] = inputs["names"].get(r["code"], r["code"])
    return {"coders": inputs["coders"], "unit": inputs["unit"], "n_boot": inputs["n_boot"],
            "seed": inputs["seed"], "rows": rows, "low_n": LOW_N,
            "two": len(inputs["coders"]) == 2}


def _check_coders(project, coders) -> list[str]:
    coders = [c for c in (coders or []) if c]
    present = sorted(human(project)["coder"].unique().tolist())
    if len(set(coders)) < 2:
        raise AnalysisError("pick two or more coders to compare "
                            f"(coders with codings: {', '.join(present) or 'none yet'})")
    unknown = [c for c in coders if c not in present]
    if unknown:
        raise AnalysisError(f"no human codings by coder {unknown[0]!r} "
                            f"(coders: {', '.join(present) or 'none yet'})")
    return sorted(set(coders), key=coders.index)


def disagreements(project, coders, *, unit: str = "segment", code: str | None = None,
                  offset: int = 0, limit: int = PAGE) -> dict:
    """The disputed passages grouped by passage: all the codes the coders decided differently on
    one codable turn are one entry (``document, start, end, text, speaker, case, codes``), each
    code with every coder's decision (``1``/``0``, or ``None`` where the coder did not cover the
    document), from :func:`qualcode.agreement.disagreements`."""
    coders = _check_coders(project, coders)
    table = cached(project, ("disagreements", tuple(coders), unit),
                   lambda: _grouped_table(project, coders, unit))
    if code:
        table = table[table["code"] == code]
    groups = table["_group"].unique()  # in reading order
    page = groups[offset: offset + limit]
    rows = table[table["_group"].isin(page)]
    names = {c.id: c.name for c in project.codebook}
    columns = [c for c in table.columns if c not in GROUP_COLUMNS]
    corpus = project.corpus
    items = []
    for _, g in rows.groupby("_group", sort=True):
        first = g.iloc[0]
        doc, s0, s1 = first["document"], int(first["_seg_start"]), int(first["_seg_end"])
        items.append({
            "document": doc, "start": s0, "end": s1, "speaker": first["_speaker"],
            "case": first["_case"], "text": corpus.text(doc)[s0:s1],
            "codes": [{"code": r["code"], "name": names.get(r["code"], r["code"]),
                       "start": int(r["start"]), "end": int(r["end"]),
                       "decisions": {coders[j]: _decision(r[col]) for j, col in enumerate(columns)}}
                      for r in g.to_dict("records")]})
    return {"coders": coders, "unit": unit, "total": int(len(groups)), "rows": int(len(table)),
            "offset": offset, "limit": limit, "items": items}


GROUP_COLUMNS = ("document", "start", "end", "text", "code", "_group", "_seg_start", "_seg_end",
                 "_speaker", "_case")


def _grouped_table(project, coders, unit) -> pd.DataFrame:
    """:func:`qualcode.agreement.disagreements` of ``coders`` with each row's codable turn
    (``_seg_start, _seg_end, _speaker, _case``) and ``_group``, the turn's place in reading
    order (one group = one passage of the list)."""
    from ..agreement import disagreements as ag_disagreements

    corpus = project.corpus
    table = ag_disagreements(corpus, human(project, coders), unit)
    seg = corpus.codable_segments().reset_index(drop=True)
    sid = _segment_of(seg, table["document"].to_numpy(), table["start"].to_numpy()) \
        if len(table) else np.zeros(0, dtype=int)
    order = {d: i for i, d in enumerate(corpus.document_ids)}
    table = table.assign(
        _seg_start=seg["start"].to_numpy()[sid], _seg_end=seg["end"].to_numpy()[sid],
        _speaker=seg["speaker"].astype(str).to_numpy()[sid],
        _case=seg["case"].astype(str).to_numpy()[sid],
        _doc_order=table["document"].map(order).to_numpy())
    table = table.sort_values(["_doc_order", "_seg_start", "start", "code"], kind="stable")
    key = table["_doc_order"].astype(np.int64) * (1 << 32) + table["_seg_start"].astype(np.int64)
    table["_group"] = pd.factorize(key)[0]
    return table.drop(columns="_doc_order").reset_index(drop=True)


def _decision(v):
    if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return str(v)


def _segment_of(seg: pd.DataFrame, docs, starts) -> np.ndarray:
    """Row positions in ``seg`` (codable segments) of the segment each (document, offset) is in."""
    out = np.zeros(len(docs), dtype=int)
    seg = seg.reset_index(drop=True)
    rows_of = seg.groupby("document", sort=False).indices
    for doc in set(docs.tolist()):
        rows = rows_of[doc]
        st = seg["start"].to_numpy()[rows]
        order = np.argsort(st, kind="stable")
        idx = np.flatnonzero(docs == doc)
        pos = np.searchsorted(st[order], starts[idx], side="right") - 1
        out[idx] = rows[order[np.maximum(pos, 0)]]
    return out


def side_by_side(project, document: str, start: int, end: int, coders) -> dict:
    """One passage (the turns it lies in) with each coder's human codings on it, for the
    disagreement view: ``text, start, end, speaker`` and ``coders: {name: [codings]}``."""
    corpus = project.corpus
    if document not in corpus.document_ids:
        raise AnalysisError(f"unknown document {document!r}")
    coders = _check_coders(project, coders)
    ctx = data.context_for(corpus, document, start, end)
    c0 = ctx["context_start"]
    c1 = c0 + len(ctx["context"])
    cod = human(project, coders)
    cod = cod[(cod["document"] == document) & (cod["start"] < c1) & (cod["end"] > c0)]
    names = {c.id: c.name for c in project.codebook}
    colors = data.code_colors(project.codebook)
    out = {}
    for coder in coders:
        rows = data.records(cod[cod["coder"] == coder],
                            ["id", "start", "end", "code", "coder", "memo"])
        for r in rows:
            r["name"] = names.get(r["code"], r["code"])
            r["color"] = colors.get(r["code"], "#888888")
        out[coder] = rows
    return {"document": document, "start": c0, "end": c1, "text": ctx["context"],
            "focus": [start, end], "speaker": ctx["speaker"], "coders": out}


# ---- cross-case --------------------------------------------------------------------------------

def _top_codes(codebook, depth: int | None):
    return codebook.rollup(depth) if depth is not None else None


def strategy_root(codebook) -> str | None:
    """The codebook's strategy-like code: ``strategy``, else the first top-level code whose id or
    name speaks of strategies, when it has children (the strategies a case may show)."""
    if "strategy" in codebook and codebook.children("strategy"):
        return "strategy"
    for r in codebook.roots():
        if "strateg" in f"{r} {codebook[r].name}".lower() and codebook.children(r):
            return r
    return None


def crosscase(project, *, coder: str | None = None, depth: int | None = None,
              attribute: str | None = None) -> dict:
    """The case x code matrix (coded turns), the code x attribute table (cases showing the code)
    and, when the codebook has a strategy-like code with children (:func:`strategy_root`), the
    strategy-by-case matrix
    with hybrids marked, each from :mod:`qualcode.matrix` over the human codings (``coder``: one
    coder's; default every human coder's, a turn coded by several counting once)."""
    from .. import matrix

    corpus, codebook = project.corpus, project.codebook
    cod = human(project)
    coders = sorted(cod["coder"].unique().tolist()) if len(cod) else []
    if coder and coder not in coders:
        raise AnalysisError(f"no human codings by coder {coder!r} (coders: {', '.join(coders)})")
    if depth is not None and depth < 0:
        raise AnalysisError("depth must be 0 or more")
    cb_kw = {"codebook": codebook, "depth": depth} if depth is not None else {}
    order = [c for c in codebook.ids()]
    with_text = set(_doc_case(corpus).values())  # cases without a transcript have nothing to show
    cbc = matrix.case_by_code(corpus, cod, coder=coder or None, **cb_kw)
    cbc = cbc[[c in with_text for c in cbc.index.astype(str)]]
    cols = sorted(cbc.columns, key=lambda c: order.index(c) if c in order else len(order))
    cbc = cbc[cols]
    names = {c.id: c.name for c in codebook}
    colors = data.code_colors(codebook)
    out = {
        "coder": coder, "coders": coders, "depth": depth,
        "codes": [{"id": c, "name": names.get(c, c), "color": colors.get(c, "#888888")}
                  for c in cols],
        "cases": [str(c) for c in cbc.index],
        "case_by_code": cbc.to_numpy().astype(int).tolist(),
        "attributes": attributes(corpus),
    }
    attrs = list(out["attributes"])
    attribute = attribute or (attrs[0] if attrs else None)
    out["attribute"] = attribute
    if attribute:
        if attribute not in out["attributes"]:
            raise AnalysisError(f"no case attribute {attribute!r} (attributes: {', '.join(attrs)})")
        cba = matrix.code_by_attribute(corpus, cod, attribute, coder=coder or None, **cb_kw)
        cba = cba[["n_cases"] + [c for c in cols if c in cba.columns]]
        out["code_by_attribute"] = {
            "values": [str(v) for v in cba.index], "n_cases": cba["n_cases"].astype(int).tolist(),
            "codes": [c for c in cols if c in cba.columns],
            "table": cba.drop(columns="n_cases").to_numpy().astype(int).tolist()}
    out["strategy"] = None
    root = strategy_root(codebook)
    if root is not None and len(cod):
        sm = matrix.strategy_by_case(corpus, cod, codebook, coder=coder or None,
                                     strategies=codebook.children(root))
        keep = [c in with_text for c in sm.counts.index.astype(str)]
        sm.counts, sm.shows, sm.hybrid = sm.counts[keep], sm.shows[keep], sm.hybrid[keep]
        strategies = list(sm.counts.columns)
        out["strategy"] = {
            "strategies": [{"id": s, "name": names.get(s, s)} for s in strategies],
            "cases": [str(c) for c in sm.counts.index],
            "counts": sm.counts.to_numpy().astype(int).tolist(),
            "shows": sm.shows.to_numpy().astype(bool).tolist(),
            "hybrid": [bool(sm.hybrid[c]) for c in sm.counts.index],
            "min_segments": sm.min_segments}
    co = matrix.cooccurrence(corpus, cod, coder=coder or None, **cb_kw)
    co_codes = [c for c in cols if c in co.index]
    co = co.loc[co_codes, co_codes]
    out["cooccurrence"] = {"codes": co_codes, "table": co.to_numpy().astype(int).tolist()}
    return out
