"""The workbench's codebook API: grow the codebook while coding (open coding) and reorganise it
(axial coding). Every change is one store transaction through the Project API
(``create_code``, ``update_code``, ``move_code``, ``merge_codes``, ``delete_code``), logged as an
event and validated by the same rules as a codebook file.

``GET /api/codebook`` the codebook as a list; ``GET /api/codes/next-color`` the colour a new
code gets; ``GET /api/codes/{id}`` a code with its counts, a few coded passages (to take an
example from) and its history; ``POST /api/codes`` ``{name, parent?, color?, description?, id?}`` creates;
``PATCH /api/codes/{id}`` edits ``name, description, inclusion, exclusion, keywords, examples,
color``; ``POST /api/codes/{id}/move`` ``{parent}`` (null: top level; the code gets a new id and
its codings follow); ``POST /api/codes/{id}/merge`` ``{into}``; ``DELETE /api/codes/{id}``
(``{recode_to}`` when it has codings). The codebook as a file is a download
(:mod:`.exports`).

Every change but a memo retrains every model (:func:`retrain_all`): the learner learns from the
codebook (definitions, rules, examples, keywords) and suggests its ids, so a code created, edited,
moved, merged or deleted makes a new model and new suggestions, the shared one's and, in a blind
project, every coder's own.
"""
from __future__ import annotations

import re

from starlette.routing import Route

from .. import palette
from ..codebook import COLOR_RE, EXAMPLE_LIMIT, NAME_LIMIT, SOURCE_LIMIT, TEXT_LIMIT
from ..project_codebook import new_code_id
from . import data, results
from .http import BadRequest, endpoint, int_field, str_field


@endpoint
def codebook(view, request, body):
    return {"codes": data.codebook_list(view.codebook)}


def retrain_all(view) -> None:
    """After a codebook change: every model retrains on the new codebook (the shared model, and
    each coder's own in a blind project; a model not suggesting in the project's mode skips)."""
    trainer = view.web.trainer
    if trainer is not None:
        trainer.request_all()


def _code(view, code_id: str) -> str:
    if code_id not in view.codebook:
        raise data.NotFoundError(f"no code {code_id!r} in the codebook (renamed or merged "
                                 "meanwhile? reload the page)")
    return code_id


def _color(value):
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not COLOR_RE.match(value):
        raise BadRequest(f"colour {value!r} is not a #rrggbb colour")
    return value.lower()


def _parent(view, body, key="parent"):
    parent = body.get(key)
    if parent in (None, ""):
        return None
    if not isinstance(parent, str):
        raise BadRequest(f"field {key!r} must be a code id or null")
    return _code(view, parent)


def tree(project) -> list[dict]:
    """The code tree with each code's count of human codings (own and with its sub-codes)."""
    cod = results.human(project)
    counts = cod["code"].value_counts().to_dict() if len(cod) else {}
    return data.codebook_list(project.codebook, counts)


def code_detail(project, code_id: str) -> dict:
    cb = project.codebook
    c = cb[code_id]
    entry = next(x for x in tree(project) if x["id"] == code_id)
    memo = data.memo_of(project, "code", code_id)
    cod = results.human(project)
    own = cod[cod["code"] == code_id]
    sub = cod[cod["code"].isin(cb.descendants(code_id, include_self=True))]
    entry.update({
        "examples": [dict(e) for e in c.examples], "source": c.source or "",
        "properties": data.clean(dict(c.properties or {})),
        "children": list(cb.children(code_id)), "count": int(len(own)), "total": int(len(sub)),
        "coders": sorted(own["coder"].unique().tolist()) if len(own) else [],
        "passages": results.passages(project, own.head(20), context=0),
        "history": data.records(project.history(code=code_id).tail(30)),
        "memo": memo["text"], "memo_version": memo["version"], "memos": memo["others"],
    })
    return entry


@endpoint
def get_code(view, request, body):
    return code_detail(view, _code(view, request.path_params["id"]))


@endpoint
def create_code(view, request, body):
    view.check_write()  # coders may create codes while coding (the event names them)
    name = (str_field(body, "name", limit=NAME_LIMIT) or "").strip()
    if not name:
        raise BadRequest("give the new code a name")
    parent = _parent(view, body)
    code_id = new_code_id(view.codebook, name, parent=parent,
                          code_id=str_field(body, "id", required=False, limit=NAME_LIMIT))
    color = (_color(body.get("color"))  # none chosen: the palette's next unused colour
             or palette.new_code_color(view.codebook))
    view.create_code(code_id, name, parent=parent, color=color,
                     description=str_field(body, "description", required=False) or "")
    retrain_all(view)
    return {"created": code_id, "code": code_detail(view, code_id), "codebook": tree(view)}


def _examples(value):
    if not isinstance(value, list):
        raise BadRequest("examples must be a list of {quote, source}")
    out = []
    for ex in value:
        if isinstance(ex, str):
            ex = {"quote": ex}
        if not isinstance(ex, dict) or not isinstance(ex.get("quote"), str) or not ex["quote"].strip():
            raise BadRequest("each example needs a quote (text)")
        clean = {"quote": ex["quote"].strip()[:EXAMPLE_LIMIT]}
        if isinstance(ex.get("source"), str) and ex["source"].strip():
            clean["source"] = ex["source"].strip()[:SOURCE_LIMIT]
        out.append(clean)
    return out


def _keywords(value):
    if isinstance(value, str):
        value = [k for k in re.split(r"[,\n]", value)]
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise BadRequest("keywords must be a list of phrases (or one comma-separated string)")
    return [k.strip() for k in value if k.strip()]


@endpoint
def update_code(view, request, body):
    view.check_write()
    code_id = _code(view, request.path_params["id"])
    fields = {}
    for key in ("name", "description", "inclusion", "exclusion"):
        if key in body:
            fields[key] = (str_field(body, key, limit=TEXT_LIMIT) or "").strip()
    if "name" in fields and not fields["name"]:
        raise BadRequest("a code's name cannot be empty")
    if "keywords" in body:
        fields["keywords"] = _keywords(body["keywords"])
    if "examples" in body:
        fields["examples"] = _examples(body["examples"])
    if "color" in body:
        fields["color"] = _color(body["color"]) or ""
    if not fields and "memo" not in body:
        raise BadRequest("nothing to change: send name, description, inclusion, exclusion, "
                         "keywords, examples, color or memo")
    if fields:  # the code itself: an owner's (a coder keeps their own memo on it)
        view.update_code(code_id, **fields)
        retrain_all(view)
    if "memo" in body:
        view.set_memo("code", code_id, str_field(body, "memo") or "",
                      expected_version=int_field(body, "memo_version", required=False))
    return {"updated": code_id, "code": code_detail(view, code_id), "codebook": tree(view),
            "message": "Memo saved" if "memo" in body and not fields else "Saved"}


@endpoint
def move_code(view, request, body):
    view.require_owner("moving codes")
    code_id = _code(view, request.path_params["id"])
    if "parent" not in body:
        raise BadRequest("send parent: the code to move it under, or null for the top level")
    new_id = view.move_code(code_id, _parent(view, body))
    retrain_all(view)
    return {"moved": code_id, "id": new_id, "code": code_detail(view, new_id),
            "codebook": tree(view)}


@endpoint
def merge_code(view, request, body):
    view.require_owner("merging codes")
    code_id = _code(view, request.path_params["id"])
    into = str_field(body, "into", limit=200)
    _code(view, into)
    n = int((results.human(view)["code"] == code_id).sum())
    view.merge_codes(code_id, into)
    retrain_all(view)
    return {"merged": code_id, "into": into, "codings_moved": n,
            "code": code_detail(view, into), "codebook": tree(view)}


@endpoint
def delete_code(view, request, body):
    view.require_owner("deleting codes")
    code_id = _code(view, request.path_params["id"])
    recode = body.get("recode_to") if body else None
    if recode is None:
        recode = request.query_params.get("recode_to") or None
    if recode is not None:
        if not isinstance(recode, str):
            raise BadRequest("recode_to must be a code id")
        _code(view, recode)
    view.delete_code(code_id, recode_to=recode)
    retrain_all(view)
    return {"deleted": code_id, "recoded_to": recode, "codebook": tree(view)}


@endpoint
def next_color(view, request, body):
    """The colour a new code gets unless one is chosen: the palette's first unused one."""
    return {"color": palette.new_code_color(view.codebook),
            "palette": list(palette.PALETTE)}


def routes() -> list[Route]:
    return [
        Route("/api/codebook", codebook, methods=["GET"]),
        Route("/api/codes/next-color", next_color, methods=["GET"]),
        Route("/api/codes", create_code, methods=["POST"]),
        Route("/api/codes/{id}", get_code, methods=["GET"]),
        Route("/api/codes/{id}", update_code, methods=["PATCH"]),
        Route("/api/codes/{id}", delete_code, methods=["DELETE"]),
        Route("/api/codes/{id}/move", move_code, methods=["POST"]),
        Route("/api/codes/{id}/merge", merge_code, methods=["POST"]),
    ]
