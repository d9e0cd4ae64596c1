"""Write qualcode projects as REFI-QDA .qdpx archives and codebooks as .qdc files.

What is written (each checked against the official XSDs in the tests):

* ``project.qde`` (UTF-8, no BOM, XML declaration) with children in schema order: Users (one per
  coder), CodeBook (the code tree; ``isCodable`` always given), Variables (one ``Text`` variable per
  case attribute), Cases (with their VariableValues and a SourceRef per document), Sources (one
  TextSource per document, a PlainTextSelection per coded range with one Coding per code and
  coder, ``creatingUser`` set), Notes (one note named ``qualcode`` holding what REFI-QDA has no
  place for: exact code ids, inclusion/exclusion rules, keywords, examples, properties, and per
  coding GUID the ``method``, ``score``, review ``status`` and own ``memo`` of machine codings and
  memos of human ones);
* ``sources/<GUID>.txt``: the document text, UTF-8 without BOM, LF line endings. Positions count
  code points, as the spec says, or with ``offsets="utf16"`` UTF-16 code units (what NVivo counts:
  an emoji or other character above U+FFFF counts 2).

GUIDs are upper case and derived (uuid5 of a fixed namespace and a stable key: the code id, the
document id, the range, ...), a code's ``properties["refi_guid"]`` is reused when present, and
the zip entries carry a fixed date, so exporting the same project twice gives identical bytes.
Codings are exported whatever their ``method``; ``score``, ``method`` and ``status`` have no
REFI-QDA field and travel in the metadata note, so a round trip keeps machine rows machine rows.
A selection's ``Description`` (what other tools show as its memo) holds the human coders' memos
and, for a machine row, a line marking it as a machine suggestion (method, score, status): a
machine's memo never becomes the student's.
"""
from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd

from ..version import __version__
from ..codings import ensure_validated
from ..corpus import Corpus
from ..errors import CodebookError, QualcodeError
from ..fileio import atomic_path
from .codes import GUID_RE, derived_guid, parse_color
from .positions import EXPORT_MODES, codepoints_to_utf16
from .reader import META_KEY, META_NOTE_NAME

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"qualcode {__version__}"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_META_FIELDS = ("inclusion", "exclusion", "source", "keywords", "exclude_keywords", "examples")


def _clean(text) -> str:
    """Text XML 1.0 can carry (control characters removed)."""
    return _XML_BAD.sub("", "" if text is None else str(text))


class _Builder:
    def __init__(self, ns: str):
        self.ns = ns

    def el(self, parent, tag: str, attrs: dict | None = None, text: str | None = None):
        attrs = {k: _clean(v) for k, v in (attrs or {}).items() if v is not None}
        if parent is None:  # plain names plus an xmlns attribute: ET cannot mix a default
            e = ET.Element(tag, {"xmlns": self.ns, **attrs})  # namespace with plain attributes
        else:
            e = ET.SubElement(parent, tag, attrs)
        if text is not None:
            e.text = _clean(text)
        return e

    def tostring(self, root) -> bytes:
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _code_guids(codebook) -> dict[str, str]:
    """code id -> GUID: the imported REFI GUID when there is one, else derived from the id."""
    out, seen = {}, set()
    for c in codebook:
        g = str((c.properties or {}).get("refi_guid") or "").strip().strip("{}").upper()
        if not GUID_RE.match(g) or g in seen:
            g = derived_guid("code", c.id)
        seen.add(g)
        out[c.id] = g
    return out


def _codes(b: _Builder, parent, codebook, guids: dict[str, str]) -> None:
    def add(into, cid: str) -> None:
        c = codebook[cid]
        codable = (c.properties or {}).get("refi_codable", True) is not False
        color = parse_color(c.color) if c.color else None
        e = b.el(into, "Code", {"guid": guids[cid], "name": c.name or cid,
                                "isCodable": "true" if codable else "false",
                                "color": None if color is None else color.upper()})
        if c.description:
            b.el(e, "Description", text=c.description)
        for ch in c.children:
            add(e, ch)

    for root_id in codebook.roots():
        add(parent, root_id)


def _document_meta(corpus) -> dict:
    """Per document, its speaker turns (``[start, end, speaker]`` and a timestamp when it has one)
    and interviewer labels: what plain text cannot say (a cue without a speaker label, a label
    used once), so a document reads back with the turns it has here."""
    out = {}
    for doc, t in corpus.turns.groupby("document", sort=False):
        ts = t["timestamp"] if "timestamp" in t.columns else pd.Series("", index=t.index)
        turns = []
        for s, e, sp, stamp in zip(t["start"], t["end"], t["speaker"], ts):
            row = [int(s), int(e), str(sp or "")]
            if isinstance(stamp, str) and stamp:
                row.append(stamp)
            turns.append(row)
        interviewers = sorted({str(x) for x in t.loc[t["is_interviewer"], "speaker"] if x})
        out[str(doc)] = {"turns": turns, "interviewer": interviewers}
    return out


def _metadata_note(codebook, guids, coding_meta=None, *, documents=None, settings=None) -> str:
    codes = {}
    for c in codebook:
        d = {"id": c.id}
        for key in _META_FIELDS:
            if getattr(c, key):
                d[key] = getattr(c, key)
        props = {k: v for k, v in (c.properties or {}).items()
                 if k not in ("refi_guid", "refi_codable", "refi_folder")}
        if props:
            d["properties"] = props
        codes[guids[c.id]] = d
    meta = {"name": codebook.name, "version": codebook.version,
            "description": codebook.description, "codes": codes}
    if codebook.references:
        meta["references"] = codebook.references
    if coding_meta:
        meta["codings"] = coding_meta
    if documents:
        meta["documents"] = documents
    if settings:
        meta["settings"] = settings
    return json.dumps({META_KEY: meta}, ensure_ascii=False, indent=1, sort_keys=True, default=str)


def _check_codings(codings: pd.DataFrame, corpus, codebook) -> pd.DataFrame:
    if codings is None or len(codings) == 0:
        return pd.DataFrame(columns=["document", "start", "end", "code", "coder", "memo"])
    df = ensure_validated(codings, corpus=corpus, codebook=codebook).copy()
    if "memo" not in df.columns:
        df["memo"] = ""
    df["memo"] = df["memo"].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                                else str(v))
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    method = df["method"] if "method" in df.columns else pd.Series("human", index=df.index)
    df["qc_human"] = method.fillna("human").astype(str).isin(["human", ""]).to_numpy()
    return df.drop_duplicates(["document", "start", "end", "code", "coder"])


def _coding_meta(r) -> dict:
    """What REFI-QDA has no field for: a coding's method, score, review status and own memo."""
    out = {}
    for key in ("method", "score", "status", "memo"):
        v = getattr(r, key, None)
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v == "":
            continue
        if key == "method" and v == "human":
            continue
        out[key] = float(v) if key == "score" else str(v)
    if not r.qc_human and "memo" not in out:
        out["memo"] = ""
    return out if (not r.qc_human or out.get("memo")) else {}


def _machine_label(r) -> str:
    """How a machine row is marked for another tool's user (in the selection's Description)."""
    method = getattr(r, "method", None) or "machine"
    score = getattr(r, "score", None)
    status = getattr(r, "status", None)
    parts = [str(method)]
    if isinstance(score, (int, float)) and not math.isnan(score):
        parts.append(f"score {float(score):.2f}")
    if isinstance(status, str) and status:
        parts.append(str(status))
    return f"machine suggestion by {r.coder} ({', '.join(parts)}), not a human coding"


def _created_at(r) -> str | None:
    """A coding's ``created_at`` (the store's ISO-8601 UTC time) as an xsd:dateTime, or None."""
    v = getattr(r, "created_at", None)
    if not isinstance(v, str) or not v.strip():
        return None
    try:
        t = pd.Timestamp(v.strip())
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return t.isoformat()


def _created(sel: pd.DataFrame) -> str | None:
    """A selection's creation time: its earliest coding's."""
    times = [t for t in (_created_at(r) for r in sel.itertuples(index=False)) if t]
    return min(times, key=pd.Timestamp) if times else None


def _check_offsets(offsets: str) -> None:
    if offsets not in EXPORT_MODES:
        raise QualcodeError(f"unknown offsets {offsets!r} for export; use one of "
                            f"{', '.join(EXPORT_MODES)}")


def qdpx_bytes(corpus, codebook, codings=None, *, origin: str = ORIGIN, name: str | None = None,
               offsets: str = "codepoint", settings: dict | None = None) -> bytes:
    """The bytes of a .qdpx archive for ``corpus``, ``codebook`` and ``codings`` (see module doc).

    ``corpus`` None: a codebook-only project (no sources; then no codings either).
    ``offsets``: ``"codepoint"`` (the spec) or ``"utf16"`` (UTF-16 code units, for NVivo).
    ``settings``: qualcode's project settings (interviewer labels, speakers, unit, reference
    coder, ...), kept in the metadata note and read back by :func:`qualcode.refi.read_qdpx`
    (``QdpxProject.settings``)."""
    _check_offsets(offsets)
    if corpus is None:
        if codings is not None and len(codings):
            raise QualcodeError("codings need their transcripts: pass the corpus the codings "
                                "were made on (or no codings, for a codebook-only project)")

        corpus = Corpus.from_texts({})
    df = _check_codings(codings, corpus, codebook)
    b = _Builder(PROJECT_NS)
    coders = sorted(df["coder"].astype(str).unique()) if len(df) else []
    users = {c: derived_guid("user", c) for c in coders}
    root = b.el(None, "Project", {"name": name or codebook.name or "qualcode project",
                                  "origin": origin,
                                  "creatingUserGUID": users[coders[0]] if coders else None})
    if coders:
        ue = b.el(root, "Users")
        for c in coders:
            b.el(ue, "User", {"guid": users[c], "name": c})
    guids = _code_guids(codebook)
    if len(codebook):
        _codes(b, b.el(b.el(root, "CodeBook"), "Codes"), codebook, guids)

    doc_ids = list(corpus.document_ids)
    doc_guid = {d: derived_guid("document", d) for d in doc_ids}
    cases = corpus.cases
    attr_cols = [c for c in cases.columns if c != "case"]
    var_guid = {a: derived_guid("variable", str(a)) for a in attr_cols}
    if attr_cols:
        ve = b.el(root, "Variables")
        for a in attr_cols:
            b.el(ve, "Variable", {"guid": var_guid[a], "name": str(a), "typeOfVariable": "Text"})
    doc_case = dict(zip(corpus.documents["document"], corpus.documents["case"])) \
        if len(corpus.documents) else {}
    if len(cases):
        ce = b.el(root, "Cases")
        for rec in cases.to_dict("records"):
            case = str(rec["case"])
            e = b.el(ce, "Case", {"guid": derived_guid("case", case), "name": case})
            for a in attr_cols:
                v = rec.get(a)
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                vv = b.el(e, "VariableValue")
                b.el(vv, "VariableRef", {"targetGUID": var_guid[a]})
                b.el(vv, "TextValue", text=str(v))
            for d in doc_ids:
                if str(doc_case.get(d, d)) == case:
                    b.el(e, "SourceRef", {"targetGUID": doc_guid[d]})

    files: list[tuple[str, bytes]] = []
    coding_meta: dict[str, dict] = {}
    if doc_ids:
        se = b.el(root, "Sources")
        for d in doc_ids:
            g = doc_guid[d]
            src = b.el(se, "TextSource", {"guid": g, "name": d, "plainTextPath": f"internal://{g}.txt"})
            files.append((f"sources/{g}.txt", corpus.text(d).encode("utf-8")))
            part = df[df["document"] == d].sort_values(["start", "end", "code", "coder"], kind="stable")
            groups = list(part.groupby(["start", "end"], sort=True))
            bounds = np.array([se for se, _ in groups], dtype=np.int64).reshape(-1)
            if offsets == "utf16":
                bounds = codepoints_to_utf16(corpus.text(d), bounds)
            for i, ((start, end), sel) in enumerate(groups):
                key = f"{d}\x1f{start}\x1f{end}"  # GUIDs keep the code-point key in both modes
                attrs = {"guid": derived_guid("selection", key),
                         "startPosition": str(int(bounds[2 * i])),
                         "endPosition": str(int(bounds[2 * i + 1]))}
                sel_coders = sorted(sel["coder"].astype(str).unique())
                if len(sel_coders) == 1:
                    attrs["creatingUser"] = users[sel_coders[0]]
                    attrs["creationDateTime"] = _created(sel)
                pe = b.el(src, "PlainTextSelection", attrs)
                # the selection's Description is what other tools show: the human coders' memos,
                # and a machine suggestion marked as one; each coding's own memo, method, score
                # and status go to the metadata note
                memos = list(dict.fromkeys(m for m, h in zip(sel["memo"], sel["qc_human"])
                                           if m and h))
                memos += [_machine_label(r) for r in sel.itertuples(index=False)
                          if not r.qc_human]
                if memos:
                    b.el(pe, "Description", text="; ".join(memos))
                for r in sel.itertuples(index=False):
                    ck = f"{key}\x1f{r.code}\x1f{r.coder}"
                    cguid = derived_guid("coding", ck)
                    co = b.el(pe, "Coding", {"guid": cguid, "creatingUser": users[str(r.coder)],
                                             "creationDateTime": _created_at(r)})
                    b.el(co, "CodeRef", {"targetGUID": guids[r.code]})
                    extra = _coding_meta(r)
                    if memos and "memo" not in extra:  # not the other coders' memos on read
                        extra["memo"] = ""
                    if extra:
                        coding_meta[cguid] = extra
    ne = b.el(root, "Notes")
    note = b.el(ne, "Note", {"guid": derived_guid("note", META_NOTE_NAME), "name": META_NOTE_NAME})
    b.el(note, "Description", text="qualcode metadata: code ids and fields REFI-QDA has no place "
         "for. Safe to delete; qualcode then derives code ids from names.")
    b.el(note, "PlainTextContent", text=_metadata_note(
        codebook, guids, coding_meta, documents=_document_meta(corpus) if doc_ids else None,
        settings=settings))

    return _zip([("project.qde", b.tostring(root))] + files)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, data)
    return buf.getvalue()


def write_qdpx(path, corpus, codebook, codings=None, *, force: bool = False, origin: str = ORIGIN,
               name: str | None = None, offsets: str = "codepoint", settings: dict | None = None):
    """Write a .qdpx project atomically (never replacing a file unless ``force``); return the path.

    ``codings``: ``document, start, end, code, coder`` (+ optional ``memo``), code-point offsets
    into ``corpus.text(document)``; codes must be in ``codebook``. ``offsets`` is how positions
    are written: ``"codepoint"`` (the REFI-QDA spec, the default) or ``"utf16"`` (UTF-16 code
    units, what NVivo counts; read such a file back with ``read_qdpx(..., offsets="utf16")``).
    """
    _check_offsets(offsets)
    data = qdpx_bytes(corpus, codebook, codings, origin=origin, name=name, offsets=offsets,
                      settings=settings)
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
    return path


def qdc_bytes(codebook, *, origin: str = ORIGIN) -> bytes:
    """The bytes of a .qdc codebook (namespace ``urn:QDA-XML:codebook:1.0``)."""
    if len(codebook) == 0:
        raise CodebookError("the codebook has no codes; a .qdc needs at least one", file=codebook.path)
    b = _Builder(CODEBOOK_NS)
    root = b.el(None, "CodeBook", {"origin": origin})
    _codes(b, b.el(root, "Codes"), codebook, _code_guids(codebook))
    return b.tostring(root)


def write_qdc(codebook, path, force: bool = False, *, origin: str = ORIGIN):
    """Write a .qdc codebook atomically (never replacing a file unless ``force``); return the path."""
    data = qdc_bytes(codebook, origin=origin)
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
    return path
