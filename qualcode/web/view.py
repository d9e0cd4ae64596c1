"""The project as one coder sees it: the object every workbench handler receives.

:class:`CoderView` wraps a :class:`qualcode.Project` for the coder making a request. It reads like
a project (``corpus``, ``codebook``, ``settings``, ``codings()``, ``suggestions()``, ``memos()``,
``history()``, ``export_codings()``...), so the pages, their JSON twins, the exports and the
analysis views take it where they took the project, and it writes like one, with the team's
rules applied in this one place:

- **Ownership.** A token acts only as its coder: a coder changes, deletes, re-memos and undoes
  only their own codings and memos; accepting a suggestion makes a coding of the acceptor's.
- **Roles.** Owners (whoever runs the server, and links made with ``--role owner``) rename,
  move, merge and delete codes, change the project's settings (the suggestion gate, blind mode);
  coders may create codes while coding. Every refusal is a :class:`~.http.Forbidden` naming who
  may do it.
- **Blind coding.** In a blind project a coder sees only their own codings, memos, progress and
  review decisions, and only the suggestions of runs that learned from them alone (or from the
  codebook alone); other coders' names appear nowhere (in history they are "another coder").
- **Read-only projects** (``project.read_only``): every write is refused with one message.

Nothing here decides by anything but the coder, the role and the project's blind setting: the
rules are not repeated in the handlers.
"""
from __future__ import annotations

import dataclasses
import json

import pandas as pd

from .. import errors
from ..project import Project
from .http import BadRequest, Forbidden

OWNER, CODER = "owner", "coder"
ROLES = (OWNER, CODER)
#: what another coder's name becomes where blind mode must not show it
SOMEONE = "another coder"
#: machine methods that learn from no coder (their suggestions are visible to every coder)
CODEBOOK_ONLY = ("keyword",)
READ_ONLY = "this project is open read-only: nothing can be changed from here"


class CoderView:
    """``project`` as ``coder`` (their ``role``: owner or coder) may see and change it.

    ``blind``: whether the project is blind (see the module docstring); ``owners``: the owners'
    names, for the messages that say who may do what.
    """

    def __init__(self, project, coder: str | None, role: str = CODER, blind: bool = False, *,
                 owners=()):
        self.project = project
        self.coder = coder or None
        self.role = role if role in ROLES else CODER
        self.blind = bool(blind)
        self.owners = [o for o in owners if o]
        self._visible_runs = None

    def __repr__(self) -> str:
        return f"<CoderView {self.coder!r} ({self.role}{', blind' if self.blind else ''})>"

    # -- what passes through unchanged ---------------------------------------------------------

    @property
    def corpus(self):
        return self.project.corpus

    @property
    def codebook(self):
        return self.project.codebook

    @property
    def root(self):
        return self.project.root

    @property
    def store(self):
        """The store, for what identifies its state (caches); handlers read through the view."""
        return self.project.store

    @property
    def settings(self):
        """The project settings; in a blind project the reference coder is the viewer."""
        settings = self.project.settings
        if self.blind and settings.reference_coder and settings.reference_coder != self.coder:

            settings = dataclasses.replace(settings, reference_coder=self.coder)
        return settings

    @property
    def settings_path(self):
        return self.project.settings_path

    def path(self, relative):
        return self.project.path(relative)

    def transcript_files(self):
        return self.project.transcript_files()

    def cases_path(self):
        return self.project.cases_path()

    def changed_documents(self):
        return self.project.changed_documents()

    @property
    def trainer(self):
        """The background trainer whose model suggests to this viewer (None when retraining is
        off): the shared one in an open project; in a blind one the coder's own, learning from
        their codings and review decisions only, made and asked to train on first use (None
        before the local user has said who they are)."""
        shared = getattr(getattr(self, "web", None), "trainer", None)
        if shared is None or not self.blind:
            return shared
        return shared.for_coder(self.coder) if self.coder else None

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.project, "read_only", False))

    @property
    def cache_key(self) -> tuple:
        """What the analysis caches add to their keys: the same store state looks different to
        different coders in a blind project."""
        return ("blind", self.coder) if self.blind else ("all",)

    # -- reading --------------------------------------------------------------------------------

    def name(self, coder) -> str:
        """A coder's name as this viewer may read it."""
        if not self.blind or coder is None or coder == self.coder or _is_machine(coder):
            return coder
        return SOMEONE

    def visible_machine_coders(self) -> set[str]:
        """The machine coders whose current suggestions this viewer may see: all of them in an
        open project; in a blind one those whose last run learned from this coder alone
        (``parameters.learned_from``) or from no coder (keyword rules)."""
        if self._visible_runs is None:
            runs = self.project.machine_runs()
            latest = runs.drop_duplicates("coder", keep="last") if len(runs) else runs
            out = set()
            for r in latest.itertuples():
                params = _params(r.parameters)
                learned = params.get("learned_from")
                if not self.blind:
                    out.add(r.coder)
                elif learned is not None:
                    if isinstance(learned, str):
                        learned = [learned]
                    if set(learned) <= {self.coder}:
                        out.add(r.coder)
                elif r.method in CODEBOOK_ONLY:
                    out.add(r.coder)
            self._visible_runs = out
        return self._visible_runs

    def _visible(self, df: pd.DataFrame) -> pd.DataFrame:
        if not self.blind or df is None or not len(df):
            return df
        human = df["method"].fillna("human") == "human"
        mine = human & (df["coder"] == self.coder)
        suggested = (~human) & (df["status"] == "suggested") & \
            df["coder"].isin(self.visible_machine_coders())
        reviewed = (~human) & df["status"].isin(["accepted", "rejected"])
        if reviewed.any():
            decisions = self.project.training_decisions()
            own = set(decisions.loc[decisions["reviewer"] == self.coder, "id"].astype(int))
            reviewed &= df["id"].astype(int).isin(own)
        return df[mine | suggested | reviewed]

    def codings(self, coder=None, *, method=None, status=None, document=None, code=None,
                include_machine: bool = True) -> pd.DataFrame:
        """:meth:`qualcode.Project.codings`, of the codings this viewer may see."""
        df = self.project.codings(coder, method=method, status=status, document=document,
                                  code=code, include_machine=include_machine)
        return self._visible(df)

    def coders(self) -> list[str]:
        """The human coders this viewer may know of (themselves only in a blind project)."""
        df = self.codings(include_machine=False)
        return sorted(set(df["coder"])) if len(df) else []

    def suggestions(self, status="suggested", *, coder=None, code=None, document=None,
                    min_score=None) -> pd.DataFrame:
        df = self.project.suggestions(status, coder=coder, code=code, document=document,
                                      min_score=min_score)
        return self._visible(df).reset_index(drop=True) if self.blind else df

    def training_decisions(self) -> pd.DataFrame:
        df = self.project.training_decisions()
        return df[df["reviewer"] == self.coder] if self.blind else df

    def machine_runs(self) -> pd.DataFrame:
        df = self.project.machine_runs()
        return df[df["coder"].isin(self.visible_machine_coders())] if self.blind else df

    def memos(self, kind=None, target=None, coder=None) -> pd.DataFrame:
        """Memos this viewer may read: their own, and (unless blind) everyone's."""
        if self.blind:
            if coder is not None and coder != self.coder:
                return self.project.memos(kind, target, "\0none")
            coder = self.coder or ""
        return self.project.memos(kind, target, coder)

    def memo(self, kind: str, target) -> dict:
        """This viewer's memo on a target (``text``, ``version``; 0 when none) and, unless
        blind, the other coders' memos on it (``others``: ``coder, text, updated_at``), to show
        read-only beside it."""
        rows = self.project.memos(kind, str(target))
        own = rows[rows["coder"] == (self.coder or "")]
        others = rows[rows["coder"] != (self.coder or "")]
        out = {"text": str(own["text"].iloc[-1]) if len(own) else "",
               "version": int(own["version"].iloc[-1]) if len(own) else 0, "others": []}
        if not self.blind:
            out["others"] = [{"coder": r.coder or "(unknown)", "text": str(r.text),
                              "updated_at": r.updated_at} for r in others.itertuples()]
        return out

    def history(self, *, document=None, coding=None, code=None) -> pd.DataFrame:
        """The events, oldest first; in a blind project only those on what this viewer may see
        (their own acts, their codings, codebook changes) with other actors' names hidden."""
        if coding is not None:
            self.coding(coding)  # a coding the viewer may not see has no history either
        df = self.project.history(document=document, coding=coding, code=code)
        if not self.blind or not len(df):
            return df
        visible = set(self.codings()["id"].astype(int))
        keep = (df["actor"] == self.coder) | df["action"].astype(str).str.startswith("code_") \
            | df["coding"].isin(list(visible)).fillna(False).astype(bool)
        df = df[keep].copy()
        df["actor"] = [self.name(a) for a in df["actor"]]
        return df

    def coding(self, coding_id: int) -> dict:
        """One coding this viewer may see (:class:`~qualcode.errors.NotFoundError` otherwise)."""
        rows = self.codings()
        row = rows[rows["id"] == int(coding_id)]
        if not len(row):
            raise errors.NotFoundError(f"no coding with id {coding_id} (deleted meanwhile? "
                                       "reload the page)")
        return row.iloc[0].to_dict()

    def export_codings(self, path, *, coder=None, include_machine=True, force=False,
                       text=False):
        """:meth:`qualcode.Project.export_codings` of the codings this viewer may see."""

        return Project.export_codings(self, path, coder=coder, include_machine=include_machine,
                                      force=force, text=text)

    # -- who may write ----------------------------------------------------------------------------

    def _owners(self) -> str:
        return ", ".join(self.owners) if self.owners and not self.blind else \
            "whoever runs the server, or a link made with --role owner"

    def check_write(self) -> str:
        """The coder a write is made as; refused on a read-only project and before the local
        user has said who they are."""
        if self.read_only:
            raise Forbidden(READ_ONLY)
        if not self.coder:

            raise BadRequest("say who you are first: POST /api/me {\"coder\": \"NAME\"} "
                             "(the workbench asks on the first page)")
        return self.coder

    def require_owner(self, what: str) -> str:
        """The coder, when an owner; else :class:`Forbidden` saying who may do ``what``."""
        coder = self.check_write()
        if not self.is_owner:
            raise Forbidden(f"{what} is for the project's owners ({self._owners()}); "
                            f"{coder} codes (ask an owner)")
        return coder

    def own_coding(self, coding_id: int) -> dict:
        """A coding of this viewer's, or :class:`Forbidden` (another coder's: only they may
        change it; an owner recodes others' work through the codebook: merge, move, delete)."""
        coder = self.check_write()
        row = self.coding(coding_id)
        if row["coder"] != coder:
            who = self.name(row["coder"])
            raise Forbidden(f"coding {coding_id} is {who}'s: only {who} may change, delete or "
                            "re-memo it (owners recode others' work through the codebook: merge, "
                            "move, delete a code)")
        return row

    # -- writing ----------------------------------------------------------------------------------

    def add_coding(self, document, start, end, code, *, memo=None) -> dict:
        return self.project.add_coding(document, start, end, code, coder=self.check_write(),
                                       memo=memo)

    def update_coding(self, id, *, expected_version, **fields) -> dict:
        self.own_coding(id)
        return self.project.update_coding(id, coder=self.coder, expected_version=expected_version,
                                          **fields)

    def delete_coding(self, id, *, expected_version) -> None:
        self.own_coding(id)
        self.project.delete_coding(id, coder=self.coder, expected_version=expected_version)

    def undo(self) -> dict | None:
        """Undo this coder's last act, unless it touched another coder's coding (codebook changes
        are not undone, see :meth:`qualcode.store.Store.undo`)."""
        coder = self.check_write()

        def check(action, coding, before, after):
            before, after = before or {}, after or {}
            if coding is None or action in ("accept", "reject"):
                return  # an owner's recode, a review decision: the actor's own acts
            if action == "memo":
                if before.get("kind") != "coding":
                    return  # a document or code memo is the author's own
                owner = self.project.store.coding(int(coding))["coder"]
            else:
                owner = (after if action == "create" else before).get("coder")
            if owner is not None and owner != coder:
                who = self.name(owner)
                raise Forbidden(f"your last action changed coding {coding}, which is {who}'s; "
                                f"only {who} may undo changes to it")

        return self.project.undo(coder=coder, check=check)

    def set_memo(self, kind, target, text, *, expected_version=None) -> int:
        """This coder's memo (a coding memo only on their own coding)."""
        coder = self.check_write()
        if kind == "coding":
            self.own_coding(int(target))
        return self.project.set_memo(kind, target, text, coder=coder,
                                     expected_version=expected_version)

    def _check_suggestions(self, ids) -> None:
        if not self.blind:
            return
        ids = [ids] if isinstance(ids, int) else list(ids)
        visible = set(self.suggestions()["id"].astype(int))
        hidden = [i for i in ids if int(i) not in visible]
        if hidden:
            raise errors.NotFoundError(f"no suggestion with id {hidden[0]} for you; reload the "
                                       "suggestions")

    def accept(self, ids, *, start=None, end=None, code=None) -> list[int]:
        """Accept suggestions as this coder: each becomes a coding of theirs."""
        coder = self.check_write()
        self._check_suggestions(ids)
        return self.project.accept(ids, coder=coder, start=start, end=end, code=code)

    def reject(self, ids) -> None:
        coder = self.check_write()
        self._check_suggestions(ids)
        self.project.reject(ids, coder=coder)

    def create_code(self, id, name, **fields) -> None:
        """Coders may create codes while coding (the event carries their name)."""
        self.project.create_code(id, name, coder=self.check_write(), **fields)

    def update_code(self, id, **fields) -> None:
        self.project.update_code(id, coder=self.require_owner("editing and renaming codes"),
                                 **fields)

    def move_code(self, id, new_parent) -> str:
        return self.project.move_code(id, new_parent, coder=self.require_owner("moving codes"))

    def merge_codes(self, source, target) -> None:
        self.project.merge_codes(source, target, coder=self.require_owner("merging codes"))

    def delete_code(self, id, *, recode_to=None) -> None:
        self.project.delete_code(id, coder=self.require_owner("deleting codes"),
                                 recode_to=recode_to)

    def set_blind(self, on: bool) -> bool:
        """Make the project blind or lift blind mode: an owner's act, written to
        ``qualcode.yaml`` and logged as an event ("blind lifted by X at T")."""
        coder = self.require_owner("lifting or setting blind mode")
        self.project.set_setting("blind", bool(on))
        self.project.store.log_event("blind_set" if on else "blind_lifted", actor=coder,
                                     data={"blind": bool(on)})
        self.blind = bool(on)
        self._visible_runs = None
        return self.blind


def _is_machine(coder) -> bool:
    return str(coder).startswith("qualcode-")


def _params(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}
