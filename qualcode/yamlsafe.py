"""Loading YAML written by someone else without letting it hang or crash qualcode.

PyYAML's safe loaders already refuse tags that build Python objects. Two things remain:

* an alias chain ("billion laughs": ``a: &a [x,x,...]``, ``b: &b [*a,*a,...]``, ...) is cheap to
  load, because an alias is a reference, but anything that walks the result (validation, printing,
  writing it back) visits every expanded node: ten lines can mean 10^10 nodes;
* deep nesting (``[[[[...]]]]``) exhausts the pure-Python composer's recursion and crashes libyaml's
  C composer outright (a segmentation fault, not an exception).

:func:`load_yaml` therefore makes one pass over the parser's events first (the parser is a state
machine, not recursive), counting nesting depth and the number of nodes each anchor expands to,
and refuses a document beyond :data:`MAX_DEPTH` levels or :data:`MAX_EXPANDED_NODES` nodes before
anything is composed. Used for codebooks and for transcripts' front matter.

libyaml (the C parser in PyYAML's 6.0.4 wheels) has a flow-nesting limit of its own and raises a
``ScannerError`` ("exceeded maximum nesting depth") past it: the same refusal, so it is worded the
same way, never left to look like a syntax error that a caller retries with an unbounded loader.
"""
from __future__ import annotations

import yaml

from .errors import QualcodeError

#: a codebook with 5,000 codes, each with 50 keywords and examples, has about 500,000 nodes
MAX_EXPANDED_NODES = 1_000_000
#: real codebooks nest codes a few levels deep; each code is two YAML levels
MAX_DEPTH = 100


def check_yaml_events(text: str, *, loader=yaml.SafeLoader, file=None, error=QualcodeError,
                      line_offset: int = 0, max_nodes: int = MAX_EXPANDED_NODES,
                      max_depth: int = MAX_DEPTH) -> None:
    """Refuse ``text`` if it nests deeper than ``max_depth`` or expands (aliases followed) to more
    than ``max_nodes`` nodes; ``error`` names ``file`` and the line. YAML syntax errors propagate
    as ``yaml.YAMLError`` for the caller to word."""
    sizes: dict[str, int] = {}
    stack: list[list] = [[0, None]]  # [expanded nodes so far, anchor] per open collection

    def place(event) -> str:
        return f"line {event.start_mark.line + 1 + line_offset}"

    def add(size: int, event) -> None:
        stack[-1][0] += size
        if stack[-1][0] > max_nodes or size > max_nodes:
            raise error(f"YAML expands to more than {max_nodes:,} values through its aliases "
                        "(&anchor / *alias); refusing it (a 'billion laughs' document?)",
                        file=file, place=place(event))

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                stack.append([1, event.anchor])
                if len(stack) - 1 > max_depth:
                    raise error(f"YAML nests more than {max_depth} levels deep; refusing it",
                                file=file, place=place(event))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                size, anchor = stack.pop()
                if anchor is not None:
                    sizes[anchor] = size
                add(size, event)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                add(1, event)
            elif isinstance(event, yaml.AliasEvent):
                add(sizes.get(event.anchor, 1), event)
    except yaml.scanner.ScannerError as exc:
        if "maximum nesting depth" not in str(exc.problem or ""):
            raise
        mark = exc.problem_mark
        where = f"line {mark.line + 1 + line_offset}" if mark is not None else None
        raise error(f"YAML nests more than {max_depth} levels deep; refusing it",
                    file=file, place=where) from None


def load_yaml(text: str, *, loader=yaml.SafeLoader, file=None, error=QualcodeError,
              line_offset: int = 0):
    """``yaml.load(text, Loader=loader)`` (``loader`` must be a safe loader) after
    :func:`check_yaml_events`; a RecursionError becomes ``error`` too."""
    check_yaml_events(text, loader=loader, file=file, error=error, line_offset=line_offset)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 (callers pass safe loaders)
    except RecursionError:
        raise error("YAML nests too deeply to read; refusing it", file=file) from None
