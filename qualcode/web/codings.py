"""The workbench's codings and memos: reading one, adding, changing, deleting, undoing.

``GET /api/codings/{id}`` (with its history); writes, each one store transaction committed before
the answer: ``POST /api/codings``, ``PATCH``/``DELETE /api/codings/{id}`` (with the ``version``
the page saw: a 409 when someone changed it since), ``POST /api/undo``, ``PUT``/``DELETE
/api/memos/{kind}/{target}``. After a change the requesting coder's model retrains
(:func:`.suggestions.request_retraining`).
"""
from __future__ import annotations

from starlette.routing import Route

from . import data
from .http import BadRequest, endpoint, int_field, path_int, str_field
from .suggestions import request_retraining


@endpoint
def coding(view, request, body):
    return data.coding(view, path_int(request, "id"))


@endpoint
def add_coding(view, request, body):
    view.check_write()
    start, end = int_field(body, "start"), int_field(body, "end")
    if end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    row = view.add_coding(str_field(body, "document", limit=500), start, end,
                          str_field(body, "code", limit=500),
                          memo=str_field(body, "memo", required=False) or None)
    request_retraining(view)
    return data.clean(dict(row))


@endpoint
def update_coding(view, request, body):
    view.check_write()
    cid = path_int(request, "id")
    changes = {k: body[k] for k in ("start", "end", "code", "memo") if k in body}
    if not changes:
        raise BadRequest("nothing to change: send start, end, code or memo with the version")
    kwargs = {}
    if "start" in changes:
        kwargs["start"] = int_field(body, "start")
    if "end" in changes:
        kwargs["end"] = int_field(body, "end")
    if "code" in changes:
        kwargs["code"] = str_field(body, "code", limit=500)
    if "memo" in changes:
        kwargs["memo"] = str_field(body, "memo", required=False) or ""
    row = view.update_coding(cid, expected_version=int_field(body, "version", minimum=1), **kwargs)
    if set(kwargs) - {"memo"}:
        request_retraining(view)
    return data.clean(dict(row))


@endpoint
def delete_coding(view, request, body):
    view.check_write()
    cid = path_int(request, "id")
    version = int_field(body, "version", minimum=1) if body.get("version") is not None else \
        int_field(dict(request.query_params), "version", minimum=1)
    view.delete_coding(cid, expected_version=version)
    request_retraining(view)
    return {"deleted": cid}


@endpoint
def undo(view, request, body):
    coder = view.check_write()
    done = view.undo()
    if done is None:
        return {"undone": None, "message": f"nothing of {coder}'s to undo"}
    request_retraining(view)
    return {"undone": data.clean(dict(done)), "message": "undone"}


@endpoint
def set_memo(view, request, body):
    """``PUT`` (``{text, version}``) or ``DELETE`` the requesting coder's memo on a coding (their
    own), a document or a code. A coding memo's ``version`` is the coding's; a document or code
    memo's is the memo's own (0: none yet), and a stale one is a 409."""
    view.check_write()
    kind, target = request.path_params["kind"], request.path_params["target"]
    if kind not in ("coding", "document", "code"):
        raise BadRequest(f"memo kind {kind!r} is not one of coding, document, code")
    text = "" if request.method == "DELETE" else (str_field(body, "text", required=False) or "")
    version = int_field(body, "version", required=False, minimum=0)
    if kind == "coding":
        cid = int(target) if target.isdigit() else None
        if cid is None:
            raise BadRequest(f"a coding memo needs a coding id, not {target!r}")
        if version is not None:  # a coding's memo is a field of the coding: versioned
            row = view.update_coding(cid, expected_version=max(version, 1), memo=text)
            return {"kind": kind, "target": target, "text": text, "coding": data.clean(dict(row)),
                    "message": "Memo saved" if text else "Memo removed"}
        version = None
    new = view.set_memo(kind, target, text, expected_version=version)
    return {"kind": kind, "target": target, "text": text, "version": new,
            "message": "Memo saved" if text else "Memo removed"}


def routes() -> list[Route]:
    return [
        Route("/api/codings", add_coding, methods=["POST"]),
        Route("/api/codings/{id}", coding, methods=["GET"]),
        Route("/api/codings/{id}", update_coding, methods=["PATCH"]),
        Route("/api/codings/{id}", delete_coding, methods=["DELETE"]),
        Route("/api/undo", undo, methods=["POST"]),
        Route("/api/memos/{kind}/{target}", set_memo, methods=["PUT", "DELETE"]),
    ]
