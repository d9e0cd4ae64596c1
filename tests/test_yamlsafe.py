"""yamlsafe: YAML loads as PyYAML's safe loader does, within bounds on aliases and nesting."""
from __future__ import annotations

import pytest
import yaml

from qualcode.errors import QualcodeError
from qualcode.yamlsafe import check_yaml_events, load_yaml


def test_loads_like_safe_load():
    text = "a: &x [1, 2]\nb: *x\nc: {d: e}\n"
    assert load_yaml(text) == yaml.safe_load(text)


def test_alias_expansion_is_counted_not_the_text_size():
    text = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    # a = 1 + 4, b = 1 + 4 * 5, c = 1 + 4 * 21, three keys and the mapping: 115 values
    check_yaml_events(text, max_nodes=115)
    with pytest.raises(QualcodeError, match=r"f\.yaml, line 3: YAML expands to more than 114"):
        check_yaml_events(text, file="f.yaml", max_nodes=114)


def test_nesting_bound_and_line_offset():
    with pytest.raises(QualcodeError, match=r"line 7: YAML nests more than 3 levels"):
        check_yaml_events("a:\n  b:\n    c:\n      d: [1]\n", max_depth=3, line_offset=3)
    check_yaml_events("a:\n  b:\n    c: 1\n", max_depth=3)


def test_syntax_errors_stay_yaml_errors():
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [1,\n")


@pytest.mark.parametrize("loader", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)])
def test_flow_nesting_200000_levels_is_the_same_clear_refusal_with_either_parser(loader):
    # libyaml >= 0.2.5 stops at its own flow-nesting limit with a ScannerError; that must read as
    # the nesting refusal (not a syntax error a caller would retry with an unbounded loader)
    depth = 200_000
    text = "a: 1\nb: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(QualcodeError, match=r"cb\.yaml, line 2: YAML nests more than 100 levels"):
        load_yaml(text, loader=loader, file="cb.yaml")


def test_codebook_fallback_loader_is_bounded_too(tmp_path, monkeypatch):
    # when the fast (libyaml) loader fails, codebook.py retries with the pure-Python loader for its
    # wording: that retry must be bounded as well, or 200,000 levels raise RecursionError
    from qualcode import codebook

    class Refusing(yaml.SafeLoader):
        def __init__(self, stream):
            raise yaml.YAMLError("the fast parser gave up")

    monkeypatch.setattr(codebook, "_FastLineLoader", Refusing)
    depth = 200_000
    path = tmp_path / "cb.yaml"
    path.write_text("codes:\n  - id: a\n    name: A\n    properties: {x: " + "[" * depth
                    + "]" * depth + "}\n")
    with pytest.raises(QualcodeError, match=r"cb\.yaml, line 4: YAML nests more than 100 levels"):
        codebook.Codebook.from_yaml(path)
