"""ziplimits: one set of zip limits, checked from the central directory before inflating."""
from __future__ import annotations

import io
import zipfile

import pytest

from qualcode.errors import InputFormatError, ModelError
from qualcode.ziplimits import Limits, check_zip_directory, check_zip_file


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def test_an_ordinary_archive_passes():
    infos = zipfile.ZipFile(_zip({"a.txt": b"hello", "dir/b.xml": b"<x/>"})).infolist()
    assert [n for _, n in check_zip_directory(infos, file="f.zip")] == ["a.txt", "dir/b.xml"]


@pytest.mark.parametrize("limits,members,message", [
    (Limits(max_entries=1), {"a": b"1", "b": b"2"}, "2 entries"),
    (Limits(max_entry=10), {"a": b"x" * 11}, "11 bytes uncompressed"),
    (Limits(max_total=15, max_entry=10), {"a": b"x" * 8, "b": b"y" * 8}, "more than 15 bytes"),
    (Limits(ratio_min=100, max_ratio=5), {"a": b" " * 10_000}, "compresses"),
])
def test_each_limit(limits, members, message):
    with pytest.raises(InputFormatError, match=message):
        check_zip_file(_zip(members), file="f.zip", what="a test archive", limits=limits)


def test_names_escaping_the_archive_and_the_error_class():
    with pytest.raises(InputFormatError, match="outside the archive"):
        check_zip_file(_zip({"../evil": b"x"}), file="f.zip", what="x")
    with pytest.raises(ModelError, match=r"m\.qcm: not a model \(not a zip archive"):
        check_zip_file(io.BytesIO(b"not a zip"), file="m.qcm", what="a model", error=ModelError)
