"""Export: .qdpx and .qdc files validate against the official XSDs and are reproducible."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from qualcode import refi
from qualcode.codebook import Codebook
from qualcode.corpus import Corpus
from qualcode.errors import CodebookError, CodingsError, OutputExistsError
from qualcode.readers import Source

etree = pytest.importorskip("lxml.etree")

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SCHEMA = SHARED / "refi-qda" / "schema"
EX = SHARED / "refi-qda" / "examples"
DEMO = SHARED / "real-data" / "qc-refi-demo" / "demo.qdpx"
EXAMPLES = sorted(p.name for p in EX.glob("*.qd[ep]x")) + sorted(p.name for p in EX.glob("*.qde")) \
    if EX.exists() else []

pytestmark = pytest.mark.skipif(not SCHEMA.exists(), reason="../shared is not beside the repository")


@pytest.fixture(scope="module")
def project_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA / "Project-mrt2019.xsd")))


@pytest.fixture(scope="module")
def codebook_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA / "Codebook-mrt2019.xsd")))


def small_project():
    cb = Codebook.from_dict({"name": "Study", "version": "2", "codes": [
        {"id": "goal", "name": "Goals", "description": "Why firms do it", "color": "#4e79a7",
         "children": [{"id": "goal.sales", "name": "Sales", "keywords": ["sell"],
                       "inclusion": "talk of revenue"}]},
        {"id": "challenge", "name": "Challenges & <risks>", "properties": {"table": 4}},
    ]})
    sources = [Source(name="alpha", text="Interviewer: Why?\nAlpha: To sell 😀 more.\n", path="",
                      format="text", attributes={"case": "firm_a"}),
               Source(name="beta", text="Beta: It is hard to measure.", path="", format="text",
                      attributes={"case": "firm_b"})]
    cases = pd.DataFrame({"case": ["firm_a", "firm_b"], "industry": ["steel", "software"]})
    corpus = Corpus.from_sources(sources, cases=cases)
    codings = pd.DataFrame([
        {"document": "alpha", "start": 25, "end": 39, "code": "goal.sales", "coder": "ann", "memo": "clear"},
        {"document": "alpha", "start": 25, "end": 39, "code": "goal", "coder": "bob", "memo": ""},
        {"document": "beta", "start": 6, "end": 28, "code": "challenge", "coder": "ann", "memo": ""},
    ])
    return corpus, cb, codings


def qde_of(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("project.qde")


def test_export_validates_and_has_the_required_shape(project_schema):
    corpus, cb, codings = small_project()
    data = refi.qdpx_bytes(corpus, cb, codings)
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert names[0] == "project.qde"
    assert all(n.startswith("sources/") for n in names[1:]) and len(names) == 3
    qde = z.read("project.qde")
    assert qde.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert project_schema.validate(etree.fromstring(qde)), project_schema.error_log
    root = etree.fromstring(qde)
    order = [etree.QName(c).localname for c in root]
    assert order == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes"]
    guids = re.findall(rb'(?:guid|GUID)="([^"]+)"', qde)
    assert guids and all(g == g.upper() for g in guids)
    for n in names[1:]:
        body = z.read(n)
        assert not body.startswith(b"\xef\xbb\xbf") and b"\r" not in body
        assert re.fullmatch(r"sources/[0-9A-F-]{36}\.txt", n)
    text = z.read(names[1]).decode("utf-8")
    assert text == corpus.text("alpha")
    ns = {"q": "urn:QDA-XML:project:1.0"}
    sel = root.find(".//q:TextSource[@name='alpha']/q:PlainTextSelection", ns)
    assert (sel.get("startPosition"), sel.get("endPosition")) == ("25", "39")
    assert text[25:39] == "To sell 😀 more"  # code points, the emoji counts one
    assert len(sel.findall("q:Coding", ns)) == 2
    users = {u.get("guid"): u.get("name") for u in root.find("q:Users", ns)}
    assert sorted(users.values()) == ["ann", "bob"]
    assert {users[c.get("creatingUser")] for c in sel.findall("q:Coding", ns)} == {"ann", "bob"}
    var = root.find("q:Variables/q:Variable", ns)
    assert (var.get("name"), var.get("typeOfVariable")) == ("industry", "Text")
    case = root.find("q:Cases/q:Case[@name='firm_a']", ns)
    assert case.find("q:VariableValue/q:TextValue", ns).text == "steel"
    assert len(case.findall("q:SourceRef", ns)) == 1
    code = root.find(".//q:Code[@name='Goals']", ns)
    assert code.get("color") == "#4E79A7" and code.get("isCodable") == "true"


def test_exports_are_byte_identical(tmp_path):
    corpus, cb, codings = small_project()
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    refi.write_qdpx(a, corpus, cb, codings)
    corpus2, cb2, codings2 = small_project()
    refi.write_qdpx(b, corpus2, cb2, codings2.iloc[::-1])  # row order does not matter
    assert a.read_bytes() == b.read_bytes()
    refi.write_qdc(cb, tmp_path / "a.qdc")
    refi.write_qdc(cb2, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()


def test_qdc_validates(codebook_schema, tmp_path):
    _, cb, _ = small_project()
    out = refi.write_qdc(cb, tmp_path / "cb.qdc")
    data = Path(out).read_bytes()
    assert codebook_schema.validate(etree.fromstring(data)), codebook_schema.error_log
    assert b'xmlns="urn:QDA-XML:codebook:1.0"' in data
    back = refi.read_codebook(out)
    assert [c.name for c in back] == [c.name for c in cb]
    assert back["goals.sales"].parent == "goals"  # a .qdc has no room for ids: derived from names


def test_no_overwrite_without_force(tmp_path):
    corpus, cb, codings = small_project()
    out = tmp_path / "p.qdpx"
    out.write_bytes(b"mine")
    with pytest.raises(OutputExistsError):
        refi.write_qdpx(out, corpus, cb, codings)
    assert out.read_bytes() == b"mine"
    with pytest.raises(OutputExistsError):
        refi.write_qdc(cb, out)
    refi.write_qdpx(out, corpus, cb, codings, force=True)
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.qdpx"]  # no temporary left


def test_bad_codings_are_refused(tmp_path):
    corpus, cb, codings = small_project()
    bad = codings.copy()
    bad.loc[0, "end"] = 10_000
    with pytest.raises(CodingsError, match="outside document 'alpha'"):
        refi.write_qdpx(tmp_path / "x.qdpx", corpus, cb, bad)
    bad = codings.copy()
    bad.loc[1, "code"] = "nope"
    with pytest.raises(CodingsError, match="unknown code id 'nope'"):
        refi.write_qdpx(tmp_path / "x.qdpx", corpus, cb, bad)
    assert not (tmp_path / "x.qdpx").exists()
    with pytest.raises(CodebookError):
        refi.write_qdc(Codebook.from_dict({"codes": []}), tmp_path / "e.qdc")


@pytest.mark.parametrize("name", EXAMPLES + ["demo"])
def test_every_example_reexports_to_a_valid_file(name, project_schema, codebook_schema):
    path = DEMO if name == "demo" else EX / name
    p = refi.read_qdpx(path)
    corpus = p.corpus if p.corpus is not None else Corpus.from_sources([])
    data = refi.qdpx_bytes(corpus, p.codebook, p.codings)
    assert project_schema.validate(etree.fromstring(qde_of(data))), project_schema.error_log
    assert data == refi.qdpx_bytes(corpus, p.codebook, p.codings)
    if len(p.codebook):
        assert codebook_schema.validate(etree.fromstring(refi.qdc_bytes(p.codebook)))
        # imported codes keep their GUIDs on the way out
        root = etree.fromstring(qde_of(data))
        out_guids = {e.get("guid") for e in root.iter("{urn:QDA-XML:project:1.0}Code")}
        assert {c.properties["refi_guid"] for c in p.codebook if "refi_guid" in c.properties} <= out_guids


def test_taguette_codebook_reexports_valid(codebook_schema):
    cb = refi.read_codebook(EX / "taguette-1.4.1_codebook.qdc")
    data = refi.qdc_bytes(cb)
    assert codebook_schema.validate(etree.fromstring(data)), codebook_schema.error_log
    assert b"<Sets" not in data
