"""Hostile codebooks: alias bombs, deep nesting, non-text keys, non-regular files (issue 17)."""
from __future__ import annotations

import os
import time

import pytest

from qualcode.codebook import Codebook
from qualcode.errors import CodebookError

CODE = "codes:\n  - id: a\n    name: A\n"


def test_billion_laughs_in_properties_is_refused_quickly(tmp_path, run_cli, laughs):
    (tmp_path / "cb.yaml").write_text(CODE + "    properties:\n" + laughs(" " * 6))
    started = time.monotonic()
    out = run_cli("codebook", "export", "cb.yaml", "-o", "cb.md", timeout=60)
    assert time.monotonic() - started < 30
    assert out.returncode == 1
    assert "cb.yaml, line" in out.stderr + out.stdout
    assert "aliases" in out.stderr + out.stdout
    assert not (tmp_path / "cb.md").exists()


@pytest.mark.parametrize("field", ["keywords", "examples"])
def test_billion_laughs_in_lists_is_refused(tmp_path, field, laughs):
    text = (CODE + "    properties:\n" + laughs(" " * 6)
            + f"    {field}: *i\n")
    (tmp_path / "cb.yaml").write_text(text)
    with pytest.raises(CodebookError, match=r"cb\.yaml, line \d+: YAML expands to more than"):
        Codebook.load(tmp_path / "cb.yaml")


def test_a_few_honest_aliases_are_fine(tmp_path):
    (tmp_path / "cb.yaml").write_text(
        "codes:\n  - id: a\n    name: A\n    keywords: &k [cost, price]\n"
        "  - id: b\n    name: B\n    keywords: *k\n")
    assert Codebook.load(tmp_path / "cb.yaml")["b"].keywords == ["cost", "price"]


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_a_clear_error_not_a_crash(tmp_path, run_cli, opener, closer):
    # libyaml's C composer crashes (SIGSEGV) on this; the pure-Python one raises RecursionError
    depth = 50_000
    (tmp_path / "cb.yaml").write_text(CODE + "    properties: {x: " + opener * depth + closer * depth
                                      + "}\n")
    out = run_cli("codebook", "validate", "cb.yaml", timeout=60)
    assert out.returncode == 1, out
    assert "cb.yaml, line 4: YAML nests more than" in out.stderr


@pytest.mark.parametrize("extra", ["    1: x\n    null: y\n", "    properties: {1: 2, b: 3}\n",
                                   "    properties: {b: {null: 3}}\n"])
def test_non_text_keys_are_a_clear_error(tmp_path, run_cli, extra):
    (tmp_path / "cb.yaml").write_text(CODE + extra)
    out = run_cli("codebook", "export", "cb.yaml", "-o", "cb.md")
    assert out.returncode == 1
    assert "internal error" not in out.stderr
    assert out.stderr.startswith("Error: cb.yaml, line ") and "code a" in out.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_codebook_is_refused_not_waited_on(tmp_path, run_cli):
    os.mkfifo(tmp_path / "cb.yaml")
    out = run_cli("codebook", "validate", "cb.yaml", timeout=30)
    assert out.returncode == 1 and "not a regular file" in out.stderr
