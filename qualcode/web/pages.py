"""The workbench's HTML pages. Each shows what its JSON twin returns, drawn by plain JavaScript
(``static/``) from the page's data, embedded as JSON (jinja2's ``tojson`` escapes ``<``, ``>``,
``&`` and quotes), so transcript text, code names and memos only ever reach the page as text,
never as markup:

| page | twin |
| --- | --- |
| ``/`` home: documents, progress, codebook, model | ``/api/project`` |
| ``/documents/{id}`` read and code | ``/api/documents/{id}`` |
| ``/review`` the suggestion queue | ``/api/suggestions`` |
| ``/me`` who is coding (asked once on this machine) | ``/api/me`` |
| ``/codes`` the codebook: create, rename, edit, move, merge, delete | ``/api/codebook``, ``/api/codes/{id}`` |
| ``/retrieve`` a code's passages; text search | ``/api/retrieve``, ``/api/search`` |
| ``/compare`` agreement between coders, disagreements, blind mode | ``/api/compare``, ``/api/disagreements`` |
| ``/crosscase`` case x code, code x attribute, strategy by case, charts | ``/api/crosscase`` |
| ``/methods`` saturation, codebook growth, machine help, agreement paragraph | ``/api/methods`` |
| ``/similar`` find similar passages | ``/api/similar`` |
"""
from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from . import data, results
from .analysis import refuse_if_blind
from .http import page
from .suggestions import model_status


def _who(view, request):
    """A redirect to ``/me`` when the local user has not said who they are yet."""
    if view.coder:
        return None
    return RedirectResponse("/me?next=" + request.url.path, status_code=303)


def _name(view) -> str:
    return view.settings.name or view.root.name


@page
def home(view, request):
    redirect = _who(view, request)
    if redirect:
        return redirect
    info = data.home(view, model=model_status(view))
    info.update(blind=view.blind, role=view.role)
    names = {c["id"]: c for c in info["codebook"]}
    return view.web.render("home.html", request, project_name=_name(view), info=info, names=names)


@page
def document(view, request):
    redirect = _who(view, request)
    if redirect:
        return redirect
    view.trainer  # noqa: B018 - a blind coder's own model is made (and trains) on first ask
    doc = dict(data.document(view, request.path_params["doc"]), blind=view.blind)
    return view.web.render("document.html", request, project_name=_name(view), doc=doc,
                           page_data={"document": doc, "coder": view.coder})


@page
def review(view, request):
    redirect = _who(view, request)
    if redirect:
        return redirect
    corpus, codebook = view.corpus, view.codebook
    return view.web.render("review.html", request, project_name=_name(view), page_data={
        "coder": view.coder, "documents": corpus.document_ids,
        "codebook": data.codebook_list(codebook),
        "params": {k: request.query_params.get(k, "") for k in ("order", "code", "document")},
    })


@page
def me(view, request):
    fixed = bool(request.scope.get("state", {}).get("coder"))
    default = view.coder or getattr(view.settings, "reference_coder", None) or ""
    nxt = request.query_params.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    return view.web.render("me.html", request, project_name=_name(view), fixed=fixed,
                      default=default, next_url=nxt)


def _base(view, request, name: str, **extra):
    if not view.coder:
        return RedirectResponse("/me?next=" + request.url.path, status_code=303)
    human = results.human(view)
    counts = human["code"].value_counts().to_dict() if len(human) else {}
    page_data = {
        "coder": view.coder, "blind": view.blind, "role": view.role, "coders": view.coders(),
        "documents": view.corpus.document_ids,
        "attributes": results.attributes(view.corpus),
        "codebook": data.codebook_list(view.codebook, counts),
        "reference": view.settings.reference_coder or "",
        "params": dict(request.query_params),
    }
    page_data.update(extra)
    return view.web.render(name, request, project_name=view.settings.name or view.root.name,
                           page_data=page_data)


@page
def codes(view, request):
    return _base(view, request, "codes.html")


@page
def retrieve(view, request):
    return _base(view, request, "retrieve.html")


@page
def compare(view, request):
    return _base(view, request, "compare.html")


@page
def crosscase(view, request):
    return _base(view, request, "crosscase.html")


@page
def methods_page(view, request):
    refuse_if_blind(view)
    return _base(view, request, "methods.html")


@page
def similar_page(view, request):

    return view.web.render("similar.html", request, project_name=_name(view),
                           codebook=[{"id": c.id, "name": c.name} for c in view.codebook])


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/documents/{doc}", document, methods=["GET"]),
        Route("/review", review, methods=["GET"]),
        Route("/me", me, methods=["GET"]),
        Route("/codes", codes, methods=["GET"]),
        Route("/retrieve", retrieve, methods=["GET"]),
        Route("/compare", compare, methods=["GET"]),
        Route("/crosscase", crosscase, methods=["GET"]),
        Route("/methods", methods_page, methods=["GET"]),
        Route("/similar", similar_page, methods=["GET"]),
    ]
