"""Cross-case analysis: case x code tables, the strategy-by-case matrix (Table 4 layout),
code x attribute, co-occurrence within segments, and framework matrices with quotes.

All functions take the corpus and a codings table (DESIGN.md contracts). Codings are mapped onto
the corpus's *codable* segments (interviewer turns excluded) by overlap of at least one character
(:func:`qualcode.codings.map_to_segments`); a segment coded several times with one code (by
several codings or coders) counts once. Pass ``coder=`` to use one coder's codings only, and
``mapping=`` (``map_to_segments(codings, corpus.segments)``, computed once) to skip the mapping.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .codings import assign_segments, select_coder
from .errors import CodingsError


def coded_segments(corpus, codings: pd.DataFrame, *, coder: str | None = None, codebook=None,
                   depth: int | None = None, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (codable segment, code): ``document, segment, case, code, start, end, text,
    quote, coders``.

    ``quote`` is the coded text (the codings' spans clipped to the segment; separate coded
    passages of one segment joined by ``" … "``, never the uncoded words between them),
    ``coders`` the coders who applied the code there. With ``codebook`` and ``depth``, codes are
    rolled up to their ancestor at that depth (e.g. depth 1: ``process.planning.tasks`` ->
    ``process.planning``).
    """
    c = codings
    if coder is not None:
        c = select_coder(c, coder)
    if codebook is not None and depth is not None:
        c = c.assign(code=c["code"].map(codebook.rollup(depth)).fillna(c["code"]))
    seg = corpus.codable_segments()
    hits = assign_segments(c[["document", "start", "end", "code", "coder"]], seg, mapping=mapping)
    cols = ["document", "segment", "case", "code", "start", "end", "text", "quote", "coders"]
    if hits.empty:
        return pd.DataFrame(columns=cols)
    hits["q_start"] = np.maximum(hits["start"], hits["seg_start"])
    hits["q_end"] = np.minimum(hits["end"], hits["seg_end"])
    groups = hits.groupby(["document", "segment", "code"], sort=False)
    grouped = groups.agg(coders=("coder", lambda x: ", ".join(sorted(set(x))))).reset_index()
    spans = _spans_by_key(hits)
    meta = seg[["document", "segment", "case", "start", "end", "text"]]
    out = grouped.merge(meta, on=["document", "segment"], how="left")
    out["quote"] = [_quote(corpus.text(d), spans[(d, sg, cd)]) for d, sg, cd in
                    zip(out["document"], out["segment"], out["code"])]
    return out[cols]


def _spans_by_key(hits: pd.DataFrame) -> dict:
    """(document, segment, code) -> the merged coded spans (``q_start``/``q_end``), one pass."""
    h = hits.sort_values(["document", "segment", "code", "q_start"], kind="stable")
    out: dict = {}
    for key, s, e in zip(zip(h["document"], h["segment"], h["code"]), h["q_start"], h["q_end"]):
        spans = out.setdefault(key, [])
        s, e = int(s), int(e)
        if spans and s <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], e))
        else:
            spans.append((s, e))
    return out


def _quote(text: str, spans) -> str:
    """The coded spans of one segment, each stripped, joined by ``" … "`` (the uncoded words
    between two coded passages of one turn are left out)."""
    return " … ".join(p for p in (text[s:e].strip() for s, e in spans) if p)


def _cases(corpus, cases=None, where: dict | None = None) -> list[str]:
    table = corpus.cases
    if where:
        for key, value in where.items():
            if key not in table.columns:
                raise CodingsError(f"no case attribute {key!r} (attributes: "
                                   f"{', '.join(c for c in table.columns if c != 'case')})")
            values = value if isinstance(value, (list, tuple, set)) else [value]
            table = table[table[key].isin([str(v) for v in values])]
    names = list(table["case"])
    if cases is not None:
        unknown = [c for c in cases if c not in set(corpus.cases["case"])]
        if unknown:
            raise CodingsError(f"unknown case {unknown[0]!r}")
        names = [c for c in names if c in set(cases)]
    return names


def case_by_code(corpus, codings: pd.DataFrame, *, codes: list[str] | None = None,
                 coder: str | None = None, value: str = "segments", codebook=None,
                 depth: int | None = None, cases=None, where: dict | None = None,
                 mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cases x codes: the number of coded segments (``value="segments"``) or 0/1 presence
    (``value="presence"``). Every case of the corpus is a row, zero rows included."""
    if value not in ("segments", "presence"):
        raise ValueError("value must be 'segments' or 'presence'")
    cs = coded_segments(corpus, codings, coder=coder, codebook=codebook, depth=depth,
                        mapping=mapping)
    if codes is None:
        codes = sorted(set(cs["code"]))
    names = _cases(corpus, cases, where)
    counts = pd.crosstab(cs["case"], cs["code"]) if len(cs) else pd.DataFrame()
    table = counts.reindex(index=names, columns=codes, fill_value=0).astype(int)
    table.index.name, table.columns.name = "case", None
    return (table > 0).astype(int) if value == "presence" else table


@dataclass
class StrategyMatrix:
    """The strategy-by-case result.

    ``counts``: cases x strategies, coded segments; ``shows``: cases x strategies, bool (the
    threshold met); ``hybrid``: case -> bool (two or more strategies); ``associated``: strategy ->
    Table 4's "Associated firms" list (``"Alpha*"`` marks a hybrid); ``published``: the same list
    from the codebook's ``associated_firms`` property, where it has one.
    """

    counts: pd.DataFrame
    shows: pd.DataFrame
    hybrid: pd.Series
    associated: dict[str, list[str]]
    published: dict[str, list[str]] = field(default_factory=dict)
    min_segments: int = 2
    min_share: float = 0.0

    def table(self) -> pd.DataFrame:
        """Cases x strategies with ``x`` where a case shows a strategy (``x*`` when hybrid),
        the segment counts in brackets, and a ``strategies`` summary column."""
        rows = []
        for case in self.counts.index:
            row = {"case": case}
            for s in self.counts.columns:
                mark = ("x*" if self.hybrid[case] else "x") if self.shows.loc[case, s] else ""
                row[s] = f"{mark} ({self.counts.loc[case, s]})".strip()
            row["strategies"] = ", ".join(_short(s) for s in self.counts.columns if self.shows.loc[case, s])
            row["hybrid"] = bool(self.hybrid[case])
            rows.append(row)
        return pd.DataFrame(rows)

    def associated_row(self) -> pd.DataFrame:
        """Table 4's last row: one column per strategy, firms separated by spaces."""
        return pd.DataFrame([{s: " ".join(v) for s, v in self.associated.items()}],
                            index=["Associated firms (* hybrid strategy)"])

    def compare(self) -> pd.DataFrame:
        """Derived versus published, one row per (strategy, case) in either: ``published``,
        ``derived`` (``yes``, ``yes*`` for hybrid, ``no``) and ``agrees``."""
        rows = []
        for s, pub in self.published.items():
            pub_map = {_name(x): x.endswith("*") for x in pub}
            der_map = {_name(x): x.endswith("*") for x in self.associated.get(s, [])}
            for case in list(self.counts.index):
                p = "yes*" if pub_map.get(case) else ("yes" if case in pub_map else "no")
                d = "yes*" if der_map.get(case) else ("yes" if case in der_map else "no")
                if p == "no" and d == "no":
                    continue
                rows.append({"strategy": s, "case": case, "published": p, "derived": d,
                             "agrees": p == d, "segments": int(self.counts.loc[case, s])})
        return pd.DataFrame(rows, columns=["strategy", "case", "published", "derived", "agrees", "segments"])


def _short(code_id: str) -> str:
    return code_id.split(".")[-1]


def _name(entry: str) -> str:
    return entry.rstrip("*").strip()


def strategy_by_case(corpus, codings: pd.DataFrame, codebook, *, coder: str | None = None,
                     strategies: list[str] | None = None, min_segments: int = 2,
                     min_share: float = 0.0, cases=None, where: dict | None = None,
                     mapping: pd.DataFrame | None = None) -> StrategyMatrix:
    """Which strategies each case shows, hybrids marked as in Table 4 of Mero et al. (2023).

    A case *shows* a strategy when at least ``min_segments`` of its codable segments are coded
    with the strategy (or a code below it) **and** those segments are at least ``min_share`` of
    all its strategy-coded segments. Two or more strategies make the case a hybrid (``*``).
    ``strategies`` defaults to the children of ``strategy`` in the codebook. ``where`` keeps
    cases by attribute, e.g. ``{"group": "B2B firm"}`` (Table 4 lists firms, not agencies).
    """
    if strategies is None:
        if "strategy" not in codebook:
            raise CodingsError("the codebook has no 'strategy' code; pass strategies=[...]")
        strategies = codebook.children("strategy")
    if min_segments < 1:
        raise ValueError("min_segments must be at least 1")
    roll = {}
    for s in strategies:
        for cid in codebook.descendants(s, include_self=True):
            roll[cid] = s
    if coder is not None:  # the coder first: one who coded no strategy has an empty matrix
        codings = select_coder(codings, coder)
    c = codings[codings["code"].isin(roll)]
    c = c.assign(code=c["code"].map(roll))
    counts = case_by_code(corpus, c, codes=list(strategies), cases=cases, where=where,
                          mapping=mapping)
    total = counts.sum(axis=1).replace(0, np.nan)
    share = counts.div(total, axis=0).fillna(0.0)
    shows = (counts >= min_segments) & (share >= min_share)
    hybrid = shows.sum(axis=1) >= 2
    associated = {}
    for s in strategies:
        members = [case for case in counts.index if shows.loc[case, s]]
        associated[s] = [c for c in members if not hybrid[c]] + [f"{c}*" for c in members if hybrid[c]]
    published = {}
    for s in strategies:
        firms = codebook[s].properties.get("associated_firms")
        if firms:
            published[s] = [str(f).strip() for f in firms]
    return StrategyMatrix(counts, shows, hybrid, associated, published, min_segments, min_share)


def code_by_attribute(corpus, codings: pd.DataFrame, attribute: str, *, codes=None,
                      coder: str | None = None, value: str = "cases", codebook=None,
                      depth: int | None = None, mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attribute values x codes: how many cases with that value show the code
    (``value="cases"``) or how many segments are coded (``value="segments"``).
    Column ``n_cases`` gives the number of cases per value."""
    if attribute not in corpus.cases.columns:
        raise CodingsError(f"no case attribute {attribute!r} (attributes: "
                           f"{', '.join(c for c in corpus.cases.columns if c != 'case')})")
    per_case = case_by_code(corpus, codings, codes=codes, coder=coder, codebook=codebook, depth=depth,
                            value="presence" if value == "cases" else "segments", mapping=mapping)
    lookup = dict(zip(corpus.cases["case"], corpus.cases[attribute]))
    attr = pd.Series([lookup.get(c, "") for c in per_case.index], index=per_case.index).fillna("")
    table = per_case.groupby(attr.values).sum()
    table.insert(0, "n_cases", attr.value_counts().reindex(table.index).astype(int))
    table.index.name = attribute
    return table


def cooccurrence(corpus, codings: pd.DataFrame, *, codes=None, coder: str | None = None,
                 codebook=None, depth: int | None = None,
                 mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Codes x codes: the number of codable segments coded with both (diagonal: with the code)."""
    cs = coded_segments(corpus, codings, coder=coder, codebook=codebook, depth=depth,
                        mapping=mapping)
    if codes is None:
        codes = sorted(set(cs["code"]))
    key = cs["document"].astype(str) + "\x00" + cs["segment"].astype(str)
    ind = pd.crosstab(key, cs["code"]).reindex(columns=codes, fill_value=0).clip(upper=1)
    m = ind.T.to_numpy() @ ind.to_numpy()
    return pd.DataFrame(m, index=pd.Index(codes, name="code"), columns=codes)


def framework(corpus, codings: pd.DataFrame, *, codes=None, coder: str | None = None,
              max_quotes: int = 3, max_chars: int = 300, codebook=None, depth: int | None = None,
              cases=None, where: dict | None = None,
              mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """A framework matrix: cases x codes, each cell the coded passages (up to ``max_quotes``,
    each cut at ``max_chars``) with their place as ``[document #segment]``; empty where uncoded."""
    cs = coded_segments(corpus, codings, coder=coder, codebook=codebook, depth=depth,
                        mapping=mapping)
    if codes is None:
        codes = sorted(set(cs["code"]))
    names = _cases(corpus, cases, where)
    table = pd.DataFrame("", index=pd.Index(names, name="case"), columns=codes)
    for (case, code), grp in cs.groupby(["case", "code"], sort=False):
        if case not in table.index or code not in table.columns:
            continue
        quotes = []
        for r in grp.head(max_quotes).itertuples(index=False):
            q = r.quote if len(r.quote) <= max_chars else r.quote[: max_chars - 1].rstrip() + "…"
            quotes.append(f"“{q}” [{r.document} #{r.segment}]")
        more = len(grp) - max_quotes
        if more > 0:
            quotes.append(f"(+{more} more)")
        table.loc[case, code] = "\n".join(quotes)
    return table


def themes(corpus, codings: pd.DataFrame, codebook, root: str | None, *, coder: str | None = None,
           mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Themes with their coded passages, as Table 2 of the UK study lays them out: the children
    of ``root`` are groups (e.g. dimensions), their children the themes (a group without children
    is its own theme). ``root=None``: the codebook's declared ``categories`` (else its top-level
    codes) are the groups, so any codebook gets its quotes per code.

    One row per (group, theme), in codebook order, with columns ``group, theme, segments`` (coded
    segments with the theme or a code below it), ``cases`` (distinct cases among them) and
    ``quotes`` (a list of ``(quote, case, document, segment)``, in transcript order).
    """
    if root is not None and root not in codebook:
        raise CodingsError(f"no code {root!r} in the codebook to list themes under")
    cs = coded_segments(corpus, codings, coder=coder, mapping=mapping)
    rows = []
    groups = codebook.children(root) if root is not None else \
        (list(getattr(codebook, "categories", []) or []) or codebook.roots())
    for group in groups:
        for theme in codebook.children(group) or [group]:
            ids = set(codebook.descendants(theme, include_self=True))
            hits = cs[cs["code"].isin(ids)]
            rows.append({"group": group, "theme": theme, "segments": len(hits),
                         "cases": int(hits["case"].nunique()),
                         "quotes": list(zip(hits["quote"], hits["case"], hits["document"],
                                            hits["segment"]))})
    return pd.DataFrame(rows, columns=["group", "theme", "segments", "cases", "quotes"])
