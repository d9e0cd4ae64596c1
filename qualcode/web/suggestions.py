"""The workbench's machine suggestions: the review queue, accepting and rejecting, the model, the
learner's settings, and "find similar".

``GET /api/suggestions`` (the review queue: ``order``, ``code``, ``document``), ``POST
/api/suggestions/{id}/accept|reject``, ``POST /api/suggestions/accept-all`` (a dry run with the
count unless ``confirm`` repeats that count), ``GET /api/model`` (the requesting coder's model's
status), ``POST /api/model/retrain``, ``PUT /api/model/settings`` (the gate: ``kappa_floor``,
``min_examples``, ``show_all``; checked by :func:`qualcode.coders.learner.check_gate`, so the
floor's minimum holds here as in the CLI), ``GET``/``PUT /api/model/llm`` (the chat model:
``enabled``, ``url``, ``model``, ``budget``, ``allow_remote``; the owner only, i.e. the holder of
the server's token; a remote URL needs ``allow_remote: true``, the CLI's ``--allow-remote``, and
the answer says what is sent), ``GET /api/similar`` (``document``, ``start``, ``end`` of a
passage, or ``q`` a phrase: the most similar passages the requesting coder has not coded, across
interviews).
"""
from __future__ import annotations

import math

import pandas as pd
from starlette.routing import Route

from ..coders import learner
from ..coders.learner import suggestion_coder
from ..coders.llm import DEFAULT_URL, is_local, what_is_sent
from . import data
from .http import BadRequest, endpoint, int_field, path_int, str_field

HOW_TO_START = ("Start a local server, e.g. llama.cpp: llama-server -m model.gguf --port 8080 "
                "(then http://127.0.0.1:8080/v1), or Ollama: ollama serve and ollama pull "
                "llama3.1 (then http://127.0.0.1:11434/v1 with that model name).")


def request_retraining(view) -> None:
    """After the requesting coder's decision: their model retrains (the shared one unless blind)."""
    trainer = view.trainer
    if trainer is not None:
        trainer.request()


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
def retrain(view, request, body):
    if view.web.trainer is None:
        raise BadRequest("retraining is off for this server (started with --no-train)")
    if view.trainer is not None:
        view.trainer.request(force=True)
    return model_status(view)


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
    limit = int_field(params, "limit", required=False, minimum=1) or 50
    offset = int_field(params, "offset", required=False) or 0
    page = df.iloc[offset: offset + limit]
    corpus, names = view.corpus, {c.id: c for c in view.codebook}
    models = _chat_models(view) if len(page) and (page["method"] == "llm").any() else {}
    items = []
    for row in data.records(page, data.CODING_FIELDS):
        row["text"] = corpus.text(row["document"])[row["start"]:row["end"]]
        row.update(data.context_for(corpus, row["document"], row["start"], row["end"]))
        code = names.get(row["code"])
        row["code_name"] = code.name if code else row["code"]
        if row["method"] == "llm":  # the page shows the model's name beside its evidence
            row["model"] = models.get(row["coder"])
        items.append(row)
    return {"total": len(df), "offset": offset, "limit": limit,
            "order": params.get("order", "score"), "items": items}


def _chat_models(view) -> dict:
    """Each chat-model coder's model, as its last run recorded it (its open suggestions are that
    run's: a run replaces the earlier ones)."""
    runs = view.machine_runs()
    runs = runs[runs["method"] == "llm"].drop_duplicates("coder", keep="last") if len(runs) else runs
    return {r.coder: str(r.model) if pd.notna(r.model) and r.model else None
            for r in runs.itertuples()}


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
    sid = path_int(request, "id")
    start, end = int_field(body, "start", required=False), int_field(body, "end", required=False)
    if (start is None) != (end is None):
        raise BadRequest("to adjust the span send both start and end")
    if start is not None and end <= start:
        raise BadRequest(f"the span {start}-{end} is empty: end must be after start")
    code = str_field(body, "code", required=False, limit=500)
    current = _current_suggestion(view, sid, body)
    if current is None:  # withdrawn by a retraining: the person's decision still counts
        was = body["was"]
        row = view.add_coding(str(was.get("document")), start if start is not None else was.get("start"),
                              end if end is not None else was.get("end"), code or was.get("code"))
        request_retraining(view)
        return {"accepted": None, "coding": data.clean(dict(row)),
                "note": "the retrained model had withdrawn this suggestion; coded by hand instead"}
    ids = view.accept([current], start=start, end=end, code=code)
    request_retraining(view)
    return {"accepted": current, "coding": data.coding_row(view, ids[0]) if ids else None}


@endpoint
def reject(view, request, body):
    view.check_write()
    sid = path_int(request, "id")
    current = _current_suggestion(view, sid, body)
    if current is None:
        return {"rejected": None, "note": "the retrained model no longer suggests this"}
    view.reject([current])
    request_retraining(view)
    return {"rejected": current}


@endpoint
def accept_all(view, request, body):
    """``{code, min_score}``: the count (a dry run); ``{code, min_score, confirm: count}``: accept
    them when the count is still the one the person confirmed."""
    view.check_write()
    code = str_field(body, "code", limit=500)
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
    if int_field(body, "confirm") != len(ids):
        raise BadRequest(f"the count changed: {len(ids)} suggestions of {code} now score "
                         f"{score} or more, not {confirm}; look again and confirm the new count")
    new = view.accept(ids) if ids else []
    request_retraining(view)
    return {"code": code, "min_score": score, "count": len(ids), "accepted": len(new)}


def gate_changes(body: dict) -> dict:
    """The gate settings in a request body, checked against the learner's rules."""
    keys = [k for k in ("kappa_floor", "min_examples", "show_all") if k in body]
    if not keys:
        raise BadRequest("send kappa_floor, min_examples and/or show_all")
    show_all = body.get("show_all", False)
    if not isinstance(show_all, bool):
        raise BadRequest(f"show_all must be true or false, not {show_all!r}")
    checked = learner.check_gate(body.get("kappa_floor"), show_all=show_all,
                                 min_examples=body.get("min_examples"))
    return {k: checked[k] for k in keys}


@endpoint
def model_settings(view, request, body):
    view.require_owner("changing the suggestion gate (kappa floor, minimum examples)")
    web = view.web
    if not any(k in body for k in ("kappa_floor", "min_examples", "show_all")):
        raise BadRequest("send kappa_floor, min_examples and/or show_all")
    saved = web.state.read()
    merged = {"kappa_floor": saved.get("kappa_floor"), "min_examples": saved.get("min_examples"),
              "show_all": bool(saved.get("show_all", False)), **body}
    if "kappa_floor" not in body and "show_all" in body:
        merged["kappa_floor"] = saved.get("kappa_floor")
    changes = gate_changes({k: v for k, v in merged.items() if v is not None})
    web.state.update(**changes)
    if web.trainer is None:
        return {"status": "off", "codes": [], "note": "retraining is off for this server", **changes}
    web.trainer.request_all()  # every model's gate (each coder's own in a blind project)

    return model_status(view)


def _llm_view(saved: dict | None) -> dict:
    cfg = dict(saved or {})
    url = cfg.get("url") or DEFAULT_URL
    return {"enabled": bool(cfg.get("enabled")), "url": url, "model": cfg.get("model") or "local",
            "budget": int(cfg.get("budget") or learner.LLM_BUDGET),
            "allow_remote": bool(cfg.get("allow_remote")), "local": is_local(url),
            "sends": what_is_sent(url), "how_to_start": HOW_TO_START}


@endpoint
def llm_get(view, request, body):
    return _llm_view(view.web.state.read().get("llm"))


@endpoint
def llm_put(view, request, body):
    view.require_owner("changing the chat model settings")
    web = view.web
    cfg = dict(web.state.read().get("llm") or {})
    for key, kind in (("enabled", bool), ("allow_remote", bool), ("url", str), ("model", str)):
        if key in body:
            if not isinstance(body[key], kind):
                raise BadRequest(f"{key} must be {'true or false' if kind is bool else 'a string'}")
            cfg[key] = body[key]
    if "budget" in body:
        b = body["budget"]
        if isinstance(b, bool) or not isinstance(b, int) or not 1 <= b <= 500:
            raise BadRequest(f"budget must be a whole number from 1 to 500, not {b!r}")
        cfg["budget"] = b
    url = cfg.get("url") or DEFAULT_URL
    if not url.startswith(("http://", "https://")):
        raise BadRequest(f"the server URL must start with http:// or https://, not {url!r}")
    if not is_local(url) and not cfg.get("allow_remote"):
        raise BadRequest(f"{url} is not on this machine: {what_is_sent(url)}; to allow it, tick "
                         "'allow a remote server' (allow_remote: true)")
    web.state.update(llm=cfg)
    if web.trainer is not None:
        web.trainer.request_all()
    return _llm_view(cfg)


def _int_param(params, name):
    raw = params.get(name)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None


@endpoint
def similar(view, request, body):
    from ..coders.similar import METHOD_NOTES, similar_passages  # lazy: sentence-transformers or scikit-learn, only for find similar

    params = dict(request.query_params)
    project = view  # the requesting coder's view: their own coding only in a blind project
    corpus = project.corpus
    n = min(_int_param({"n": params.get("n", 10)}, "n"), 100)
    exclude = None
    if params.get("q"):
        query = params["q"][:2000]
    else:
        doc = params.get("document")
        if doc not in corpus.document_ids:
            raise BadRequest(f"unknown document {doc!r}; send document, start and end, or q")
        start, end = _int_param(params, "start"), _int_param(params, "end")
        text = corpus.text(doc)
        if not 0 <= start < end <= len(text):
            raise BadRequest(f"the span {start}-{end} is not inside {doc} (0-{len(text)})")
        query, exclude = text[start:end], (doc, start, end)
    coder = view.coder
    coded = project.codings(include_machine=False)
    coded = coded[coded["coder"] == coder] if coder and len(coded) else coded.iloc[0:0]
    table, method = similar_passages(corpus, query, n=n, coded=coded, exclude=exclude)
    items = table.to_dict(orient="records")
    for it in items:
        it["segment"], it["start"], it["end"] = int(it["segment"]), int(it["start"]), int(it["end"])
        it["similarity"] = float(it["similarity"])
    return {"query": query, "method": method, "note": METHOD_NOTES[method], "items": items}


def routes() -> list[Route]:
    return [
        Route("/api/suggestions", suggestions, methods=["GET"]),
        Route("/api/suggestions/accept-all", accept_all, methods=["POST"]),
        Route("/api/suggestions/{id}/accept", accept, methods=["POST"]),
        Route("/api/suggestions/{id}/reject", reject, methods=["POST"]),
        Route("/api/model", model, methods=["GET"]),
        Route("/api/model/retrain", retrain, methods=["POST"]),
        Route("/api/model/settings", model_settings, methods=["PUT"]),
        Route("/api/model/llm", llm_get, methods=["GET"]),
        Route("/api/model/llm", llm_put, methods=["PUT"]),
        Route("/api/similar", similar, methods=["GET"]),
    ]
