"""Every way out of a project, as bytes: codings CSV/XLSX, a REFI-QDA .qdpx or .qdc, the
codebook as YAML/Markdown, the HTML report.

One function per format turns objects (a corpus, a codebook, a codings DataFrame, settings; or
a :class:`~qualcode.project.Project` and the codings to export) into the bytes of the file. The
command line writes them (``qualcode export``, ``qualcode report``, ``qualcode codebook
export``) and the workbench sends them (``/api/export/...``), so the two give the same bytes by
construction; nothing passes through a temporary file.

The ``project_*`` functions take the codings to export as an argument (the workbench passes the
requesting coder's view of them) and check them first
(:func:`qualcode.transcript_state.usable_codings`): codings of a transcript that changed or went
missing after it was coded are refused, or left out with ``skip_changed`` and named in the
:class:`Export`'s ``notes``.

>>> from qualcode import exports
>>> rows = exports.project_codings(project)                       # human codings, store columns
>>> exports.project_qdpx(project, rows).data                      # the .qdpx's bytes
>>> exports.project_report(project, rows, n_boot=200).data        # the report's HTML
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .codings import check_one_kind_per_coder
from .errors import QualcodeError
from .fileio import dataframe_bytes
from .refi import writer
from .report import render_report
from .study import run_study
from .transcript_state import usable_codings

#: the columns of a codings file exported from a project (store rows)
CODINGS_COLUMNS = ["document", "start", "end", "code", "coder", "segment", "method", "score",
                   "memo", "status", "id", "suggestion_id"]
#: media types of the formats, for the workbench's downloads
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "md": "text/markdown; charset=utf-8", "yaml": "application/x-yaml; charset=utf-8",
               "qdpx": "application/zip", "qdc": "application/xml",
               "html": "text/html; charset=utf-8"}
#: the project settings a .qdpx carries in qualcode's metadata note
QDPX_SETTINGS = ("name", "unit", "interviewer", "speakers", "reference_coder", "blind")


@dataclass
class Export:
    """The bytes of one export and what was left out of it (one line each)."""

    data: bytes
    notes: list[str] = field(default_factory=list)
    n_codings: int = 0


# ---- codings -----------------------------------------------------------------------------------

def project_codings(project, *, include_suggestions: bool = False, coder=None) -> pd.DataFrame:
    """The project's live codings to export: the human codings, and with
    ``include_suggestions`` the machine rows too (each keeps its ``method``, ``score`` and
    review ``status``). Columns :data:`CODINGS_COLUMNS`, ordered by id."""
    return project.codings(coder, include_machine=include_suggestions)[CODINGS_COLUMNS] \
        .reset_index(drop=True)


def codings_bytes(codings: pd.DataFrame, fmt: str) -> bytes:
    """A codings table as ``csv`` or ``xlsx`` bytes (columns in the contract's order; formula
    cells neutralised). One coder's rows are all human or all machine."""
    if fmt not in ("csv", "xlsx"):
        raise QualcodeError(f"codings export format {fmt!r}: use csv or xlsx")
    check_one_kind_per_coder(codings)
    cols = [c for c in CODINGS_COLUMNS if c in codings.columns]
    cols += [c for c in codings.columns if c not in cols]
    return dataframe_bytes(codings[cols], fmt)


def project_codings_file(project, codings: pd.DataFrame, fmt: str, *,
                         skip_changed: bool = False) -> Export:
    """``codings`` (rows of :func:`project_codings`) as a ``csv``/``xlsx`` file."""
    rows, notes = usable_codings(project, codings, skip_changed=skip_changed)
    return Export(codings_bytes(rows, fmt), notes, len(rows))


# ---- REFI-QDA ----------------------------------------------------------------------------------

def qdpx_bytes(corpus, codebook, codings=None, *, settings: dict | None = None,
               name: str | None = None, offsets: str = "codepoint") -> bytes:
    """A REFI-QDA project (:func:`qualcode.refi.qdpx_bytes`): ``corpus`` None for a
    codebook-only project; ``settings`` (qualcode's project settings) travel in its metadata
    note and come back with :func:`qualcode.refi.read_qdpx` and ``qualcode init --from``."""
    return writer.qdpx_bytes(corpus, codebook, codings, name=name, offsets=offsets,
                             settings=settings)


def project_settings(project) -> dict:
    """The settings of ``project`` a .qdpx keeps (:data:`QDPX_SETTINGS`, those that are set)."""
    s = project.settings
    out = {}
    for key in QDPX_SETTINGS:
        v = getattr(s, key, None)
        if v not in (None, "", []):
            out[key] = list(v) if isinstance(v, (list, tuple)) else v
    return out


def project_qdpx(project, codings: pd.DataFrame, *, skip_changed: bool = False,
                 name: str | None = None, offsets: str = "codepoint") -> Export:
    """The project's transcripts, codebook, ``codings`` and settings as a .qdpx."""
    rows, notes = usable_codings(project, codings, skip_changed=skip_changed)
    data = qdpx_bytes(project.corpus, project.codebook, rows, settings=project_settings(project),
                      name=name or project.settings.name or None, offsets=offsets)
    return Export(data, notes, len(rows))


def qdc_bytes(codebook) -> bytes:
    """A REFI-QDA codebook (.qdc)."""
    return writer.qdc_bytes(codebook)


# ---- the codebook ------------------------------------------------------------------------------

CODEBOOK_FORMATS = ("yaml", "md", "qdc", "csv", "xlsx")


def codebook_bytes(codebook, fmt: str) -> bytes:
    """The codebook as ``yaml``, ``md`` (an appendix), ``qdc``, or ``csv``/``xlsx`` (one row per
    code)."""
    if fmt in ("yaml", "yml"):
        return codebook.to_yaml().encode("utf-8")
    if fmt in ("md", "markdown"):
        return codebook.to_markdown().encode("utf-8")
    if fmt == "qdc":
        return qdc_bytes(codebook)
    if fmt in ("csv", "xlsx"):
        return dataframe_bytes(codebook.to_frame(), fmt)
    raise QualcodeError(f"codebook format {fmt!r}: use {', '.join(CODEBOOK_FORMATS)}")


# ---- the report --------------------------------------------------------------------------------

DEFAULT_TITLE = "qualcode study report"


def report_options(project, *, reference: str | None = None, title: str | None = None,
                   themes: str | None = None) -> dict:
    """The :func:`qualcode.study.run_study` arguments a project's report takes from the project:
    its reference coder setting, its name in the title, and every category's themes."""
    if project is None:
        return {"reference": reference, "title": title or DEFAULT_TITLE, "themes": themes}
    name = project.settings.name
    return {"reference": reference, "reference_setting": project.settings.reference_coder,
            "title": title or (f"{name}: {DEFAULT_TITLE}" if name else DEFAULT_TITLE),
            "themes": "*" if themes is None else themes}


def report_bytes(result) -> bytes:
    """The HTML report of a :class:`qualcode.study.StudyResult`."""
    return render_report(result.report).encode("utf-8")


def report_inputs(project, codings: pd.DataFrame, *, reference: str | None = None,
                  title: str | None = None, themes: str | None = None,
                  skip_changed: bool = False) -> dict:
    """What :func:`report_from_inputs` needs of ``project`` (quick: the workbench reads it under
    the project lock and builds the report outside it): the corpus (the project's interviewer
    setting and unit), the codebook, the checked ``codings``, notes and :func:`report_options`."""
    rows, notes = usable_codings(project, codings, skip_changed=skip_changed)
    return {"corpus": project.corpus, "codebook": project.codebook, "codings": rows,
            "notes": notes,
            **report_options(project, reference=reference, title=title, themes=themes)}


def report_from_inputs(inputs: dict, *, n_boot: int = 1000, classifier: bool = False,
                       folds: int = 5, where: dict | None = None, progress=None) -> Export:
    """The HTML report of :func:`report_inputs` (:func:`qualcode.study.run_study`)."""
    args = dict(inputs)
    corpus, codebook, codings = args.pop("corpus"), args.pop("codebook"), args.pop("codings")
    result = run_study(corpus, codebook, codings, n_boot=n_boot, classifier=classifier,
                       folds=folds, where=where, progress=progress, **args)
    return Export(report_bytes(result), list(inputs["notes"]), len(result.human))


def project_report(project, codings: pd.DataFrame, *, reference: str | None = None,
                   title: str | None = None, themes: str | None = None, n_boot: int = 1000,
                   classifier: bool = False, folds: int = 5, where: dict | None = None,
                   skip_changed: bool = False, progress=None) -> Export:
    """The study report of ``project`` over ``codings`` (human rows are used): the project's
    corpus (its interviewer setting and unit), codebook and reference coder."""
    inputs = report_inputs(project, codings, reference=reference, title=title, themes=themes,
                           skip_changed=skip_changed)
    return report_from_inputs(inputs, n_boot=n_boot, classifier=classifier, folds=folds,
                              where=where, progress=progress)
