"""The workbench's request plumbing, shared by the pages and the API: each endpoint runs its
project calls in a worker thread under the project lock, and every error becomes an answer with a
one-line message (400 user error, 404 unknown id, 409 version conflict), never a traceback."""
from __future__ import annotations

import functools
import json
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..errors import QualcodeError

log = logging.getLogger("qualcode.web")
MAX_BODY = 2_000_000  # bytes: a memo or a coding is far smaller


class BadRequest(QualcodeError):
    """A request the workbench cannot act on (malformed JSON, a missing or wrong field)."""


def status_of(exc: Exception) -> int:
    """The HTTP status of an error: 409 version conflict, 404 unknown id, 400 other user errors."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ConflictError" in names:
        return 409
    if "NotFoundError" in names:
        return 404
    if isinstance(exc, (QualcodeError, ValueError, KeyError, TypeError)):
        return 400
    return 500


def error_message(exc: Exception) -> str:
    if status_of(exc) == 500:
        return (f"internal error ({type(exc).__name__}); nothing was changed by this request "
                "unless the page says so; the server log has the details")
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def endpoint(fn):
    """An endpoint ``fn(web, request, body) -> dict | Response`` run in a worker thread under
    the project lock; the JSON body is parsed first (400 when malformed) and every error becomes
    ``{"error": message}`` with its status."""

    @functools.wraps(fn)
    async def wrapper(request: Request):
        web = request.app.state.web
        try:
            body = None
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                raw = await request.body()
                if len(raw) > MAX_BODY:
                    raise BadRequest(f"the request body is larger than {MAX_BODY:,} bytes")
                if raw.strip():
                    ctype = request.headers.get("content-type", "")
                    if "application/json" not in ctype:
                        raise BadRequest("send the body as JSON (Content-Type: application/json)")
                    try:
                        body = json.loads(raw)
                    except ValueError as exc:
                        raise BadRequest(f"the body is not valid JSON ({exc})") from None
                    if not isinstance(body, dict):
                        raise BadRequest("the body must be a JSON object")
                else:
                    body = {}

            def call():
                with web.lock:
                    return fn(web, request, body)

            result = await run_in_threadpool(call)
        except Exception as exc:
            status = status_of(exc)
            if status == 500:
                log.exception("internal error in %s %s", request.method, request.url.path)
            return JSONResponse({"error": error_message(exc), "status": status}, status_code=status)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)
    return wrapper


def page(fn):
    """A page ``fn(web, request) -> Response``, run like :func:`endpoint`; an error becomes a
    small HTML page with the message."""

    @functools.wraps(fn)
    async def wrapper(request: Request):
        web = request.app.state.web

        def call():
            with web.lock:
                return fn(web, request)

        try:
            return await run_in_threadpool(call)
        except Exception as exc:
            status = status_of(exc)
            if status == 500:
                log.exception("internal error in %s", request.url.path)
            try:
                return web.render("error.html", request, status_code=status, status=status,
                                  message=error_message(exc), project_name=_project_name(web))
            except Exception:  # noqa: BLE001 - e.g. the coder lookup failing too
                return PlainTextResponse(error_message(exc), status_code=status)
    return wrapper


def _project_name(web) -> str:
    try:
        return web.project.settings.name or web.project.root.name
    except Exception:  # noqa: BLE001 - only a title
        return "qualcode"
