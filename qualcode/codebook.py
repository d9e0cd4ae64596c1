"""The codebook: a tree of codes with definitions, rules, examples and keyword phrases.

The YAML format (DESIGN.md, "Codebook YAML")::

    name: My study
    version: "1.0"
    description: ...
    references: {key: citation}
    categories: [goal, process.planning, ...]   # optional: the level "category" evaluation and
                                                # reports use (code ids; none under another)
    codes:
      - id: goal                     # dotted, lowercase; a child's id starts with its parent's id + "."
        name: Goals
        description: the definition
        inclusion: ...               # optional
        exclusion: ...               # optional
        examples: [{quote: "...", source: "..."}]
        keywords: ["brand awareness", "build * relationship"]   # lemma phrases; * = one token
        exclude_keywords: [...]      # optional: phrases that suppress the code in a passage
        color: "#4e79a7"
        source: "paper, section"
        properties: {...}            # free mapping
        children: [...]

A flat list with ``parent: id`` on each child is accepted too. Ids are the contract; names may
change. Validation errors name the file, the line and the code id.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd
import yaml

from .errors import CodebookError
from .fileio import read_regular_bytes
from .yamlsafe import load_yaml

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: the longest name and text (definition, rule, keyword) the workbench and `qualcode codebook
#: add|edit` take for a code made or edited while coding
NAME_LIMIT, TEXT_LIMIT = 200, 20_000
#: the longest example quote, and its source, taken the same way
EXAMPLE_LIMIT, SOURCE_LIMIT = 2_000, 300
KEYWORD_TOKEN_RE = re.compile(r"^(\*|[^\s*]+)$")
CODE_KEYS = {"id", "name", "description", "inclusion", "exclusion", "examples", "keywords",
             "exclude_keywords", "color", "source", "properties", "children", "parent"}
_LINE = "__line__"


@dataclass
class Code:
    """One code of the codebook."""

    id: str
    name: str
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: list[dict] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    exclude_keywords: list[str] = field(default_factory=list)
    color: str = ""
    source: str = ""
    properties: dict = field(default_factory=dict)
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    line: int | None = None  # where the code starts in its file, for messages

    @property
    def depth(self) -> int:
        return self.id.count(".")

    def to_dict(self) -> dict:
        out = {"id": self.id, "name": self.name, "description": self.description}
        for key in ("inclusion", "exclusion", "color", "source"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("examples", "keywords", "exclude_keywords"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.properties:
            out["properties"] = dict(self.properties)
        return out


def _mapping_with_line(loader, node, deep=False):
    """A safe loader's mapping, with the mapping's line (1-based) under ``__line__``."""
    mapping = yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line (1-based) under ``__line__``."""

    construct_mapping = _mapping_with_line


class _FastLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """:class:`_LineLoader` on libyaml's parser when PyYAML has it (about 5x faster; its error
    messages are terser, so a file it rejects is parsed again by :class:`_LineLoader`)."""

    construct_mapping = _mapping_with_line


class Codebook:
    """A validated tree of :class:`Code` objects, in file order (pre-order).

    >>> cb = Codebook.from_dict({"codes": [{"id": "a", "name": "A", "children": [
    ...     {"id": "a.b", "name": "B"}]}]})
    >>> cb.ids(), cb.children("a"), cb["a.b"].parent
    (['a', 'a.b'], ['a.b'], 'a')
    """

    def __init__(self, codes: list[Code], *, name: str = "", version: str = "", description: str = "",
                 references: dict | None = None, path: str | None = None,
                 categories: list[str] | None = None):
        self.name = name
        self.version = version
        self.description = description
        self.references = dict(references or {})
        self.path = path
        self._codes: dict[str, Code] = {c.id: c for c in codes}
        #: the codes the codebook declares as its categories (``categories:``), in order; empty
        #: when it declares none (then the top-level codes serve as categories)
        self.categories: list[str] = list(categories or [])

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Codebook":
        """Load a codebook from YAML (.yaml/.yml), a REFI-QDA codebook (.qdc) or project (.qdpx/.qde).

        The reader is chosen by suffix from :data:`READERS`; this module reads YAML, and
        :mod:`qualcode.io` (loaded with the package) adds the exchange formats, so the codebook
        layer never imports them."""
        path = Path(path)
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise CodebookError("unknown codebook format; use .yaml, .qdc or .qdpx", file=path)
        return reader(path)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "Codebook":
        """Load a codebook from a YAML file (errors name the line)."""
        path = Path(path)
        raw = read_regular_bytes(path, error=CodebookError, missing="no such codebook file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CodebookError(f"not UTF-8 (byte {exc.start}); save the codebook as UTF-8",
                                file=path) from None
        try:
            try:
                data = load_yaml(text, loader=_FastLineLoader, file=path, error=CodebookError)
            except yaml.YAMLError:
                # the pure-Python parser words some errors better; still bounded (never a bare
                # yaml.load: 200,000 levels of `[` exhaust the composer's recursion)
                data = load_yaml(text, loader=_LineLoader, file=path, error=CodebookError)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            place = f"line {mark.line + 1}" if mark else None
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise CodebookError(f"not valid YAML ({problem})", file=path, place=place) from None
        return cls.from_dict(data, file=path)

    @classmethod
    def from_dict(cls, data, *, file: str | os.PathLike | None = None) -> "Codebook":
        """Build and validate a codebook from the parsed YAML structure."""
        if data is None:
            raise CodebookError("empty codebook", file=file)
        if isinstance(data, list):
            data = {"codes": data}
        if not isinstance(data, dict) or "codes" not in data:
            raise CodebookError("a codebook needs a top-level 'codes:' list", file=file,
                                place=_place(data if isinstance(data, dict) else {}))
        codes_data = data["codes"]
        if not isinstance(codes_data, list):
            raise CodebookError("'codes:' must be a list of codes", file=file, place=_place(data))
        codes: list[Code] = []
        _walk(codes_data, None, codes, file)
        _link(codes, file)
        meta = {k: v for k, v in data.items() if k != _LINE}
        refs = meta.get("references") or {}
        if isinstance(refs, dict):
            refs = {k: v for k, v in refs.items() if k != _LINE}
        ids = {c.id for c in codes}
        categories = _categories(meta.get("categories"), ids, data, file)
        return cls(codes, name=str(meta.get("name") or ""), version=str(meta.get("version") or ""),
                   description=str(meta.get("description") or ""), references=refs,
                   path=None if file is None else os.fspath(file), categories=categories)

    # -- lookups ------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return list(self._codes)

    def __getitem__(self, code_id: str) -> Code:
        try:
            return self._codes[code_id]
        except KeyError:
            raise KeyError(f"unknown code id {code_id!r}") from None

    def __contains__(self, code_id) -> bool:
        return code_id in self._codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"<Codebook {self.name!r} v{self.version}: {len(self)} codes>"

    def get(self, code_id: str, default=None):
        return self._codes.get(code_id, default)

    def roots(self) -> list[str]:
        return [c.id for c in self if c.parent is None]

    def parent(self, code_id: str) -> str | None:
        return self[code_id].parent

    def children(self, code_id: str) -> list[str]:
        return list(self[code_id].children)

    def descendants(self, code_id: str, *, include_self: bool = False) -> list[str]:
        """All codes below ``code_id`` in file order."""
        self[code_id]
        out = [code_id] if include_self else []
        stack = list(reversed(self[code_id].children))
        while stack:
            cid = stack.pop()
            out.append(cid)
            stack.extend(reversed(self[cid].children))
        return out

    def ancestors(self, code_id: str) -> list[str]:
        out, cur = [], self[code_id].parent
        while cur is not None:
            out.append(cur)
            cur = self[cur].parent
        return out

    def ancestor_at(self, code_id: str, depth: int) -> str:
        """The code's ancestor at ``depth`` (0 = top level); the code itself when it is shallower.

        >>> Codebook.from_dict({"codes": [{"id": "a", "name": "A", "children": [
        ...     {"id": "a.b", "name": "B", "children": [{"id": "a.b.c", "name": "C"}]}]}]}
        ... ).ancestor_at("a.b.c", 1)
        'a.b'
        """
        chain = [code_id] + self.ancestors(code_id)  # self, parent, ..., root
        return chain[max(len(chain) - 1 - depth, 0)]

    def rollup(self, depth: int) -> dict[str, str]:
        """Map every code id to its ancestor at ``depth`` (see :meth:`ancestor_at`)."""
        return {cid: self.ancestor_at(cid, depth) for cid in self._codes}

    def category_mapping(self) -> dict[str, str]:
        """Each code in one of :attr:`categories` (the category itself or a code below it) -> that
        category; codes in none are left out. Without declared categories: every code -> its
        top-level code."""
        if not self.categories:
            return self.rollup(0)
        out = {}
        for cid in self._codes:
            for cat in self.categories:
                if cid == cat or cid.startswith(cat + "."):
                    out[cid] = cat
                    break
        return out

    def leaves(self) -> list[str]:
        return [c.id for c in self if not c.children]

    def fingerprint(self) -> str:
        """A short hash of the codes' content: it changes when any definition or rule changes."""
        payload = json.dumps([c.to_dict() | {"parent": c.parent} for c in self], sort_keys=True,
                             ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    # -- export -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        def node(cid: str) -> dict:
            d = self[cid].to_dict()
            if self[cid].children:
                d["children"] = [node(ch) for ch in self[cid].children]
            return d

        out = {"name": self.name, "version": self.version, "description": self.description}
        if self.references:
            out["references"] = dict(self.references)
        if self.categories:
            out["categories"] = list(self.categories)
        out["codes"] = [node(r) for r in self.roots()]
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)

    def to_frame(self) -> pd.DataFrame:
        """One row per code: id, parent, level, name, description, inclusion, exclusion,
        keywords (``; ``-joined), examples (count), source."""
        rows = []
        for c in self:
            rows.append({
                "id": c.id, "parent": c.parent or "", "level": c.depth, "name": c.name,
                "description": c.description, "inclusion": c.inclusion, "exclusion": c.exclusion,
                "keywords": "; ".join(c.keywords), "exclude_keywords": "; ".join(c.exclude_keywords),
                "examples": len(c.examples), "color": c.color, "source": c.source,
            })
        return pd.DataFrame(rows)

    def to_markdown(self) -> str:
        """A codebook appendix a paper could print: headings by level, definition, rules, examples."""
        lines = [f"# Codebook: {self.name}" if self.name else "# Codebook", ""]
        if self.version:
            lines += [f"Version {self.version}.", ""]
        if self.description:
            lines += [self.description.strip(), ""]
        for c in self:
            level = min(c.depth + 2, 6)
            lines += [f"{'#' * level} {c.name} (`{c.id}`)", ""]
            if c.description:
                lines += [f"**Definition.** {c.description.strip()}", ""]
            if c.inclusion:
                lines += [f"**Use when.** {c.inclusion.strip()}", ""]
            if c.exclusion:
                lines += [f"**Do not use when.** {c.exclusion.strip()}", ""]
            if c.properties:
                lines += ["| property | value |", "| --- | --- |"]
                for k, v in c.properties.items():
                    v = ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
                    lines.append(f"| {k.replace('_', ' ')} | {v.replace('|', '/')} |")
                lines.append("")
            for ex in c.examples:
                lines.append(f"> {ex.get('quote', '').strip()}")
                if ex.get("source"):
                    lines.append(f"> — {ex['source']}")
                lines.append("")
            if c.keywords:
                lines += ["*Keywords:* " + ", ".join(f"`{k}`" for k in c.keywords), ""]
            if c.source:
                lines += [f"*Source:* {c.source}", ""]
        if self.references:
            lines += ["## References", ""]
            lines += [f"- **{k}**: {v}" for k, v in self.references.items()]
            lines.append("")
        return "\n".join(lines)


# -- validation helpers -------------------------------------------------------------------------

def _categories(value, ids: set[str], data: dict, file) -> list[str]:
    """The ``categories:`` list: known code ids, none twice, none below another."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError("'categories:' must be a list of code ids", file=file, place=_place(data))
    for i, cid in enumerate(value):
        if cid not in ids:
            raise CodebookError(f"category {cid!r} is not a code id of this codebook", file=file,
                                place=_place(data))
        if cid in value[:i]:
            raise CodebookError(f"category {cid!r} is listed twice", file=file, place=_place(data))
        above = [c for c in value if cid.startswith(c + ".")]
        if above:
            raise CodebookError(f"category {cid!r} lies under category {above[0]!r}; a code belongs "
                                "to one category", file=file, place=_place(data))
    return list(value)


def _place(d: dict) -> str | None:
    line = d.get(_LINE) if isinstance(d, dict) else None
    return f"line {line}" if line else None


def _err(msg: str, d, file, code_id: str | None = None):
    place = _place(d) if isinstance(d, dict) else None
    if code_id:
        place = f"{place}, code {code_id}" if place else f"code {code_id}"
    return CodebookError(msg, file=file, place=place)


def _text(d: dict, key: str, file, code_id: str) -> str:
    value = d.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise _err(f"'{key}' must be text", d, file, code_id)
    return str(value).strip()


def _phrases(d: dict, key: str, file, code_id: str) -> list[str]:
    value = d.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _err(f"'{key}' must be a list of phrases", d, file, code_id)
    out = []
    for phrase in value:
        if not isinstance(phrase, (str, int, float)) or isinstance(phrase, bool):
            raise _err(f"{key} entry {phrase!r} is not a phrase", d, file, code_id)
        p = " ".join(str(phrase).split()).lower()
        tokens = p.split(" ") if p else []
        if not tokens:
            raise _err(f"empty phrase in '{key}'", d, file, code_id)
        if not all(KEYWORD_TOKEN_RE.match(t) for t in tokens):
            raise _err(f"malformed {key[:-1]} {phrase!r}: '*' must be a whole word (one token)",
                       d, file, code_id)
        if tokens[0] == "*" or tokens[-1] == "*":
            raise _err(f"malformed {key[:-1]} {phrase!r}: '*' must stand between two words",
                       d, file, code_id)
        if p not in out:
            out.append(p)
    return out


def _walk(items: list, parent: str | None, out: list[Code], file) -> None:
    for item in items:
        if not isinstance(item, dict):
            raise CodebookError(f"a code must be a mapping with id and name, not {item!r}",
                                file=file, place=f"under {parent}" if parent else None)
        unknown = sorted((k for k in item if k not in CODE_KEYS and k != _LINE), key=repr)
        code_id = item.get("id")
        if code_id is None or str(code_id).strip() == "":
            raise _err("a code has no 'id'", item, file)
        code_id = str(code_id).strip()
        if not ID_RE.match(code_id):
            raise _err(f"malformed id {code_id!r}: use lowercase letters, digits and _ in dotted "
                       "parts, e.g. goal.branding", item, file, code_id)
        if unknown:
            raise _err(f"unknown field {unknown[0]!r} (fields: {', '.join(sorted(CODE_KEYS))})",
                       item, file, code_id)
        name = item.get("name")
        if name is None or str(name).strip() == "":
            raise _err("missing 'name'", item, file, code_id)
        declared_parent = item.get("parent")
        the_parent = parent
        if declared_parent is not None:
            declared_parent = str(declared_parent).strip()
            if parent is not None and declared_parent != parent:
                raise _err(f"'parent: {declared_parent}' contradicts its place under {parent}",
                           item, file, code_id)
            the_parent = declared_parent
        color = _text(item, "color", file, code_id)
        if color and not COLOR_RE.match(color):
            raise _err(f"color {color!r} is not #RRGGBB", item, file, code_id)
        examples = item.get("examples") or []
        if not isinstance(examples, list):
            raise _err("'examples' must be a list", item, file, code_id)
        ex_clean = []
        for ex in examples:
            if isinstance(ex, str):
                ex = {"quote": ex}
            if not isinstance(ex, dict) or not str(ex.get("quote") or "").strip():
                raise _err("each example needs a 'quote'", ex if isinstance(ex, dict) else item,
                           file, code_id)
            ex_clean.append({str(k): str(v).strip() for k, v in ex.items() if k != _LINE})
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            raise _err("'properties' must be a mapping", item, file, code_id)
        bad_key = _non_text_key(props)
        if bad_key is not None:
            bad_key = bad_key[0]
            raise _err(f"property name {bad_key!r} is not text; quote it (\"{bad_key}\": ...)",
                       props, file, code_id)
        code = Code(
            id=code_id, name=str(name).strip(),
            description=_text(item, "description", file, code_id),
            inclusion=_text(item, "inclusion", file, code_id),
            exclusion=_text(item, "exclusion", file, code_id),
            examples=ex_clean,
            keywords=_phrases(item, "keywords", file, code_id),
            exclude_keywords=_phrases(item, "exclude_keywords", file, code_id),
            color=color, source=_text(item, "source", file, code_id),
            properties=_strip_lines(props), parent=the_parent, line=item.get(_LINE),
        )
        out.append(code)
        children = item.get("children") or []
        if not isinstance(children, list):
            raise _err("'children' must be a list of codes", item, file, code_id)
        _walk(children, code_id, out, file)


def _non_text_key(value) -> tuple | None:
    """``(key,)`` for the first mapping key in ``value`` (nested) that is not a string, else None."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k != _LINE and not isinstance(k, str):
                return (k,)
            found = _non_text_key(v)
            if found is not None:
                return found
    elif isinstance(value, list):
        for v in value:
            found = _non_text_key(v)
            if found is not None:
                return found
    return None


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _link(codes: list[Code], file) -> None:
    by_id: dict[str, Code] = {}
    for c in codes:
        if c.id in by_id:
            first = by_id[c.id].line
            raise CodebookError(f"duplicate id {c.id!r} (first defined on line {first})", file=file,
                                place=f"line {c.line}, code {c.id}" if c.line else f"code {c.id}")
        by_id[c.id] = c
    for c in codes:
        if c.parent is None:
            continue
        if c.parent not in by_id:
            raise CodebookError(f"unknown parent {c.parent!r}", file=file,
                                place=f"line {c.line}, code {c.id}" if c.line else f"code {c.id}")
        if not c.id.startswith(c.parent + "."):
            raise CodebookError(f"id must start with its parent's id {c.parent + '.'!r}", file=file,
                                place=f"line {c.line}, code {c.id}" if c.line else f"code {c.id}")
        by_id[c.parent].children.append(c.id)
    # detect cycles via declared parents in flat lists
    for c in codes:
        seen, cur = set(), c.parent
        while cur is not None:
            if cur in seen or cur == c.id:
                raise CodebookError("parent chain loops back to itself", file=file,
                                    place=f"code {c.id}")
            seen.add(cur)
            cur = by_id[cur].parent


#: codebook readers by file suffix (:meth:`Codebook.load`); :mod:`qualcode.io` adds .qdc/.qdpx/.qde
READERS = {".yaml": Codebook.from_yaml, ".yml": Codebook.from_yaml}
