"""The workbench: a local web application over a project (``qualcode open``).

Reading, coding and reviewing machine suggestions in the browser. It is a view over the library
and the project store: every write goes through :class:`qualcode.Project` (one store transaction
per edit, committed before the response), every number comes from the library's own functions.
The library never imports this package.

Modules: :mod:`.app` (the Starlette application: token and Host checks, templates),
:mod:`.http` (endpoints run under the project lock; errors as one-line answers),
:mod:`.auth` (tokens, coders, the allowed Host names), :mod:`.view` (the project as the
requesting coder sees it), :mod:`.pages` (every HTML page); the JSON API by resource:
:mod:`.documents`, :mod:`.codings`, :mod:`.suggestions`, :mod:`.codebook`, :mod:`.analysis`,
:mod:`.exports`; :mod:`.data` and :mod:`.results` (what the pages show, as plain dicts),
:mod:`.loop` (background retraining and suggestions), :mod:`.server` (uvicorn in a thread).
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
