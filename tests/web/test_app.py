"""The workbench's application through Starlette's TestClient: the token on every request (a link's
token becomes a cookie), the Host and Origin checks, the security headers, one error envelope."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from workbench import HOST, TOKEN

from qualcode.web import create_app


def code(c, start, end, code="goal.sales", document="alpha"):
    r = c.post("/api/codings", json={"document": document, "start": start, "end": end,
                                     "code": code})
    assert r.status_code == 200, r.text
    return r.json()


def test_every_request_needs_the_token(project):
    bare = TestClient(create_app(project, token=TOKEN), base_url=HOST)
    for path in ("/", "/api/project", "/static/qualcode.css", "/documents/alpha", "/review"):
        r = bare.get(path, follow_redirects=False)
        assert r.status_code == 403, path
    assert "token" in bare.get("/api/project").json()["error"]
    assert bare.post("/api/codings", json={}).status_code == 403
    assert bare.get("/api/project", headers={"X-Qualcode-Token": "wrong"}).status_code == 403
    assert bare.get("/?token=wrong", follow_redirects=False).status_code == 403
    ok = bare.get("/api/project", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_link_token_becomes_a_cookie_and_leaves_the_address(project):
    c = TestClient(create_app(project, token=TOKEN), base_url=HOST)
    r = c.get(f"/review?token={TOKEN}&code=goal&document=a%26b", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review?code=goal&document=a%26b"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert c.get("/api/project").status_code == 200  # the cookie is enough from now on


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8765", True), ("localhost:8765", True), ("[::1]:8765", True), ("10.0.0.7", True),
    ("evil.example", False), ("evil.example:8765", False), ("127.0.0.1.nip.io:8765", False), ("", False),
])
def test_host_header_is_checked_against_dns_rebinding(client, host, ok):
    r = client.get("/api/project", headers={"host": host})
    assert (r.status_code == 200) is ok, (host, r.status_code)
    if not ok:
        assert r.status_code == 421 and "rebinding" in r.text


def test_writes_from_another_sites_page_are_refused(client, project):
    body = {"document": "alpha", "start": 394, "end": 420, "code": "goal"}
    r = client.post("/api/codings", json=body, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "Origin" in r.json()["error"]
    r = client.post("/api/undo", headers={"origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403
    assert len(project.codings()) == 0
    r = client.post("/api/codings", json=body, headers={"origin": HOST})
    assert r.status_code == 200
    assert client.get("/api/project", headers={"origin": "http://evil.example"}).status_code == 200


def test_extra_allowed_host(project):
    c = TestClient(create_app(project, token=TOKEN, allowed_hosts=["lab-server"]), base_url=HOST)
    c.headers["X-Qualcode-Token"] = TOKEN
    assert c.get("/api/project", headers={"host": "lab-server:8000"}).status_code == 200
    assert c.get("/api/project", headers={"host": "other-server:8000"}).status_code == 421


@pytest.mark.parametrize("url", ["/", "/api/project", "/static/common.js", "/api/nowhere",
                                 "/nowhere", "/documents/alpha"])
def test_security_headers_on_every_response(client, url):
    for c in (client, TestClient(client.app, base_url=HOST)):  # with and without a token
        r = c.get(url)
        assert r.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
        assert r.headers["x-frame-options"] == "DENY"


def test_one_error_envelope_for_host_origin_and_token_refusals(client):
    r = client.get("/api/project", headers={"host": "evil.example"})
    assert r.status_code == 421 and r.json()["status"] == 421 and "Host" in r.json()["error"]
    r = client.post("/api/codings", json={}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["status"] == 403 and "Origin" in r.json()["error"]
    r = TestClient(client.app, base_url=HOST).get("/api/project")
    assert r.status_code == 403 and set(r.json()) == {"error", "status"}
    r = client.get("/nowhere", headers={"host": "evil.example"})
    assert r.status_code == 421 and "<p>" in r.text  # a page is refused as a page


def test_unknown_things_are_404_with_a_message(client):
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and "nope" in r.json()["error"]
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/api/codings/999").status_code == 404
    assert client.get("/api/nothing").status_code == 404
    assert client.put("/api/project", json={}).status_code == 405
