"""A .qdpx export of a project keeps each coding's author and creation time where REFI-QDA has
a place for them: ``creatingUser`` (a ``User`` of ``<Users>``) and ``creationDateTime`` on each
``Coding`` and on a selection made by one coder (issue 26)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from methods_projects import make_project

from qualcode import refi

SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda" / "schema"
NS = {"q": "urn:QDA-XML:project:1.0"}


def test_codings_keep_their_author_and_creation_time(tmp_path):
    if not SCHEMA.exists():
        pytest.skip("../shared/refi-qda is not beside the repository")
    ivs = [{"name": "i01", "codes": {"ME": ["x.a", "x.b"], "YOU": ["x.a", ""]}}]
    with make_project(tmp_path / "p", ivs) as p:
        df = p.codings()
        data = refi.qdpx_bytes(p.corpus, p.codebook, df)
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA / "Project-mrt2019.xsd")))
    assert schema.validate(root), schema.error_log
    users = {u.get("guid"): u.get("name") for u in root.find("q:Users", NS)}
    assert sorted(users.values()) == ["ME", "YOU"]
    made = {}
    for sel in root.iterfind(".//q:PlainTextSelection", NS):
        for c in sel.findall("q:Coding", NS):
            made[(int(sel.get("startPosition")), users[c.get("creatingUser")])] = \
                c.get("creationDateTime")
        coders = {users[c.get("creatingUser")] for c in sel.findall("q:Coding", NS)}
        if len(coders) == 1:  # one coder's selection: their name and the earliest time
            assert users[sel.get("creatingUser")] in coders and sel.get("creationDateTime")
        else:
            assert sel.get("creatingUser") is None and sel.get("creationDateTime") is None
    expected = {(int(r.start), r.coder): pd.Timestamp(r.created_at)
                for r in df.itertuples(index=False)}
    assert {k: pd.Timestamp(v) for k, v in made.items()} == expected
    assert all(v.endswith("+00:00") for v in made.values())
