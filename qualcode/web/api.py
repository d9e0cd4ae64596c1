"""The workbench's JSON API: the pages' twins and every write.

Reads: ``GET /api/project`` (home), ``/api/documents/{id}``, ``/api/codebook``,
``/api/codings/{id}`` (with history), ``/api/suggestions`` (the review queue), ``/api/model``,
``/api/me``. Writes (each one store transaction, committed before the answer): ``POST
/api/codings``, ``PATCH``/``DELETE /api/codings/{id}`` (with the ``version`` the page saw: a 409
when someone changed it since), ``POST /api/undo``, ``PUT /api/memos/{kind}/{target}``,
``POST /api/suggestions/{id}/accept|reject``, ``POST /api/suggestions/accept-all`` (a dry run
with the count unless ``confirm`` repeats that count), ``PUT /api/model/settings`` (in
:mod:`.api_learner`), ``POST /api/model/retrain``, ``POST /api/me``. Errors: ``{"error": message}`` with 400, 403, 404,
409 or 421.
"""
from __future__ import annotations

import math

import pandas as pd
from starlette.routing import Route

from . import auth, data
from .http import BadRequest, endpoint


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


def _row(project, coding_id: int) -> dict:
    rows = project.codings()
    row = rows[rows["id"] == coding_id]
    if len(row) == 0:
        raise data.NotFoundError(f"no coding with id {coding_id} (deleted meanwhile? reload the page)")
    return data.records(row, data.CODING_FIELDS)[0]


def _retrain(web) -> None:
    if web.trainer is not None:
        web.trainer.request()


# ---- reads -------------------------------------------------------------------------------------

@endpoint
def project_info(web, request, body):
    from .views_analysis import apply_blind_home  # part 2: blind mode

    return apply_blind_home(web, request, data.home(web.project, model=model_status(web)))


@endpoint
def document(web, request, body):
    from .views_analysis import apply_blind  # part 2: blind mode

    return apply_blind(web, request, data.document(web.project, request.path_params["doc"]))


@endpoint
def codebook(web, request, body):
    return {"codes": data.codebook_list(web.project.codebook)}


@endpoint
def coding(web, request, body):
    return data.coding(web.project, _path_int(request, "id"))


def model_status(web) -> dict:
    if web.trainer is None:
        return {"status": "off", "codes": [], "note": "retraining is off for this server"}
    return web.trainer.status()


@endpoint
def model(web, request, body):
    return model_status(web)


@endpoint
def me(web, request, body):
    fixed = bool(request.scope.get("state", {}).get("coder"))
    return {"coder": web.coder(request), "fixed": fixed}


# ---- writes ------------------------------------------------------------------------------------

@endpoint
def set_me(web, request, body):
    if request.scope.get("state", {}).get("coder"):
        raise BadRequest("this link belongs to a coder; their name is fixed by the token")
    name = auth.check_coder_name(_str(body, "coder", limit=80))
    web.state.update(local_coder=name)
    return {"coder": name, "fixed": False}


@endpoint
def add_coding(web, request, body):
    coder = web.require_coder(request)
    start, end = _int(body, "start"), _int(body, "end")
    if end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    row = web.project.add_coding(_str(body, "document", limit=500), start, end,
                                 _str(body, "code", limit=500), coder=coder,
                                 memo=_str(body, "memo", required=False) or None)
    _retrain(web)
    return data.clean(dict(row))


@endpoint
def update_coding(web, request, body):
    coder = web.require_coder(request)
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
    row = web.project.update_coding(cid, coder=coder, expected_version=_int(body, "version", minimum=1),
                                    **kwargs)
    if set(kwargs) - {"memo"}:
        _retrain(web)
    return data.clean(dict(row))


@endpoint
def delete_coding(web, request, body):
    coder = web.require_coder(request)
    cid = _path_int(request, "id")
    version = _int(body, "version", minimum=1) if body.get("version") is not None else \
        _int(dict(request.query_params), "version", minimum=1)
    web.project.delete_coding(cid, coder=coder, expected_version=version)
    _retrain(web)
    return {"deleted": cid}


@endpoint
def undo(web, request, body):
    coder = web.require_coder(request)
    done = web.project.undo(coder=coder)
    if done is None:
        return {"undone": None, "message": f"nothing of {coder}'s to undo"}
    _retrain(web)
    return {"undone": data.clean(dict(done)), "message": "undone"}


@endpoint
def set_memo(web, request, body):
    coder = web.require_coder(request)
    kind, target = request.path_params["kind"], request.path_params["target"]
    if kind not in ("coding", "document", "code"):
        raise BadRequest(f"memo kind {kind!r} is not one of coding, document, code")
    text = _str(body, "text", required=False) or ""
    if kind == "coding":
        version = body.get("version")
        cid = int(target) if target.isdigit() else None
        if cid is None:
            raise BadRequest(f"a coding memo needs a coding id, not {target!r}")
        if version is not None:  # a coding's memo is a field of the coding: versioned
            row = web.project.update_coding(cid, coder=coder, expected_version=_int(body, "version", minimum=1),
                                            memo=text)
            return {"kind": kind, "target": target, "text": text, "coding": data.clean(dict(row))}
    web.project.set_memo(kind, target, text, coder=coder)
    return {"kind": kind, "target": target, "text": text}


# ---- suggestions -------------------------------------------------------------------------------

def _queue(web, params) -> pd.DataFrame:
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
    if code is not None and code not in web.project.codebook:
        raise BadRequest(f"unknown code {code!r}; see /api/codebook")
    document = params.get("document") or None
    if document is not None and document not in web.project.corpus.document_ids:
        raise BadRequest(f"unknown document {document!r}; see /api/project")
    df = web.project.suggestions(code=code, document=document, min_score=min_score)
    df = _not_coded_already(web, df)
    if order == "uncertainty" and len(df):
        ranks = web.trainer.uncertainty() if web.trainer is not None else {}
        big = len(ranks) + 1
        key = [ranks.get((str(d), int(s)) if pd.notna(s) else None, big)
               for d, s in zip(df["document"], df["segment"])]
        df = df.assign(_rank=key, _neg=-df["score"].fillna(0)).sort_values(
            ["_rank", "_neg"], kind="stable").drop(columns=["_rank", "_neg"])
    return df


def _not_coded_already(web, df: pd.DataFrame) -> pd.DataFrame:
    """Leave out suggestions of a code on a span where a person already applied it (any machine
    coder's, e.g. an older run): accepting one would make a duplicate."""
    from ..coders.reasons import drop_known

    if len(df) == 0:
        return df
    human = web.project.codings(include_machine=False)
    return drop_known(df, human[human["document"].isin(set(df["document"]))]) if len(human) else df


@endpoint
def suggestions(web, request, body):
    params = dict(request.query_params)
    df = _queue(web, params)
    limit = _int(params, "limit", required=False, minimum=1) or 50
    offset = _int(params, "offset", required=False) or 0
    page = df.iloc[offset: offset + limit]
    corpus, names = web.project.corpus, {c.id: c for c in web.project.codebook}
    items = []
    for row in data.records(page, data.CODING_FIELDS):
        row["text"] = corpus.text(row["document"])[row["start"]:row["end"]]
        row.update(data.context_for(corpus, row["document"], row["start"], row["end"]))
        code = names.get(row["code"])
        row["code_name"] = code.name if code else row["code"]
        items.append(row)
    return {"total": len(df), "offset": offset, "limit": limit,
            "order": params.get("order", "score"), "items": items}


def _current_suggestion(web, sid: int, body: dict) -> int | None:
    """The suggestion to act on: ``sid`` while it exists, else (a retraining replaced the run
    and its ids) the current suggestion on the same span and code that the page sent as
    ``was: {document, start, end, code}``; None when the new model no longer suggests it."""
    rows = web.project.suggestions()
    if len(rows) and (rows["id"] == sid).any():
        return sid
    was = body.get("was")
    if not isinstance(was, dict):
        return sid  # let the store say what is wrong with this id
    same = rows[(rows["document"] == was.get("document")) & (rows["start"] == was.get("start"))
                & (rows["end"] == was.get("end")) & (rows["code"] == was.get("code"))] if len(rows) else rows
    if len(same):
        return int(same["id"].iloc[0])
    done = web.project.suggestions(status=["accepted", "rejected"])
    if len(done) and (done["id"] == sid).any():
        return sid  # already decided: the store answers (a conflict)
    return None


@endpoint
def accept(web, request, body):
    coder = web.require_coder(request)
    sid = _path_int(request, "id")
    start, end = _int(body, "start", required=False), _int(body, "end", required=False)
    if (start is None) != (end is None):
        raise BadRequest("to adjust the span send both start and end")
    if start is not None and end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    code = _str(body, "code", required=False, limit=500)
    current = _current_suggestion(web, sid, body)
    if current is None:  # withdrawn by a retraining: the person's decision still counts
        was = body["was"]
        row = web.project.add_coding(str(was.get("document")), start if start is not None else was.get("start"),
                                     end if end is not None else was.get("end"), code or was.get("code"),
                                     coder=coder)
        _retrain(web)
        return {"accepted": None, "coding": data.clean(dict(row)),
                "note": "the retrained model had withdrawn this suggestion; coded by hand instead"}
    ids = web.project.accept([current], coder=coder, start=start, end=end, code=code)
    _retrain(web)
    return {"accepted": current, "coding": _row(web.project, ids[0]) if ids else None}


@endpoint
def reject(web, request, body):
    coder = web.require_coder(request)
    sid = _path_int(request, "id")
    current = _current_suggestion(web, sid, body)
    if current is None:
        return {"rejected": None, "note": "the retrained model no longer suggests this"}
    web.project.reject([current], coder=coder)
    _retrain(web)
    return {"rejected": current}


@endpoint
def accept_all(web, request, body):
    """``{code, min_score}``: the count (a dry run); ``{code, min_score, confirm: count}``: accept
    them when the count is still the one the person confirmed."""
    coder = web.require_coder(request)
    code = _str(body, "code", limit=500)
    if code not in web.project.codebook:
        raise BadRequest(f"unknown code {code!r}; see /api/codebook")
    score = body.get("min_score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise BadRequest(f"min_score must be a number from 0 to 1, not {score!r}")
    df = web.project.suggestions(code=code, min_score=float(score))
    ids = [int(i) for i in df["id"]] if len(df) else []
    confirm = body.get("confirm")
    if confirm is None:
        return {"code": code, "min_score": score, "count": len(ids), "accepted": 0}
    if _int(body, "confirm") != len(ids):
        raise BadRequest(f"the count changed: {len(ids)} suggestions of {code} now score "
                         f"{score} or more, not {confirm}; look again and confirm the new count")
    new = web.project.accept(ids, coder=coder) if ids else []
    _retrain(web)
    return {"code": code, "min_score": score, "count": len(ids), "accepted": len(new)}


@endpoint
def retrain(web, request, body):
    if web.trainer is None:
        raise BadRequest("retraining is off for this server (started with --no-train)")
    web.trainer.request(force=True)
    return model_status(web)


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
        Route("/api/memos/{kind}/{target}", set_memo, methods=["PUT"]),
        Route("/api/suggestions", suggestions, methods=["GET"]),
        Route("/api/suggestions/accept-all", accept_all, methods=["POST"]),
        Route("/api/suggestions/{id}/accept", accept, methods=["POST"]),
        Route("/api/suggestions/{id}/reject", reject, methods=["POST"]),
        Route("/api/model", model, methods=["GET"]),
        Route("/api/model/retrain", retrain, methods=["POST"]),
    ]
