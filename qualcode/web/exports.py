"""The workbench's downloads: the bytes the CLI writes for the same project, from
:mod:`qualcode.exports`.

``/api/export/codings.csv|xlsx``, ``/api/export/project.qdpx`` (``include_suggestions=1`` adds the
machine rows, ``skip_changed=1`` leaves out changed transcripts), ``/api/export/report.html``
(``reference=``, ``n_boot=``), ``/api/export/codebook.yaml|qdc|md``.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from .. import exports
from .http import BadRequest, endpoint, error_answer, int_field, query

# Each export is one qualcode.exports function over the codings handed to it: the handlers only
# read the parameters, take the codings to export, and send the bytes.

def _flag(p, *names) -> bool:
    return any(p.get(n) in ("1", "true", "yes", "on") for n in names)


def export_codings(view, *, include_suggestions: bool = False):
    """The codings an export of this request holds (the requesting coder's view of them)."""
    return exports.project_codings(view, include_suggestions=include_suggestions)


def download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


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
    p = query(request)
    try:
        n_boot = int_field(p, "n_boot", required=False)
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
        return error_answer(request, exc)
    return _send(result, "report.html", "html")


@endpoint
def export(view, request, body):
    """``/api/export/codings.csv|xlsx`` and ``/api/export/project.qdpx``: the human codings the
    requesting coder may see, and with ``include_suggestions=1`` the machine rows too (marked:
    method, score, status); ``skip_changed=1`` leaves out documents whose transcript changed
    after coding."""
    name = request.path_params["name"]
    p = query(request)
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


CODEBOOK_TYPES = {"yaml": "application/x-yaml; charset=utf-8", "md": "text/markdown; charset=utf-8",
                  "qdc": "application/xml"}


def codebook_bytes(codebook, fmt: str) -> bytes:
    """The bytes ``qualcode codebook export -o codebook.FMT`` writes (:mod:`qualcode.exports`)."""
    if fmt not in CODEBOOK_TYPES:
        raise BadRequest(f"codebook format {fmt!r}: use yaml, qdc or md")
    return exports.codebook_bytes(codebook, fmt)


@endpoint
def export_codebook(view, request, body):
    fmt = request.path_params["fmt"]
    content = codebook_bytes(view.codebook, fmt)
    return download(content, f"codebook.{fmt}", CODEBOOK_TYPES[fmt])


def routes() -> list[Route]:
    return [
        Route("/api/export/codebook.{fmt}", export_codebook, methods=["GET"]),
        Route("/api/export/report.html", report, methods=["GET"]),
        Route("/api/export/{name}", export, methods=["GET"]),
    ]
