"""One self-contained HTML report of a study: codebook, frequencies, strategies, themes,
agreement, machine-versus-human evaluation and disagreements.

The report only presents numbers computed elsewhere (matrices, agreement, evaluation); it computes
no statistics of its own. Rendering goes through one jinja2 environment with autoescaping on; the
page has its CSS inline and loads nothing from the network.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import matrix as matrix_mod
from .fileio import write_text

_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("qualcode", "templates"),
            autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
            trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        )
        _ENV.filters["num"] = _num
    return _ENV


def _num(v, digits: int = 3) -> str:
    if v is None or (not isinstance(v, (str, bytes, list, tuple, dict)) and pd.isna(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int,)) or (isinstance(v, float) and v.is_integer() and abs(v) > 1.5):
        return f"{int(v):,}"
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.{digits}f}"
    return str(v)


def _shade(value: float, vmax: float) -> str:
    """A background colour from white to deep blue, and a text colour that stays readable."""
    if not vmax or value <= 0:
        return "background:#ffffff"
    t = min(value / vmax, 1.0)
    r, g, b = (int(255 + (c - 255) * t) for c in (33, 102, 172))
    fg = "#ffffff" if t > 0.55 else "#111111"
    return f"background:rgb({r},{g},{b});color:{fg}"


@dataclass
class ReportData:
    """Everything a report shows; each part optional except the corpus and codebook.

    ``agreement``: per-code rows (code, n_units, coders, percent_agreement, kappa/alpha, ci_low,
    ci_high, ...) as :func:`qualcode.agreement.compare` returns; ``evaluation``: per-code rows
    (code, support, precision, recall, f1, kappa) plus ``evaluation_summary`` (overall figures);
    ``disagreements``: one row per disputed passage (document, text, code, coders' decisions).
    """

    corpus: object
    codebook: object
    codings: pd.DataFrame
    title: str = "qualcode report"
    coder: str | None = None  # whose coding the matrices show
    strategy: matrix_mod.StrategyMatrix | None = None
    agreement: pd.DataFrame | None = None
    agreement_note: str = ""
    machine_agreement: pd.DataFrame | None = None
    evaluation: pd.DataFrame | None = None
    evaluation_summary: dict = field(default_factory=dict)
    evaluation_note: str = ""
    disagreements: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _table(df: pd.DataFrame | None, *, max_rows: int = 500) -> dict | None:
    if df is None or len(df) == 0:
        return None
    df = df.head(max_rows)
    empty = [c for c in df.columns if df[c].isna().all() or (df[c].astype(str) == "").all()]
    df = df.drop(columns=empty)
    return {"columns": [str(c) for c in df.columns],
            "rows": [[_num(v) if not isinstance(v, str) else v for v in row]
                     for row in df.itertuples(index=False)],
            "truncated": max_rows if len(df) == max_rows else None}


def _heatmap(corpus, codings, codebook, coder, depth: int) -> dict:
    t = matrix_mod.case_by_code(corpus, codings, coder=coder, codebook=codebook, depth=depth)
    order = [c for c in codebook.ids() if c in t.columns]
    t = t[order]
    vmax = float(t.to_numpy().max()) if t.size else 0.0
    rows = [{"case": case, "cells": [{"v": int(v), "style": _shade(float(v), vmax)} for v in vals]}
            for case, vals in zip(t.index, t.to_numpy())]
    return {"columns": [{"id": c, "name": codebook[c].name} for c in order], "rows": rows}


def _strategy_view(sm: matrix_mod.StrategyMatrix | None, codebook) -> dict | None:
    if sm is None:
        return None
    strategies = list(sm.counts.columns)
    cmp = sm.compare()
    differs = {(r.strategy, r.case) for r in cmp.itertuples() if not r.agrees}
    published = {s: {x.rstrip("*"): x.endswith("*") for x in sm.published.get(s, [])} for s in strategies}
    rows = []
    for case in sm.counts.index:
        cells = []
        for s in strategies:
            derived = bool(sm.shows.loc[case, s])
            pub = published[s]
            p = ("yes*" if pub[case] else "yes") if case in pub else "no"
            d = ("yes*" if sm.hybrid[case] else "yes") if derived else "no"
            cells.append({"derived": d, "published": p if sm.published.get(s) else "",
                          "n": int(sm.counts.loc[case, s]), "differs": (s, case) in differs})
        rows.append({"case": case, "cells": cells, "hybrid": bool(sm.hybrid[case])})
    return {
        "strategies": [{"id": s, "name": codebook[s].name if s in codebook else s} for s in strategies],
        "rows": rows,
        "derived_row": [" ".join(sm.associated[s]) or "–" for s in strategies],
        "published_row": [" ".join(sm.published.get(s, [])) or "–" for s in strategies],
        "n_diff": int((~cmp["agrees"]).sum()) if len(cmp) else 0,
        "n_compared": len(cmp),
        "rule": f"a case shows a strategy when at least {sm.min_segments} of its codable segments "
                f"are coded with it" + (f" and they make up at least {sm.min_share:.0%} of its "
                                        f"strategy-coded segments" if sm.min_share else ""),
    }


def _themes(corpus, codings, codebook, coder, max_quotes: int = 2) -> list[dict] | None:
    """Paper 2's Table 2 rebuilt: dimension, theme, quotes from the data."""
    if "dimension" not in codebook:
        return None
    cs = matrix_mod.coded_segments(corpus, codings, coder=coder)
    out = []
    for dim in codebook.children("dimension"):
        themes = []
        for theme in codebook.children(dim) or [dim]:
            ids = set(codebook.descendants(theme, include_self=True))
            hits = cs[cs["code"].isin(ids)]
            quotes = [{"text": q if len(q) <= 320 else q[:319].rstrip() + "…", "where": f"{c}, {d} #{s}"}
                      for q, c, d, s in zip(hits["quote"], hits["case"], hits["document"], hits["segment"])]
            themes.append({"name": codebook[theme].name, "id": theme, "n": len(hits),
                           "cases": int(hits["case"].nunique()), "quotes": quotes[:max_quotes]})
        out.append({"name": codebook[dim].name, "id": dim, "themes": themes})
    return out


def _ci(v, lo, hi) -> str:
    if v is None or pd.isna(v):
        return "–"
    if lo is None or pd.isna(lo):
        return f"{v:.3f}"
    return f"{v:.3f} [{lo:.2f}, {hi:.2f}]"


def agreement_view(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A readable agreement table from :func:`qualcode.agreement.compare` output (with
    ``by=("pair",)``): one row per code with percent agreement, Krippendorff's alpha and Gwet's AC1
    over all coders, and Cohen's kappa for each coder pair, each with its interval. Returns the
    table and the distinct notes on undefined values."""
    if table is None or len(table) == 0:
        return pd.DataFrame(), []
    all_coders = max(table["coders"].unique(), key=lambda c: c.count(","))
    overall = table[table["coders"] == all_coders].set_index("code")
    pairs = [c for c in table["coders"].unique() if c != all_coders and c.count(",") == 1]
    rows = []
    for code, r in overall.iterrows():
        row = {"code": code, "coded segments": int(r["n_coded"]), "units": int(r["n_units"]),
               "% agreement": "–" if pd.isna(r["percent_agreement"]) else f"{100 * r['percent_agreement']:.1f}",
               "Krippendorff's α [95% CI]": _ci(r["alpha"], r["alpha_low"], r["alpha_high"]),
               "Gwet's AC1": "–" if pd.isna(r["gwet_ac1"]) else f"{r['gwet_ac1']:.3f}"}
        if all_coders.count(",") == 1:  # two coders: kappa on the main row
            row["Cohen's κ [95% CI]"] = _ci(r["cohen_kappa"], r["cohen_kappa_low"], r["cohen_kappa_high"])
        for pair in pairs:
            pr = table[(table["coders"] == pair) & (table["code"] == code)]
            if len(pr):
                p = pr.iloc[0]
                row[f"κ {pair.replace(', ', '–')}"] = _ci(p["cohen_kappa"], p["cohen_kappa_low"],
                                                         p["cohen_kappa_high"])
        rows.append(row)
    view = pd.DataFrame(rows)
    view = view.loc[:, [c for c in view.columns if not (view[c] == "–").all()]]
    notes = sorted({n for n in table["note"].fillna("") if n})
    return view, notes


def _codebook_view(codebook) -> list[dict]:
    return [{"id": c.id, "name": c.name, "depth": c.depth, "description": c.description,
             "inclusion": c.inclusion, "exclusion": c.exclusion, "source": c.source,
             "n_keywords": len(c.keywords)} for c in codebook]


def render_report(data: ReportData) -> str:
    """The report as an HTML string."""
    corpus, cb = data.corpus, data.codebook
    summary = corpus.summary()
    coders = sorted(set(data.codings["coder"])) if len(data.codings) else []
    context = {
        "title": data.title,
        "generated": _dt.date.today().isoformat(),
        "summary": summary,
        "coders": coders,
        "coder": data.coder,
        "codebook": {"name": cb.name, "version": cb.version, "n": len(cb), "codes": _codebook_view(cb)},
        "heatmap": _heatmap(corpus, data.codings, cb, data.coder, depth=1),
        "strategy": _strategy_view(data.strategy, cb),
        "themes": _themes(corpus, data.codings, cb, data.coder),
        "agreement": _table(data.agreement),
        "agreement_note": data.agreement_note,
        "machine_agreement": _table(data.machine_agreement),
        "evaluation": _table(data.evaluation),
        "evaluation_summary": {k: _num(v) if not isinstance(v, str) else v
                               for k, v in data.evaluation_summary.items()},
        "evaluation_note": data.evaluation_note,
        "disagreements": _table(data.disagreements, max_rows=200),
        "notes": data.notes,
    }
    return _env().get_template("report.html.j2").render(**context)


def write_report(data: ReportData, path, *, force: bool = False) -> Path:
    """Render and write the report atomically."""
    return write_text(path, render_report(data), force=force)
