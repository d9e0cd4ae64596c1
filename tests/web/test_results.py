"""The analysis results as the pages show them: cached per state of the store, the cache follows
every write; strategy-like codes found for the strategy-by-case table."""
from __future__ import annotations


import qualcode as qc
from qualcode.web import results
from qualcode.web.results import strategy_root

ALPHA = (394, 839)  # Alpha's second turn


def _codable_span(project, doc):
    t = project.corpus.turns
    row = t[(t["document"] == doc) & ~t["is_interviewer"]].iloc[0]
    return int(row["start"]), int(row["start"]) + 25


def test_cached_views_follow_every_write(cclient, coded):
    """The analysis views are cached per state of the store: a write by this server or by
    another process is seen by the next request, however quickly it comes."""
    def total():
        return cclient.get("/api/retrieve?code=goal.branding&limit=1").json()["total"]

    before = total()
    for k in range(5):  # writes through the API, each read back at once
        r = cclient.post("/api/codings", json={"document": "alpha", "start": ALPHA[0] + k,
                                               "end": ALPHA[0] + 30 + k, "code": "goal.branding"})
        assert r.status_code == 200
        assert total() == before + k + 1
    other = qc.Project.open(coded.root)  # another connection, as another process would write
    try:
        other.add_coding("beta", *_codable_span(other, "beta"), "goal.branding", coder="Zed")
    finally:
        other.close()
    assert total() == before + 6
    compare = cclient.get("/api/compare?coders=C1,Zed&n_boot=0")
    assert compare.status_code == 200 and "Zed" in compare.json()["coders"]


def test_the_cache_keys_on_the_store_version(coded, monkeypatch):
    """Project.data_version() is the cache key: a write anywhere recomputes, nothing else does."""
    version = {"n": 7}
    monkeypatch.setattr(type(coded), "data_version", lambda self: version["n"])
    calls = []
    assert results.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 1
    assert results.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 1
    version["n"] += 1  # a write anywhere
    assert results.cached(coded, ("t",), lambda: calls.append(1) or len(calls)) == 2


def test_strategy_like_codes_are_found():
    cb = qc.Codebook.from_dict({"codes": [
        {"id": "goals", "name": "Goals", "children": [{"id": "goals.a", "name": "A"}]},
        {"id": "approaches", "name": "Marketing strategies",
         "children": [{"id": "approaches.x", "name": "X"}, {"id": "approaches.y", "name": "Y"}]}]})
    assert strategy_root(cb) == "approaches"
    assert strategy_root(qc.Codebook.from_dict({"codes": [{"id": "goals", "name": "Goals"}]})) is None
