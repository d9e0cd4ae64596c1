"""What the workbench's analysis pages show (retrieve, search, compare coders, cross-case), as
JSON-ready dicts: the web-facing shaping of library functions. Retrieval and search are
:mod:`qualcode.retrieval`, disagreements by passage and the cross-case tables
:mod:`qualcode.crosscase`, agreement :func:`qualcode.agreement.compare`, the CLI's functions;
nothing here computes a figure of its own or writes to the store.

Each function takes the project as the requesting coder sees it (:class:`~.view.CoderView`: in a
blind project their own codings only), or a bare :class:`qualcode.Project`.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from .. import crosscase as crosscase_mod
from .. import retrieval
from ..agreement import ALL_CODES
from ..agreement import compare as ag_compare
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
    """Changes whenever the store is written, by this server or any other process (the store's
    data version), or the project's transcripts change (a new corpus object)."""
    base = getattr(project, "project", project)  # a coder's view: its project's state
    return ("data_version", base.data_version(), id(base.corpus))


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


def _turns(corpus) -> dict:
    """:func:`qualcode.retrieval.turn_index` of ``corpus``, once per corpus."""
    cache = _CACHE.setdefault(corpus, (None, {}))[1]
    if "turns" not in cache:
        cache["turns"] = retrieval.turn_index(corpus)
    return cache["turns"]


def case_filter(corpus, attribute: str | None, value: str | None, case: str | None = None):
    """:func:`qualcode.retrieval.case_documents`."""
    return retrieval.case_documents(corpus, attribute, value, case)


def attributes(corpus) -> dict[str, list[str]]:
    """Case attributes and their values (for the filters)."""
    return crosscase_mod.case_attributes(corpus)


def passages(project, rows: pd.DataFrame, *, context: int = 160) -> list[dict]:
    """Coding rows as passages (:func:`qualcode.retrieval.passages`), as records."""
    corpus = project.corpus
    if not len(rows):
        return []
    cols = ["id", "document", "start", "end", "code", "coder", "memo", "version"]
    table = retrieval.passages(corpus, project.codebook, rows[[c for c in cols if c in rows.columns]],
                               context=context, turns=_turns(corpus))
    return data.records(table, cols + ["text", "before", "after", "speaker", "case", "code_name"])


# ---- retrieve ----------------------------------------------------------------------------------

def retrieve(project, *, code: str | None = None, descendants: bool = True, coders=None,
             document: str | None = None, attribute: str | None = None, value: str | None = None,
             case: str | None = None, offset: int = 0, limit: int = PAGE) -> dict:
    """Every human coding of ``code`` (and its descendants), filtered by coder, document and case
    attribute (:func:`qualcode.retrieval.retrieve`): ``total`` and one page of ``items``
    (:func:`passages`), with the ``coders`` who coded anything."""
    corpus, codebook = project.corpus, project.codebook
    df = human(project)
    all_coders = sorted(df["coder"].unique().tolist()) if len(df) else []
    codes = None
    if code and code in codebook:
        codes = codebook.descendants(code, include_self=True) if descendants else [code]
    df = retrieval.retrieve(corpus, codebook, df, code=code, descendants=descendants,
                            coders=coders, document=document,
                            documents=case_filter(corpus, attribute, value, case))
    page = df.iloc[offset: offset + limit]
    return {"code": code, "codes": codes, "total": int(len(df)), "offset": offset,
            "limit": limit, "items": passages(project, page), "coders": all_coders,
            "by_code": {str(k): int(v) for k, v in df["code"].value_counts().items()}}


# ---- text search -------------------------------------------------------------------------------

terms = retrieval.terms


def search(project, query: str, *, document: str | None = None, attribute: str | None = None,
           value: str | None = None, coder: str | None = None, offset: int = 0,
           limit: int = PAGE, context: int = 120) -> dict:
    """:func:`qualcode.retrieval.search` of the codable turns, one page of hits with their
    context and the codes already on them (of ``coder``, or of every coder)."""
    corpus = project.corpus
    docs = _search_documents(corpus, document, attribute, value)
    hits = retrieval.search(corpus, query, documents=docs, turns=_turns(corpus))
    page = hits.iloc[offset: offset + limit].to_dict("records")
    if page:
        cod = human(project, [coder] if coder else None)
        for h in page:
            text = corpus.text(h["document"])
            c0 = max(h["turn_start"], h["start"] - context)
            c1 = min(h["turn_end"], h["end"] + context)
            h["context_start"], h["context"] = c0, text[c0:c1]
            h["codes"] = retrieval.codes_on(cod, h["document"], h["start"], h["end"]) \
                if len(cod) else []
    return {"query": query, "terms": retrieval.terms(query), "total": int(len(hits)),
            "offset": offset, "limit": limit, "items": data.records(pd.DataFrame(page))
            if page else []}


def _search_documents(corpus, document, attribute, value):
    """The documents a search keeps to (None: all), from the page's filters."""
    docs = case_filter(corpus, attribute, value)
    if document:
        if document not in corpus.document_ids:
            raise AnalysisError(f"unknown document {document!r}")
        docs = {document} if docs is None else docs & {document}
    return docs


#: the search box's "by meaning" mode lists at most this many passages, best first
MEANING_TOP = 100


def search_by_meaning(project, query: str, *, document: str | None = None,
                      attribute: str | None = None, value: str | None = None,
                      coder: str | None = None, offset: int = 0, limit: int = PAGE) -> dict:
    """The search box's "by meaning" mode: :func:`qualcode.coders.similar.search` of the
    codable passages (sentence embeddings, else TF-IDF, said in ``method`` and ``note``), the
    :data:`MEANING_TOP` best as ``total`` and one page of ``items`` with their ``similarity``,
    ``case`` and the codes already on them (of ``coder``, or of every coder the view shows)."""
    from ..coders import similar  # lazy: scikit-learn, only for search by meaning

    corpus = project.corpus
    docs = _search_documents(corpus, document, attribute, value)
    table, method = similar.search(corpus, query[:2000], n=MEANING_TOP, documents=docs)
    page = table.iloc[offset: offset + limit]
    items = data.records(page) if len(page) else []
    if items:
        cod = human(project, [coder] if coder else None)
        case_of = retrieval.document_cases(corpus)
        for it in items:
            it["similarity"] = float(it["similarity"])
            it["case"] = case_of.get(it["document"], "")
            it["codes"] = retrieval.codes_on(cod, it["document"], it["start"], it["end"]) \
                if len(cod) else []
    return {"query": query, "by": "meaning", "method": method, "note": similar.METHOD_NOTES[method],
            "total": len(table), "offset": offset, "limit": limit, "items": items}


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
    base = getattr(project, "project", project)  # cached per project, keyed by the view too
    key = (getattr(project, "cache_key", None), ("compare", tuple(coders), unit, n_boot, seed))
    entry = _CACHE.get(base)
    done = entry[1].get(key) if entry is not None and entry[0] == store_signature(base) else None
    return {"project": base, "coders": coders, "unit": unit, "n_boot": n_boot, "seed": seed,
            "key": key, "signature": store_signature(project), "table": done,
            "corpus": project.corpus, "codings": human(project, coders),
            "names": {c.id: c.name for c in project.codebook}}


def compare_finish(inputs: dict) -> dict:
    """The agreement table of :func:`compare_inputs`' data (the slow part: the bootstrap)."""
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
    """The disputed passages grouped by passage (:func:`qualcode.crosscase.disagreement_passages`):
    all the codes the coders decided differently on one codable turn are one entry
    (``document, start, end, text, speaker, case, codes``), each code with every coder's decision
    (``1``/``0``, or ``None`` where the coder did not cover the document)."""
    coders = _check_coders(project, coders)
    corpus = project.corpus
    table = cached(project, ("disagreements", tuple(coders), unit),
                   lambda: crosscase_mod.disagreement_passages(corpus, human(project, coders),
                                                               unit=unit))
    if code:
        table = table[table["code"] == code]
    groups = table["passage"].unique()  # in reading order
    page = groups[offset: offset + limit]
    rows = table[table["passage"].isin(page)]
    names = {c.id: c.name for c in project.codebook}
    items = []
    for _, g in rows.groupby("passage", sort=True):
        first = g.iloc[0]
        doc, s0, s1 = first["document"], int(first["passage_start"]), int(first["passage_end"])
        items.append({
            "document": doc, "start": s0, "end": s1, "speaker": first["passage_speaker"],
            "case": first["passage_case"], "text": corpus.text(doc)[s0:s1],
            "codes": [{"code": r["code"], "name": names.get(r["code"], r["code"]),
                       "start": int(r["start"]), "end": int(r["end"]),
                       "decisions": {c: _decision(r.get(c)) for c in coders}}
                      for r in g.to_dict("records")]})
    return {"coders": coders, "unit": unit, "total": int(len(groups)), "rows": int(len(table)),
            "offset": offset, "limit": limit, "items": items}


def _decision(v):
    if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return str(v)


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

strategy_root = crosscase_mod.strategy_root


def crosscase(project, *, coder: str | None = None, depth: int | None = None,
              attribute: str | None = None) -> dict:
    """:func:`qualcode.crosscase.tables` of the human codings (``coder``: one coder's; default
    every human coder's, a turn coded by several counting once), as the Cross-case page draws
    them; the attribute defaults to the first case attribute."""
    corpus, codebook = project.corpus, project.codebook
    cod = human(project)
    attrs = attributes(corpus)
    t = crosscase_mod.tables(corpus, codebook, cod, coder=coder, depth=depth,
                             attribute=attribute or (next(iter(attrs)) if attrs else None))
    names = {c.id: c.name for c in codebook}
    colors = data.code_colors(codebook)
    cols = list(t.case_by_code.columns)
    out = {
        "coder": coder, "coders": sorted(cod["coder"].unique().tolist()) if len(cod) else [],
        "depth": depth,
        "codes": [{"id": c, "name": names.get(c, c), "color": colors.get(c, "#888888")}
                  for c in cols],
        "cases": [str(c) for c in t.case_by_code.index],
        "case_by_code": t.case_by_code.to_numpy().astype(int).tolist(),
        "attributes": attrs, "attribute": t.attribute, "strategy": None,
        "cooccurrence": {"codes": list(t.cooccurrence.index),
                         "table": t.cooccurrence.to_numpy().astype(int).tolist()},
    }
    if t.code_by_attribute is not None:
        cba = t.code_by_attribute
        out["code_by_attribute"] = {
            "values": [str(v) for v in cba.index], "n_cases": cba["n_cases"].astype(int).tolist(),
            "codes": [c for c in cba.columns if c != "n_cases"],
            "table": cba.drop(columns="n_cases").to_numpy().astype(int).tolist()}
    sm = t.strategy
    if sm is not None:
        out["strategy"] = {
            "strategies": [{"id": s, "name": names.get(s, s)} for s in sm.counts.columns],
            "cases": [str(c) for c in sm.counts.index],
            "counts": sm.counts.to_numpy().astype(int).tolist(),
            "shows": sm.shows.to_numpy().astype(bool).tolist(),
            "hybrid": [bool(sm.hybrid[c]) for c in sm.counts.index],
            "min_segments": sm.min_segments}
    return out
