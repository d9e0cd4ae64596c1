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
