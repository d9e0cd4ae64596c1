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


def test_the_readme_codebook_format_example_is_a_valid_codebook(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Codebook format", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "cb.yaml").write_text(example, encoding="utf-8")
    cb = Codebook.load(tmp_path / "cb.yaml")
    assert cb.ids() == ["goal", "goal.sales"]
    from qualcode.codebook import CODE_KEYS

    for key in CODE_KEYS:  # every field is documented
        assert f"`{key}" in section or f"{key}:" in section or f" {key}" in section


def test_codebook_new_writes_a_valid_commented_template(tmp_path, run_cli):
    out = run_cli("codebook", "new", "-o", "cb.yaml")
    assert out.returncode == 0, out.stderr
    assert Codebook.load(tmp_path / "cb.yaml").ids()[:2] == ["goal", "goal.sales"]
    again = run_cli("codebook", "new", "-o", "cb.yaml")
    assert again.returncode == 1 and "already exists" in again.stderr
