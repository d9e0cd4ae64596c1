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

import hmac
import html
import threading
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..formatting import DIGITS, MISSING, is_missing, number, percent
from . import analysis, auth, codebook, codings, documents, exports, pages, suggestions
from .http import MAX_BODY, error_response, too_large
from .view import OWNER, CoderView

HERE = Path(__file__).resolve().parent


#: on every response: no inline script or style from elsewhere, and no framing by any page
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class Guard:
    """ASGI middleware: the Host check against DNS rebinding, a write's ``Origin`` (when the
    browser sends one) must be this server, a body's announced size, then the token on every
    request; the security headers on every response.

    A link's ``?token=`` sets the ``qualcode_token_PORT`` cookie (HttpOnly, SameSite=Strict) and
    redirects to the same address without it, so the token does not stay in the address bar.
    """

    def __init__(self, app, *, web):
        self.app = app
        self.web = web

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "websocket":  # the workbench has none
                return await send({"type": "websocket.close", "code": 1008})
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            return await refusal(scope, receive, send_with_headers)
        given = request.query_params.get("token")
        if given is not None:
            if self.web.coder_for_token(given) is None:
                return await _denied(request)(scope, receive, send_with_headers)
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = request.url.path + ("?" + urlencode(params) if params else "")
            resp = RedirectResponse(url, status_code=303)
            resp.set_cookie(_cookie(scope), given, httponly=True, samesite="strict",
                            max_age=60 * 60 * 24 * 30)
            return await resp(scope, receive, send_with_headers)
        token = (request.cookies.get(_cookie(scope)) or request.headers.get("x-qualcode-token")
                 or _bearer(request.headers.get("authorization")))
        coder = self.web.coder_for_token(token) if token else None
        if coder is None:
            return await _denied(request)(scope, receive, send_with_headers)
        scope.setdefault("state", {})["coder"] = coder  # "" = the local user (name asked once)
        return await self.app(scope, receive, send_with_headers)

    def _refusal(self, request: Request) -> Response | None:
        """The answer to a request refused before anything else: a foreign Host, a write from
        another site's page, a body announced over the limit."""
        if not auth.allowed_host(request.headers.get("host"), self.web.allowed_hosts):
            return _refuse(request, "this server only answers to its own address (Host header "
                           "refused: a possible DNS rebinding attempt)", 421)
        origin = request.headers.get("origin")
        if (request.method not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null"
                and origin.split("://", 1)[-1].lower() != request.headers.get("host", "").lower()):
            return _refuse(request, "a write from another site's page is refused (Origin "
                           f"{origin} is not this server)", 403)
        length = request.headers.get("content-length") or ""
        if length.isdigit() and int(length) > MAX_BODY:
            return _refuse(request, str(too_large(int(length))), 413)
        return None


def _refuse(request: Request, message: str, status: int) -> Response:
    """A refusal in the API's one envelope (``{"error", "status"}``), or as a small page."""
    if request.url.path.startswith("/api/"):
        return error_response(message, status)
    return HTMLResponse(f"<!doctype html><title>qualcode</title><p>{html.escape(message)}</p>",
                        status_code=status)


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
    return _refuse(request, "no valid token: open the link that `qualcode open` printed (it ends "
                   "in ?token=...), or ask whoever runs the server for your own link", 403)


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
        # one formatter (qualcode.formatting) for the pages, the report and the command line;
        # the JavaScript gets the same digits with every page (base.html, common.js)
        self.env.filters["num"] = _num
        self.env.filters["pct"] = _pct
        self.env.globals["number_format"] = {"digits": DIGITS, "missing": MISSING}

    def coder_for_token(self, token: str) -> str | None:
        """``""`` for the server token (the local user), a coder name for a coder's token."""

        if hmac.compare_digest(token.encode(), self.token.encode()):
            return ""
        return self.state.coder_for(token)

    def coder(self, request: Request) -> str | None:
        """The coder making this request, or None when the local user has not said who they are."""
        coder = request.scope.get("state", {}).get("coder", "")
        if coder:
            return coder
        return self.state.read().get("local_coder") or None

    def role(self, request: Request) -> str:
        """``owner`` for the server's token (whoever runs the server); a coder's link: the role
        it was made with (``--role``, default ``coder``)."""
        coder = request.scope.get("state", {}).get("coder", "")
        return OWNER if not coder else self.state.role_of(coder)

    def owners(self) -> list[str]:
        """The owners' names: the local user (who runs the server) and links made as owners."""
        data = self.state.read()
        names = [data.get("local_coder") or ""]
        names += sorted(n for n, r in (data.get("roles") or {}).items() if r == OWNER)
        return [n for i, n in enumerate(names) if n and n not in names[:i]]

    def blind(self) -> bool:
        """Whether the project is blind: its ``blind`` setting (``qualcode.yaml``, or ``qualcode
        open --blind``), else on once a second coder exists (the local user and the coders
        given links with ``--add-coder``)."""
        setting = getattr(self.project.settings, "blind", None)
        if setting is not None:
            return bool(setting)
        return len(self.state.team()) >= 2

    def view(self, request: Request) -> CoderView:
        """The project as the coder making ``request`` sees it (built once per request)."""
        cached = request.scope.get("state", {}).get("view")
        if cached is not None:
            return cached
        view = CoderView(self.project, self.coder(request), self.role(request), self.blind(),
                         owners=self.owners())
        view.web = self
        request.scope.setdefault("state", {})["view"] = view
        return view

    def render(self, name: str, request: Request, *, status_code: int = 200, **context) -> HTMLResponse:
        page = self.env.get_template(name).render(coder=self.coder(request), **context)
        return HTMLResponse(page, status_code=status_code)


def _num(v) -> str:
    return number(v, thousands=True)


def _pct(v) -> str:
    return MISSING if is_missing(v) else f"{percent(v, 0)}%"


def create_app(project, *, token: str, allowed_hosts=(), trainer=None) -> Starlette:
    """The workbench application over ``project`` (a :class:`qualcode.Project`).

    ``token`` is the server's token (the local user's); ``allowed_hosts`` extra Host names
    besides localhost and IP literals; ``trainer`` a :class:`qualcode.web.loop.Trainer` (None:
    no background retraining, suggestions only as the store holds them).
    """
    web = Web(project, token=token, allowed_hosts=allowed_hosts, trainer=trainer)

    routes = [
        *suggestions.routes(), *pages.routes(), *documents.routes(), *codings.routes(),
        *codebook.routes(), *analysis.routes(), *exports.routes(),
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
        return error_response(f"no such address: {request.url.path}", 404)
    return HTMLResponse("<!doctype html><title>qualcode</title><p>No such page. "
                        "<a href=\"/\">Home</a></p>", status_code=404)


async def _not_allowed(request: Request, exc) -> Response:
    return error_response(f"{request.method} is not allowed on {request.url.path}", 405)
