"""Read REFI-QDA projects (.qdpx, loose .qde) and codebooks (.qdc) into qualcode's model.

What comes in, and what is reported as left out (spec §7: an importer tells the user what it
drops), is described in :class:`QdpxProject`. Positions are converted to code points of the
LF-normalised text by :mod:`qualcode.refi.positions`; every imported selection lands on text.
"""
from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..codebook import Codebook
from ..codings import empty_codings, validate_codings
from ..corpus import UNITS, Corpus
from ..errors import InputFormatError, warn
from ..fileio import decode_bytes
from ..readers import Source, declared_turns
from . import positions as pos_mod
from .codes import (codebook_from_codes, codes_element_from_root, kid, kid_text, kids, local,
                    norm_guid)
from .safety import MAX_XML_BYTES, SafeArchive, parse_xml

META_NOTE_NAME = "qualcode"
META_KEY = "qualcode_metadata"
NOTE_COLUMNS = ["note", "name", "text", "target_kind", "target", "document", "start", "end"]
_MEDIA = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")
_DOC_EXT = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".htm", ".html", ".md")
_BAD_NAME_CHARS = str.maketrans({c: "_" for c in '/\\:*?"<>|'})


@dataclass
class QdpxProject:
    """A REFI-QDA project in qualcode's model.

    Attributes
    ----------
    corpus : Corpus or None
        The text sources as documents (None when the file has no readable text source).
    codebook : Codebook
        The code tree; each code keeps its REFI GUID in ``properties["refi_guid"]``.
    codings : DataFrame
        ``document, start, end, code, coder, method, memo`` (+ ``score``, ``status`` when any
        row has them); code-point offsets; ``method``, ``score``, ``status`` and each coding's own
        ``memo`` come from qualcode's metadata note when the file has one (else ``method`` is
        ``human``, except for coders named ``qualcode-<method>``); a range coded twice with the
        same code by the same coder is one row.
    cases : DataFrame
        ``case`` plus one column per variable.
    notes : DataFrame
        ``note, name, text, target_kind, target, document, start, end``: memos, memo-only
        selections and what they are attached to.
    users : DataFrame
        ``guid, name, id, coder``.
    warnings : list of str
        What was skipped or guessed.
    settings : dict
        qualcode's project settings when qualcode wrote the file (``interviewer``, ``speakers``,
        ``unit``, ``reference_coder``, ...; see :class:`qualcode.project.ProjectSettings`),
        else empty.
    offsets : str
        The position mode used (see :mod:`qualcode.refi.positions`), and ``offsets_reason`` why.
    """

    name: str
    origin: str
    corpus: Corpus | None
    codebook: Codebook
    codings: pd.DataFrame
    cases: pd.DataFrame
    notes: pd.DataFrame
    users: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    offsets: str = "codepoint"
    offsets_reason: str = ""
    path: str = ""
    settings: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "documents": 0 if self.corpus is None else len(self.corpus.document_ids),
            "codes": len(self.codebook), "codings": len(self.codings),
            "coders": int(self.codings["coder"].nunique()) if len(self.codings) else 0,
            "cases": len(self.cases), "notes": len(self.notes), "warnings": len(self.warnings),
        }


# ------------------------------------------------------------------------------------------
# entry points


def read_qdpx(path, *, offsets: str = "auto", unit: str = "turn") -> QdpxProject:
    """Read a .qdpx project (or a loose .qde) into a :class:`QdpxProject`.

    ``offsets`` is ``auto`` (detected per producing tool and checked) or one of
    ``codepoint``, ``codepoint-lf``, ``utf16``, ``utf16-lf``. ``unit`` cuts the corpus's segments.
    """
    if offsets not in pos_mod.OFFSET_CHOICES:
        raise ValueError(f"unknown offsets {offsets!r}; use one of {', '.join(pos_mod.OFFSET_CHOICES)}")
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    path = Path(path)
    root, archive, entry = _open_project(path)
    try:
        if local(root.tag) != "Project":
            raise InputFormatError(f"not a REFI-QDA project: the root element is <{local(root.tag)}>, "
                                   "not <Project>", file=path, place=f"entry {entry!r}" if archive else None)
        return _Reader(path, root, archive, offsets=offsets, unit=unit).run()
    finally:
        if archive is not None:
            archive.close()


def read_codebook(path) -> Codebook:
    """Read the code tree of a .qdc codebook, or of a .qdpx/.qde project."""
    path = Path(path)
    warnings: list[str] = []
    if path.suffix.lower() == ".qdc":
        root = parse_xml(_read_file(path), file=path)
        if local(root.tag) != "CodeBook":
            raise InputFormatError(f"not a REFI-QDA codebook: the root element is "
                                   f"<{local(root.tag)}>, not <CodeBook>", file=path)
        name = path.stem
        sets = kid(root, "Sets")
        groups = [] if sets is None else kids(sets, "Set")
        if groups:  # an empty <Sets/> (Taguette) is tolerated: nothing is lost
            warn(f"{path}: {len(groups)} code set(s) not imported: "
                 + ", ".join(repr(g.get("name")) for g in groups))
    else:
        root, archive, _ = _open_project(path)
        if archive is not None:
            archive.close()
        name = root.get("name") or path.stem
    cb, _ = codebook_from_codes(codes_element_from_root(root), name=name, file=path,
                                meta=_metadata(root), warnings=warnings)
    return cb


def load_project(path, *, offsets: str = "auto", unit: str = "turn"):
    """``(corpus, codebook, codings)`` of a .qdpx: for commands that take a project as input."""
    p = read_qdpx(path, offsets=offsets, unit=unit)
    if p.corpus is None:
        raise InputFormatError("the project has no readable text sources", file=path)
    return p.corpus, p.codebook, p.codings


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise InputFormatError(f"file is {size:,} bytes (limit {MAX_XML_BYTES:,})", file=path)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFormatError("no such file", file=path) from None
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", file=path) from None


def _open_project(path: Path):
    """Return ``(root element, SafeArchive or None, entry name)``."""
    if path.suffix.lower() == ".qde":
        return parse_xml(_read_file(path), file=path), None, path.name
    archive = SafeArchive(path)
    try:
        entry = archive.project_entry()
        root = parse_xml(archive.read(entry), file=path, entry=entry)
    except Exception:
        archive.close()
        raise
    return root, archive, entry


def _metadata(root) -> dict:
    """The metadata note a qualcode export leaves (exact code ids and codebook fields)."""
    notes = kid(root, "Notes")
    for note in ([] if notes is None else kids(notes, "Note")):
        if (note.get("name") or "") == META_NOTE_NAME:
            try:
                data = json.loads(kid_text(note, "PlainTextContent"))
            except ValueError:
                return {}
            if isinstance(data, dict) and isinstance(data.get(META_KEY), dict):
                return data[META_KEY]
    return {}


# ------------------------------------------------------------------------------------------


def _coding_row(doc, start, end, code, coder, selection_memo, meta) -> dict:
    """One coding. ``meta`` is what qualcode's export kept for it (method, score, status, its own
    memo). Without it, a coder named ``qualcode-<method>`` (a machine's output edited in another
    tool) stays a machine coder with status ``suggested``: nothing becomes human by accident."""
    row = {"document": doc, "start": start, "end": end, "code": code, "coder": coder,
           "method": "human", "score": None, "status": None, "memo": selection_memo}
    if meta:
        row["method"] = str(meta.get("method") or "human")
        row["score"] = meta.get("score")
        row["status"] = meta.get("status")
        row["memo"] = meta.get("memo") if "memo" in meta else selection_memo
    elif coder.startswith("qualcode-"):
        kind = coder[len("qualcode-"):]
        row["method"] = kind if kind in ("keyword", "classifier", "semantic") else "keyword"
        row["status"] = "suggested"
        row["memo"] = ""
    return row


_SETTING_KEYS = {"interviewer": list, "speakers": list, "unit": str, "reference_coder": str,
                 "blind": bool, "name": str}


def _settings(data) -> dict:
    """The project settings of the metadata note that qualcode reads back (known keys of the
    right type only: the note is input like any other)."""
    if not isinstance(data, dict):
        return {}
    out = {}
    for key, kind in _SETTING_KEYS.items():
        v = data.get(key)
        if isinstance(v, kind) and (kind is not list or all(isinstance(x, str) for x in v)):
            out[key] = v
    return out


def document_id(name: str) -> str:
    """A document id from a source name: extension dropped, safe as a file name."""
    n = name.strip()
    for ext in _DOC_EXT:
        if n.lower().endswith(ext) and len(n) > len(ext):
            n = n[: -len(ext)]
            break
    n = "".join(ch if ch.isprintable() else "_" for ch in n).translate(_BAD_NAME_CHARS)
    n = " ".join(n.split()).strip(" .")
    return n or "document"


def _cut_context(text: str, doc: str, start: int, end: int) -> str:
    """``doc start-end ('…abc|def…' … '…ghi|jkl…')``: where a selection cuts a word."""
    def at(i: int) -> str:
        return " ".join((text[max(0, i - 8):i] + "|" + text[i:i + 8]).split())
    return f"{doc} {start}-{end} ({at(start)!r} … {at(end)!r})"


class _Reader:
    def __init__(self, path: Path, root, archive, *, offsets: str, unit: str):
        self.path, self.root, self.archive = path, root, archive
        self.offsets, self.unit = offsets, unit
        self.origin = root.get("origin") or ""
        self.warnings: list[str] = []
        self.note_targets: dict[str, list[tuple]] = defaultdict(list)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def run(self) -> QdpxProject:
        root = self.root
        users = self._users()
        meta = _metadata(root)
        cb, guid_to_id = codebook_from_codes(codes_element_from_root(root),
                                             name=root.get("name") or self.path.stem,
                                             meta=meta, file=self.path, warnings=self.warnings)
        self._code_notes(codes_element_from_root(root), guid_to_id)
        texts, raws, sels, doc_vars = self._sources()
        mode, reason = self._choose_mode(raws, sels)
        codings, memo_notes = self._codings(texts, raws, sels, mode, guid_to_id, users,
                                            meta.get("codings") or {})
        cases, doc_case = self._cases(texts, doc_vars)
        notes = self._notes(memo_notes)
        self._unsupported()
        corpus = None
        if texts:
            doc_meta = meta.get("documents") if isinstance(meta.get("documents"), dict) else {}
            sources = [Source(name=d, text=t, path=f"{self.path}#{d}", format="qdpx",
                              attributes={"case": doc_case.get(d, d)},
                              turns=self._turns(d, t, doc_meta.get(d)))
                       for d, t in texts.items()]
            for src in sources:
                interviewers = (doc_meta.get(src.name) or {}).get("interviewer")
                if src.turns is not None and isinstance(interviewers, list):
                    src.attributes["interviewer"] = [str(x) for x in interviewers]
            corpus = Corpus.from_sources(sources, cases=cases if len(cases) else None, unit=self.unit)
            # keep a value the project does not give as missing (NaN), not as ""
            cases = corpus.cases[["case"]].merge(cases, on="case", how="left")
            corpus.cases = cases
        user_df = pd.DataFrame([{"guid": g, **u} for g, u in users.items()],
                               columns=["guid", "name", "id", "coder"])
        return QdpxProject(name=root.get("name") or self.path.stem, origin=self.origin,
                           corpus=corpus, codebook=cb, codings=codings, cases=cases, notes=notes,
                           users=user_df, warnings=self.warnings, offsets=mode,
                           offsets_reason=reason, path=str(self.path),
                           settings=_settings(meta.get("settings")))

    def _turns(self, doc: str, text: str, meta) -> list | None:
        """The document's turns as qualcode wrote them (None: find them in the text). Turns that
        do not fit the text (edited elsewhere, or made up) are ignored with a warning."""
        if not isinstance(meta, dict) or not isinstance(meta.get("turns"), list):
            return None
        try:
            return declared_turns(meta["turns"], text) or None
        except InputFormatError:
            self.warn(f"document {doc!r}: qualcode's turn list does not fit its text; turns "
                      "found in the text instead")
            return None

    # -- users --------------------------------------------------------------------------------

    def _users(self) -> dict[str, dict]:
        out = {}
        el = kid(self.root, "Users")
        for u in ([] if el is None else kids(el, "User")):
            g = norm_guid(u.get("guid"))
            name, uid = (u.get("name") or "").strip(), (u.get("id") or "").strip()
            out[g] = {"name": name, "id": uid, "coder": name or uid or g}
        return out

    def _coder(self, users, *guids) -> str:
        for g in guids:
            g = norm_guid(g)
            if g:
                return users[g]["coder"] if g in users else g
        return "unknown"

    # -- sources ------------------------------------------------------------------------------

    def _text_of(self, src, label: str) -> str | None:
        content = kid(src, "PlainTextContent")
        if content is not None and content.text is not None and not src.get("plainTextPath"):
            return content.text
        ref = (src.get("plainTextPath") or "").strip()
        if not ref:
            if content is not None:
                return content.text or ""
            self.warn(f"text source {label!r} has neither PlainTextContent nor plainTextPath; skipped")
            return None
        if ref.lower().startswith(("relative://", "absolute://", "file:", "http:", "https:")):
            self.warn(f"text source {label!r} points at an external file ({ref}); external files "
                      "are not read; skipped")
            return None
        name = ref.split("://", 1)[1] if ref.lower().startswith("internal://") else ref
        if self.archive is None:
            self.warn(f"text source {label!r}: a loose .qde carries no sources/ folder, so its text "
                      f"({name}) is not available; skipped")
            return None
        member = self.archive.find(f"sources/{name}") or self.archive.find(name)
        if member is None:
            self.warn(f"text source {label!r}: {name} is not in the archive; skipped")
            return None
        text, enc = decode_bytes(self.archive.read(member), file=f"{self.path}#{member}")
        if enc not in ("utf-8", "utf-8-sig"):
            self.warn(f"text source {label!r} ({member}) is not UTF-8; read as {enc}")
        return text

    def _sources(self):
        texts: dict[str, str] = {}
        raws: dict[str, str] = {}
        sels: dict[str, list[dict]] = {}
        doc_vars: dict[str, dict] = {}
        self.source_ids: dict[str, str] = {}
        el = kid(self.root, "Sources")
        taken: set[str] = set()
        seen_guids: dict[str, str] = {}
        for src in ([] if el is None else kids(el, "TextSource")):
            guid = norm_guid(src.get("guid"))
            if guid and guid in seen_guids:
                raise InputFormatError(
                    f"two sources share the GUID {guid} ({seen_guids[guid]!r} and "
                    f"{src.get('name')!r}); each source needs its own GUID: fix the export in the "
                    "tool that wrote it", file=self.path, place=f"source {src.get('name')!r}")
            seen_guids[guid] = src.get("name") or ""
            ref = src.get("plainTextPath") or ""
            label = (src.get("name") or "").strip() or os.path.basename(ref.split("://")[-1]) or guid
            n_sel = len(kids(src, "PlainTextSelection")) + len(kids(src, "Coding"))
            raw = self._text_of(src, label)
            if raw is None:
                if n_sel:
                    self.warn(f"text source {label!r}: its {n_sel} selection(s)/coding(s) were "
                              "skipped with it")
                continue
            if not raw.strip():
                self.warn(f"text source {label!r} has no text (empty or whitespace only); skipped"
                          + (f" with its {n_sel} selection(s)" if n_sel else ""))
                continue
            base = doc = document_id(label)
            k = 2
            while doc.lower() in taken:
                doc, k = f"{base}-{k}", k + 1
            taken.add(doc.lower())
            self.source_ids[guid] = doc
            raws[doc] = raw
            texts[doc] = raw.replace("\r\n", "\n").replace("\r", "\n")
            sels[doc] = self._selections(src, doc)
            for nr in kids(src, "NoteRef"):
                self.note_targets[norm_guid(nr.get("targetGUID"))].append(("document", doc, doc, None, None))
            values = self._variable_values(src)
            if values:
                doc_vars[doc] = values
        return texts, raws, sels, doc_vars

    def _selections(self, src, doc: str) -> list[dict]:
        out = []
        for s in kids(src, "PlainTextSelection"):
            try:
                start, end = int(s.get("startPosition")), int(s.get("endPosition"))
            except (TypeError, ValueError):
                self.warn(f"{doc}: selection {s.get('guid')} has no valid positions; skipped")
                continue
            codings = [(norm_guid((kid(c, "CodeRef").get("targetGUID") if kid(c, "CodeRef") is not None else "")),
                        c.get("creatingUser"), [nr.get("targetGUID") for nr in kids(c, "NoteRef")],
                        norm_guid(c.get("guid")))
                       for c in kids(s, "Coding")]
            out.append({"guid": norm_guid(s.get("guid")), "name": s.get("name") or "",
                        "start": start, "end": end, "memo": kid_text(s, "Description").strip(),
                        "user": s.get("creatingUser"), "codings": codings,
                        "notes": [nr.get("targetGUID") for nr in kids(s, "NoteRef")]})
        whole = [(norm_guid(kid(c, "CodeRef").get("targetGUID") if kid(c, "CodeRef") is not None else ""),
                  c.get("creatingUser"), [], norm_guid(c.get("guid"))) for c in kids(src, "Coding")]
        if whole:
            out.append({"guid": "", "name": "", "start": None, "end": None, "memo": "",
                        "user": src.get("creatingUser"), "codings": whole, "notes": []})
        return out

    def _choose_mode(self, raws, sels) -> tuple[str, str]:
        docs = list(raws)
        spans = [[(s["start"], s["end"]) for s in sels[d] if s["start"] is not None] for d in docs]
        if self.offsets != "auto":
            return self.offsets, "chosen explicitly"
        return pos_mod.choose_mode([raws[d] for d in docs], spans, self.origin)

    # -- codings ------------------------------------------------------------------------------

    def _codings(self, texts, raws, sels, mode, guid_to_id, users, coding_meta=None):
        rows, memo_notes = [], []
        missing_codes: Counter = Counter()
        dropped: list[str] = []
        cut: list[str] = []  # selections of a word-snapping tool (NVivo) that cut a word
        strict = pos_mod.wants_word_boundaries(self.origin)
        for doc, selections in sels.items():
            pm = pos_mod.PositionMap(raws[doc], mode)
            spans = [(s["start"], s["end"]) for s in selections if s["start"] is not None]
            off, ok = pm.to_codepoints([p for sp in spans for p in sp]) if spans else ([], [])
            i = 0
            for s in selections:
                if s["start"] is None:
                    start, end = 0, len(texts[doc])
                else:
                    start, end = int(off[2 * i]), int(off[2 * i + 1])
                    good = bool(ok[2 * i]) and bool(ok[2 * i + 1]) and end > start
                    i += 1
                    if not good:
                        dropped.append(f"{doc} {s['start']}-{s['end']}")
                        continue
                    if strict and not (pos_mod.on_word_boundary(texts[doc], start)
                                       and pos_mod.on_word_boundary(texts[doc], end)):
                        cut.append(_cut_context(texts[doc], doc, start, end))
                for nid in s["notes"]:
                    self.note_targets[norm_guid(nid)].append(("selection", s["guid"], doc, start, end))
                if not s["codings"]:
                    if s["memo"]:
                        memo_notes.append({"note": s["guid"], "name": s["name"], "text": s["memo"],
                                           "target_kind": "selection", "target": s["guid"],
                                           "document": doc, "start": start, "end": end})
                    continue
                for code_guid, user, note_ids, coding_guid in s["codings"]:
                    code = guid_to_id.get(code_guid)
                    if code is None:
                        missing_codes[code_guid or "(none)"] += 1
                        continue
                    for nid in note_ids:
                        self.note_targets[norm_guid(nid)].append(("coding", code, doc, start, end))
                    rows.append(_coding_row(doc, start, end, code,
                                            self._coder(users, user, s["user"]), s["memo"],
                                            (coding_meta or {}).get(coding_guid)))
        if dropped:
            self.warn(f"{len(dropped)} selection(s) do not land on the text when counted as {mode} "
                      f"and were skipped: " + ", ".join(dropped[:10]) + (" ..." if len(dropped) > 10 else ""))
        cut = list(dict.fromkeys(cut))  # NVivo repeats a range once per code applied to it
        if cut:
            self.warn(f"{len(cut)} selection(s) start or end inside a word; kept as "
                      f"{self.origin or 'the tool'} stored them: " + "; ".join(cut[:5])
                      + (" ..." if len(cut) > 5 else ""))
        if missing_codes:
            self.warn(f"{sum(missing_codes.values())} coding(s) refer to codes not in the codebook "
                      f"and were skipped: " + ", ".join(sorted(missing_codes)[:5]))
        if any(r["coder"] == "unknown" for r in rows):
            self.warn("some codings name no user; their coder is 'unknown'")
        if not rows:
            return empty_codings().drop(columns=["segment", "score"]), memo_notes
        df = pd.DataFrame(rows)
        key = ["document", "start", "end", "code", "coder"]
        before = len(df)
        df = (df.groupby(key, sort=False, as_index=False, dropna=False)
                .agg(method=("method", "first"), score=("score", "first"),
                     status=("status", "first"),
                     memo=("memo", lambda m: "; ".join(dict.fromkeys(x for x in m if x)))))
        if df["score"].isna().all():
            df = df.drop(columns="score")
        if df["status"].isna().all():
            df = df.drop(columns="status")
        if len(df) < before:
            self.warn(f"{before - len(df)} duplicate coding(s) of the same range, code and coder "
                      "merged")
        df = df.sort_values(["document", "start", "end", "code", "coder"], kind="stable")
        return validate_codings(df, file=self.path), memo_notes

    # -- cases and variables ------------------------------------------------------------------

    def _variables(self) -> dict[str, str]:
        """Variable GUID -> name."""
        el = kid(self.root, "Variables")
        return {norm_guid(v.get("guid")): (v.get("name") or norm_guid(v.get("guid")))
                for v in ([] if el is None else kids(el, "Variable"))}

    def _variable_values(self, el) -> dict[str, str]:
        names = self._variables()
        out = {}
        for vv in kids(el, "VariableValue"):
            ref = kid(vv, "VariableRef")
            g = norm_guid(None if ref is None else ref.get("targetGUID"))
            value_el = next((c for c in kids(vv) if local(c.tag) != "VariableRef"), None)
            value = "" if value_el is None or value_el.text is None else value_el.text.strip()
            out[names.get(g, g)] = value
        return out

    def _cases(self, texts, doc_vars):
        rows: dict[str, dict] = {}
        doc_case: dict[str, str] = {}
        el = kid(self.root, "Cases")
        conflicts = []
        for c in ([] if el is None else kids(el, "Case")):
            name = (c.get("name") or "").strip()
            values = self._variable_values(c)
            docs = [self.source_ids.get(norm_guid(r.get("targetGUID")))
                    for r in kids(c, "SourceRef")]
            docs = [d for d in docs if d]
            if not name and len(docs) == 1:  # MAXQDA/Quirkos: document variables as a nameless case
                doc_vars.setdefault(docs[0], {}).update(values)
                continue
            case = name or norm_guid(c.get("guid"))
            rows.setdefault(case, {}).update(values)
            for d in docs:
                if d in doc_case and doc_case[d] != case:
                    conflicts.append(f"{d} ({doc_case[d]}, {case})")
                    continue
                doc_case[d] = case
        if conflicts:
            self.warn("documents in more than one case keep the first: " + ", ".join(conflicts))
        for d, values in doc_vars.items():
            case = doc_case.setdefault(d, d)
            target = rows.setdefault(case, {})
            for k, v in values.items():
                if k in target and target[k] != v:
                    self.warn(f"case {case!r}: variable {k!r} is {target[k]!r} on the case but "
                              f"{v!r} on document {d!r}; kept {target[k]!r}")
                    continue
                target[k] = v
        var_order = list(dict.fromkeys(list(self._variables().values())
                                       + [k for r in rows.values() for k in r]))
        df = pd.DataFrame([{"case": c, **r} for c, r in rows.items()],
                          columns=["case"] + [v for v in var_order if v != "case"])
        return df, doc_case

    # -- notes and what is not supported ------------------------------------------------------

    def _code_notes(self, codes_el, guid_to_id) -> None:
        if codes_el is None:
            return
        for c in codes_el.iter():
            if local(c.tag) == "Code":
                code = guid_to_id.get(norm_guid(c.get("guid")))
                for nr in kids(c, "NoteRef"):
                    self.note_targets[norm_guid(nr.get("targetGUID"))].append(("code", code, None, None, None))
        for nr in kids(self.root, "NoteRef"):
            self.note_targets[norm_guid(nr.get("targetGUID"))].append(("project", "", None, None, None))

    def _notes(self, memo_notes) -> pd.DataFrame:
        rows = list(memo_notes)
        el = kid(self.root, "Notes")
        for n in ([] if el is None else kids(el, "Note")):
            if (n.get("name") or "") == META_NOTE_NAME and _metadata(self.root):
                continue
            g = norm_guid(n.get("guid"))
            label = n.get("name") or g
            text = self._text_of(n, label) if (kid(n, "PlainTextContent") is not None
                                               or n.get("plainTextPath")) else ""
            text = (text or "").replace("\r\n", "\n")
            desc = kid_text(n, "Description").strip()
            if desc:
                text = f"{desc}\n\n{text}" if text else desc
            targets = self.note_targets.get(g) or [("", "", None, None, None)]
            for kind, target, doc, start, end in targets:
                rows.append({"note": g, "name": n.get("name") or "", "text": text,
                             "target_kind": kind, "target": target or "", "document": doc,
                             "start": start, "end": end})
            if kids(n, "PlainTextSelection"):
                self.warn(f"note {label!r}: selections inside notes are not imported")
        df = pd.DataFrame(rows, columns=NOTE_COLUMNS)
        return df.astype({"start": "Int64", "end": "Int64"})

    def _unsupported(self) -> None:
        el = kid(self.root, "Sources")
        media = Counter()
        names = []
        for src in ([] if el is None else kids(el)):
            kind = local(src.tag)
            if kind in _MEDIA:
                media[kind] += 1
                names.append(f"{src.get('name') or src.get('path') or src.get('guid')} ({kind})")
        if media:
            self.warn(f"{sum(media.values())} non-text source(s) skipped (qualcode codes text only), "
                      "with their selections: " + "; ".join(names))
        for tag, what in (("Links", "Link"), ("Sets", "Set"), ("Graphs", "Graph")):
            group = kid(self.root, tag)
            items = [] if group is None else kids(group, what)
            if items:
                label = ", ".join(repr(i.get("name") or i.get("guid")) for i in items[:8])
                self.warn(f"{len(items)} {what.lower()}(s) not imported: {label}"
                          + (" ..." if len(items) > 8 else ""))
        cases = kid(self.root, "Cases")
        coded_cases = [] if cases is None else [c for c in kids(cases, "Case") if kids(c, "CodeRef")]
        if coded_cases:
            self.warn(f"{len(coded_cases)} case(s) carry codes (Case/CodeRef); not imported")
