"""Import of the real REFI-QDA files in ../shared: concrete facts checked against their XML."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import qualcode as qc
from qualcode import refi
from qualcode.codings import validate_codings
from qualcode.refi.positions import PositionMap, on_word_boundary, score

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EX = SHARED / "refi-qda" / "examples"
DEMO = SHARED / "real-data" / "qc-refi-demo" / "demo.qdpx"

pytestmark = pytest.mark.skipif(not EX.exists(), reason="../shared is not beside the repository")


@pytest.fixture(scope="module")
def projects():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = refi.read_qdpx(DEMO if name == "demo" else EX / name)
        return cache[name]

    return get


def _all_land(project):
    """Every coding is a non-empty span inside its document's text."""
    for r in project.codings.itertuples(index=False):
        text = project.corpus.text(r.document)
        assert 0 <= r.start < r.end <= len(text)
        assert text[r.start:r.end].strip()


def _off_boundary(project):
    out = []
    for r in project.codings.drop_duplicates(["document", "start", "end"]).itertuples(index=False):
        text = project.corpus.text(r.document)
        if not (on_word_boundary(text, r.start) and on_word_boundary(text, r.end)):
            out.append((r.document, r.start, r.end))
    return out


# -- qc demo (real-data/qc-refi-demo/demo.qdpx and its copy in examples) ---------------------

@pytest.mark.parametrize("name", ["demo", "qc-1.3.2_demo.qdpx"])
def test_qc_demo(projects, name):
    p = projects(name)
    assert p.origin == "qc 1.3.2"
    assert sorted(p.corpus.document_ids) == ["admin-1", "board_2017"]
    assert len(p.codebook) == 262
    assert len(p.codings) == 205
    assert len(p.codings.drop_duplicates(["document", "start", "end"])) == 158
    assert set(p.codings["coder"]) == {"cp"}
    assert set(p.codings["document"]) == {"board_2017"}
    assert set(p.codings["method"]) == {"human"}
    assert p.offsets == "codepoint"
    assert p.warnings == []
    # plainTextPath without intern:// and files named after the source are read leniently
    assert len(p.corpus.text("board_2017")) == 52543
    first = p.codings.iloc[0]
    assert p.corpus.text(first.document)[first.start:first.end].startswith(
        "This district goal is engage every student")
    # nested codes: rq1_definition > competencies > programming
    assert p.codebook["rq1_definition.competencies.programming"].parent == "rq1_definition.competencies"
    assert p.codebook["rq1_definition"].properties["refi_guid"] == "34653336-3766-3235-6466-363134396437"
    _all_land(p)
    validate_codings(p.codings, corpus=p.corpus, codebook=p.codebook)


# -- NVivo: UTF-16 positions, CRLF counted twice on Windows ---------------------------------

NVIVO = [
    # file, documents, codes, codings, coder, selections not on word boundaries (human slips)
    ("nvivo-win-12.6_oltas.qdpx", ["videos_selection"], 60, 97, "floriansipos", 0),
    ("nvivo-win-12.6_oltas0517.qdpx", ["videos_10_selected", "videos_selection"], 152, 303, "Gergo", 3),
    ("nvivo-mac-12.7.0_oltas-szkepticizmus_no-docx.qdpx", ["videos_10_selected", "videos_selection"],
     152, 297, "floriansipos", 3),
]


@pytest.mark.parametrize("name,docs,n_codes,n_codings,coder,slips", NVIVO)
def test_nvivo_counts_and_word_boundaries(projects, name, docs, n_codes, n_codings, coder, slips):
    p = projects(name)
    assert p.origin.startswith("NVivo for")
    assert sorted(p.corpus.document_ids) == docs
    assert len(p.codebook) == n_codes
    assert len(p.codings) == n_codings
    assert set(p.codings["coder"]) == {coder}
    assert p.offsets == "utf16"
    _all_land(p)
    off = _off_boundary(p)
    assert len(off) == slips  # a few ranges a coder ended mid-word (e.g. "A|KI"), no drift
    ranges = len(p.codings.drop_duplicates(["document", "start", "end"]))
    assert len(off) <= 0.02 * ranges
    for doc, start, end in off:  # a slip cuts one end only; drift would cut both
        text = p.corpus.text(doc)
        assert on_word_boundary(text, start) != on_word_boundary(text, end)
    for doc in docs:  # BOM stripped, LF only
        assert not p.corpus.text(doc).startswith("\ufeff")
        assert "\r" not in p.corpus.text(doc)


def test_nvivo_codepoints_would_drift(projects):
    """Counting code points instead of UTF-16 units puts most NVivo selections mid-word."""
    import zipfile

    z = zipfile.ZipFile(EX / "nvivo-win-12.6_oltas.qdpx")
    raw = z.read("Sources/56a79789-d535-4fb8-bedd-a915504c54ba.txt").decode("utf-8-sig")
    assert "\r\n" in raw and sum(ord(c) > 0xFFFF for c in raw) == 894
    import re
    qde = z.read("project.qde").decode("utf-8-sig")
    spans = [(int(a), int(b)) for a, b in re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', qde)]
    assert len(spans) == 97
    assert score(raw, spans, "utf16") == (97, 97)
    land, bound = score(raw, spans, "codepoint")
    assert bound < 70
    # explicit mode gives the same result as auto for NVivo
    p = refi.read_qdpx(EX / "nvivo-win-12.6_oltas.qdpx", offsets="utf16")
    assert p.codings.equals(projects("nvivo-win-12.6_oltas.qdpx").codings)


def test_nvivo_windows_folder_and_users(projects):
    p = projects("nvivo-win-12.6_oltas0517.qdpx")  # sources under "Sources/" (capital S)
    assert set(p.users["name"]) == {"Gergo", "floriansipos"}
    # the code tree is nested and descriptions survive
    top = p.codebook["1_oltas_tipusa"]
    assert top.name == "1. Oltás típusa"
    assert top.description == "COVID vay nem COVID"
    assert top.children == ["1_oltas_tipusa.covid", "1_oltas_tipusa.nem_covid"]
    mac = projects("nvivo-mac-12.7.0_oltas-szkepticizmus_no-docx.qdpx")
    assert set(mac.users["id"]) == {"SF", "GP"}


def test_nvivo15_roundtrip_file_lost_its_text(projects):
    p = projects("nvivo-mac-15.0.0_qc-roundtrip.qdpx")
    assert p.corpus is None
    assert len(p.codebook) == 262
    assert sum("has no text" in w for w in p.warnings) == 2
    demo = projects("qc-1.3.2_demo.qdpx")
    # the code GUIDs match the qc file it came from, and so do the derived ids
    assert ({c.properties["refi_guid"] for c in p.codebook}
            == {c.properties["refi_guid"].upper() for c in demo.codebook})
    assert p.codebook.ids() == demo.codebook.ids()


# -- ATLAS.ti --------------------------------------------------------------------------------

def test_atlas8_flat_names_become_a_tree(projects):
    p = projects("atlas-8.4-mac_standard-project.qde")
    cb = p.codebook
    assert len(cb) == 14
    assert cb["coke"].children == ["coke.full_fat_coke", "coke.diet_coke"]
    assert cb["coke.full_fat_coke"].name == "full-fat Coke"
    assert cb["coke.full_fat_coke"].description == "aka regular"
    assert cb["coke.diet_coke"].color == "#966450"
    assert cb["feelings"].color == "#f00082"
    assert p.corpus is None and len(p.codings) == 0
    text = " | ".join(p.warnings)
    for part in ("PictureSource", "PDFSource", "AudioSource", "VideoSource", "1 link(s)",
                 "16 set(s)", "1 graph(s)", "loose .qde carries no sources/"):
        assert part in text
    assert sorted(p.notes["name"]) == ["My favorite Coke ad", "Research Plan"]
    plan = p.notes.set_index("name").loc["Research Plan", "text"]
    assert "dynamic team of researcher-developers" in plan


def test_atlas23(projects):
    blank = projects("atlas-23.2-win_blank-atlas-project.qdpx")
    assert len(blank.codebook) == 0 and len(blank.users) == 2
    assert set(blank.users["name"]) == {"Enric Llagostera", "ATLAS.ti"}
    target = projects("atlas-23.2-win_target-atlas-project.qdpx")
    assert target.codebook.ids() == ["commits", "commits.2022_05_10t02_05_59z_19e4dce",
                                     "commits.2022_02_11t10_39_25z_cdbfd92"]


# -- MAXQDA and Taguette ---------------------------------------------------------------------

def test_maxqda(projects):
    p = projects("maxqda-24.7_icls-themes_project.qde")
    assert len(p.codebook) == 307
    assert all(c.description for c in p.codebook)
    assert p.codebook["additional_themes_and_ideas"].color == "#ef8256"
    assert sum("not available" in w for w in p.warnings) == 10
    assert any("2 set(s)" in w for w in p.warnings)


def test_taguette_qdc_with_empty_sets_is_tolerated():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty <Sets/> loses nothing: no warning either
        cb = qc.Codebook.load(EX / "taguette-1.4.1_codebook.qdc")
    assert cb.ids() == ["xsd_element_name", "codebook", "variables"]
    assert cb["codebook"].name == "CodeBook"
    assert cb["xsd_element_name"].properties["refi_guid"] == "098AC082-A9C7-50F4-9728-48730081A95E"


def test_read_codebook_of_project_and_load_project():
    cb = refi.read_codebook(DEMO)
    assert len(cb) == 262
    corpus, codebook, codings = refi.load_project(DEMO)
    assert sorted(corpus.document_ids) == ["admin-1", "board_2017"]
    assert len(codebook) == 262 and len(codings) == 205
    assert qc.read_qdpx is refi.read_qdpx
    assert len(qc.read_codings(DEMO)) == 205


# -- position maps on small texts ------------------------------------------------------------

def test_position_map_modes():
    raw = "a😀b\r\nc"
    # code points as stored: a=0 😀=1 b=2 \r=3 \n=4 c=5
    off, ok = PositionMap(raw, "codepoint").to_codepoints([5, 6])
    assert list(off) == [4, 5] and ok.all()  # normalised text "a😀b\nc": c is at 4
    off, ok = PositionMap(raw, "utf16").to_codepoints([3, 6, 7, 2])
    assert list(off[:3]) == [2, 4, 5] and list(ok) == [True, True, True, False]  # 2 = inside 😀
    off, ok = PositionMap(raw, "utf16-lf").to_codepoints([5, 6])
    assert list(off) == [4, 5] and ok.all()
    off, ok = PositionMap(raw, "codepoint-lf").to_codepoints([4, 5, 9])
    assert list(off[:2]) == [4, 5] and list(ok) == [True, True, False]


def test_unknown_offsets_mode_is_refused():
    with pytest.raises(ValueError, match="unknown offsets"):
        refi.read_qdpx(DEMO, offsets="bytes")


# -- detection on crafted projects -----------------------------------------------------------

def _crafted(tmp_path, origin: str, text: str, spans):
    import zipfile

    sels = "".join(
        f'<PlainTextSelection guid="00000000-0000-0000-0000-{i:012d}" startPosition="{s}" '
        f'endPosition="{e}"><Coding guid="10000000-0000-0000-0000-{i:012d}">'
        '<CodeRef targetGUID="20000000-0000-0000-0000-000000000000"/></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(spans))
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="c" origin="{origin}"><CodeBook><Codes>'
           '<Code guid="20000000-0000-0000-0000-000000000000" name="A" isCodable="true"/></Codes>'
           '</CodeBook><Sources><TextSource guid="30000000-0000-0000-0000-000000000000" name="t.txt" '
           f'plainTextPath="internal://30000000-0000-0000-0000-000000000000.txt">{sels}</TextSource>'
           '</Sources></Project>')
    path = tmp_path / f"{origin.split()[0]}.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr("sources/30000000-0000-0000-0000-000000000000.txt", "\ufeff".encode() + text.encode())
    return path


def test_crlf_counted_once_is_detected_for_atlas(tmp_path):
    text = "Line one here\r\nSecond line\r\nThird line words\r\n"
    norm = text.replace("\r\n", "\n")
    want = [(norm.index("Second"), norm.index("Second") + 6), (norm.index("Third"), len(norm) - 1)]
    p = refi.read_qdpx(_crafted(tmp_path, "ATLAS.ti 9", text, want))
    assert p.offsets == "codepoint-lf"
    assert [(r.start, r.end) for r in p.codings.itertuples()] == want
    assert p.corpus.text("t") == norm  # BOM stripped, LF only


def test_utf16_is_found_for_an_unknown_tool_and_bad_spans_are_reported(tmp_path):
    text = "😀😀 Hello wonderful world 😀 again and again\n"
    units = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
    spans = [(units(text.index(w)), units(text.index(w) + len(w))) for w in ("Hello", "again", "world")]
    p = refi.read_qdpx(_crafted(tmp_path, "SomeTool 1.0", text, spans + [(5, 999)]))
    assert p.offsets == "utf16"
    got = [p.corpus.text("t")[r.start:r.end] for r in p.codings.itertuples()]
    assert got == ["Hello", "world", "again"]
    assert any("1 selection(s) do not land on the text" in w and "t 5-999" in w for w in p.warnings)
