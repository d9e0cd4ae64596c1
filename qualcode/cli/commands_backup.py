"""``qualcode backup`` and ``qualcode restore``: copies of the project's store, and putting one
back (the store as it was is kept first)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ProjectError
from ..project import STORE_FILE, Project
from ..store import Store
from .app import main
from .projectopts import open_project, project_option


@main.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the copy (default: .qualcode/backups/ in the project).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@project_option
def backup_cmd(output, force, project_dir):
    """Copy the project's store (qualcode.sqlite) consistently, also while 'qualcode open' or
    another command writes to it. Automatic snapshots are made before imports, recoding,
    rehash and upgrades; this makes one when you want it."""
    with open_project(project_dir, required=True) as project:
        target = project.backup(output, force=force)
        n = len(project.codings())
        click.echo(f"backed up {project.store.path.name} ({n} codings) to {target}")


@main.command("restore")
@click.argument("backup", type=click.Path(path_type=Path))
@click.option("--coder", default=None, help="Your name, for the history.")
@project_option
def restore_cmd(backup, coder, project_dir):
    """Put BACKUP (a file from 'qualcode backup' or .qualcode/backups/) back as the project's
    store. The current store is backed up first, so a restore can itself be undone; a store
    that cannot be opened (empty, damaged) is kept beside the backups."""
    from ..project_codebook import restore_beside, save_beside  # lazy: off the CLI's start-up path

    root = Project.find(project_dir or Path.cwd())
    if root is None:
        raise ProjectError("no qualcode.yaml here or in a parent folder; name the project with "
                           "-p/--project", file=project_dir or Path.cwd())
    kept = Store.restore_file(root / STORE_FILE, backup, actor=coder)
    with open_project(root, required=True) as project:
        # the codebook file kept in step goes with the store: the current one beside the copy of
        # the old store, the backup's own back in place
        if kept is not None:
            save_beside(project, kept)
        restore_beside(project, backup)
        n = len(project.codings())
    click.echo(f"restored {STORE_FILE} from {backup} ({n} codings); " +
               (f"the store as it was is in {kept}" if kept else "there was no store before"))
