"""The workbench's documents: the project's home data, one document, who is coding, and adding
interviews.

``GET /api/project`` (the home page's twin: documents, progress, codebook, model), ``GET
/api/documents/{id}`` (a document with its codings, suggestions and memos), ``GET``/``POST
/api/me`` (who is coding: the local user says it once on this machine; a coder's link fixes it),
``POST /api/transcripts?name=FILE`` (home → Add interviews: the file's bytes as the body, bounded
by :data:`qualcode.intake.MAX_BYTES` while it is read; :func:`qualcode.intake.add_to_project`
reads it as ``qualcode load`` does, writes it into the transcripts folder atomically without
replacing any file, and reloads the corpus). Only an owner may add interviews:
:func:`require_owner`.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import intake
from . import auth, data
from .http import (
    BadRequest,
    Forbidden,
    endpoint,
    error_message,
    log,
    status_of,
    str_field,
)
from .suggestions import model_status
from .view import READ_ONLY


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
def me(view, request, body):
    fixed = bool(request.scope.get("state", {}).get("coder"))
    return {"coder": view.coder, "fixed": fixed, "role": view.role, "blind": view.blind}


@endpoint
def set_me(view, request, body):
    if request.scope.get("state", {}).get("coder"):
        raise BadRequest("this link belongs to a coder; their name is fixed by the token")
    if view.read_only:
        raise Forbidden(READ_ONLY)
    name = auth.check_coder_name(str_field(body, "coder", limit=80))
    view.web.state.update(local_coder=name)
    return {"coder": name, "fixed": False}


def require_owner(request: Request) -> None:
    """Refuse (403, naming who may) unless the requesting coder is an owner of the project:
    the roles of :class:`~qualcode.web.view.CoderView`, as every other owner-only act."""
    request.app.state.web.view(request).require_owner("adding interviews")


async def _read_bounded(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"the file is larger than {limit // (1024 * 1024)} MB; split it")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"the file is larger than {limit // (1024 * 1024)} MB; split it")
        chunks.append(chunk)
    return b"".join(chunks)


async def add_transcript(request: Request):
    web = request.app.state.web
    try:
        require_owner(request)
        name = request.query_params.get("name", "")
        if not name:
            raise BadRequest("say the file's name: POST /api/transcripts?name=interview.docx")
        data = await _read_bounded(request, intake.MAX_BYTES)

        def call():
            with web.lock:
                added = intake.add_to_project(web.project, name, data)
                return {"added": added.documents, "file": added.path.name,
                        "message": added.message(), "turns": added.turns,
                        "speakers": added.speakers,
                        "documents": list(web.project.corpus.document_ids)}

        result = await run_in_threadpool(call)
    except Exception as exc:  # noqa: BLE001 - every error becomes a one-line answer
        status = status_of(exc)
        if status == 500:
            log.exception("internal error adding a transcript")
        return JSONResponse({"error": error_message(exc), "status": status}, status_code=status)
    return JSONResponse(result)


def routes() -> list[Route]:
    return [
        Route("/api/project", project_info, methods=["GET"]),
        Route("/api/documents/{doc}", document, methods=["GET"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/api/me", set_me, methods=["POST"]),
        Route("/api/transcripts", add_transcript, methods=["POST"]),
    ]
