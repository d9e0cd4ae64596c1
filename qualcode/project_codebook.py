"""A project's codebook: the codebook file plus the changes stored while coding.

Open coding creates codes, axial coding renames, moves and merges them. Each change is a row of the
store's ``codebook_changes`` table (``action, code, data``), applied in order on top of the file by
:func:`apply_changes` and validated by the same rules as a codebook file
(:meth:`qualcode.codebook.Codebook.from_dict`). Actions:

``create``  ``{name, parent, color, description}``
``update``  any of :data:`EDITABLE`
``move``    ``{new_parent, renames: {old id: new id}}`` (ids carry their parent's id)
``merge``   ``{target}``: the source (and its children, moved under target) disappears
``delete``  ``{recode_to}``
"""
from __future__ import annotations

from .codebook import Codebook
from .errors import CodebookError

EDITABLE = ("name", "description", "inclusion", "exclusion", "keywords", "examples", "color")


def base_codebook(project) -> Codebook:
    """The project's codebook file, or an empty codebook when the settings name none."""
    if project.settings.codebook:
        from .io import read_codebook

        return read_codebook(project.path(project.settings.codebook))
    return Codebook([], name=project.settings.name)


def _flat(cb: Codebook) -> list[dict]:
    out = []
    for c in cb:
        d = c.to_dict()
        d.pop("children", None)
        if c.parent:
            d["parent"] = c.parent
        out.append(d)
    return out


def apply_changes(cb: Codebook, changes: list[dict], *, file=None) -> Codebook:
    """``cb`` with ``changes`` applied; :class:`CodebookError` names the first change that fails."""
    if not changes:
        return cb
    codes = _flat(cb)
    for ch in changes:
        action, code, data = ch["action"], ch["code"], dict(ch["data"] or {})
        by_id = {c["id"]: c for c in codes}
        where = f"codebook change {ch.get('id', '')} ({action} {code})".replace("  ", " ")
        if action != "create" and code not in by_id:
            raise CodebookError(f"no code {code!r} to {action}", file=file, place=where)
        if action == "create":
            if code in by_id:
                raise CodebookError(f"code {code!r} exists already", file=file, place=where)
            new = {"id": code, "name": data.get("name") or code,
                   "description": data.get("description") or ""}
            if data.get("parent"):
                new["parent"] = data["parent"]
            if data.get("color"):
                new["color"] = data["color"]
            codes.append(new)
        elif action == "update":
            for key, value in data.items():
                if key not in EDITABLE:
                    raise CodebookError(f"cannot edit {key!r}", file=file, place=where)
                by_id[code][key] = value
        elif action == "move":
            renames = data.get("renames") or {}
            for c in codes:
                if c["id"] in renames:
                    c["id"] = renames[c["id"]]
                if c.get("parent") in renames:
                    c["parent"] = renames[c["parent"]]
            moved = by_id[code]
            if data.get("new_parent"):
                moved["parent"] = data["new_parent"]
            else:
                moved.pop("parent", None)
            codes.remove(moved)  # the last of its new siblings
            codes.append(moved)
        elif action == "merge":
            target = data["target"]
            renames = _subtree_renames([c["id"] for c in codes], code, target)
            codes = [c for c in codes if c["id"] != code]
            for c in codes:
                if c["id"] in renames:
                    c["id"] = renames[c["id"]]
                if c.get("parent") == code:
                    c["parent"] = target
                elif c.get("parent") in renames:
                    c["parent"] = renames[c["parent"]]
        elif action == "delete":
            if any(c.get("parent") == code for c in codes):
                raise CodebookError(f"code {code!r} has children; move or delete them first",
                                    file=file, place=where)
            codes = [c for c in codes if c["id"] != code]
        else:
            raise CodebookError(f"unknown codebook change {action!r}", file=file, place=where)
    out = Codebook.from_dict({"name": cb.name, "version": cb.version,
                              "description": cb.description, "references": cb.references,
                              "codes": _nest(codes)}, file=file)
    out.path = cb.path
    return out


def _nest(codes: list[dict]) -> list[dict]:
    """The flat list as a tree, so the codebook keeps its pre-order (parents before children).
    A code whose parent is unknown stays flat with its ``parent`` key, for the validation to
    name it."""
    ids = {c["id"] for c in codes}
    kids: dict[str, list[dict]] = {}
    for c in codes:
        if c.get("parent") in ids:
            kids.setdefault(c["parent"], []).append(c)

    def node(c: dict) -> dict:
        d = {k: v for k, v in c.items() if k != "parent" or v not in ids}
        if c["id"] in kids:
            d["children"] = [node(k) for k in kids[c["id"]]]
        return d

    return [node(c) for c in codes if c.get("parent") not in ids]


def _subtree_renames(ids: list[str], old_root: str, new_root: str) -> dict[str, str]:
    """Children of ``old_root`` re-rooted under ``new_root`` (old id -> new id)."""
    return {i: new_root + i[len(old_root):] for i in ids if i.startswith(old_root + ".")}


def moved_ids(cb: Codebook, code: str, new_parent: str | None) -> dict[str, str]:
    """Old id -> new id for ``code`` and its descendants moved under ``new_parent``."""
    if code not in cb:
        raise CodebookError(f"no code {code!r} to move")
    if new_parent is not None and new_parent not in cb:
        raise CodebookError(f"no code {new_parent!r} to move {code!r} under")
    if new_parent is not None and (new_parent == code or new_parent.startswith(code + ".")):
        raise CodebookError(f"cannot move {code!r} under itself ({new_parent!r})")
    leaf = code.split(".")[-1]
    new_id = f"{new_parent}.{leaf}" if new_parent else leaf
    if new_id != code and new_id in cb:
        raise CodebookError(f"cannot move {code!r}: {new_id!r} exists already")
    out = {code: new_id}
    out.update(_subtree_renames(cb.ids(), code, new_id))
    return out


def merged_ids(cb: Codebook, source: str, target: str) -> dict[str, str]:
    """Old id -> new id when ``source`` merges into ``target`` (children move under target)."""
    for c in (source, target):
        if c not in cb:
            raise CodebookError(f"no code {c!r} to merge")
    if source == target or target.startswith(source + "."):
        raise CodebookError(f"cannot merge {source!r} into {target!r}")
    out = {source: target}
    renames = _subtree_renames(cb.ids(), source, target)
    clash = [n for n in renames.values() if n in cb]
    if clash:
        raise CodebookError(f"cannot merge {source!r} into {target!r}: {clash[0]!r} exists already")
    out.update(renames)
    return out
