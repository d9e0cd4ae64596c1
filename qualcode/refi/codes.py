"""REFI-QDA ``<Codes>`` to a qualcode :class:`~qualcode.codebook.Codebook` and GUID helpers.

Codes nest (NVivo, MAXQDA, ATLAS.ti 23, QualCoder) or are flat with ``Parent::child`` names
(ATLAS.ti 8); both become a tree. Ids are derived from names as dotted lowercase slugs
(``1. Oltás típusa`` -> ``1_oltas_tipusa``), unique among siblings and stable for the same file.
Each code keeps its REFI GUID in ``properties: {refi_guid: ...}``; a code marked
``isCodable="false"`` gets ``refi_codable: false``. Names the qualcode exporter stored in its
metadata note give back the exact ids of a qualcode codebook.
"""
from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET

from ..codebook import ID_RE, Codebook
from ..errors import InputFormatError

#: fixed namespace for qualcode's derived GUIDs (uuid5): the same key always gives the same GUID.
NAMESPACE = uuid.UUID("6f1d2a4e-3c5b-5e7a-9b1c-0d2e4f6a8b9c")
GUID_RE = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}\}?$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_RGB = re.compile(r"^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*[\d.]+%?\s*)?\)$",
                  re.IGNORECASE)


def derived_guid(kind: str, key: str) -> str:
    """An upper-case GUID derived from a kind and a stable key (never random)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}")).upper()


def norm_guid(value: str | None) -> str:
    """A GUID as a lookup key: braces stripped, upper case."""
    return (value or "").strip().strip("{}").upper()


def local(tag) -> str:
    """An element's name without its namespace (files use 1.0, 1:0 and 0:4 namespaces)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kids(el, name: str | None = None):
    """Child elements, optionally only those with local name ``name``."""
    return [c for c in el if isinstance(c.tag, str) and (name is None or local(c.tag) == name)]


def kid(el, name: str):
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def kid_text(el, name: str) -> str:
    c = kid(el, name)
    return "" if c is None or c.text is None else c.text


def parse_color(value: str | None) -> str | None:
    """``#RRGGBB`` (lower case) from ``#rgb``, ``#RRGGBB``, ``#AARRGGBB``, ``RRGGBB`` or
    ``rgb(r, g, b)``/``rgba(...)``; None when the value is not a colour."""
    if not value or not value.strip():
        return None
    v = value.strip()
    m = _HEX.match(v)
    if m:
        h = m.group(1).lower()
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        elif len(h) == 8:  # ARGB as .NET and Qt write it: drop the alpha byte
            h = h[2:]
        return "#" + h
    m = _RGB.match(v)
    if m:
        rgb = [int(x) for x in m.groups()]
        if all(0 <= x <= 255 for x in rgb):
            return "#" + "".join(f"{x:02x}" for x in rgb)
    return None


def slug(name: str) -> str:
    """A code-id part from a name: ASCII lowercase letters, digits and ``_``."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text or "code"


class _Node:
    __slots__ = ("guid", "name", "description", "color", "codable", "children", "synthetic")

    def __init__(self, guid, name, description="", color=None, codable=True, synthetic=False):
        self.guid, self.name, self.description = guid, name, description
        self.color, self.codable, self.synthetic = color, codable, synthetic
        self.children: list[_Node] = []


MAX_CODE_DEPTH = 100  # real code trees are a few levels deep


def _parse_nodes(parent_el, warnings: list[str], bad_colors: list[str], depth: int = 0) -> list[_Node]:
    if depth > MAX_CODE_DEPTH and kids(parent_el, "Code"):
        raise RecursionError
    out = []
    for el in kids(parent_el, "Code"):
        name = (el.get("name") or "").strip() or "(unnamed code)"
        raw_color = el.get("color")
        color = parse_color(raw_color)
        if raw_color and color is None:
            bad_colors.append(f"{name}: {raw_color!r}")
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        node = _Node(norm_guid(el.get("guid")), name, kid_text(el, "Description").strip(), color,
                     codable)
        node.children = _parse_nodes(el, warnings, bad_colors, depth + 1)
        out.append(node)
    return out


def _check_unique_guids(roots: list[_Node], file) -> None:
    """Two codes with one GUID would be merged silently (codings of both under one): refuse."""
    seen: dict[str, str] = {}
    stack = list(reversed(roots))  # file order, so the second one named is the later one
    while stack:
        n = stack.pop()
        if n.guid:
            if n.guid in seen:
                raise InputFormatError(
                    f"two codes share the GUID {n.guid} ({seen[n.guid]!r} and {n.name!r}); each "
                    "code needs its own GUID: fix the export in the tool that wrote it",
                    file=file, place=f"code {n.name!r}")
            seen[n.guid] = n.name
        stack.extend(reversed(n.children))


def _unflatten(roots: list[_Node]) -> list[_Node]:
    """Turn top-level ``Parent::child`` names into a tree (ATLAS.ti 8)."""
    if not any("::" in n.name for n in roots):
        return roots
    by_name = {n.name: n for n in reversed(roots) if "::" not in n.name}
    out: list[_Node] = []
    for n in roots:
        parts = [p.strip() for p in n.name.split("::")]
        if len(parts) < 2 or not all(parts):
            out.append(n)
            continue
        parent = by_name.get(parts[0])
        if parent is None:
            parent = by_name[parts[0]] = _Node("", parts[0], synthetic=True)
            out.append(parent)
        for p in parts[1:-1]:
            child = next((c for c in parent.children if c.name == p), None)
            if child is None:
                child = _Node("", p, synthetic=True)
                parent.children.append(child)
            parent = child
        n.name = parts[-1]
        parent.children.append(n)
    return out


def codebook_from_codes(codes_el, *, name: str = "", meta: dict | None = None, file=None,
                        warnings: list[str] | None = None) -> tuple[Codebook, dict[str, str]]:
    """Build a Codebook from a ``<Codes>`` element; return it and a map GUID -> code id.

    ``meta`` is the qualcode metadata (``{"codes": {GUID: {"id": ..., ...}}, "name": ...}``) an
    earlier qualcode export stored; where it fits the tree, its ids and fields are used.
    """
    warnings = warnings if warnings is not None else []
    meta = meta or {}
    code_meta = {norm_guid(k): v for k, v in (meta.get("codes") or {}).items() if isinstance(v, dict)}
    bad_colors: list[str] = []
    try:
        nodes = [] if codes_el is None else _parse_nodes(codes_el, warnings, bad_colors)
    except RecursionError:
        raise InputFormatError(f"the code tree nests more than {MAX_CODE_DEPTH} levels deep; "
                               "refusing it", file=file) from None
    _check_unique_guids(nodes, file)
    roots = _unflatten(nodes)
    if bad_colors:
        warnings.append(f"{len(bad_colors)} code colour(s) could not be read and were left out: "
                        + "; ".join(bad_colors[:5]) + (" ..." if len(bad_colors) > 5 else ""))
    guid_to_id: dict[str, str] = {}
    used: set[str] = set()

    def build(nodes: list[_Node], parent_id: str | None) -> list[dict]:
        siblings: set[str] = set()
        out = []
        for n in nodes:
            extra = code_meta.get(n.guid, {}) if n.guid else {}
            want = extra.get("id")
            if not (isinstance(want, str) and ID_RE.match(want) and want not in used
                    and (parent_id is None or want.startswith(parent_id + "."))
                    and (parent_id is not None or "." not in want)):
                base = slug(n.name) if parent_id is None else f"{parent_id}.{slug(n.name)}"
                want, k = base, 2
                while want in used or want in siblings:
                    want, k = f"{base}_{k}", k + 1
            used.add(want)
            siblings.add(want)
            if n.guid:
                guid_to_id.setdefault(n.guid, want)
            props = dict(extra.get("properties") or {}) if isinstance(extra.get("properties"), dict) else {}
            if n.guid:
                props["refi_guid"] = n.guid
            if not n.codable:
                props["refi_codable"] = False
            if n.synthetic:
                props["refi_folder"] = True
            d = {"id": want, "name": n.name, "description": n.description}
            if n.color:
                d["color"] = n.color
            for key in ("inclusion", "exclusion", "source", "keywords", "exclude_keywords",
                        "examples"):
                if extra.get(key):
                    d[key] = extra[key]
            if props:
                d["properties"] = props
            children = build(n.children, want)
            if children:
                d["children"] = children
            out.append(d)
        return out

    data = {"name": meta.get("name") or name, "version": meta.get("version") or "",
            "description": meta.get("description") or "", "codes": build(roots, None)}
    if meta.get("references"):
        data["references"] = meta["references"]
    return Codebook.from_dict(data, file=file), guid_to_id


def codes_element_from_root(root: ET.Element):
    """The ``<Codes>`` element of a Project (inside CodeBook) or of a bare CodeBook."""
    if local(root.tag) == "CodeBook":
        return kid(root, "Codes")
    cb = kid(root, "CodeBook")
    return None if cb is None else kid(cb, "Codes")
