"""``write_qdpx(offsets="utf16")`` / ``qualcode export --offsets utf16``: positions NVivo counts."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from cli.test_refi_cli import _write_study  # tests/ is on sys.path (conftest)
from click.testing import CliRunner
from refi.test_roundtrip import KEY, TEXTS, _sorted, build

from qualcode import refi
from qualcode.cli import main
from qualcode.corpus import Corpus
from qualcode.errors import QualcodeError
from qualcode.readers import Source

NS = {"q": "urn:QDA-XML:project:1.0"}
DELTA = "🙂 Opening 𝄞 line.\nDelta: First span here. 🎉🎉 between 👍🏽 them.\nSecond 😀 span.\n"


def positions(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """document name -> {(startPosition, endPosition)} as written in project.qde."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ET.fromstring(z.read("project.qde"))
    return {src.get("name"): {(int(s.get("startPosition")), int(s.get("endPosition")))
                              for s in src.findall("q:PlainTextSelection", NS)}
            for src in root.iter("{urn:QDA-XML:project:1.0}TextSource")}


def units(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def expected(codings, convert) -> dict[str, set[tuple[int, int]]]:
    out: dict[str, set[tuple[int, int]]] = {}
    texts = {**TEXTS, "delta": DELTA}
    for r in codings.itertuples(index=False):
        t = texts[r.document]
        out.setdefault(r.document, set()).add((convert(t, r.start), convert(t, r.end)))
    return out


def with_delta():
    """The roundtrip project plus a document with astral characters before and between its spans."""
    corpus, cb, codings = build()
    sources = [Source(name=d, text=corpus.text(d), path="", format="text",
                      attributes={"case": str(c)})
               for d, c in zip(corpus.documents["document"], corpus.documents["case"])]
    sources.append(Source(name="delta", text=DELTA, path="", format="text",
                          attributes={"case": "firm_c"}))
    corpus = Corpus.from_sources(sources, cases=corpus.cases)
    s1, s2 = DELTA.index("First"), DELTA.index("Second")
    extra = pd.DataFrame([
        {"document": "delta", "start": s1, "end": DELTA.index(" 🎉"), "code": "goal", "coder": "ann"},
        {"document": "delta", "start": s2, "end": len(DELTA) - 1, "code": "goal", "coder": "ann"},
        {"document": "delta", "start": s2, "end": len(DELTA) - 1, "code": "strategy", "coder": "bob"},
    ])
    return corpus, cb, pd.concat([codings, extra], ignore_index=True)


def test_utf16_export_counts_units_and_reads_back(tmp_path):
    corpus, cb, codings = with_delta()
    d = codings[codings["document"] == "delta"]
    assert any(ord(c) > 0xFFFF for c in DELTA[:d["start"].min()])                      # before
    assert any(ord(c) > 0xFFFF for c in DELTA[d["end"].min():d["start"].max()])         # between
    assert any(ord(c) > 0xFFFF for c in TEXTS["beta"])  # U+1D518... inside beta's span

    out = refi.write_qdpx(tmp_path / "nvivo.qdpx", corpus, cb, codings, offsets="utf16")
    got = positions(Path(out).read_bytes())
    assert got == expected(codings, units)
    assert got != expected(codings, lambda t, i: i)  # the astral characters did shift something

    p = refi.read_qdpx(out, offsets="utf16")
    assert p.warnings == []
    assert p.corpus.texts == corpus.texts
    pd.testing.assert_frame_equal(_sorted(p.codings), _sorted(codings))

    default = refi.write_qdpx(tmp_path / "spec.qdpx", corpus, cb, codings)
    assert positions(Path(default).read_bytes()) == expected(codings, lambda t, i: int(i))
    pd.testing.assert_frame_equal(_sorted(refi.read_qdpx(default).codings), _sorted(codings))


def test_bmp_text_exports_identically_in_both_modes():
    text = "Interviewer: Why?\nAlpha: Straße, café — “quoted” 中文 text.\n"
    corpus = Corpus.from_sources([Source(name="alpha", text=text, path="", format="text",
                                         attributes={"case": "a"})])
    _, cb, _ = build()
    codings = pd.DataFrame([{"document": "alpha", "start": 25, "end": len(text) - 1,
                             "code": "goal", "coder": "ann"}])
    spec = refi.qdpx_bytes(corpus, cb, codings)
    assert refi.qdpx_bytes(corpus, cb, codings, offsets="utf16") == spec
    assert positions(spec) == {"alpha": {(25, len(text) - 1)}}


def test_bad_offsets_are_refused(tmp_path):
    corpus, cb, codings = build()
    with pytest.raises(QualcodeError, match="codepoint, utf16"):
        refi.write_qdpx(tmp_path / "x.qdpx", corpus, cb, codings, offsets="bytes")
    assert not (tmp_path / "x.qdpx").exists()


def test_cli_export_offsets_utf16(tmp_path, monkeypatch):
    _write_study(tmp_path)
    alpha = tmp_path / "transcripts" / "alpha.txt"
    # same length in code points, so the study's codings (alpha 25-37) stay on "To sell more"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("Why?", "Why😀"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["export", "--transcripts", "transcripts", "--codebook", "cb.yaml", "--codings", "ann.csv",
            "--codings", "bob.csv"]
    runner = CliRunner()
    res = runner.invoke(main, args + ["-o", "nvivo.qdpx", "--offsets", "utf16"])
    assert res.exit_code == 0, res.output
    assert res.output == "nvivo.qdpx: 2 documents, 3 codes, 3 codings by 2 coder(s), 2 cases\n"
    assert positions(Path("nvivo.qdpx").read_bytes()) == {"alpha": {(26, 38)}, "beta": {(6, 22)}}
    res = runner.invoke(main, args + ["-o", "spec.qdpx"])
    assert res.exit_code == 0, res.output
    assert positions(Path("spec.qdpx").read_bytes()) == {"alpha": {(25, 37)}, "beta": {(6, 22)}}

    back = refi.read_qdpx("nvivo.qdpx", offsets="utf16")
    assert back.corpus.text("alpha")[25:37] == "To sell more"
    assert sorted(map(tuple, back.codings[KEY[:3]].drop_duplicates().values.tolist())) == [
        ("alpha", 25, 37), ("beta", 6, 22)]

    res = runner.invoke(main, args + ["-o", "x.qdpx", "--offsets", "bytes"])
    assert res.exit_code == 2 and "'bytes' is not one of 'codepoint', 'utf16'" in res.output
