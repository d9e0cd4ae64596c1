"""Cross-case views a researcher reads side by side: the disputed passages of two or more coders
grouped by the turn they are in, and the case x code, code x attribute, strategy-by-case and
co-occurrence tables of one coding, in codebook order, for the cases that have a transcript.

Every figure comes from :mod:`qualcode.agreement` and :mod:`qualcode.matrix`; passages are found
through :func:`qualcode.codings.map_to_segments` (the one mapping of spans onto segments). The
functions take a corpus, a codebook and a codings table and return DataFrames (columns in each
docstring), so a notebook gets what the workbench's Compare and Cross-case pages show.

>>> from qualcode import crosscase
>>> crosscase.disagreement_passages(corpus, codings)   # one row per disputed (passage, code)
>>> crosscase.tables(corpus, codebook, codings, attribute="firm_size")
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import matrix
from .agreement import disagreements
from .codings import map_to_segments
from .errors import QualcodeError

#: columns :func:`disagreement_passages` adds to :func:`qualcode.agreement.disagreements`' table
PASSAGE_COLUMNS = ["passage", "passage_start", "passage_end", "passage_speaker", "passage_case"]


def disagreement_passages(corpus, codings: pd.DataFrame, *, unit: str = "segment",
                          mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`qualcode.agreement.disagreements` (``document, start, end, text, code`` and one
    decision column per coder) with the codable turn each disputed stretch lies in:
    ``passage_start``, ``passage_end``, ``passage_speaker``, ``passage_case``, and ``passage``,
    the turn's place in reading order (the rows of one passage are all the codes the coders
    decided differently there). Sorted by passage, start and code."""
    table = disagreements(corpus, codings, unit, mapping=mapping).reset_index(drop=True)
    seg = corpus.codable_segments()
    if len(table):
        where = map_to_segments(table[["document", "start", "end"]], seg) \
            .drop_duplicates("coding")  # the first segment a stretch overlaps: where it starts
        rows = seg.loc[where["seg"].to_numpy()]
        found = pd.DataFrame({
            "passage_start": rows["start"].to_numpy(), "passage_end": rows["end"].to_numpy(),
            "passage_speaker": rows["speaker"].astype(str).to_numpy(),
            "passage_case": rows["case"].astype(str).to_numpy()},
            index=where["coding"].to_numpy())
        table = table.join(found)
    else:
        table = table.assign(**{c: pd.Series(dtype=object) for c in PASSAGE_COLUMNS[1:]})
    # a stretch outside every codable turn is its own passage
    cases = dict(zip(corpus.documents["document"], corpus.documents["case"].astype(str))) \
        if len(corpus.documents) else {}
    table["passage_start"] = table["passage_start"].fillna(table["start"]).astype("int64")
    table["passage_end"] = table["passage_end"].fillna(table["end"]).astype("int64")
    table["passage_speaker"] = table["passage_speaker"].fillna("")
    table["passage_case"] = table["passage_case"].fillna(table["document"].map(cases))
    order = {d: i for i, d in enumerate(corpus.document_ids)}
    doc_order = table["document"].map(order).fillna(len(order)).astype(np.int64)
    table = table.assign(_o=doc_order).sort_values(["_o", "passage_start", "start", "code"],
                                                   kind="stable")
    key = table["_o"].astype(np.int64) * (1 << 32) + table["passage_start"].astype(np.int64)
    table.insert(0, "passage", pd.factorize(key)[0])
    return table.drop(columns="_o").reset_index(drop=True)


def strategy_root(codebook) -> str | None:
    """The codebook's strategy-like code: ``strategy``, else the first top-level code whose id or
    name speaks of strategies, when it has children (the strategies a case may show)."""
    if "strategy" in codebook and codebook.children("strategy"):
        return "strategy"
    for r in codebook.roots():
        if "strateg" in f"{r} {codebook[r].name}".lower() and codebook.children(r):
            return r
    return None


class CrossCaseError(QualcodeError):
    """A cross-case view that cannot be made (unknown coder or attribute, a negative depth)."""


@dataclass
class CrossCase:
    """The cross-case tables of one coding (:func:`tables`).

    ``case_by_code``: cases x codes, coded turns; ``code_by_attribute``: values x (``n_cases``
    and codes), cases showing the code (None without an attribute); ``strategy``: a
    :class:`~qualcode.matrix.StrategyMatrix` (None without a strategy-like code or codings);
    ``cooccurrence``: codes x codes, turns coded with both. Cases without a transcript are left
    out; codes are in codebook order.
    """

    case_by_code: pd.DataFrame
    code_by_attribute: pd.DataFrame | None
    strategy: matrix.StrategyMatrix | None
    cooccurrence: pd.DataFrame
    attribute: str | None


def case_attributes(corpus, *, max_values: int = 60) -> dict[str, list[str]]:
    """Case attributes with between 1 and ``max_values`` distinct values, and those values."""
    out = {}
    for col in corpus.cases.columns:
        if col == "case":
            continue
        vals = sorted({str(v) for v in corpus.cases[col].dropna() if str(v) != ""})
        if 1 <= len(vals) <= max_values:
            out[col] = vals
    return out


def tables(corpus, codebook, codings: pd.DataFrame, *, coder: str | None = None,
           depth: int | None = None, attribute: str | None = None) -> CrossCase:
    """The case x code matrix, the code x ``attribute`` table, the strategy-by-case matrix (when
    the codebook has a strategy-like code, :func:`strategy_root`) and the co-occurrence table
    of ``codings`` (``coder``: one coder's; default every coder's, a turn coded by several
    counting once), codes rolled up to ``depth`` when given."""
    coders = sorted(codings["coder"].unique().tolist()) if len(codings) else []
    if coder and coder not in coders:
        raise CrossCaseError(f"no human codings by coder {coder!r} (coders: {', '.join(coders)})")
    if depth is not None and depth < 0:
        raise CrossCaseError("depth must be 0 or more")
    if attribute and attribute not in case_attributes(corpus):
        attrs = ", ".join(case_attributes(corpus)) or "none"
        raise CrossCaseError(f"no case attribute {attribute!r} (attributes: {attrs})")
    cb_kw = {"codebook": codebook, "depth": depth} if depth is not None else {}
    order = {c: i for i, c in enumerate(codebook.ids())}
    with_text = set(corpus.documents["case"].astype(str)) if len(corpus.documents) else set()
    cbc = matrix.case_by_code(corpus, codings, coder=coder or None, **cb_kw)
    cbc = cbc[[c in with_text for c in cbc.index.astype(str)]]
    cols = sorted(cbc.columns, key=lambda c: order.get(c, len(order)))
    cbc = cbc[cols]
    cba = None
    if attribute:
        cba = matrix.code_by_attribute(corpus, codings, attribute, coder=coder or None, **cb_kw)
        cba = cba[["n_cases"] + [c for c in cols if c in cba.columns]]
    sm = None
    root = strategy_root(codebook)
    if root is not None and len(codings):
        sm = matrix.strategy_by_case(corpus, codings, codebook, coder=coder or None,
                                     strategies=codebook.children(root))
        keep = [c in with_text for c in sm.counts.index.astype(str)]
        sm.counts, sm.shows, sm.hybrid = sm.counts[keep], sm.shows[keep], sm.hybrid[keep]
    co = matrix.cooccurrence(corpus, codings, coder=coder or None, **cb_kw)
    co_codes = [c for c in cols if c in co.index]
    return CrossCase(cbc, cba, sm, co.loc[co_codes, co_codes], attribute)
