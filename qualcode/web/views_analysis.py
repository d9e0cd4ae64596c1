"""The workbench's part-2 pages. Each is drawn by plain JavaScript from its JSON twin:

| page | twin |
| --- | --- |
| ``/codes`` the codebook: create, rename, edit, move, merge, delete | ``/api/codebook``, ``/api/codes/{id}`` |
| ``/retrieve`` a code's passages; text search | ``/api/retrieve``, ``/api/search`` |
| ``/compare`` agreement between coders, disagreements, blind mode | ``/api/compare``, ``/api/disagreements`` |
| ``/crosscase`` case x code, code x attribute, strategy by case, charts | ``/api/crosscase`` |
"""
from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from . import analysis, data
from .http import page


def _base(view, request, name: str, **extra):
    if not view.coder:
        return RedirectResponse("/me?next=" + request.url.path, status_code=303)
    human = analysis.human(view)
    counts = human["code"].value_counts().to_dict() if len(human) else {}
    page_data = {
        "coder": view.coder, "blind": view.blind, "role": view.role, "coders": view.coders(),
        "documents": view.corpus.document_ids,
        "attributes": analysis.attributes(view.corpus),
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


def routes() -> list[Route]:
    return [
        Route("/codes", codes, methods=["GET"]),
        Route("/retrieve", retrieve, methods=["GET"]),
        Route("/compare", compare, methods=["GET"]),
        Route("/crosscase", crosscase, methods=["GET"]),
    ]
