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

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .codebook import ID_RE, Codebook
from .errors import CodebookError, QualcodeError, warn
from .fileio import write_bytes, write_text
from .store_file import CODEBOOK_BESIDE
from .io import read_codebook

EDITABLE = ("name", "description", "inclusion", "exclusion", "keywords", "examples", "color")


def slug(name: str) -> str:
    """A code-id part from a name: ``"Trust in experts!"`` -> ``trust_in_experts``."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s[:40] or "code"


def new_code_id(codebook: Codebook, name: str, *, parent: str | None = None,
                code_id: str | None = None) -> str:
    """The id of a new code named ``name`` under ``parent``: ``code_id`` when given (its last
    part put under ``parent``), else the name's :func:`slug` (``_2``, ``_3`` … when taken).
    Raises :class:`CodebookError` for an unusable or taken id, or an unknown parent."""
    if parent is not None and parent not in codebook:
        raise CodebookError(f"no code {parent!r} to put the new code under")
    if code_id:
        code_id = code_id.strip()
        if not ID_RE.match(code_id):
            raise CodebookError(f"id {code_id!r} is not usable: lowercase letters, digits and _ "
                                "in dotted parts, e.g. goal.trust")
        if parent and not code_id.startswith(parent + "."):
            code_id = f"{parent}.{code_id.split('.')[-1]}"
    else:
        base = f"{parent}.{slug(name)}" if parent else slug(name)
        code_id, n = base, 2
        while code_id in codebook:
            code_id, n = f"{base}_{n}", n + 1
    if code_id in codebook:
        raise CodebookError(f"code {code_id!r} exists already; choose another name or id")
    return code_id


def base_codebook(project) -> Codebook:
    """The project's codebook file, or an empty codebook when the settings name none."""
    if project.settings.codebook:
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
    categories = list(cb.categories)  # declared categories follow renames, merges and deletes
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
            categories = [renames.get(c, c) for c in categories]
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
            categories = [target if c == code else renames.get(c, c) for c in categories]
        elif action == "delete":
            if any(c.get("parent") == code for c in codes):
                raise CodebookError(f"code {code!r} has children; move or delete them first",
                                    file=file, place=where)
            codes = [c for c in codes if c["id"] != code]
            categories = [c for c in categories if c != code]
        else:
            raise CodebookError(f"unknown codebook change {action!r}", file=file, place=where)
    data = {"name": cb.name, "version": cb.version, "description": cb.description,
            "references": cb.references, "codes": _nest(codes)}
    if categories:
        kept = []
        for c in dict.fromkeys(categories):  # none twice, none below another
            if not any(c.startswith(k + ".") or k.startswith(c + ".") for k in kept):
                kept.append(c)
        data["categories"] = kept
    out = Codebook.from_dict(data, file=file)
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


# -- the codebook file, kept in step with the store ------------------------------------------------
#
# The project's codebook is the file plus the stored changes not yet written into it. After every
# codebook change (by whichever process makes it) the library rewrites a YAML codebook file inside
# the project folder atomically, with a ``# qualcode-sync:`` line naming the last change it holds
# and the sha256 of what it wrote. So the file a student opens is the project's codebook, and:
# - a hand edit is read at once (the file is the base the changes not yet in it apply to);
# - a hand edit made while the store has changes the file lacks keeps both: the changes are
#   applied on top of the edit, the file as the student left it is copied to a ``.bak`` first, and
#   a notice says so; a change that cannot apply to the edit is an error naming both, nothing lost;
# - a file outside the project folder (shared by several projects, or the shipped codebook) or
#   in another format (.qdc/.qdpx, another program's export) is never rewritten: the changes stay
#   in the store, and ``qualcode codebook export`` writes the current codebook.

SYNC_PREFIX = "# qualcode-sync:"
_SYNC_LINE = re.compile(r"^# qualcode-sync: change (\d+) (\S+) sha256 ([0-9a-f]{64})[ \t]*\r?$",
                        re.MULTILINE)
_HEADER = """\
# The codebook of the qualcode project "{name}", kept in step with its store (qualcode.sqlite):
# codes created, edited, moved, merged or deleted while coding are written here by qualcode.
# Edit it by hand if you like; qualcode reads your edits (a version it replaces that you edited
# is kept beside it as a .bak file). Keep the qualcode-sync line: it says which of the stored
# changes this file holds. 'qualcode codebook export -o FILE' writes the codebook elsewhere.
{prefix} change {change} {time} sha256 {digest}
"""


@dataclass
class FileState:
    """What qualcode can tell about a codebook file it keeps in step."""

    path: Path
    change: int | None = None   #: the last stored change the file holds (its sync line), or None
    time: str | None = None     #: that change's time, to tell this project's store from another's
    edited: bool = True         #: changed since qualcode wrote it (a file without a sync line: True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_state(path) -> FileState:
    """The sync line of a codebook file and whether its text changed since qualcode wrote it."""
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    m = _SYNC_LINE.search(text)
    if m is None:
        return FileState(path)
    body = text[m.end() + 1:]
    return FileState(path, int(m.group(1)), m.group(2), _digest(body) != m.group(3))


def synced_file(project) -> Path | None:
    """The codebook file qualcode keeps in step: the project's YAML codebook when it lies inside
    the project folder; None otherwise (no file, a .qdc/.qdpx, or a file outside the folder)."""
    if not project.settings.codebook:
        return None
    path = project.path(project.settings.codebook)
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        path.resolve().relative_to(project.root)
    except ValueError:
        return None
    return path


def current_codebook(project) -> Codebook:
    """The project's codebook: its file with the stored changes not yet in the file applied, and
    the file brought in step when it lacks some (see the section comment above). Called by
    :attr:`qualcode.Project.codebook` and after every codebook change."""
    cb, pending, state = compose(project, project.store.codebook_changes())
    if pending and state is not None:
        write_in_step(project, cb, pending[-1], state)
    warn_unknown_codes(project, cb)
    return cb


def warn_unknown_codes(project, cb: Codebook) -> dict[str, int]:
    """Say so when human codings use code ids ``cb`` does not have (a hand edit of the codebook
    file renamed or removed them: the store's own changes recode their codings); returns
    ``{code: count}`` of those codings."""
    gone = {c: n for c, n in project.store.human_code_counts().items() if c not in cb}
    if gone:
        where = project.path(project.settings.codebook) if project.settings.codebook \
            else project.settings_path
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(gone.items())[:5])
        more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
        warn(f"{where}: {sum(gone.values())} human codings use codes this codebook does not have: "
             f"{listed}{more}. Renamed or removed by editing the file? Put the ids back, then "
             "rename, merge or delete them in the workbench ('qualcode open'), where their codings "
             "follow; until then the learner and the codebook's views leave those codings out")
    return gone


def compose(project, changes: list[dict]) -> tuple[Codebook, list[dict], "FileState | None"]:
    """The codebook of ``project`` given its stored ``changes``: the file with the changes it
    does not hold yet applied (no file is written). Returns ``(codebook, those changes, the
    file's state)``; a store's write transaction plans a codebook change on it."""
    base = base_codebook(project)
    path = synced_file(project)
    state = file_state(path) if path is not None and path.is_file() else None
    pending = changes
    if state is not None and state.change is not None:
        held = next((c for c in changes if c["id"] == state.change), None)
        if held is not None and held["time"] == state.time:
            pending = [c for c in changes if c["id"] > state.change]
        elif changes:
            warn(f"{path}: its qualcode-sync line names codebook change {state.change}, which "
                 f"this project's store does not hold (a file from another project?); all "
                 f"{len(changes)} stored changes are applied to it")
    try:
        cb = apply_changes(base, pending, file=path or project.settings_path)
    except CodebookError as exc:
        if state is None or not state.edited:
            raise
        raise CodebookError(
            f"{exc.message}: the file was edited by hand while the project's store held "
            f"{len(pending)} codebook change(s) not yet in it, and they no longer fit your edit. "
            "Nothing was lost: your edit is in the file, the changes are in qualcode.sqlite "
            "('qualcode history' lists them); put back in the file what that change needs "
            "(e.g. the code it names), then run the command again",
            file=path, place=exc.place) from None
    return cb, pending, state


def write_in_step(project, cb: Codebook, last_change: dict, state: FileState) -> Path | None:
    """Write ``cb`` to the project's codebook file atomically, marked as holding ``last_change``.

    A file edited since qualcode wrote it (or never written by qualcode) is copied beside itself
    as ``NAME.YYYYmmdd-HHMMSS.bak`` first, and a notice names the copy. A file that cannot be
    written is reported as a notice (the codebook stays whole in the store). Returns the backup."""
    path = state.path
    body = cb.to_yaml()
    text = _HEADER.format(name=project.settings.name, prefix=SYNC_PREFIX, change=last_change["id"],
                          time=last_change["time"], digest=_digest(body)) + body
    backup = None
    try:
        old = path.read_bytes()
        if state.edited and old.decode("utf-8-sig", errors="replace") != text:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            for n in range(1, 1000):
                backup = path.with_name(f"{path.name}.{stamp}{'' if n == 1 else f'-{n}'}.bak")
                if not backup.exists():
                    break
            write_bytes(backup, old)
        write_text(path, text, force=True)
    except (OSError, QualcodeError) as exc:
        warn(f"{path}: could not bring the codebook file in step ({exc}); the project's codebook "
             "is whole in qualcode.sqlite: 'qualcode codebook export -o FILE' writes it")
        return None
    if backup is not None:
        warn(f"{path}: brought in step with the project's codebook ({len(cb)} codes; codebook "
             f"changes made while coding written into it); the file as it was before is kept as "
             f"{backup.name}")
    return backup


def codebook_status(project) -> dict:
    """Where the project's codebook lives, for messages: ``file`` (the settings' codebook path or
    None), ``in_step`` (qualcode keeps that file in step), ``changes`` (stored codebook changes)."""
    path = project.path(project.settings.codebook) if project.settings.codebook else None
    return {"file": path, "in_step": synced_file(project) is not None,
            "changes": len(project.store.codebook_changes())}


# ---- backups: the codebook file goes with the store -----------------------------------------
# The file kept in step holds the codebook as of a stored change; a restored store may hold fewer
# changes, and the file alone cannot say what the codebook was before them. So every backup of
# the store made through the project keeps a copy of the file beside it, and a restore puts the
# copy back with the store.

def save_beside(project, backup: Path | None) -> Path | None:
    """Copy the project's synced codebook file beside ``backup`` (``<backup>.codebook.yaml``);
    None when there is no such file."""
    path = synced_file(project)
    if backup is None or path is None or not path.is_file():
        return None
    copy = Path(backup).with_name(Path(backup).name + CODEBOOK_BESIDE)
    write_bytes(copy, path.read_bytes(), force=True)
    return copy


def restore_beside(project, backup: Path) -> bool:
    """Put back the codebook file saved beside ``backup`` (if any): the codebook is then the one
    of the restored store. A backup without a copy (made by an older qualcode, or of a project
    whose codebook file lies outside it) leaves the file as it is and says so when the file holds
    changes the restored store does not."""
    path = synced_file(project)
    copy = Path(backup).with_name(Path(backup).name + CODEBOOK_BESIDE)
    if path is None or not copy.is_file():
        return False
    write_bytes(path, copy.read_bytes(), force=True)
    return True
