"""The learner's part of the workbench: its settings, the chat model, and "find similar".

``PUT /api/model/settings`` (the gate: ``kappa_floor``, ``min_examples``, ``show_all``; checked by
:func:`qualcode.coders.learner.check_gate`, so the floor's minimum holds here as in the CLI),
``GET``/``PUT /api/model/llm`` (the chat model: ``enabled``, ``url``, ``model``, ``budget``,
``allow_remote``; the owner only, i.e. the holder of the server's token; a remote URL needs
``allow_remote: true``, the CLI's ``--allow-remote``, and the answer says what is sent),
``GET /api/similar`` (``document``, ``start``, ``end`` of a passage, or ``q`` a phrase: the most
similar passages the requesting coder has not coded, across interviews) and the page
``/similar``.
"""
from __future__ import annotations

from starlette.routing import Route

from ..coders import learner
from ..coders.llm import DEFAULT_URL, is_local, what_is_sent
from .api import model_status
from .http import BadRequest, endpoint, page
from .views import _name

HOW_TO_START = ("Start a local server, e.g. llama.cpp: llama-server -m model.gguf --port 8080 "
                "(then http://127.0.0.1:8080/v1), or Ollama: ollama serve and ollama pull "
                "llama3.1 (then http://127.0.0.1:11434/v1 with that model name).")


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
    from ..coders.similar import similar_passages  # lazy: sentence-transformers or scikit-learn, only for find similar

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
    note = ("by meaning (sentence embeddings)" if method == "embeddings" else
            "by shared words (TF-IDF cosine): install the semantic extra for similarity by meaning")
    return {"query": query, "method": method, "note": note, "items": items}


@page
def similar_page(view, request):

    return view.web.render("similar.html", request, project_name=_name(view),
                           codebook=[{"id": c.id, "name": c.name} for c in view.codebook])


def routes() -> list[Route]:
    return [
        Route("/api/model/settings", model_settings, methods=["PUT"]),
        Route("/api/model/llm", llm_get, methods=["GET"]),
        Route("/api/model/llm", llm_put, methods=["PUT"]),
        Route("/api/similar", similar, methods=["GET"]),
        Route("/similar", similar_page, methods=["GET"]),
    ]
