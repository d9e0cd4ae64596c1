"""The workbench's Starlette application: token and Host checks, errors, templates, routes.

Why Starlette + uvicorn (ARCHITECTURE.md): an ASGI server that is a real server (safe to share
with a team on a network, not a development server), small and well kept, with an in-process
``TestClient`` for the API tests.

Every request passes :class:`Guard` (Host header, Origin of writes, then token). The endpoints
(:mod:`.http`) run their project calls in a worker thread under one lock, and every error becomes a
JSON or HTML answer with a one-line message: a user error is a 400 (409 for a version conflict,
404 for an unknown id), never a 500 with a traceback.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import api, api_analysis, api_codebook, auth, views, views_analysis  # part 2: codebook, analysis
from . import api_methods  # the Methods page and the Compare page's reporting paragraph
from .http import BadRequest

HERE = Path(__file__).resolve().parent


class Guard:
    """ASGI middleware: the Host check against DNS rebinding, a write's ``Origin`` (when the
    browser sends one) must be this server, then the token on every request.

    A link's ``?token=`` sets the ``qualcode_token_PORT`` cookie (HttpOnly, SameSite=Strict) and
    redirects to the same address without it, so the token does not stay in the address bar.
    """

    def __init__(self, app, *, web):
        self.app = app
        self.web = web

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        request = Request(scope)
        if not auth.allowed_host(request.headers.get("host"), self.web.allowed_hosts):
            resp = PlainTextResponse("this server only answers to its own address (Host header "
                                     "refused: a possible DNS rebinding attempt)", status_code=421)
            return await resp(scope, receive, send)
        origin = request.headers.get("origin")
        if (request.method not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null"
                and origin.split("://", 1)[-1].lower() != request.headers.get("host", "").lower()):
            resp = JSONResponse({"error": "a write from another site's page is refused (Origin "
                                 f"{origin} is not this server)"}, status_code=403)
            return await resp(scope, receive, send)
        given = request.query_params.get("token")
        if given is not None:
            if self.web.coder_for_token(given) is None:
                return await _denied(request)(scope, receive, send)
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = request.url.path + ("?" + urlencode(params) if params else "")
            resp = RedirectResponse(url, status_code=303)
            resp.set_cookie(_cookie(scope), given, httponly=True, samesite="strict",
                            max_age=60 * 60 * 24 * 30)
            return await resp(scope, receive, send)
        token = (request.cookies.get(_cookie(scope)) or request.headers.get("x-qualcode-token")
                 or _bearer(request.headers.get("authorization")))
        coder = self.web.coder_for_token(token) if token else None
        if coder is None:
            return await _denied(request)(scope, receive, send)
        scope.setdefault("state", {})["coder"] = coder  # "" = the local user (name asked once)
        return await self.app(scope, receive, send)


def _cookie(scope) -> str:
    """The token cookie's name, one per port: cookies are shared by every port of a host, and two
    workbenches (two projects) may be open at once."""
    server = scope.get("server") or (None, None)
    return f"{auth.COOKIE}_{server[1]}" if server[1] else auth.COOKIE


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _denied(request: Request) -> Response:
    message = ("no valid token: open the link that `qualcode open` printed (it ends in ?token=...), "
               "or ask whoever runs the server for your own link")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=403)
    return HTMLResponse(f"<!doctype html><title>qualcode</title><p>{message}</p>", status_code=403)


class Web:
    """What the endpoints share: the project, its lock, the coders, the templates, the trainer."""

    def __init__(self, project, *, token: str, allowed_hosts=(), trainer=None):
        self.project = project
        self.token = token
        self.lock = threading.RLock()
        self.state = auth.WebState(project.root)
        self.allowed_hosts = {h.lower() for h in allowed_hosts if h}
        self.trainer = trainer
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters["num"] = _num
        self.env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"

    def coder_for_token(self, token: str) -> str | None:
        """``""`` for the server token (the local user), a coder name for a coder's token."""
        import hmac

        if hmac.compare_digest(token.encode(), self.token.encode()):
            return ""
        return self.state.coder_for(token)

    def coder(self, request: Request) -> str | None:
        """The coder making this request, or None when the local user has not said who they are."""
        coder = request.scope.get("state", {}).get("coder", "")
        if coder:
            return coder
        return self.state.read().get("local_coder") or None

    def require_coder(self, request: Request) -> str:
        coder = self.coder(request)
        if not coder:
            raise BadRequest("say who you are first: POST /api/me {\"coder\": \"NAME\"} "
                             "(the workbench asks on the first page)")
        return coder

    def render(self, name: str, request: Request, *, status_code: int = 200, **context) -> HTMLResponse:
        html = self.env.get_template(name).render(coder=self.coder(request), **context)
        return HTMLResponse(html, status_code=status_code)


def _num(v, digits: int = 2) -> str:
    if v is None:
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "–"
    return f"{int(f):,}" if f.is_integer() and abs(f) >= 2 else f"{f:.{digits}f}"


def create_app(project, *, token: str, allowed_hosts=(), trainer=None) -> Starlette:
    """The workbench application over ``project`` (a :class:`qualcode.Project`).

    ``token`` is the server's token (the local user's); ``allowed_hosts`` extra Host names
    besides localhost and IP literals; ``trainer`` a :class:`qualcode.web.loop.Trainer` (None:
    no background retraining, suggestions only as the store holds them).
    """
    web = Web(project, token=token, allowed_hosts=allowed_hosts, trainer=trainer)
    routes = views.routes() + api.routes() + [
        *views_analysis.routes(), *api_codebook.routes(), *api_analysis.routes(),  # part 2
    ] + api_methods.routes() + [
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.web = web
    app.add_middleware(Guard, web=web)
    if trainer is not None:
        trainer.attach(web)
    return app


async def _not_found(request: Request, exc) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": f"no such address: {request.url.path}", "status": 404},
                            status_code=404)
    return HTMLResponse("<!doctype html><title>qualcode</title><p>No such page. "
                        "<a href=\"/\">Home</a></p>", status_code=404)


async def _not_allowed(request: Request, exc) -> Response:
    return JSONResponse({"error": f"{request.method} is not allowed on {request.url.path}",
                         "status": 405}, status_code=405)
