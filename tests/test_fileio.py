"""Atomic writes never clobber or half-write a user's file; text decoding reports its encoding."""
from __future__ import annotations

import codecs

import pandas as pd
import pytest

from qualcode.errors import OutputExistsError
from qualcode.fileio import atomic_path, decode_bytes, write_dataframe, write_text


def test_write_refuses_overwrite_without_force(tmp_path):
    p = tmp_path / "out.txt"
    p.write_text("mine", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        write_text(p, "new")
    assert p.read_text(encoding="utf-8") == "mine"
    write_text(p, "new", force=True)
    assert p.read_text(encoding="utf-8") == "new"


def test_failed_write_leaves_nothing(tmp_path):
    p = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_old_file(tmp_path):
    p = tmp_path / "out.csv"
    p.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(p, force=True) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("boom")
    assert p.read_text(encoding="utf-8") == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["out.csv"]


def test_dataframe_formats(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x|y", "z"]})
    write_dataframe(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "a,b\n1,x|y\n2,z\n"
    write_dataframe(df, tmp_path / "t.md")
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == \
        "| a | b |\n| --- | --- |\n| 1 | x\\|y |\n| 2 | z |\n"
    write_dataframe(df, tmp_path / "t.xlsx")
    assert pd.read_excel(tmp_path / "t.xlsx").equals(df.assign(b=["x|y", "z"]))


@pytest.mark.parametrize("data, text, encoding", [
    ("héllo".encode("utf-8"), "héllo", "utf-8"),
    (codecs.BOM_UTF8 + "héllo".encode("utf-8"), "héllo", "utf-8-sig"),
    (codecs.BOM_UTF16_LE + "héllo".encode("utf-16-le"), "héllo", "utf-16"),
    (codecs.BOM_UTF16_BE + "héllo".encode("utf-16-be"), "héllo", "utf-16"),
    ("héllo – “quoted”".encode("cp1252"), "héllo – “quoted”", "cp1252"),
])
def test_decode_bytes(data, text, encoding):
    assert decode_bytes(data) == (text, encoding)
