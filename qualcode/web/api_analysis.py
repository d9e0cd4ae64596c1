"""The workbench's analysis API (the JSON twins of the retrieve, compare and cross-case pages)
and the exports.

``GET /api/retrieve?code=&descendants=1&coder=&document=&attribute=&value=&case=&offset=&limit=``
every coded passage; ``GET /api/search?q=&document=&attribute=&value=`` text search;
``GET /api/compare?coders=A,B&unit=segment|character&n_boot=&seed=`` agreement per code and
pooled; ``GET /api/disagreements?coders=A,B&unit=&code=`` disputed passages grouped by passage;
``GET /api/passage?document=&start=&end=&coders=A,B`` one passage with each coder's codings;
``GET|PUT /api/blind`` the project's blind mode (an owner sets or lifts it); ``GET /api/crosscase?coder=&depth=&
attribute=`` the case x code, code x attribute, strategy-by-case and co-occurrence tables.
Exports (the bytes the CLI writes for the same project, from :mod:`qualcode.exports`):
``/api/export/codings.csv|xlsx``, ``/api/export/project.qdpx`` (``include_suggestions=1`` adds
the machine rows, ``skip_changed=1`` leaves out changed transcripts), ``/api/export/report.html``
(``reference=``, ``n_boot=``).
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import exports
from . import analysis
from .api import _int
from .api_codebook import download
from .http import BadRequest, Forbidden, endpoint, error_message, error_response, log, status_of


def _params(request) -> dict:
    return dict(request.query_params)


def _coders(params) -> list[str]:
    raw = params.get("coders") or ""
    return [c.strip() for c in raw.split(",") if c.strip()]


def _page(params) -> dict:
    return {"offset": _int(params, "offset", required=False) or 0,
            "limit": min(_int(params, "limit", required=False, minimum=1) or analysis.PAGE, 1000)}


def _blind_check(view, coders) -> None:
    """In a blind project a coder may look only at their own codings."""
    if view.blind and any(c != view.coder for c in coders):
        raise Forbidden(f"this project is blind: {view.coder} sees only their own codings until "
                        "an owner lifts blind mode (the Compare page)")


@endpoint
def retrieve(view, request, body):
    p = _params(request)
    coders = _coders(p) or ([p["coder"]] if p.get("coder") else [])
    _blind_check(view, coders)
    out = analysis.retrieve(view, code=p.get("code") or None,
                            descendants=p.get("descendants", "1") not in ("0", "false", "no"),
                            coders=coders or None, document=p.get("document") or None,
                            attribute=p.get("attribute") or None, value=p.get("value"),
                            case=p.get("case") or None, **_page(p))
    out["blind"] = view.blind
    return out


@endpoint
def search(view, request, body):
    p = _params(request)
    coder = p.get("coder") or None
    _blind_check(view, [coder] if coder else [])
    return analysis.search(view, p.get("q", ""), document=p.get("document") or None,
                           attribute=p.get("attribute") or None, value=p.get("value"),
                           coder=coder, **_page(p))


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
        p = _params(request)
        coders = _coders(p)
        with web.lock:
            view = web.view(request)
            _blind_check(view, coders)
            n_boot = _int(p, "n_boot", required=False)
            n_boot = 1000 if n_boot is None else min(n_boot, 5000)
            return analysis.compare_inputs(
                view, coders, unit=_unit(p), n_boot=n_boot,
                seed=_int(p, "seed", required=False, minimum=None) or 0)

    try:
        inputs = await run_in_threadpool(prepare)
        return JSONResponse(await run_in_threadpool(analysis.compare_finish, inputs))
    except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
        return _error(request, exc)


def _error(request, exc):
    status = status_of(exc)
    if status == 500:
        log.exception("internal error in %s", request.url.path)
    return error_response(error_message(exc), status)


@endpoint
def disagreements(view, request, body):
    p = _params(request)
    coders = _coders(p)
    _blind_check(view, coders)
    return analysis.disagreements(view, coders, unit=_unit(p), code=p.get("code") or None,
                                  **_page(p))


@endpoint
def passage(view, request, body):
    p = _params(request)
    coders = _coders(p)
    _blind_check(view, coders)
    start, end = _int(p, "start"), _int(p, "end")
    return analysis.side_by_side(view, p.get("document") or "", start, max(end, start),
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
    p = _params(request)
    coder = p.get("coder") or None
    _blind_check(view, [coder] if coder else [])
    depth = _int(p, "depth", required=False)
    return analysis.crosscase(view, coder=coder, depth=depth,
                              attribute=p.get("attribute") or None)


# ---- exports -----------------------------------------------------------------------------------
# Each export is one qualcode.exports function over the codings handed to it: the handlers only
# read the parameters, take the codings to export, and send the bytes.

def _flag(p, *names) -> bool:
    return any(p.get(n) in ("1", "true", "yes", "on") for n in names)


def export_codings(view, *, include_suggestions: bool = False):
    """The codings an export of this request holds (the requesting coder's view of them)."""
    return exports.project_codings(view, include_suggestions=include_suggestions)


def _send(result: exports.Export, filename: str, fmt: str):
    response = download(result.data, filename, exports.MEDIA_TYPES[fmt])
    if result.notes:  # what --skip-changed left out, as the CLI prints it
        response.headers["X-Qualcode-Notes"] = " | ".join(result.notes).encode(
            "ascii", "replace").decode("ascii")
    return response


async def report(request):
    """``/api/export/report.html``: the codings are read under the project lock, the report is
    built outside it (seconds to minutes), so other requests are not held up meanwhile."""
    web = request.app.state.web
    p = _params(request)
    try:
        n_boot = _int(p, "n_boot", required=False)
        n_boot = 1000 if n_boot is None else min(n_boot, 5000)

        def prepare():
            with web.lock:
                view = web.view(request)
                return exports.report_inputs(view, export_codings(view),
                                             reference=p.get("reference") or None,
                                             skip_changed=_flag(p, "skip_changed"))

        inputs = await run_in_threadpool(prepare)
        result = await run_in_threadpool(exports.report_from_inputs, inputs, n_boot=n_boot)
    except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
        return _error(request, exc)
    return _send(result, "report.html", "html")


@endpoint
def export(view, request, body):
    """``/api/export/codings.csv|xlsx`` and ``/api/export/project.qdpx``: the human codings the
    requesting coder may see, and with ``include_suggestions=1`` the machine rows too (marked:
    method, score, status); ``skip_changed=1`` leaves out documents whose transcript changed
    after coding."""
    name = request.path_params["name"]
    p = _params(request)
    codings = export_codings(view, include_suggestions=_flag(p, "include_suggestions", "machine"))
    skip = _flag(p, "skip_changed")
    if name in ("codings.csv", "codings.xlsx"):
        fmt = name.rsplit(".", 1)[1]
        result = exports.project_codings_file(view, codings, fmt, skip_changed=skip)
    elif name == "project.qdpx":
        result = exports.project_qdpx(view, codings, skip_changed=skip)
    else:
        raise BadRequest(f"no export {name!r}: codings.csv, codings.xlsx, project.qdpx, "
                         "report.html or codebook.yaml|qdc|md")
    return _send(result, name, name.rsplit(".", 1)[1])


def routes() -> list[Route]:
    return [
        Route("/api/retrieve", retrieve, methods=["GET"]),
        Route("/api/search", search, methods=["GET"]),
        Route("/api/compare", compare, methods=["GET"]),
        Route("/api/disagreements", disagreements, methods=["GET"]),
        Route("/api/passage", passage, methods=["GET"]),
        Route("/api/blind", blind, methods=["GET", "PUT"]),
        Route("/api/crosscase", crosscase, methods=["GET"]),
        Route("/api/export/report.html", report, methods=["GET"]),
        Route("/api/export/{name}", export, methods=["GET"]),
    ]
