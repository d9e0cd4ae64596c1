"""The methods record of a project: what a methods section and its appendix report, counted from
the store (never estimated).

:func:`methods_record` returns one JSON-ready dict; :func:`to_markdown` writes it as the appendix
``qualcode methods -o methods.md`` saves, and the workbench's Methods page draws the same dict.
Its parts:

``corpus``
    interviews (documents), cases, codable turns (participant turns, the interviewer's left out),
    their words, and the words of all documents.
``coders``
    each human coder: live codings, documents coded, first and last coding time.
``codebook``
    codes now and at the start, every stored change (create, rename, edit, move, merge, delete) by
    whom and when, and the codebook's size after each (a create adds one code; a delete or a merge
    removes one, a merge's children moving under its target).
``codings`` / ``suggestions`` / ``machine``
    of the live human codings, those that began as an accepted machine suggestion (by method and
    model: the run's ``model``, and the model's version or hash when the run recorded one), those
    of them whose span or code a coder changed after accepting (``edit`` events not undone), and
    those adjusted at acceptance; suggestions accepted, rejected and pending by method and by code
    (acceptance rate = accepted / (accepted + rejected)); and the statement for a methods section.
``agreement``
    computed now from the project's human coders as ``qualcode agree`` computes it in a project
    (segment units at the project's unit, 1,000 bootstrap resamples, seed 0): Krippendorff's
    alpha with its interval, percent agreement and Cohen's or Fleiss' kappa, units compared and
    their share of the codable units, the range over codes, and a reporting paragraph; None with
    fewer than two human coders.
``saturation``
    :func:`qualcode.saturation.project_saturation` with its defaults, or ``{"error": message}``.
"""
from __future__ import annotations

import io
import json
import math

import pandas as pd

from .agreement import ALL_CODES, compare
from .errors import QualcodeError
from .fileio import neutralise_cell
from .formatting import interval, number
from .saturation import SaturationError, project_saturation
from .saturation import sentence as sat_sentence

#: how the statement names each machine method
METHOD_NAMES = {
    "keyword": "qualcode's keyword rules",
    "classifier": "qualcode's classifier trained on the human coding",
    "both": "qualcode's classifier with keyword rules",
    "semantic": "qualcode's semantic (sentence-embedding) coder",
    "semantic-fewshot": "qualcode's few-shot semantic classifier",
    "codebook": "qualcode's codebook-trained coder",
    "llm": "a large language model",
}
#: run parameters that identify a model's version, when a run recorded them
VERSION_KEYS = ("version", "model_version", "sha256", "model_sha256", "hash", "model_hash")
DECISIONS = ("accepted", "rejected", "pending")


def methods_record(project, *, n_boot: int = 1000, seed: int = 0, saturation: dict | None = None,
                   agreement: bool = True) -> dict:
    """The methods record of ``project`` (see the module docstring). ``saturation``: keyword
    arguments for :func:`qualcode.saturation.project_saturation`; ``agreement=False`` leaves the
    (bootstrap) agreement out."""
    human = project.codings(include_machine=False)
    record = {
        "project": project.settings.name,
        "corpus": corpus_summary(project.corpus),
        "coders": coders_summary(human),
        "codebook": codebook_history(project),
    }
    record.update(machine_help(project, human))
    record["agreement"] = agreement_summary(project, human, n_boot=n_boot, seed=seed) \
        if agreement else None
    try:
        record["saturation"] = project_saturation(project, **(saturation or {}))
    except SaturationError as exc:
        record["saturation"] = {"error": exc.message}
    return record


# ---- corpus and coders ---------------------------------------------------------------------------

def corpus_summary(corpus) -> dict:
    """Interviews, cases, codable turns and their words, all words (whitespace-separated)."""
    turns = corpus.turns
    codable = turns[~turns["is_interviewer"].astype(bool)]
    return {"interviews": len(corpus.document_ids), "cases": int(len(corpus.cases)),
            "codable_turns": int(len(codable)),
            "words": int(sum(len(str(t).split()) for t in codable["text"])),
            "words_total": int(sum(len(corpus.text(d).split()) for d in corpus.document_ids)),
            "unit": corpus.unit, "codable_units": int(len(corpus.codable_segments()))}


def coders_summary(human: pd.DataFrame) -> dict:
    """Per human coder: ``codings``, ``documents``, ``first`` and ``last`` coding time."""
    out = {}
    for coder, g in human.groupby("coder", sort=True):
        out[str(coder)] = {"codings": int(len(g)), "documents": int(g["document"].nunique()),
                           "first": str(g["created_at"].min()), "last": str(g["created_at"].max())}
    return out


# ---- the codebook's history ----------------------------------------------------------------------

_DELTA = {"create": 1, "delete": -1, "merge": -1}


def codebook_history(project) -> dict:
    """``codes`` now, ``start`` (before the first stored change), ``changes``, ``by_action`` and
    the ``timeline``: one entry per change (``time, actor, action, code, detail, size``)."""
    changes = project.store.codebook_changes()
    now = len(project.codebook)
    size = now - sum(_DELTA.get(c["action"], 0) for c in changes)
    start = size
    timeline, by_action = [], {}
    for ch in changes:
        action, detail = _describe(ch)
        size += _DELTA.get(ch["action"], 0)
        by_action[action] = by_action.get(action, 0) + 1
        timeline.append({"time": ch["time"], "actor": ch["actor"], "action": action,
                         "code": ch["code"], "detail": detail, "size": size})
    return {"codes": now, "start": start, "changes": len(changes), "by_action": by_action,
            "timeline": timeline}


def _describe(ch: dict) -> tuple[str, str]:
    data = ch.get("data") or {}
    action = ch["action"]
    if action == "create":
        where = f" under {data['parent']}" if data.get("parent") else ""
        return "create", f"created {data.get('name') or ch['code']!r}{where}"
    if action == "update":
        if "name" in data:
            others = [k for k in data if k != "name"]
            return "rename", f"renamed to {data['name']!r}" + (
                f" (and {', '.join(others)} edited)" if others else "")
        return "edit", f"{', '.join(sorted(data)) or 'nothing'} edited"
    if action == "move":
        new_id = (data.get("renames") or {}).get(ch["code"], ch["code"])
        under = data.get("new_parent") or "the top level"
        return "move", f"moved under {under} (now {new_id})"
    if action == "merge":
        return "merge", f"merged into {data.get('target')}"
    if action == "delete":
        to = data.get("recode_to")
        return "delete", "deleted" + (f" (its codings recoded to {to})" if to else "")
    return action, ""


# ---- machine help --------------------------------------------------------------------------------

def machine_help(project, human: pd.DataFrame) -> dict:
    """``codings``, ``suggestions`` and ``machine`` (runs and the statement) of the record."""
    store = project.store
    machine = store.machine_provenance()
    runs = project.machine_runs()
    run_info = {int(r.id): _run(r) for r in runs.itertuples(index=False)}
    events = store.event_log()
    undone = set(events["undoes"].dropna().astype(int))
    live = events[~events["id"].isin(undone) & (events["action"] != "undo")]

    sugg_of = dict(zip(machine["id"].astype(int), machine.itertuples(index=False)))
    from_sugg = human[human["suggestion_id"].notna()]
    from_sugg = from_sugg[from_sugg["suggestion_id"].astype(int).isin(sugg_of)]
    ids = set(from_sugg["id"].astype(int))
    edited = _edited(live, ids)
    adjusted = _adjusted(live, ids)

    by_source: dict[tuple, int] = {}
    for sid in from_sugg["suggestion_id"].astype(int):
        s = sugg_of[sid]
        info = run_info.get(int(s.run_id)) if pd.notna(s.run_id) else None
        key = (str(s.method), info["model"] if info else None, info["version"] if info else None)
        by_source[key] = by_source.get(key, 0) + 1

    status = machine["status"].map({"suggested": "pending", "accepted": "accepted",
                                    "rejected": "rejected"})
    machine = machine.assign(decision=status)
    counts = {d: int((machine["decision"] == d).sum()) for d in DECISIONS}
    by_method = {}
    for method, g in machine.groupby("method", sort=True):
        by_method[str(method)] = {d: int((g["decision"] == d).sum()) for d in DECISIONS}
    by_code = {}
    for code, g in machine.groupby("code", sort=True):
        row = {d: int((g["decision"] == d).sum()) for d in DECISIONS}
        decided = row["accepted"] + row["rejected"]
        row["acceptance_rate"] = row["accepted"] / decided if decided else None
        by_code[str(code)] = row

    codings = {"human": int(len(human)), "from_suggestions": int(len(from_sugg)),
               "edited_after_accept": len(edited), "adjusted_on_accept": len(adjusted),
               "by_coder": {str(c): int(n) for c, n in human["coder"].value_counts().sort_index()
                            .items()},
               "from_suggestions_by": [
                   {"method": m, "model": model, "version": v, "codings": n}
                   for (m, model, v), n in sorted(by_source.items(),
                                                  key=lambda kv: (-kv[1], kv[0][0]))]}
    suggestions = {**counts, "by_method": by_method, "by_code": by_code}
    machine_out = {"runs": [run_info[i] for i in sorted(run_info)],
                   "statement": statement(codings, suggestions)}
    return {"codings": codings, "suggestions": suggestions, "machine": machine_out}


def _run(r) -> dict:
    params = {}
    if isinstance(r.parameters, str) and r.parameters:
        try:
            params = json.loads(r.parameters) or {}
        except ValueError:
            params = {}
    version = next((str(params[k]) for k in VERSION_KEYS if isinstance(params, dict)
                    and params.get(k)), None)
    return {"id": int(r.id), "coder": _text(r.coder), "method": _text(r.method),
            "model": _text(r.model), "version": version, "codebook": _text(r.codebook),
            "started_at": _text(r.started_at),
            "suggestions": None if pd.isna(r.n_suggestions) else int(r.n_suggestions)}


def _text(v) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _loads(text):
    if isinstance(text, str) and text:
        value = json.loads(text)
        return value if isinstance(value, dict) else {}
    return {}


def _edited(events: pd.DataFrame, ids: set) -> set:
    """Codings of ``ids`` whose span or code an ``edit`` event (not undone) changed."""
    out = set()
    rows = events[(events["action"] == "edit") & events["coding"].notna()]
    for cid, before, after in zip(rows["coding"], rows["before"], rows["after"]):
        if int(cid) in ids:
            b, a = _loads(before), _loads(after)
            if any(b.get(k) != a.get(k) for k in ("start", "end", "code")):
                out.add(int(cid))
    return out


def _adjusted(events: pd.DataFrame, ids: set) -> set:
    """Codings of ``ids`` whose span or code differed from the suggestion's when accepted."""
    out = set()
    rows = events[events["action"] == "accept"]
    for before, after in zip(rows["before"], rows["after"]):
        b, a = _loads(before), _loads(after)
        h = a.get("human") or {}
        hid = a.get("human_id")
        if hid is not None and int(hid) in ids and \
                any(b.get(k) != h.get(k) for k in ("start", "end", "code")):
            out.add(int(hid))
    return out


def statement(codings: dict, suggestions: dict) -> str:
    """The plain statement of machine help for a methods section."""
    n, k = codings["human"], codings["from_suggestions"]
    acc, rej, pend = suggestions["accepted"], suggestions["rejected"], suggestions["pending"]
    total = acc + rej + pend
    if not total and not k:
        if not n:
            return "There are no codings yet, and no machine suggestions were used."
        return (f"All {n:,} codings were made by human coders; no machine suggestions were "
                "used.")
    if not k:
        return (f"All {n:,} codings were made by human coders without machine help: none of the "
                f"{total:,} machine suggestions was accepted ({rej:,} rejected, {pend:,} not "
                "reviewed).")
    sources = {}
    for s in codings["from_suggestions_by"]:
        sources[s["method"]] = sources.get(s["method"], 0) + s["codings"]
    if len(sources) == 1:
        who = _method_name(next(iter(sources)))
    else:
        who = "qualcode's machine coders (" + ", ".join(
            f"{_method_name(m)}: {c:,}" for m, c in sources.items()) + ")"
    share = 100 * k / n if n else 0.0
    text = (f"Of {n:,} codings, {k:,} ({share:.1f}%) were first proposed by {who} and accepted "
            f"by a human coder")
    edited = codings["edited_after_accept"] + codings["adjusted_on_accept"]
    if edited:
        text += f" ({edited:,} of them with their span or code changed by the coder)"
    text += f"; {rej:,} suggestion{'' if rej == 1 else 's'} {'was' if rej == 1 else 'were'} " \
            "rejected"
    if pend:
        text += (f"; {pend:,} {'was' if pend == 1 else 'were'} never reviewed and "
                 f"{'is' if pend == 1 else 'are'} not part of the coding")
    return text + "; every machine suggestion was reviewed by a human coder before use."


def _when(time: str) -> str:
    """A stored ISO time as ``YYYY-MM-DD HH:MM`` (UTC)."""
    return str(time)[:16].replace("T", " ")


def _method_name(method: str) -> str:
    return METHOD_NAMES.get(method, f"the machine coder '{method}'")


# ---- agreement -----------------------------------------------------------------------------------

def agreement_summary(project, human: pd.DataFrame, *, n_boot: int = 1000,
                      seed: int = 0) -> dict | None:
    """Agreement of the project's human coders, as ``qualcode agree`` computes it in a project;
    None with fewer than two human coders."""
    coders = sorted(human["coder"].unique().tolist())
    if len(coders) < 2:
        return None
    corpus = project.corpus
    cols = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo"]
    table = compare(corpus, human[cols].reset_index(drop=True), "segment", n_boot=n_boot,
                    seed=seed)
    return summarize_agreement(table, coders=coders, unit="segment", segment_unit=corpus.unit,
                               codable_units=len(corpus.codable_segments()), n_boot=n_boot,
                               seed=seed, all_codes=ALL_CODES)


def summarize_agreement(table: pd.DataFrame, *, coders, unit: str, segment_unit: str,
                        codable_units: int, n_boot: int, seed: int, all_codes: str) -> dict:
    """The figures a methods section reports, from an :func:`qualcode.agreement.compare` table
    (its first ``(all codes)`` row and the per-code rows), and the reporting paragraph."""
    rows = table[table["code"] == all_codes]
    pooled = rows.iloc[0] if len(rows) else table.iloc[0]  # one code: no pooled row
    per_code = table[(table["code"] != all_codes)]
    # a per-code row's n_units is the units two or more coders covered (the same for every
    # code); the pooled row counts code x unit pairs
    if "document" in per_code.columns:
        per_code = per_code[per_code["document"] == pooled["document"]]
    if "coders" in per_code.columns:
        per_code = per_code[per_code["coders"] == pooled["coders"]]
    units = int(per_code["n_units"].max()) if len(per_code) else 0

    def val(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    kappa = "cohen_kappa" if len(coders) == 2 else "fleiss_kappa"
    overall = {"alpha": val(pooled.get("alpha")), "alpha_low": val(pooled.get("alpha_low")),
               "alpha_high": val(pooled.get("alpha_high")),
               "percent_agreement": val(pooled.get("percent_agreement")),
               "kappa_name": kappa, "kappa": val(pooled.get(kappa)),
               "kappa_low": val(pooled.get(f"{kappa}_low")),
               "kappa_high": val(pooled.get(f"{kappa}_high"))}
    defined = per_code[per_code["alpha"].notna()]
    rng = None
    if len(defined):
        lo = defined.loc[defined["alpha"].idxmin()]
        hi = defined.loc[defined["alpha"].idxmax()]
        rng = {"min": float(lo["alpha"]), "min_code": str(lo["code"]),
               "max": float(hi["alpha"]), "max_code": str(hi["code"])}
    out = {"coders": list(coders), "unit": unit, "segment_unit": segment_unit,
           "codes": int(len(per_code)), "codes_defined": int(len(defined)),
           "units": units, "codable_units": int(codable_units),
           "share_units": units / codable_units if codable_units else None,
           "n_boot": n_boot, "seed": seed, "coefficient": "krippendorff_alpha",
           "overall": overall, "range": rng, "resolution": None,
           "per_code": [{"code": str(r["code"]), "n_units": int(r["n_units"]),
                         "alpha": val(r["alpha"]), "alpha_low": val(r.get("alpha_low")),
                         "alpha_high": val(r.get("alpha_high"))}
                        for r in per_code.to_dict("records")]}
    out["paragraph"] = agreement_paragraph(out)
    return out


def agreement_paragraph(a: dict) -> str:
    """The reporting paragraph: which coefficient and why, its interval, units and their share,
    the range over codes, and how disagreements were resolved (or that it is not recorded)."""
    coders = a["coders"]
    who = " and ".join(coders) if len(coders) == 2 else \
        ", ".join(coders[:-1]) + f" and {coders[-1]}"
    unit = "characters" if a["unit"] == "character" else \
        {"turn": "turns", "paragraph": "paragraphs", "sentence": "sentences"}.get(
            a["segment_unit"], "units")
    o = a["overall"]
    share = f" ({100 * a['share_units']:.1f}% of the {a['codable_units']:,} codable " \
            f"{unit})" if a["share_units"] is not None else ""
    text = (f"Intercoder agreement was assessed between {who} on the {a['units']:,} codable "
            f"{unit} that two or more of them coded{share}; for each of the {a['codes']} codes, "
            f"each {unit[:-1]} counted as coded or not coded by each coder. We report "
            "Krippendorff's alpha (nominal), which corrects for agreement expected by chance and "
            "allows any number of coders and missing data.")
    if o["alpha"] is not None:
        ci = ""
        if o["alpha_low"] is not None and a["n_boot"]:
            ci = (f" (95% bootstrap interval {number(o['alpha_low'])}–{number(o['alpha_high'])},"
                  f" {a['n_boot']:,} resamples of {unit})")
        text += f" Pooled over codes, alpha was {number(o['alpha'])}{ci}"
        if o["percent_agreement"] is not None:
            text += f"; percent agreement was {100 * o['percent_agreement']:.1f}%"
        if o["kappa"] is not None:
            name = "Cohen's kappa" if o["kappa_name"] == "cohen_kappa" else "Fleiss' kappa"
            text += f" and {name} {interval(o['kappa'], o['kappa_low'], o['kappa_high'])}"
        text += "."
    else:
        text += " Pooled over codes, alpha is undefined (no variation in the coding)."
    r = a["range"]
    if r is not None:
        undefined = a["codes"] - a["codes_defined"]
        text += (f" Per code, alpha ranged from {number(r['min'])} ({r['min_code']}) to "
                 f"{number(r['max'])} ({r['max_code']})")
        text += f"; it is undefined for {undefined} codes without variation." if undefined \
            else "."
    text += (" How disagreements were resolved is not recorded in the project; state it here "
             "(e.g. discussed to consensus, or the reference coder's coding kept).")
    return text


# ---- Markdown ------------------------------------------------------------------------------------

def to_markdown(record: dict) -> str:
    """The methods appendix as Markdown (the numbers of :func:`methods_record`, nothing else)."""
    c = record["corpus"]
    lines = [f"# Methods record: {record['project']}", "",
             "Counted from the project's store by `qualcode methods`.", "", "## Corpus", "",
             f"- Interviews: {c['interviews']:,} ({c['cases']:,} case"
             f"{'' if c['cases'] == 1 else 's'})",
             f"- Codable turns: {c['codable_turns']:,} ({c['words']:,} words; "
             f"{c['words_total']:,} words in all)",
             f"- Coding unit: {c['unit']} ({c['codable_units']:,} codable units)", "",
             "## Coders", "", "| coder | codings | documents | first coding | last coding |",
             "| --- | ---: | ---: | --- | --- |"]
    for name, v in record["coders"].items():
        lines.append(f"| {name} | {v['codings']:,} | {v['documents']:,} | {_when(v['first'])} | "
                     f"{_when(v['last'])} |")
    if not record["coders"]:
        lines.append("| (no human codings yet) | | | | |")
    cb = record["codebook"]
    lines += ["", "## Codebook development", "",
              f"{cb['start']} codes at the start, {cb['codes']} now; {cb['changes']} changes "
              f"recorded" + (" (" + ", ".join(f"{k} {v}" for k, v in cb["by_action"].items())
                             + ")" if cb["by_action"] else "") + ".", ""]
    if cb["timeline"]:
        lines += ["| time | by | change | code | codes after |", "| --- | --- | --- | --- | ---: |"]
        for t in cb["timeline"]:
            lines.append(f"| {_when(t['time'])} | {t['actor'] or ''} | {t['detail']} | "
                         f"{t['code']} | {t['size']} |")
    co, su = record["codings"], record["suggestions"]
    lines += ["", "## Machine assistance", "", record["machine"]["statement"], "",
              f"- Human codings: {co['human']:,}; first proposed by a machine and accepted: "
              f"{co['from_suggestions']:,}; span or code changed after acceptance: "
              f"{co['edited_after_accept']:,}; adjusted when accepted: "
              f"{co['adjusted_on_accept']:,}",
              f"- Suggestions: {su['accepted']:,} accepted, {su['rejected']:,} rejected, "
              f"{su['pending']:,} pending"]
    if co["from_suggestions_by"]:
        lines += ["", "| method | model | version | accepted codings |", "| --- | --- | --- | ---: |"]
        for s in co["from_suggestions_by"]:
            lines.append(f"| {s['method']} | {s['model'] or '–'} | {s['version'] or '–'} | "
                         f"{s['codings']:,} |")
    if su["by_method"]:
        lines += ["", "| method | accepted | rejected | pending |", "| --- | ---: | ---: | ---: |"]
        for m, v in su["by_method"].items():
            lines.append(f"| {m} | {v['accepted']:,} | {v['rejected']:,} | {v['pending']:,} |")
    decided = {c: v for c, v in su["by_code"].items() if v["accepted"] + v["rejected"]}
    if decided:
        lines += ["", "| code | accepted | rejected | pending | acceptance rate |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for code, v in decided.items():
            rate = "–" if v["acceptance_rate"] is None else f"{100 * v['acceptance_rate']:.1f}%"
            lines.append(f"| {code} | {v['accepted']:,} | {v['rejected']:,} | {v['pending']:,} | "
                         f"{rate} |")
    undecided = len(su["by_code"]) - len(decided)
    if undecided:
        lines += ["", f"{undecided} other code{'' if undecided == 1 else 's'} "
                      f"{'has' if undecided == 1 else 'have'} suggestions not reviewed yet."]
    lines += ["", "## Intercoder agreement", ""]
    a = record["agreement"]
    lines.append(a["paragraph"] if a else "Fewer than two human coders: no agreement to report.")
    lines += ["", "## Saturation", ""]
    s = record["saturation"]
    if "error" in s:
        lines.append(f"Not assessed: {s['error']}")
    else:
        lines.append(sat_sentence(s) + f" Interviews in {'order of ' + s['order_by'] if s['order_by'] else 'the order of the project documents'}; "
                     f"{s['level']} level; coders: {', '.join(s['coders'])}.")
        lines += ["", "| run | interviews | new codes | ratio |", "| ---: | --- | ---: | ---: |"]
        for i, r in enumerate(s["runs"], start=1):
            lines.append(f"| {i} | {r['start']}–{r['end']} | {r['new']} | {r['ratio']:.3f} |")
    return "\n".join(lines) + "\n"


__all__ = ["methods_record", "to_markdown", "corpus_summary", "coders_summary",
           "codebook_history", "machine_help", "statement", "agreement_summary",
           "summarize_agreement", "agreement_paragraph", "history_export", "METHOD_NAMES"]


# ---- the event log for a replication package ----------------------------------------------------

HISTORY_FORMATS = ("csv", "jsonl")


def history_export(project, fmt: str, *, document=None, coding=None, code=None,
                   last: int | None = None) -> bytes:
    """The store's event log (oldest first; optionally one document's, coding's or code's, or the
    ``last`` events) as ``csv`` (before/after as JSON text; cells a spreadsheet would run are
    neutralised) or ``jsonl`` (one event per line, before/after as JSON objects). Columns: ``id,
    time, actor, action, coding, document, code, before, after, batch, undoes``."""
    if fmt not in HISTORY_FORMATS:
        raise QualcodeError(f"unknown history format {fmt!r}; use {' or '.join(HISTORY_FORMATS)}")
    df = project.store.event_log()
    for col, value in (("document", document), ("coding", coding), ("code", code)):
        if value is not None:
            df = df[df[col] == value]
    if last is not None:
        df = df.tail(last)
    records = []
    for r in df.to_dict("records"):
        records.append({k: (None if v is None or (not isinstance(v, str) and pd.isna(v))
                            else int(v) if k in ("id", "coding", "batch", "undoes") else v)
                        for k, v in r.items()})
    if fmt == "jsonl":
        lines = []
        for r in records:
            r = {**r, "before": _parse(r["before"]), "after": _parse(r["after"])}
            lines.append(json.dumps(r, ensure_ascii=False, sort_keys=False))
        return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    buf = io.StringIO()
    out = pd.DataFrame(records, columns=list(df.columns))
    for col in ("actor", "action", "document", "code", "before", "after"):
        out[col] = out[col].map(lambda v: neutralise_cell(v) if isinstance(v, str) else v)
    for col in ("coding", "batch", "undoes"):
        out[col] = out[col].astype("Int64")
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _parse(text):
    return json.loads(text) if isinstance(text, str) and text else None
