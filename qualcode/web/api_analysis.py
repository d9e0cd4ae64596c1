"""The workbench's analysis API (the JSON twins of the retrieve, compare and cross-case pages)
and the exports.

``GET /api/retrieve?code=&descendants=1&coder=&document=&attribute=&value=&case=&offset=&limit=``
every coded passage; ``GET /api/search?q=&document=&attribute=&value=`` text search;
``GET /api/compare?coders=A,B&unit=segment|character&n_boot=&seed=`` agreement per code and
pooled; ``GET /api/disagreements?coders=A,B&unit=&code=`` disputed passages grouped by passage;
``GET /api/passage?document=&start=&end=&coders=A,B`` one passage with each coder's codings;
``GET|PUT /api/blind`` the project's blind mode (an owner sets or lifts it); ``GET /api/crosscase?coder=&depth=&
attribute=`` the case x code, code x attribute, strategy-by-case and co-occurrence tables.
Exports (the bytes the CLI writes for the same project): ``/api/export/codings.csv|xlsx``,
``/api/export/project.qdpx``, ``/api/export/report.html``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.routing import Route

from . import analysis
from .api import _int
from .api_codebook import download
from .http import BadRequest, Forbidden, endpoint


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
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

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
    from .http import error_message, error_response, log, status_of

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

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "qdpx": "application/zip", "html": "text/html; charset=utf-8"}


def codings_bytes(project, fmt: str, *, machine: bool = False) -> bytes:
    """What :meth:`qualcode.Project.export_codings` writes (human codings unless ``machine``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"codings.{fmt}"
        project.export_codings(path, include_machine=machine)
        return path.read_bytes()


def qdpx_bytes(project) -> bytes:
    """``qualcode export --transcripts ... --codebook CODEBOOK --codings CODINGS.csv -o x.qdpx``
    over the project's transcripts, codebook and human codings (read back from the codings
    file exactly as the command reads it)."""
    from ..codings import read_codings
    from ..refi import writer

    corpus, codebook = project.corpus, project.codebook
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "codings.csv"
        project.export_codings(path, include_machine=False)
        df = read_codings(path, corpus=corpus, codebook=codebook)
    return writer.qdpx_bytes(corpus, codebook, df)


def report_inputs(project, folder: Path, *, reference: str | None = None) -> dict:
    """Write what ``qualcode report`` reads (the codebook as YAML, the human codings as CSV) into
    ``folder``; the arguments of :func:`qualcode.study.run_study` for the project."""
    human = analysis.human(project)
    if not len(human):
        raise BadRequest("no human codings yet: code some passages before making a report")
    coders = sorted(human["coder"].unique())
    reference = reference or project.settings.reference_coder or coders[0]
    cb_path = folder / "codebook.yaml"
    cb_path.write_text(project.codebook.to_yaml(), encoding="utf-8")
    cod_path = folder / "codings.csv"
    project.export_codings(cod_path, include_machine=False)
    listed = project.settings.transcripts or []
    one = project.path(listed[0]) if len(listed) == 1 else None
    # one folder: given as the folder, as on the command line (its cases.csv is read too)
    source = one if one is not None and one.is_dir() else \
        [str(f) for f in project.transcript_files()]
    return {"transcripts": source, "codebook": cb_path, "codings": cod_path,
            "reference": reference}


def report_bytes(inputs: dict, folder: Path, *, n_boot: int = 1000) -> bytes:
    """``qualcode report TRANSCRIPTS --codebook CODEBOOK --codings CODINGS.csv --no-classifier
    --reference CODER --n-boot N`` (the classifier is left out: it takes minutes)."""
    from ..study import run_study

    out = folder / "report.html"
    run_study(inputs["transcripts"], inputs["codebook"], inputs["codings"],
              reference=inputs["reference"], n_boot=n_boot, classifier=False, report_path=out)
    return out.read_bytes()


async def report(request):
    """``/api/export/report.html``: the inputs are read under the project lock, the report is
    built outside it (seconds to minutes), so other requests are not held up meanwhile."""
    from starlette.concurrency import run_in_threadpool

    web = request.app.state.web
    p = _params(request)
    try:
        n_boot = _int(p, "n_boot", required=False)
        n_boot = 1000 if n_boot is None else min(n_boot, 5000)
        with tempfile.TemporaryDirectory() as tmp:
            def prepare():
                with web.lock:
                    return report_inputs(web.view(request), Path(tmp),
                                         reference=p.get("reference") or None)

            inputs = await run_in_threadpool(prepare)
            content = await run_in_threadpool(report_bytes, inputs, Path(tmp), n_boot=n_boot)
    except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
        return _error(request, exc)
    return download(content, "report.html", TYPES["html"])


@endpoint
def export(view, request, body):
    name = request.path_params["name"]
    p = _params(request)
    if name in ("codings.csv", "codings.xlsx"):
        fmt = name.rsplit(".", 1)[1]
        content = codings_bytes(view, fmt, machine=p.get("machine") in ("1", "true"))
    elif name == "project.qdpx":
        content = qdpx_bytes(view)
    else:
        raise BadRequest(f"no export {name!r}: codings.csv, codings.xlsx, project.qdpx, "
                         "report.html or codebook.yaml|qdc|md")
    return download(content, name, TYPES[name.rsplit(".", 1)[1]])


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
