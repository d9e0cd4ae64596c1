"""``qualcode open``: the workbench, a local web application over a project."""
from __future__ import annotations

import signal
import socket
import sys
import threading
import webbrowser
from pathlib import Path

import click

from .app import main

LOCAL = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN = 16  # characters: a shorter token can be guessed over a network


def _link(host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if shown == "::" or ":" in shown:
        shown = f"[{'::1' if shown == '::' else shown}]"
    return f"http://{shown}:{port}/?token={token}"


@main.command("open")
@click.argument("project", required=False, type=click.Path(path_type=Path), default=None)
@click.option("-p", "--project", "project_dir", type=click.Path(path_type=Path), default=None,
              help="The project folder (same as the PROJECT argument).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves a team on the network (each coder with "
                   "their own link: --add-coder).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port; 0 picks a free one.")
@click.option("--token", default=None, envvar="QUALCODE_TOKEN",
              help="The server's access token (default: a new random one each time; env "
                   "QUALCODE_TOKEN).")
@click.option("--no-browser", is_flag=True, help="Print the link instead of opening the browser.")
@click.option("--add-coder", "add_coder", metavar="NAME", default=None,
              help="Give coder NAME their own token, print their link, and exit (their codings "
                   "are theirs; run again to replace a lost link).")
@click.option("--role", type=click.Choice(["coder", "owner"]), default="coder", show_default=True,
              help="With --add-coder: a coder codes (and may create codes); an owner also "
                   "renames, moves, merges and deletes codes and changes the project's settings.")
@click.option("--coder", default=None,
              help="Who is coding at this machine: the server's owner (otherwise the browser "
                   "asks once).")
@click.option("--blind", is_flag=True,
              help="Make the project blind (written to qualcode.yaml): each coder sees only their "
                   "own work until an owner lifts it. On by default once a second coder exists.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the server may be reached by (the Host header is checked "
                   "against DNS rebinding; localhost and IP addresses are always allowed).")
@click.option("--no-train", is_flag=True,
              help="No background retraining (suggestions stay as the project holds them).")
def open_cmd(project, project_dir, host, port, token, no_browser, add_coder, role, coder, blind,
             allow_hosts, no_train):
    """Open the workbench on PROJECT (default: the project here or above).

    Read transcripts, code passages, and review the classifier's suggestions in the browser; every
    coding is saved in the project's qualcode.sqlite before the page shows it. The server listens
    on 127.0.0.1 at a free port and only answers requests that carry its random token (the printed
    link sets it). Whoever runs the server is the project's owner; one server per project (a
    second one is refused, naming the first one's address).
    """
    from ..project import Project  # lazy: qualcode.project off the CLI start-up path
    from ..web import auth  # lazy: the workbench (starlette, uvicorn) loads only for qualcode open

    proj = Project.open(project or project_dir or ".")
    state = auth.WebState(proj.root)
    if add_coder:
        coder_token = state.add_coder(add_coder, role)
        click.echo(f"link for {add_coder}, {role} (keep it private; it codes as {add_coder}):")
        click.echo(_link(host, port or 8000, coder_token) if port or host not in LOCAL else
                   f"  http://HOST:PORT/?token={coder_token}  (the address and port you serve on)")
        click.echo(f"token: {coder_token}")
        return
    if token is not None and len(token) < MIN_TOKEN:
        if host not in LOCAL:
            raise click.ClickException(
                f"a token of {len(token)} characters is too short to serve on {host}: use "
                f"{MIN_TOKEN} or more, or leave --token out for a random one")
        click.echo(f"warning: a token of {len(token)} characters is easy to guess; use "
                   f"{MIN_TOKEN} or more (or leave --token out for a random one)", err=True)
    if coder:
        state.update(local_coder=auth.check_coder_name(coder))
    if blind and proj.settings.blind is not True:
        proj.set_setting("blind", True)
        proj.store.log_event("blind_set", actor=coder or state.read().get("local_coder") or "owner",
                             data={"blind": True})
        click.echo("blind coding on (written to qualcode.yaml): each coder sees only their own "
                   "work until an owner lifts it", err=True)
    _serve(proj, host=host, port=port, token=token or auth.new_token(), browser=not no_browser,
           allow_hosts=allow_hosts, train=not no_train)


def _serve(proj, *, host, port, token, browser, allow_hosts, train) -> None:
    import uvicorn  # lazy: the workbench (starlette, uvicorn) loads only for qualcode open

    from ..web import create_app  # lazy: the workbench (starlette, uvicorn) loads only for qualcode open
    from ..web.loop import Trainer  # lazy: the workbench (starlette, uvicorn) loads only for qualcode open
    from ..web.server import ServerLock  # lazy: the workbench (starlette, uvicorn) loads only for qualcode open

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror}); choose "
                                   "another --port, or 0 for a free one") from None
    port = sock.getsockname()[1]
    lock = ServerLock(proj.root)
    try:
        locked = lock.acquire(_link(host, port, "").replace("/?token=", "/"))
    except Exception:
        sock.close()
        raise
    if not locked:
        click.echo(f"note: cannot write {lock.path} (a read-only folder?): a second server on "
                   "this project would not be refused", err=True)
    trainer = Trainer() if train else None
    extra = set(allow_hosts) | ({host} if host not in ("0.0.0.0", "::") else set())
    if host in ("0.0.0.0", "::"):
        extra |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    app = create_app(proj, token=token, allowed_hosts=extra, trainer=trainer)
    link = _link(host, port, token)
    click.echo(f"qualcode workbench for {proj.settings.name or proj.root.name}: {link}")
    if host not in LOCAL:
        click.echo("serving on the network: give each coder their own link "
                   "(qualcode open --add-coder NAME)", err=True)
    click.echo("Ctrl+C to stop; every coding is saved as it is made.", err=True)
    if browser:
        threading.Timer(0.8, webbrowser.open, [link]).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    # uvicorn stops gracefully on SIGTERM, then raises it again: let it end in SystemExit (not
    # the default instant death) so the lock below is released
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run(sockets=[sock])
    finally:
        if trainer is not None:
            trainer.close()
        lock.release()
        proj.close()
