"""The workbench's HTML pages. Each page shows what its JSON twin returns:

| page | twin |
| --- | --- |
| ``/`` home: documents, progress, codebook, model | ``/api/project`` |
| ``/documents/{id}`` read and code | ``/api/documents/{id}`` |
| ``/review`` the suggestion queue | ``/api/suggestions`` |
| ``/me`` who is coding (asked once on this machine) | ``/api/me`` |

The document and review pages are drawn by plain JavaScript (``static/``) from the page's data,
embedded as JSON (jinja2's ``tojson`` escapes ``<``, ``>``, ``&`` and quotes), so transcript
text, code names and memos only ever reach the page as text, never as markup.
"""
from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from . import data
from .api import model_status
from .http import page
from .views_analysis import apply_blind, apply_blind_home


def _who(web, request):
    """A redirect to ``/me`` when the local user has not said who they are yet."""
    if web.coder(request):
        return None
    return RedirectResponse("/me?next=" + request.url.path, status_code=303)


def _name(web) -> str:
    return web.project.settings.name or web.project.root.name


@page
def home(web, request):
    redirect = _who(web, request)
    if redirect:
        return redirect
    info = data.home(web.project, model=model_status(web))
    info = apply_blind_home(web, request, info)  # part 2: blind mode
    names = {c["id"]: c for c in info["codebook"]}
    return web.render("home.html", request, project_name=_name(web), info=info, names=names)


@page
def document(web, request):
    redirect = _who(web, request)
    if redirect:
        return redirect
    doc = data.document(web.project, request.path_params["doc"])
    doc = apply_blind(web, request, doc)  # part 2: blind mode
    return web.render("document.html", request, project_name=_name(web), doc=doc,
                      page_data={"document": doc, "coder": web.coder(request)})


@page
def review(web, request):
    redirect = _who(web, request)
    if redirect:
        return redirect
    corpus, codebook = web.project.corpus, web.project.codebook
    return web.render("review.html", request, project_name=_name(web), page_data={
        "coder": web.coder(request), "documents": corpus.document_ids,
        "codebook": data.codebook_list(codebook),
        "params": {k: request.query_params.get(k, "") for k in ("order", "code", "document")},
    })


@page
def me(web, request):
    fixed = bool(request.scope.get("state", {}).get("coder"))
    default = web.coder(request) or getattr(web.project.settings, "reference_coder", None) or ""
    nxt = request.query_params.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    return web.render("me.html", request, project_name=_name(web), fixed=fixed,
                      default=default, next_url=nxt)


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/documents/{doc}", document, methods=["GET"]),
        Route("/review", review, methods=["GET"]),
        Route("/me", me, methods=["GET"]),
    ]
