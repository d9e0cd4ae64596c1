"""The workbench's analysis: the JSON twins of the retrieve, compare, cross-case and Methods
pages, and blind mode.

``GET /api/retrieve?code=&descendants=1&coder=&document=&attribute=&value=&case=&offset=&limit=``
every coded passage; ``GET /api/search?q=&document=&attribute=&value=&by=words|meaning`` text
search (``by=meaning``: the passages most similar to ``q``, ranked with their similarity, by
sentence embeddings or, without the semantic extra, TF-IDF, said in ``method`` and ``note``);
``GET /api/compare?coders=A,B&unit=segment|character&n_boot=&seed=`` agreement per code and
pooled; ``GET /api/disagreements?coders=A,B&unit=&code=`` disputed passages grouped by passage;
``GET /api/passage?document=&start=&end=&coders=A,B`` one passage with each coder's codings;
``GET|PUT /api/blind`` the project's blind mode (an owner sets or lifts it); ``GET
/api/crosscase?coder=&depth=&attribute=`` the case x code, code x attribute, strategy-by-case and
co-occurrence tables; ``GET /api/methods?order=&coders=A,B&level=&base=&run=&threshold=&n_boot=``
:func:`qualcode.methods.methods_record` as JSON (the numbers ``qualcode methods --json`` prints
for the same options); ``GET /api/methods/agreement?coders=A,B&unit=&n_boot=&seed=`` the Compare
page's reporting paragraph (the same cached table, summarised by
:func:`qualcode.methods.summarize_agreement`). The figures are shaped and cached per coder's view
by :mod:`.results`. The methods record shows every coder's work, so in a blind project it is
refused until an owner lifts blind mode (the Compare page).
"""
from __future__ import annotations

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..agreement import ALL_CODES
from ..methods import methods_record, summarize_agreement
from . import results
from .http import BadRequest, Forbidden, endpoint, error_answer, int_field, query


def _coders(params) -> list[str]:
    raw = params.get("coders") or ""
    return [c.strip() for c in raw.split(",") if c.strip()]


def _page(params) -> dict:
    offset = int_field(params, "offset", required=False) or 0
    limit = int_field(params, "limit", required=False, minimum=1) or results.PAGE
    return {"offset": offset, "limit": min(limit, 1000)}


def _blind_check(view, coders) -> None:
    """In a blind project a coder may look only at their own codings."""
    if view.blind and any(c != view.coder for c in coders):
        raise Forbidden(f"this project is blind: {view.coder} sees only their own codings until "
                        "an owner lifts blind mode (the Compare page)")


@endpoint
def retrieve(view, request, body):
    p = query(request)
    coders = _coders(p) or ([p["coder"]] if p.get("coder") else [])
    _blind_check(view, coders)
    out = results.retrieve(view, code=p.get("code") or None,
                            descendants=p.get("descendants", "1") not in ("0", "false", "no"),
                            coders=coders or None, document=p.get("document") or None,
                            attribute=p.get("attribute") or None, value=p.get("value"),
                            case=p.get("case") or None, **_page(p))
    out["blind"] = view.blind
    return out


@endpoint
def search(view, request, body):
    p = query(request)
    coder = p.get("coder") or None
    _blind_check(view, [coder] if coder else [])
    by = p.get("by") or "words"
    if by not in ("words", "meaning"):
        raise BadRequest(f"by must be words or meaning, not {by!r}")
    find = results.search_by_meaning if by == "meaning" else results.search
    return find(view, p.get("q", ""), document=p.get("document") or None,
                attribute=p.get("attribute") or None, value=p.get("value"), coder=coder,
                **_page(p))


def _unit(p) -> str:
    unit = p.get("unit") or "segment"
    if unit not in ("segment", "character"):
        raise BadRequest(f"unit must be segment or character, not {unit!r}")
    return unit


async def compare(request):
    """``/api/compare``: the codings are read under the project lock, the bootstrap runs outside
    it (seconds at character level on a big project), so coding goes on meanwhile."""
    web = request.app.state.web

    def prepare():
        p = query(request)
        coders = _coders(p)
        with web.lock:
            view = web.view(request)
            _blind_check(view, coders)
            n_boot = int_field(p, "n_boot", required=False)
            n_boot = 1000 if n_boot is None else min(n_boot, 5000)
            return results.compare_inputs(
                view, coders, unit=_unit(p), n_boot=n_boot,
                seed=int_field(p, "seed", required=False, minimum=None) or 0)

    try:
        inputs = await run_in_threadpool(prepare)
        return JSONResponse(await run_in_threadpool(results.compare_finish, inputs))
    except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
        return error_answer(request, exc)


@endpoint
def disagreements(view, request, body):
    p = query(request)
    coders = _coders(p)
    _blind_check(view, coders)
    return results.disagreements(view, coders, unit=_unit(p), code=p.get("code") or None,
                                  **_page(p))


@endpoint
def passage(view, request, body):
    p = query(request)
    coders = _coders(p)
    _blind_check(view, coders)
    start, end = int_field(p, "start"), int_field(p, "end")
    return results.side_by_side(view, p.get("document") or "", start, max(end, start),
                                 coders)


@endpoint
def blind(view, request, body):
    """``GET``: whether the project is blind; ``PUT {"blind": bool}``: an owner sets or lifts it
    (written to qualcode.yaml, logged as an event)."""
    if request.method == "PUT":
        on = body.get("blind")
        if not isinstance(on, bool):
            raise BadRequest("send {\"blind\": true} or {\"blind\": false}")
        view.set_blind(on)
        if view.trainer is not None:  # lifted: the shared model; set: the owner's own
            view.trainer.request()
    return {"coder": view.coder, "blind": view.blind}


@endpoint
def crosscase(view, request, body):
    p = query(request)
    coder = p.get("coder") or None
    _blind_check(view, [coder] if coder else [])
    depth = int_field(p, "depth", required=False)
    return results.crosscase(view, coder=coder, depth=depth,
                              attribute=p.get("attribute") or None)


def refuse_if_blind(view) -> None:
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
    n_boot = int_field(p, "n_boot", required=False)
    return {"n_boot": 1000 if n_boot is None else min(n_boot, 5000),
            "saturation": {"order": p.get("order") or None, "coders": coders or None,
                           "level": level,
                           "base": int_field(p, "base", required=False, minimum=1) or 4,
                           "run": int_field(p, "run", required=False, minimum=1) or 2,
                           "threshold": _float(p, "threshold", 0.05)}}


def record(view, request) -> dict:
    """The methods record for the request's options (cached per state of the store)."""
    refuse_if_blind(view)
    opts = _options(request)
    sat = opts["saturation"]
    key = ("methods", opts["n_boot"], sat["order"], tuple(sat["coders"] or ()), sat["level"],
           sat["base"], sat["run"], sat["threshold"])
    return results.cached(view, key, lambda: methods_record(
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
    n_boot = int_field(p, "n_boot", required=False)
    n_boot = 1000 if n_boot is None else min(n_boot, 5000)
    seed = int_field(p, "seed", required=False, minimum=None) or 0
    result = results.compare(view, coders, unit=unit, n_boot=n_boot, seed=seed)
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


def routes() -> list[Route]:
    return [
        Route("/api/retrieve", retrieve, methods=["GET"]),
        Route("/api/search", search, methods=["GET"]),
        Route("/api/compare", compare, methods=["GET"]),
        Route("/api/disagreements", disagreements, methods=["GET"]),
        Route("/api/passage", passage, methods=["GET"]),
        Route("/api/blind", blind, methods=["GET", "PUT"]),
        Route("/api/crosscase", crosscase, methods=["GET"]),
        Route("/api/methods", methods_json, methods=["GET"]),
        Route("/api/methods/agreement", agreement_paragraph, methods=["GET"]),
    ]
