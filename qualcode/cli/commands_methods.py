"""``qualcode saturation`` and ``qualcode methods``: the methods record of a project, counted from
its store (:mod:`qualcode.saturation`, :mod:`qualcode.methods`)."""
from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from ..fileio import check_writable, write_text
from .app import main
from .common import echo_table
from .projectopts import open_project, project_option, split_names


def _saturation_options(f):
    options = [
        click.option("--order", default=None,
                     help="Order interviews by this case attribute (e.g. the interview date); "
                          "default: the project's document order."),
        click.option("--coder", "coders", multiple=True,
                     help="Only these human coders' codings (repeatable or comma-separated; "
                          "default: every human coder)."),
        click.option("--level", type=click.Choice(["code", "category"]), default="code",
                     show_default=True, help="Count codes, or their top-level categories."),
        click.option("--base", type=click.IntRange(1), default=4, show_default=True,
                     help="Base size: the first interviews whose codes are the reference."),
        click.option("--run", "run_length", type=click.IntRange(1), default=2, show_default=True,
                     help="Run length: the interviews looked at together for new codes."),
        click.option("--threshold", type=click.FloatRange(0, 1, max_open=True), default=0.05,
                     show_default=True,
                     help="New-information threshold: the share of the base's codes a run may "
                          "add and still show saturation."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


@main.command("saturation")
@_saturation_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@project_option
def saturation_cmd(order, coders, level, base, run_length, threshold, as_json, project_dir):
    """Assess thematic saturation of the project's human coding as Guest, Namey & Chen (2020)
    do: base size, run length and new-information threshold; saturation is reached at s-1
    interviews for the first run s..s+run-1 whose codes not seen before are at most the threshold
    times the base's codes."""
    from ..saturation import project_saturation, public  # lazy: qualcode.saturation at CLI start-up

    with open_project(project_dir, required=True) as project:
        result = project_saturation(project, order=order, coders=split_names(coders) or None,
                                    level=level, base=base, run=run_length, threshold=threshold)
    if as_json:
        click.echo(json.dumps(public(result), indent=2))
        return
    _print_saturation(result)


def _print_saturation(result: dict) -> None:
    order = result["order"]
    click.echo(f"{len(order)} interviews in order of "
               f"{result['order_by'] or 'the project documents'}; {result['level']} level; "
               f"coders: {', '.join(result['coders'])}; base: interviews 1–{result['base_size']} "
               f"({result['base_codes']} {'codes' if result['level'] == 'code' else 'categories'})")
    if result["uncoded"]:
        click.echo(f"not coded by these coders, left out: {', '.join(result['uncoded'])}")
    rows = pd.DataFrame({
        "run": [f"{r['start']}–{r['end']}" for r in result["runs"]],
        "interviews": [", ".join(order[r["start"] - 1: r["end"]]) for r in result["runs"]],
        "new": [r["new"] for r in result["runs"]],
        "ratio": [f"{r['ratio']:.3f}" for r in result["runs"]],
        "within": ["yes" if r["ratio"] <= result["threshold"] else "" for r in result["runs"]],
    })
    echo_table(rows)
    click.echo(result["sentence"])


@main.command("methods")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the methods appendix to this Markdown file (default: print it).")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--n-boot", type=click.IntRange(0), default=1000, show_default=True,
              help="Bootstrap resamples for the agreement interval (as 'qualcode agree').")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@_saturation_options
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@project_option
def methods_cmd(output, as_json, n_boot, seed, order, coders, level, base, run_length,
                threshold, force, project_dir):
    """The methods record of the project, counted from its store: the corpus, the coders and
    their codings, how the codebook developed, machine assistance (suggestions accepted, edited,
    rejected and pending, by method and model), intercoder agreement with a reporting paragraph,
    and saturation (options as 'qualcode saturation')."""
    from ..methods import methods_record, to_markdown  # lazy: qualcode.methods at CLI start-up

    if output is not None:
        check_writable(output, force=force)
    with open_project(project_dir, required=True) as project:
        record = methods_record(project, n_boot=n_boot, seed=seed, saturation={
            "order": order, "coders": split_names(coders) or None, "level": level,
            "base": base, "run": run_length, "threshold": threshold})
    if as_json:
        text = json.dumps(record, indent=2, ensure_ascii=False)
        if output is None:
            click.echo(text)
            return
        write_text(output, text + "\n", force=force)
    else:
        text = to_markdown(record)
        if output is None:
            click.echo(text, nl=False)
            return
        write_text(output, text, force=force)
    click.echo(f"methods record written to {output}")
