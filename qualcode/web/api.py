"""The workbench's JSON API: the pages' twins and every write.

Reads: ``GET /api/project`` (home), ``/api/documents/{id}``, ``/api/codebook``,
``/api/codings/{id}`` (with history), ``/api/suggestions`` (the review queue), ``/api/model``,
``/api/me``. Writes (each one store transaction, committed before the answer): ``POST
/api/codings``, ``PATCH``/``DELETE /api/codings/{id}`` (with the ``version`` the page saw: a 409
when someone changed it since), ``POST /api/undo``, ``PUT /api/memos/{kind}/{target}``,
``POST /api/suggestions/{id}/accept|reject``, ``POST /api/suggestions/accept-all`` (a dry run
with the count unless ``confirm`` repeats that count), ``PUT /api/model/settings`` (in
:mod:`.api_learner`), ``POST /api/model/retrain``, ``POST /api/me``. Every handler receives the
requesting coder's view of the project (:class:`~.view.CoderView`): what it shows and what it may
change. Errors: ``{"error": message, "status": status}`` with 400, 403 (not this coder's: the
message says whose), 404, 409, 413 or 421.
"""
from __future__ import annotations

import math

import pandas as pd
from starlette.routing import Route

from ..coders.learner import suggestion_coder
from . import auth, data
from .http import BadRequest, Forbidden, endpoint
from .view import READ_ONLY


def _int(body: dict, name: str, *, required: bool = True, minimum: int | None = 0):
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"field {name!r} is missing; send it as an integer")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(f"field {name!r} must be an integer, not {value!r}")
    try:
        f = float(value)
        if not f.is_integer():
            raise ValueError
        value = int(f)
    except ValueError:
        raise BadRequest(f"field {name!r} must be an integer, not {value!r}") from None
    if minimum is not None and value < minimum:
        raise BadRequest(f"field {name!r} must be at least {minimum}, not {value}")
    return value


def _str(body: dict, name: str, *, required: bool = True, limit: int = 100_000):
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"field {name!r} is missing; send it as a string")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"field {name!r} must be a string, not {value!r}")
    if len(value) > limit:
        raise BadRequest(f"field {name!r} is longer than {limit:,} characters")
    return value


def _path_int(request, name: str) -> int:
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None


def _row(view, coding_id: int) -> dict:
    return data.records(pd.DataFrame([view.coding(coding_id)]), data.CODING_FIELDS)[0]


def _retrain(view) -> None:
    """After the requesting coder's decision: their model retrains (the shared one unless blind)."""
    trainer = view.trainer
    if trainer is not None:
        trainer.request()


# ---- reads -------------------------------------------------------------------------------------

@endpoint
def project_info(view, request, body):
    info = data.home(view, model=model_status(view))
    info.update(blind=view.blind, role=view.role)
    return info


@endpoint
def document(view, request, body):
    view.trainer  # noqa: B018 - a blind coder's own model is made (and trains) on first ask
    return dict(data.document(view, request.path_params["doc"]), blind=view.blind)


@endpoint
def codebook(view, request, body):
    return {"codes": data.codebook_list(view.codebook)}


@endpoint
def coding(view, request, body):
    return data.coding(view, _path_int(request, "id"))


def model_status(view) -> dict:
    """The requesting coder's model's status (in a blind project their own model: asking makes
    it, and it trains)."""
    if view.web.trainer is None:
        return {"status": "off", "codes": [], "note": "retraining is off for this server"}
    trainer = view.trainer
    if trainer is None:  # blind, and the local user has not said who they are
        return {"status": "off", "codes": [], "note": "blind project: suggestions come only from "
                "a model that learned from your own coding; say who you are first"}
    return trainer.status()


@endpoint
def model(view, request, body):
    return model_status(view)


@endpoint
def me(view, request, body):
    fixed = bool(request.scope.get("state", {}).get("coder"))
    return {"coder": view.coder, "fixed": fixed, "role": view.role, "blind": view.blind}


# ---- writes ------------------------------------------------------------------------------------

@endpoint
def set_me(view, request, body):
    if request.scope.get("state", {}).get("coder"):
        raise BadRequest("this link belongs to a coder; their name is fixed by the token")
    if view.read_only:
        raise Forbidden(READ_ONLY)
    name = auth.check_coder_name(_str(body, "coder", limit=80))
    view.web.state.update(local_coder=name)
    return {"coder": name, "fixed": False}


@endpoint
def add_coding(view, request, body):
    view.check_write()
    start, end = _int(body, "start"), _int(body, "end")
    if end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    row = view.add_coding(_str(body, "document", limit=500), start, end,
                          _str(body, "code", limit=500),
                          memo=_str(body, "memo", required=False) or None)
    _retrain(view)
    return data.clean(dict(row))


@endpoint
def update_coding(view, request, body):
    view.check_write()
    cid = _path_int(request, "id")
    changes = {k: body[k] for k in ("start", "end", "code", "memo") if k in body}
    if not changes:
        raise BadRequest("nothing to change: send start, end, code or memo with the version")
    kwargs = {}
    if "start" in changes:
        kwargs["start"] = _int(body, "start")
    if "end" in changes:
        kwargs["end"] = _int(body, "end")
    if "code" in changes:
        kwargs["code"] = _str(body, "code", limit=500)
    if "memo" in changes:
        kwargs["memo"] = _str(body, "memo", required=False) or ""
    row = view.update_coding(cid, expected_version=_int(body, "version", minimum=1), **kwargs)
    if set(kwargs) - {"memo"}:
        _retrain(view)
    return data.clean(dict(row))


@endpoint
def delete_coding(view, request, body):
    view.check_write()
    cid = _path_int(request, "id")
    version = _int(body, "version", minimum=1) if body.get("version") is not None else \
        _int(dict(request.query_params), "version", minimum=1)
    view.delete_coding(cid, expected_version=version)
    _retrain(view)
    return {"deleted": cid}


@endpoint
def undo(view, request, body):
    coder = view.check_write()
    done = view.undo()
    if done is None:
        return {"undone": None, "message": f"nothing of {coder}'s to undo"}
    _retrain(view)
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
    text = "" if request.method == "DELETE" else (_str(body, "text", required=False) or "")
    version = _int(body, "version", required=False, minimum=0)
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


# ---- suggestions -------------------------------------------------------------------------------

def _queue(view, params) -> pd.DataFrame:
    view.trainer  # noqa: B018 - a blind coder's own model is made (and trains) on first ask
    order = params.get("order", "score")
    if order not in ("score", "uncertainty"):
        raise BadRequest(f"order must be 'score' or 'uncertainty', not {order!r}")
    min_score = params.get("min_score")
    if min_score not in (None, ""):
        try:
            min_score = float(min_score)
        except ValueError:
            raise BadRequest(f"min_score must be a number, not {min_score!r}") from None
        if math.isnan(min_score):
            raise BadRequest("min_score must be a number")
    else:
        min_score = None
    code = params.get("code") or None
    if code is not None and code not in view.codebook:
        raise BadRequest(f"unknown code {code!r}; see /api/codebook")
    document = params.get("document") or None
    if document is not None and document not in view.corpus.document_ids:
        raise BadRequest(f"unknown document {document!r}; see /api/project")
    df = view.suggestions(code=code, document=document, min_score=min_score)
    df = _not_coded_already(view, df)
    if order == "uncertainty" and len(df):
        trainer = view.trainer  # the requesting coder's own model in a blind project
        ranks = trainer.uncertainty() if trainer is not None and suggestion_coder(
            trainer.coder) in view.visible_machine_coders() else {}
        big = len(ranks) + 1
        key = [ranks.get((str(d), int(s)) if pd.notna(s) else None, big)
               for d, s in zip(df["document"], df["segment"])]
        df = df.assign(_rank=key, _neg=-df["score"].fillna(0)).sort_values(
            ["_rank", "_neg"], kind="stable").drop(columns=["_rank", "_neg"])
    return df


def _not_coded_already(view, df: pd.DataFrame) -> pd.DataFrame:
    """Leave out suggestions of a code on a span where a person already applied it (any machine
    coder's, e.g. an older run): accepting one would make a duplicate."""
    from ..coders.reasons import drop_known  # lazy: qualcode.coders (scikit-learn) only when a queue is filtered

    if len(df) == 0:
        return df
    human = view.codings(include_machine=False)
    return drop_known(df, human[human["document"].isin(set(df["document"]))]) if len(human) else df


@endpoint
def suggestions(view, request, body):
    params = dict(request.query_params)
    df = _queue(view, params)
    limit = _int(params, "limit", required=False, minimum=1) or 50
    offset = _int(params, "offset", required=False) or 0
    page = df.iloc[offset: offset + limit]
    corpus, names = view.corpus, {c.id: c for c in view.codebook}
    items = []
    for row in data.records(page, data.CODING_FIELDS):
        row["text"] = corpus.text(row["document"])[row["start"]:row["end"]]
        row.update(data.context_for(corpus, row["document"], row["start"], row["end"]))
        code = names.get(row["code"])
        row["code_name"] = code.name if code else row["code"]
        items.append(row)
    return {"total": len(df), "offset": offset, "limit": limit,
            "order": params.get("order", "score"), "items": items}


def _current_suggestion(view, sid: int, body: dict) -> int | None:
    """The suggestion to act on: ``sid`` while it exists, else (a retraining replaced the run
    and its ids) the current suggestion on the same span and code that the page sent as
    ``was: {document, start, end, code}``; None when the new model no longer suggests it."""
    rows = view.suggestions()
    if len(rows) and (rows["id"] == sid).any():
        return sid
    was = body.get("was")
    if not isinstance(was, dict):
        return sid  # let the store say what is wrong with this id
    same = rows[(rows["document"] == was.get("document")) & (rows["start"] == was.get("start"))
                & (rows["end"] == was.get("end")) & (rows["code"] == was.get("code"))] if len(rows) else rows
    if len(same):
        return int(same["id"].iloc[0])
    done = view.suggestions(status=["accepted", "rejected"])
    if len(done) and (done["id"] == sid).any():
        return sid  # already decided: the store answers (a conflict)
    return None


@endpoint
def accept(view, request, body):
    view.check_write()
    sid = _path_int(request, "id")
    start, end = _int(body, "start", required=False), _int(body, "end", required=False)
    if (start is None) != (end is None):
        raise BadRequest("to adjust the span send both start and end")
    if start is not None and end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    code = _str(body, "code", required=False, limit=500)
    current = _current_suggestion(view, sid, body)
    if current is None:  # withdrawn by a retraining: the person's decision still counts
        was = body["was"]
        row = view.add_coding(str(was.get("document")), start if start is not None else was.get("start"),
                              end if end is not None else was.get("end"), code or was.get("code"))
        _retrain(view)
        return {"accepted": None, "coding": data.clean(dict(row)),
                "note": "the retrained model had withdrawn this suggestion; coded by hand instead"}
    ids = view.accept([current], start=start, end=end, code=code)
    _retrain(view)
    return {"accepted": current, "coding": _row(view, ids[0]) if ids else None}


@endpoint
def reject(view, request, body):
    view.check_write()
    sid = _path_int(request, "id")
    current = _current_suggestion(view, sid, body)
    if current is None:
        return {"rejected": None, "note": "the retrained model no longer suggests this"}
    view.reject([current])
    _retrain(view)
    return {"rejected": current}


@endpoint
def accept_all(view, request, body):
    """``{code, min_score}``: the count (a dry run); ``{code, min_score, confirm: count}``: accept
    them when the count is still the one the person confirmed."""
    view.check_write()
    code = _str(body, "code", limit=500)
    if code not in view.codebook:
        raise BadRequest(f"unknown code {code!r}; see /api/codebook")
    score = body.get("min_score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise BadRequest(f"min_score must be a number from 0 to 1, not {score!r}")
    df = view.suggestions(code=code, min_score=float(score))
    ids = [int(i) for i in df["id"]] if len(df) else []
    confirm = body.get("confirm")
    if confirm is None:
        return {"code": code, "min_score": score, "count": len(ids), "accepted": 0}
    if _int(body, "confirm") != len(ids):
        raise BadRequest(f"the count changed: {len(ids)} suggestions of {code} now score "
                         f"{score} or more, not {confirm}; look again and confirm the new count")
    new = view.accept(ids) if ids else []
    _retrain(view)
    return {"code": code, "min_score": score, "count": len(ids), "accepted": len(new)}


@endpoint
def retrain(view, request, body):
    if view.web.trainer is None:
        raise BadRequest("retraining is off for this server (started with --no-train)")
    if view.trainer is not None:
        view.trainer.request(force=True)
    return model_status(view)


def routes() -> list[Route]:
    return [
        Route("/api/project", project_info, methods=["GET"]),
        Route("/api/codebook", codebook, methods=["GET"]),
        Route("/api/documents/{doc}", document, methods=["GET"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/api/me", set_me, methods=["POST"]),
        Route("/api/codings", add_coding, methods=["POST"]),
        Route("/api/codings/{id}", coding, methods=["GET"]),
        Route("/api/codings/{id}", update_coding, methods=["PATCH"]),
        Route("/api/codings/{id}", delete_coding, methods=["DELETE"]),
        Route("/api/undo", undo, methods=["POST"]),
        Route("/api/memos/{kind}/{target}", set_memo, methods=["PUT", "DELETE"]),
        Route("/api/suggestions", suggestions, methods=["GET"]),
        Route("/api/suggestions/accept-all", accept_all, methods=["POST"]),
        Route("/api/suggestions/{id}/accept", accept, methods=["POST"]),
        Route("/api/suggestions/{id}/reject", reject, methods=["POST"]),
        Route("/api/model", model, methods=["GET"]),
        Route("/api/model/retrain", retrain, methods=["POST"]),
    ]
