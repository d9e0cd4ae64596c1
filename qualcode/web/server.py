"""Run the workbench in a background thread (tests, benchmarks, the screenshot script), and the
lock that keeps one workbench per project.

``qualcode open`` runs uvicorn in the main thread; :class:`ServerThread` runs the same server on a
free port of 127.0.0.1 beside other work and stops it again. :class:`ServerLock` is
``.qualcode/server.lock`` (the PID, host and address of the running server): a second ``qualcode
open`` on the project is refused, naming that address, and a lock whose process is gone is taken
over. Two servers over one store would each keep their own codebook in memory.
"""
from __future__ import annotations

import datetime
import json
import os
import socket
import threading
import time
from pathlib import Path

from ..errors import QualcodeError

LOCK_FILE = "server.lock"


class ServerRunning(QualcodeError):
    """Another workbench already serves this project."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


class ServerLock:
    """``.qualcode/server.lock`` of the project at ``root``: :meth:`acquire` with the server's
    address (refused while a live process holds it), :meth:`release` when the server stops."""

    def __init__(self, root):
        self.path = Path(root) / ".qualcode" / LOCK_FILE
        self.held = False

    def holder(self) -> dict | None:
        """What the lock file says (``pid, host, url, started``), or None when there is none."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # half-written or damaged: treated as stale
        return data if isinstance(data, dict) else {}

    def _live(self, holder: dict) -> bool:
        pid = holder.get("pid")
        if not isinstance(pid, int) or pid <= 0:
            return False
        if holder.get("host") not in (None, socket.gethostname()):
            return True  # another machine's server (a shared folder): cannot tell, so respect it
        return pid != os.getpid() and _alive(pid)

    def acquire(self, url: str) -> bool:
        """Take the lock for the server at ``url``; :class:`ServerRunning` when a live one holds
        it. False (and no lock) when the folder cannot be written: a read-only project, whose
        server cannot change anything either."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "url": url,
                             "started": datetime.datetime.now().astimezone().isoformat(
                                 timespec="seconds")})
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except OSError as exc:
                if not isinstance(exc, FileExistsError):
                    return False  # a read-only folder
                holder = self.holder()
                if holder is None:
                    continue  # released meanwhile: try again
                if self._live(holder):
                    where = f" on {holder['host']}" if holder.get("host") != socket.gethostname() \
                        else ""
                    raise ServerRunning(
                        f"a workbench already serves this project at {holder.get('url', '?')}"
                        f" (process {holder.get('pid')}{where}); open that address, or stop it "
                        f"first (if it is gone, delete {self.path})", file=self.path.parent.parent)
                try:  # stale: its process is gone
                    self.path.unlink()
                except FileNotFoundError:
                    pass
                except OSError:
                    return False  # a read-only folder: nobody can write there anyway
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(record + "\n")
            self.held = True
            return True
        raise ServerRunning("could not take the server lock (another workbench starting at the "
                            "same moment?); try again", file=self.path)

    def release(self) -> None:
        if not self.held:
            return
        holder = self.holder()
        if holder and holder.get("pid") == os.getpid():
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        self.held = False


class ServerThread:
    """A uvicorn server for ``app`` on 127.0.0.1, a free port, in a daemon thread.

    ``url`` is its base address; :meth:`stop` shuts it down. Use as a context manager.
    """

    def __init__(self, app, *, host: str = "127.0.0.1"):
        import uvicorn  # lazy: uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="qualcode-web")

    def start(self, timeout: float = 10) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
