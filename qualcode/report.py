"""One self-contained HTML report of a study: codebook, frequencies, strategies, themes,
agreement, machine-versus-human evaluation and disagreements.

The report only presents tables computed elsewhere (:mod:`qualcode.study` computes them: matrices,
themes, agreement, evaluation); it calls no analysis function and computes no statistics of its
own. Numbers and intervals are written by :mod:`qualcode.formatting`. Rendering goes through one jinja2 environment with autoescaping on; the
page has its CSS inline and loads nothing from the network.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .fileio import write_text
from .formatting import MISSING, interval, number, percent

_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        import jinja2  # lazy: jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("qualcode", "templates"),
            autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
            trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        )
        _ENV.filters["num"] = _num
    return _ENV


def _num(v) -> str:
    return v if isinstance(v, str) else number(v, thousands=True)


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
    """Everything a report shows, computed beforehand (:func:`qualcode.study.report_data`); each
    part optional except the summary and the codebook.

    ``summary``: :meth:`Corpus.summary`; ``coders``: the human coders; ``coder``: whose coding the
    matrices show (None: all). ``frequencies``: cases x codes, coded segments (codebook order).
    ``strategy``: a :class:`~qualcode.matrix.StrategyMatrix` and ``strategy_compare`` its
    :meth:`~qualcode.matrix.StrategyMatrix.compare` table. ``themes``: :func:`qualcode.matrix.themes`
    (``group, theme, segments, cases, quotes``) under ``themes_title``. ``agreement``: a display
    table (:func:`agreement_view`); ``evaluation``: per-code rows (code, support, precision,
    recall, f1, kappa) plus ``evaluation_summary`` (overall figures); ``disagreements``: one row
    per disputed passage (document, text, code, coders' decisions).
    """

    summary: dict
    codebook: object
    coders: list = field(default_factory=list)
    title: str = "qualcode report"
    coder: str | None = None
    frequencies: pd.DataFrame | None = None
    strategy: object = None
    strategy_compare: pd.DataFrame | None = None
    themes: pd.DataFrame | None = None
    themes_title: str = "Themes, with quotes from the data"
    themes_nav: str = "Themes"
    themes_group: str = "group"
    agreement: pd.DataFrame | None = None
    agreement_note: str = ""
    machine_agreement: pd.DataFrame | None = None
    evaluation: pd.DataFrame | None = None
    evaluation_summary: dict = field(default_factory=dict)
    evaluation_note: str = ""
    disagreements: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    saturation: dict | None = None  # qualcode.saturation.saturation_of's result (issue 26)


def _table(df: pd.DataFrame | None, *, max_rows: int = 500) -> dict | None:
    if df is None or len(df) == 0:
        return None
    df = df.head(max_rows)
    empty = [c for c in df.columns if df[c].isna().all() or (df[c].astype(str) == "").all()]
    df = df.drop(columns=empty)
    return {"columns": [str(c) for c in df.columns],
            "rows": [[_num(v) for v in row]
                     for row in df.itertuples(index=False)],
            "truncated": max_rows if len(df) == max_rows else None}


def _heatmap(table: pd.DataFrame | None, codebook) -> dict | None:
    if table is None:
        return None
    if not table.shape[1]:
        return {"empty": "No passage is coded yet: nothing to show."}
    vmax = float(table.to_numpy().max()) if table.size else 0.0
    rows = [{"case": case, "cells": [{"v": int(v), "style": _shade(float(v), vmax)} for v in vals]}
            for case, vals in zip(table.index, table.to_numpy())]
    return {"columns": [{"id": c, "name": codebook[c].name} for c in table.columns], "rows": rows,
            "empty": None}


def _strategy_view(sm, cmp: pd.DataFrame | None, codebook) -> dict | None:
    if sm is None:
        return None
    strategies = list(sm.counts.columns)
    if not int(sm.counts.to_numpy().sum()):
        names = ", ".join(codebook[s].name if s in codebook else s for s in strategies)
        return {"empty": f"No passage is coded with a strategy ({names}) yet: nothing to show."}
    cmp = cmp if cmp is not None else pd.DataFrame(columns=["strategy", "case", "agrees"])
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
        "empty": None,
        "strategies": [{"id": s, "name": codebook[s].name if s in codebook else s} for s in strategies],
        "rows": rows,
        "derived_row": [" ".join(sm.associated[s]) or MISSING for s in strategies],
        "published_row": [" ".join(sm.published.get(s, [])) or MISSING for s in strategies],
        "n_diff": int((~cmp["agrees"].astype(bool)).sum()) if len(cmp) else 0,
        "n_compared": len(cmp),
        "rule": f"a case shows a strategy when at least {sm.min_segments} of its codable segments "
                f"are coded with it" + (f" and they make up at least {sm.min_share:.0%} of its "
                                        f"strategy-coded segments" if sm.min_share else ""),
    }


def _themes(table: pd.DataFrame | None, codebook, max_quotes: int = 2,
            max_chars: int = 320) -> list[dict] | None:
    if table is None or table.empty:
        return None
    out = []
    for group, rows in table.groupby("group", sort=False):
        themes = []
        for r in rows.itertuples(index=False):
            quotes = [{"text": q if len(q) <= max_chars else q[: max_chars - 1].rstrip() + "…",
                       "where": f"{case}, {doc} #{seg}"} for q, case, doc, seg in r.quotes[:max_quotes]]
            themes.append({"name": codebook[r.theme].name, "id": r.theme, "n": int(r.segments),
                           "cases": int(r.cases), "quotes": quotes})
        out.append({"name": codebook[group].name, "id": group, "themes": themes})
    return out


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
               "% agreement": percent(r["percent_agreement"]),
               "Krippendorff's α [95% CI]": interval(r["alpha"], r["alpha_low"], r["alpha_high"]),
               "Gwet's AC1": number(r["gwet_ac1"])}
        if all_coders.count(",") == 1:  # two coders: kappa on the main row
            row["Cohen's κ [95% CI]"] = interval(r["cohen_kappa"], r["cohen_kappa_low"],
                                                 r["cohen_kappa_high"])
        for pair in pairs:
            pr = table[(table["coders"] == pair) & (table["code"] == code)]
            if len(pr):
                p = pr.iloc[0]
                row[f"κ {pair.replace(', ', '–')}"] = interval(p["cohen_kappa"], p["cohen_kappa_low"],
                                                              p["cohen_kappa_high"])
        rows.append(row)
    view = pd.DataFrame(rows)
    view = view.loc[:, [c for c in view.columns if not (view[c] == MISSING).all()]]
    notes = sorted({n for n in table["note"].fillna("") if n})
    return view, notes


def _codebook_view(codebook) -> list[dict]:
    return [{"id": c.id, "name": c.name, "depth": c.depth, "description": c.description,
             "inclusion": c.inclusion, "exclusion": c.exclusion, "source": c.source,
             "n_keywords": len(c.keywords)} for c in codebook]


def render_report(data: ReportData) -> str:
    """The report as an HTML string."""
    cb = data.codebook
    context = {
        "title": data.title,
        "generated": _dt.date.today().isoformat(),
        "summary": data.summary,
        "coders": list(data.coders),
        "coder": data.coder,
        "codebook": {"name": cb.name, "version": cb.version, "n": len(cb), "codes": _codebook_view(cb)},
        "heatmap": _heatmap(data.frequencies, cb),
        "strategy": _strategy_view(data.strategy, data.strategy_compare, cb),
        "themes": _themes(data.themes, cb),
        "themes_title": data.themes_title,
        "themes_nav": data.themes_nav,
        "themes_group": data.themes_group,
        "agreement": _table(data.agreement),
        "agreement_note": data.agreement_note,
        "machine_agreement": _table(data.machine_agreement),
        "evaluation": _table(data.evaluation),
        "evaluation_summary": {k: _num(v) for k, v in data.evaluation_summary.items()},
        "evaluation_note": data.evaluation_note,
        "disagreements": _table(data.disagreements, max_rows=200),
        "notes": data.notes,
        "saturation": saturation_chart(data.saturation),
    }
    return _env().get_template("report.html.j2").render(**context)


def write_report(data: ReportData, path, *, force: bool = False) -> Path:
    """Render and write the report atomically."""
    return write_text(path, render_report(data), force=force)


def saturation_chart(sat: dict | None, *, width: int = 760, height: int = 240) -> dict | None:
    """The saturation curve's layout for the report's inline SVG: one bar per interview (codes
    new in it), the line of distinct codes so far, the end of the base; None without a result."""
    if not sat or "curve" not in sat:
        return None
    pts = sat["curve"]
    left, right, top, bottom = 44, width - 20, 12, height - 30
    top_value = max([1] + [p["cumulative"] for p in pts])
    step = (right - left) / max(1, len(pts))

    def y(v):
        return round(top + (bottom - top) * (1 - v / top_value), 1)

    bars, line = [], []
    for i, p in enumerate(pts):
        cx = round(left + step * (i + 0.5), 1)
        bars.append({"x": round(cx - step * 0.3, 1), "w": round(step * 0.6, 1), "y": y(p["new"]),
                     "h": round(bottom - y(p["new"]), 1), "cx": cx, "label": p["interview"],
                     "title": f"{p['interview']}. {p['document']}: {p['new']} new, "
                              f"{p['cumulative']} in all"})
        line.append(f"{cx},{y(p['cumulative'])}")
    base = sat.get("base_size") or 0
    return {"sentence": sat["sentence"], "width": width, "height": height, "left": left,
            "right": right, "top": top, "bottom": bottom, "bars": bars, "points": " ".join(line),
            "ticks": [{"y": y(v), "label": v} for v in sorted({0, top_value // 2, top_value})],
            "base_x": round(left + step * base, 1) if 0 < base < len(pts) else None}
