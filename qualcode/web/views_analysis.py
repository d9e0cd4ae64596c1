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


def apply_blind(web, request, doc: dict) -> dict:
    """The document page's data as the requesting coder may see it (blind mode: their own)."""
    me = web.coder(request)
    if analysis.is_blind(web.state, me):
        return analysis.blind_document(doc, me)
    return doc


def apply_blind_home(web, request, info: dict) -> dict:
    """The home page's data as the requesting coder may see it: in blind mode only their own
    progress and their own counts in the code tree."""
    me = web.coder(request)
    if not analysis.is_blind(web.state, me):
        return info
    info = dict(info)
    info["coders"] = [c for c in info["coders"] if c == me]
    info["documents"] = [dict(d, progress={k: v for k, v in d["progress"].items() if k == me})
                         for d in info["documents"]]
    own = analysis.human(web.project, [me])
    counts = own["code"].value_counts().to_dict() if len(own) else {}
    info["codebook"] = data.codebook_list(web.project.codebook, counts)
    info["blind"] = True
    return info


def _base(web, request, name: str, **extra):
    if not web.coder(request):
        return RedirectResponse("/me?next=" + request.url.path, status_code=303)
    project = web.project
    me = web.coder(request)
    human = analysis.human(project)
    coders = sorted(human["coder"].unique().tolist()) if len(human) else []
    counts = human["code"].value_counts().to_dict() if len(human) else {}
    page_data = {
        "coder": me, "blind": analysis.is_blind(web.state, me), "coders": coders,
        "documents": project.corpus.document_ids,
        "attributes": analysis.attributes(project.corpus),
        "codebook": data.codebook_list(project.codebook, counts),
        "reference": project.settings.reference_coder or "",
        "params": dict(request.query_params),
    }
    page_data.update(extra)
    return web.render(name, request, project_name=project.settings.name or project.root.name,
                      page_data=page_data)


@page
def codes(web, request):
    return _base(web, request, "codes.html")


@page
def retrieve(web, request):
    return _base(web, request, "retrieve.html")


@page
def compare(web, request):
    return _base(web, request, "compare.html")


@page
def crosscase(web, request):
    return _base(web, request, "crosscase.html")


def routes() -> list[Route]:
    return [
        Route("/codes", codes, methods=["GET"]),
        Route("/retrieve", retrieve, methods=["GET"]),
        Route("/compare", compare, methods=["GET"]),
        Route("/crosscase", crosscase, methods=["GET"]),
    ]
