"""The workbench's Methods page and its JSON twin, and the Compare page's reporting paragraph.

``GET /methods`` the page (saturation curve, codebook size over time, machine help, agreement
paragraph), drawn by ``static/methods.js`` from ``GET /api/methods?order=&coders=A,B&level=&base=
&run=&threshold=&n_boot=``: :func:`qualcode.methods.methods_record` as JSON, the numbers
``qualcode methods --json`` prints for the same options. ``GET /api/methods/agreement?coders=A,B&
unit=segment|character&n_boot=&seed=``: the reporting paragraph of the comparison the Compare page
shows (the same cached table, summarised by :func:`qualcode.methods.summarize_agreement`).

The methods record shows every coder's work, so in a blind project it is refused until an owner
lifts blind mode (the Compare page).
"""
from __future__ import annotations

import pandas as pd
from starlette.routing import Route

from ..agreement import ALL_CODES
from ..methods import methods_record, summarize_agreement
from . import analysis
from .api import _int
from .http import BadRequest, Forbidden, endpoint, page
from .views_analysis import _base


def _blind_refusal(view) -> None:
    if view.blind:
        raise Forbidden("the project is blind: the methods record shows every coder's work; an "
                        "owner lifts blind mode on the Compare page first")


def _float(params, name, default):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number, not {raw!r}") from None


def _options(request) -> dict:
    p = dict(request.query_params)
    level = p.get("level") or "code"
    if level not in ("code", "category"):
        raise BadRequest(f"level must be code or category, not {level!r}")
    coders = [c.strip() for c in (p.get("coders") or "").split(",") if c.strip()]
    n_boot = _int(p, "n_boot", required=False)
    return {"n_boot": 1000 if n_boot is None else min(n_boot, 5000),
            "saturation": {"order": p.get("order") or None, "coders": coders or None,
                           "level": level,
                           "base": _int(p, "base", required=False, minimum=1) or 4,
                           "run": _int(p, "run", required=False, minimum=1) or 2,
                           "threshold": _float(p, "threshold", 0.05)}}


def record(view, request) -> dict:
    """The methods record for the request's options (cached per state of the store)."""
    _blind_refusal(view)
    opts = _options(request)
    sat = opts["saturation"]
    key = ("methods", opts["n_boot"], sat["order"], tuple(sat["coders"] or ()), sat["level"],
           sat["base"], sat["run"], sat["threshold"])
    return analysis.cached(view, key, lambda: methods_record(
        view.project, n_boot=opts["n_boot"], saturation=sat))


@endpoint
def methods_json(view, request, body):
    return record(view, request)


@endpoint
def agreement_paragraph(view, request, body):
    """The reporting paragraph of ``/api/compare`` with the same parameters."""
    p = dict(request.query_params)
    coders = [c.strip() for c in (p.get("coders") or "").split(",") if c.strip()]
    if view.blind and any(c != view.coder for c in coders):
        raise Forbidden("the project is blind: an owner lifts blind mode before coders compare")
    unit = p.get("unit") or "segment"
    n_boot = _int(p, "n_boot", required=False)
    n_boot = 1000 if n_boot is None else min(n_boot, 5000)
    seed = _int(p, "seed", required=False, minimum=None) or 0
    result = analysis.compare(view, coders, unit=unit, n_boot=n_boot, seed=seed)
    table = pd.DataFrame(result["rows"])
    for col in table.columns:
        if col not in ("code", "coders", "document", "unit", "note", "name"):
            table[col] = pd.to_numeric(table[col], errors="coerce")
    corpus = view.corpus
    codable = corpus.codable_segments()
    units = len(codable) if unit == "segment" else int((codable["end"] - codable["start"]).sum())
    out = summarize_agreement(table, coders=result["coders"], unit=unit,
                              segment_unit=corpus.unit, codable_units=units, n_boot=n_boot,
                              seed=seed, all_codes=ALL_CODES)
    return {"coders": out["coders"], "unit": unit, "n_boot": n_boot, "seed": seed,
            "paragraph": out["paragraph"], "summary": out}


@page
def methods_page(view, request):
    _blind_refusal(view)
    return _base(view, request, "methods.html")


def routes() -> list[Route]:
    return [
        Route("/methods", methods_page, methods=["GET"]),
        Route("/api/methods", methods_json, methods=["GET"]),
        Route("/api/methods/agreement", agreement_paragraph, methods=["GET"]),
    ]
