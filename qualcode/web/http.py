"""The workbench's request plumbing, shared by the pages and the API: each endpoint runs its
project calls in a worker thread under the project lock, and every error becomes an answer with a
one-line message (400 user error, 403 not this coder's to do, 404 unknown id, 409 version
conflict, 413 too large), never a traceback. Every endpoint receives the project as the requesting
coder sees it (:class:`~.view.CoderView`); the resource modules read its fields with
:func:`int_field`, :func:`str_field`, :func:`path_int` and :func:`query`."""
from __future__ import annotations

import functools
import json
import logging
import re

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .. import errors
from ..errors import QualcodeError

log = logging.getLogger("qualcode.web")
MAX_BODY = 5 * 1024 * 1024  # bytes: a memo or a coding is far smaller; checked before reading
MAX_DEPTH = 32  # JSON nesting levels: the workbench's bodies need three
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')


class BadRequest(QualcodeError):
    """A request the workbench cannot act on (malformed JSON, a missing or wrong field)."""


class Forbidden(QualcodeError):
    """A request this coder may not make (another coder's coding, an owner's act, a read-only
    project); the message says who may."""


class TooLarge(QualcodeError):
    """A request body over :data:`MAX_BODY` (refused before it is read)."""


#: qualcode's exception classes and their HTTP status, most specific first; any other exception
#: is a bug (500), never a user error
STATUSES: tuple[tuple[type, int], ...] = (
    (errors.ConflictError, 409),
    (errors.NotFoundError, 404),
    (Forbidden, 403),
    (TooLarge, 413),
    (QualcodeError, 400),
)


def status_of(exc: Exception) -> int:
    """The HTTP status of an error, by its class: 409 version conflict, 404 unknown id, 403 not
    this coder's to do, 413 too large, 400 any other user error; 500 for everything else (a
    ``KeyError`` or ``TypeError`` is a bug, not the user's mistake)."""
    for cls, status in STATUSES:
        if isinstance(exc, cls):
            return status
    return 500


def error_message(exc: Exception) -> str:
    """The one line a page shows. A user error names its file by name only: the folders above it
    are the server's (a coder on another machine has no use for them, and they are not theirs to
    see)."""
    if status_of(exc) == 500:
        return (f"internal error ({type(exc).__name__}); nothing was changed by this request "
                "unless the page says so; the server log has the details")
    if isinstance(exc, errors.QualcodeError):
        return exc.line(name_only=True) or type(exc).__name__
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def error_response(message: str, status: int) -> JSONResponse:
    """The one error envelope of ``/api/``: ``{"error": message, "status": status}``."""
    return JSONResponse({"error": message, "status": status}, status_code=status)


def too_large(size=None) -> TooLarge:
    what = f"{size:,} bytes" if size is not None else "the request body"
    return TooLarge(f"{what} is over the workbench's limit of {MAX_BODY:,} bytes; send less at once")


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` JSON nests arrays and objects (strings skipped), without parsing it."""
    skeleton = np.frombuffer(_STRINGS.sub(b'""', raw), dtype=np.uint8)
    if not len(skeleton):
        return 0
    step = (np.isin(skeleton, (ord("["), ord("{"))).astype(np.int64)
            - np.isin(skeleton, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(step).max())


def parse_json(raw: bytes):
    """A request body as JSON: a 400 when malformed or nested deeper than :data:`MAX_DEPTH`."""
    if json_depth(raw) > MAX_DEPTH:
        raise BadRequest(f"the JSON body nests deeper than {MAX_DEPTH} levels; send a flat object")
    try:
        return json.loads(raw)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise BadRequest(f"the JSON body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON ({exc})") from None


async def read_body(request: Request) -> bytes:
    """The body, refused (413) when its ``Content-Length`` or the bytes streamed so far pass
    :data:`MAX_BODY`: nothing over the limit is held in memory."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise too_large(int(length))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def endpoint(fn):
    """An endpoint ``fn(view, request, body) -> dict | Response`` run in a worker thread under
    the project lock: ``view`` is the project as the requesting coder sees it
    (:class:`~.view.CoderView`, its ``web`` the server's shared state); the JSON body is parsed
    first (400 when malformed) and every error becomes ``{"error": message, "status": status}``."""

    @functools.wraps(fn)
    async def wrapper(request: Request):
        web = request.app.state.web
        try:
            body = None
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                raw = await read_body(request)
                if raw.strip():
                    ctype = request.headers.get("content-type", "")
                    if "application/json" not in ctype:
                        raise BadRequest("send the body as JSON (Content-Type: application/json)")
                    body = parse_json(raw)
                    if not isinstance(body, dict):
                        raise BadRequest("the body must be a JSON object")
                else:
                    body = {}

            def call():
                with web.lock:
                    return fn(web.view(request), request, body)

            result = await run_in_threadpool(call)
        except Exception as exc:
            status = status_of(exc)
            if status == 500:
                log.exception("internal error in %s %s", request.method, request.url.path)
            return error_response(error_message(exc), status)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)
    return wrapper


def page(fn):
    """A page ``fn(view, request) -> Response``, run like :func:`endpoint`; an error becomes a
    small HTML page with the message."""

    @functools.wraps(fn)
    async def wrapper(request: Request):
        web = request.app.state.web

        def call():
            with web.lock:
                return fn(web.view(request), request)

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


# ---- reading a request's fields (every resource module) ------------------------------------------

def int_field(body: dict, name: str, *, required: bool = True, minimum: int | None = 0):
    """An integer field of a JSON body or of the query (``"12"`` and ``12.0`` are 12); a 400
    naming the field when it is missing (and required), not an integer, or below ``minimum``."""
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


def str_field(body: dict, name: str, *, required: bool = True, limit: int = 100_000):
    """A string field of a JSON body; a 400 naming the field when it is missing (and required),
    not a string, or longer than ``limit``."""
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


def path_int(request, name: str) -> int:
    """An integer in the address (``/api/codings/{id}``); a 400 when it is not one."""
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None


def query(request) -> dict:
    """The query's parameters as a plain dict (the last value of a repeated one)."""
    return dict(request.query_params)


def error_answer(request, exc):
    """An exception of a handler that runs outside :func:`endpoint` as the one error
    envelope (a 500 is logged with its traceback, never sent)."""
    status = status_of(exc)
    if status == 500:
        log.exception("internal error in %s", request.url.path)
    return error_response(error_message(exc), status)
