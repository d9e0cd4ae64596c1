"""``POST /api/transcripts?name=FILE``: add an interview from the browser (home → Add interviews).

The body is the file's bytes (no multipart parser needed), bounded by
:data:`qualcode.intake.MAX_BYTES` while it is read. The library's :func:`qualcode.intake.add_to_project`
reads it as ``qualcode load`` does, writes it into the project's transcripts folder atomically
without replacing any file, and reloads the corpus; the answer carries the one-line summary and
the new documents. Only an owner may add interviews: :func:`require_owner`.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import intake
from .http import BadRequest, error_message, log, status_of


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
    return [Route("/api/transcripts", add_transcript, methods=["POST"])]
