"""The endpoints' plumbing: bodies parsed and bounded (size, JSON depth), errors mapped to statuses by
QualcodeError class, an internal error a 500 without a traceback."""
from __future__ import annotations


def code(c, start, end, code="goal.sales", document="alpha"):
    r = c.post("/api/codings", json={"document": document, "start": start, "end": end,
                                     "code": code})
    assert r.status_code == 200, r.text
    return r.json()


def test_malformed_bodies_are_400(client):
    r = client.post("/api/codings", content=b"{oops", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = client.post("/api/codings", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "object" in r.json()["error"]
    r = client.post("/api/codings", content=b"document=alpha", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]
    assert client.patch("/api/codings/abc", json={"version": 1, "memo": "x"}).status_code == 400
    r = client.put("/api/memos/document/alpha", json={"text": "x" * 3_000_000})
    assert r.status_code == 400 and "longer than" in r.json()["error"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(client):
    from qualcode.web.http import MAX_BODY

    big = b"x" * (MAX_BODY + 1)
    r = client.post("/api/codings", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json() == {"error": r.json()["error"], "status": 413}
    assert "limit" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(6):
            yield b" " * (1024 * 1024)
    r = client.post("/api/codings", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_deeply_nested_json_is_a_400_not_a_500(client):
    for depth in (40, 200_000):
        body = b"[" * depth + b"]" * depth
        r = client.post("/api/codings", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400 and "nests deeper" in r.json()["error"]
    body = b'{"document": "alpha", "start": 394, "end": 434, "code": "goal", "memo": "[[[[[[[[[[[[' \
        + b"[" * 50 + b'"}'  # brackets inside a string are text, not nesting
    assert client.post("/api/codings", content=body,
                       headers={"content-type": "application/json"}).status_code == 200


def test_status_of_maps_qualcodes_classes_not_names():
    from qualcode.errors import ConflictError, NotFoundError, QualcodeError, StoreError
    from qualcode.web.http import Forbidden, TooLarge, status_of

    assert status_of(ConflictError("x")) == 409
    assert status_of(NotFoundError("x")) == 404
    assert status_of(Forbidden("x")) == 403
    assert status_of(TooLarge("x")) == 413
    assert status_of(StoreError("x")) == 400 and status_of(QualcodeError("x")) == 400
    assert status_of(KeyError("x")) == 500 and status_of(TypeError("x")) == 500
    assert status_of(ValueError("x")) == 500

    class ConflictError2(Exception):
        pass
    ConflictError2.__name__ = "ConflictError"  # a name alone decides nothing
    assert status_of(ConflictError2()) == 500


def test_an_internal_error_is_a_500_without_traceback(client, project, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(project, "codings", boom)
    r = client.get("/api/project")
    assert r.status_code == 500
    assert "internal error" in r.json()["error"] and "secret" not in r.text
    assert "Traceback" not in client.get("/").text


def test_a_user_error_names_its_file_by_name_not_by_the_servers_folders(client, project):
    from qualcode.errors import CodebookError, StoreError
    from qualcode.web.http import error_message

    assert error_message(StoreError("no such coding", file="/srv/teams/study/qualcode.sqlite",
                                    place="coding 4")) == "qualcode.sqlite, coding 4: no such coding"
    assert error_message(CodebookError("bad id", file=r"C:\\Users\\ann\\study\\codebook.yaml")) \
        == "codebook.yaml: bad id"
    assert error_message(StoreError("no file")) == "no file"
    # through a real request: a stale version is refused with the store named, not its folders
    c = code(client, 394, 420)
    r = client.patch(f"/api/codings/{c['id']}", json={"version": 99, "memo": "x"})
    assert r.status_code == 409
    assert r.json()["error"].startswith("qualcode.sqlite: coding ")
    assert str(project.root) not in r.json()["error"]
