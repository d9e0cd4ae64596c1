"""Hostile or broken files are refused with one clear error, and nothing is read or written
outside where it should be."""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from qualcode import refi
from qualcode.errors import InputFormatError
from qualcode.refi.safety import Limits, SafeArchive, parse_xml

QDE = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="test">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="ann"/></Users>
  <CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="A" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="33333333-3333-3333-3333-333333333333" name="{name}"
                plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
      <PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="0" endPosition="5">
        <Coding guid="55555555-5555-5555-5555-555555555555" creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
TXT = "sources/33333333-3333-3333-3333-333333333333.txt"


def make_qdpx(path: Path, members: dict[str, bytes], *, compress=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                       compress_type=compress)
    return path


def good_members(name="doc") -> dict[str, bytes]:
    return {"project.qde": QDE.format(name=name).encode(), TXT: b"Hello world"}


def test_a_well_formed_crafted_project_imports(tmp_path):
    p = refi.read_qdpx(make_qdpx(tmp_path / "ok.qdpx", good_members()))
    assert p.corpus.texts == {"doc": "Hello world"}
    assert p.codings[["start", "end", "code", "coder"]].values.tolist() == [[0, 5, "a", "ann"]]


@pytest.mark.parametrize("entry", ["../evil.txt", "/abs/evil.txt", "sources/../../evil.txt",
                                   "..\\evil.txt", "C:/evil.txt", "C:\\evil.txt"])
def test_entries_escaping_the_archive_are_refused(tmp_path, entry):
    path = make_qdpx(tmp_path / "evil.qdpx", {**good_members(), entry: b"x"})
    with pytest.raises(InputFormatError) as err:
        refi.read_qdpx(path)
    msg = str(err.value)
    assert "evil.qdpx" in msg and "outside the archive" in msg and repr(entry) in msg
    assert "\n" not in msg
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Project SYSTEM "http://example.invalid/evil.dtd">
<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"])
def test_dtds_and_entities_are_refused_in_archives_and_loose_files(tmp_path, xml):
    path = make_qdpx(tmp_path / "ent.qdpx", {"project.qde": xml})
    with pytest.raises(InputFormatError, match=r"ent\.qdpx, entry 'project.qde': XML declares a"):
        refi.read_qdpx(path)
    loose = tmp_path / "ent.qde"
    loose.write_bytes(xml)
    with pytest.raises(InputFormatError, match="DOCTYPE"):
        refi.read_qdpx(loose)
    qdc = tmp_path / "ent.qdc"
    qdc.write_bytes(xml.replace(b"Project", b"CodeBook"))
    with pytest.raises(InputFormatError, match="DOCTYPE"):
        refi.read_codebook(qdc)


def test_undeclared_entity_is_an_xml_error(tmp_path):
    loose = tmp_path / "u.qde"
    loose.write_bytes(b'<Project xmlns="urn:QDA-XML:project:1.0" name="&undefined;"/>')
    with pytest.raises(InputFormatError, match=r"u\.qde: not well-formed XML \(undefined entity"):
        refi.read_qdpx(loose)


def test_zip_bomb_by_ratio_is_refused(tmp_path):
    members = good_members()
    members[TXT] = b"\0" * (20 << 20)  # 20 MiB of zeros: compresses about 1000 to 1
    path = make_qdpx(tmp_path / "bomb.qdpx", members)
    assert path.stat().st_size < 200_000
    with pytest.raises(InputFormatError, match=r"bomb\.qdpx, entry .*compresses .* to 1"):
        refi.read_qdpx(path)


def test_zip_bomb_by_total_size_is_refused(tmp_path):
    members = {**good_members(), **{f"sources/{i}.txt": b"x" * 4000 for i in range(5)}}
    path = make_qdpx(tmp_path / "big.qdpx", members)
    with pytest.raises(InputFormatError, match="more than 10,000 bytes uncompressed"):
        SafeArchive(path, limits=Limits(max_total=10_000))
    with pytest.raises(InputFormatError, match="entries"):
        SafeArchive(path, limits=Limits(max_entries=3))


def test_zip_that_lies_about_sizes_is_refused(tmp_path):
    """The central directory claims 11 bytes; the data inflates to far more."""
    members = good_members()
    members[TXT] = b"A" * 100_000
    raw = bytearray(make_qdpx(tmp_path / "liar.qdpx", members).read_bytes())
    name = TXT.encode()
    # patch "uncompressed size" in the local header (offset 22) and the central directory (24)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := raw.find(sig, start)) != -1:
            name_len = struct.unpack_from("<H", raw, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            fname_at = i + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(raw[fname_at:fname_at + name_len]) == name:
                struct.pack_into("<I", raw, i + off, 11)
            start = i + 4
    path = tmp_path / "liar.qdpx"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputFormatError, match=r"liar\.qdpx, entry '.*33333333.*\.txt'"):
        refi.read_qdpx(path)


@pytest.mark.parametrize("data,pattern", [
    (b"this is not xml at all", "not XML"),
    (b"", "not XML"),
    (b"<Project name='x'><Users></Project>", "not well-formed XML"),
    ("<Project/>".encode("utf-16"), "not UTF-8"),
    (b'<?xml version="1.0"?><Something/>', "root element is <Something>"),
])
def test_loose_qde_that_is_not_a_project(tmp_path, data, pattern):
    path = tmp_path / "broken.qde"
    path.write_bytes(data)
    with pytest.raises(InputFormatError, match=pattern) as err:
        refi.read_qdpx(path)
    assert str(err.value).startswith("broken.qde") or "broken.qde" in str(err.value)


def test_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.qdpx"
    path.write_bytes(b"PK\x03\x04 but really just some bytes")
    with pytest.raises(InputFormatError, match=r"fake\.qdpx: not a \.qdpx project: not a zip"):
        refi.read_qdpx(path)
    with pytest.raises(InputFormatError, match="no such file"):
        refi.read_qdpx(tmp_path / "missing.qdpx")


def test_zip_without_a_project(tmp_path):
    path = make_qdpx(tmp_path / "empty.qdpx", {"readme.txt": b"hi"})
    with pytest.raises(InputFormatError, match="no .qde file"):
        refi.read_qdpx(path)


def test_project_qde_found_under_other_names_and_case(tmp_path):
    members = good_members()
    members = {"My Project.qde": members["project.qde"], TXT.replace("sources", "Sources"): members[TXT]}
    p = refi.read_qdpx(make_qdpx(tmp_path / "atlas.qdpx", members))
    assert p.corpus.text("doc") == "Hello world"


def test_external_paths_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    qde = QDE.format(name="doc").replace(
        "internal://33333333-3333-3333-3333-333333333333.txt", f"absolute://{secret}")
    p = refi.read_qdpx(make_qdpx(tmp_path / "abs.qdpx", {"project.qde": qde.encode()}))
    assert p.corpus is None
    assert any("external file" in w for w in p.warnings)
    qde = QDE.format(name="doc").replace("internal://33333333-3333-3333-3333-333333333333.txt",
                                         "internal://../../secret.txt")
    p = refi.read_qdpx(make_qdpx(tmp_path / "rel.qdpx", {"project.qde": qde.encode()}))
    assert p.corpus is None and any("not in the archive" in w for w in p.warnings)


def test_source_names_cannot_make_paths(tmp_path):
    p = refi.read_qdpx(make_qdpx(tmp_path / "n.qdpx", good_members(name="../../etc/passwd")))
    (doc,) = p.corpus.document_ids
    assert "/" not in doc and "\\" not in doc and not doc.startswith(".")


def test_parse_xml_directly():
    assert parse_xml(b"<a>&amp;</a>", file="f").text == "&"
    with pytest.raises(InputFormatError, match="ENTITY|DOCTYPE"):
        parse_xml(b"<!ENTITY x 'y'><a/>", file="f")
