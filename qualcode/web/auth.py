"""Who may talk to the workbench: the server token, per-coder tokens, and the Host check.

Every request carries a token: the ``qualcode_token_PORT`` cookie (set from a link's ``?token=``), an
``Authorization: Bearer`` header, or an ``X-Qualcode-Token`` header. The server's own token (the
one ``qualcode open`` prints) is the local user's, whose coder name is asked once and kept in
``.qualcode/web.json`` beside ``qualcode.yaml``. A team server gives each coder a token of their own
(``qualcode open --add-coder NAME``); only the token's sha256 is stored, and every coding made with
it is attributed to that coder.

DNS rebinding: a page on an attacker's domain whose name is made to resolve to 127.0.0.1 sends its
own name as ``Host``. Only ``localhost``, IP literals (a rebinding needs a DNS name) and the names
given with ``--host``/``--allow-host`` are accepted.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from pathlib import Path

from ..errors import QualcodeError
from ..fileio import write_text

COOKIE = "qualcode_token"
STATE_DIR = ".qualcode"
STATE_FILE = "web.json"
ROLES = ("coder", "owner")
CODER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,39}$")


def new_token() -> str:
    """A random URL-safe token (32 bytes of entropy)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_coder_name(name) -> str:
    """A coder name: 1-40 letters, digits, ``_ . -`` or spaces, starting with a letter or digit."""
    name = str(name or "").strip()
    if not CODER_NAME.match(name):
        raise QualcodeError(f"coder name {name!r} is not usable; use 1-40 letters, digits, '_', '.', "
                            "'-' or spaces, starting with a letter or digit (e.g. ME or Anna K)")
    if name.startswith("qualcode-"):
        raise QualcodeError(f"coder name {name!r} is reserved for machine coders; choose another")
    return name


class WebState:
    """The workbench's small settings file, ``.qualcode/web.json`` in the project folder.

    Keys: ``local_coder`` (the name asked once on this machine: whoever runs the server, an
    owner), ``coders`` (name -> sha256 of that coder's token), ``roles`` (name -> ``owner`` or
    ``coder``; a link without one is a coder's), ``kappa_floor`` and ``min_examples`` (the
    suggestion gate).
    """

    def __init__(self, root):
        self.path = Path(root) / STATE_DIR / STATE_FILE

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise QualcodeError(f"cannot read the workbench settings ({exc}); fix or delete the file",
                                file=self.path) from None
        return data if isinstance(data, dict) else {}

    def update(self, **changes) -> dict:
        data = self.read()
        data.update(changes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", force=True)
        try:
            self.path.chmod(0o600)  # it holds token hashes: readable by the owner only
        except OSError:
            pass
        return data

    def add_coder(self, name: str, role: str = "coder") -> str:
        """Give coder ``name`` a new token (replacing an older one) with ``role`` (``coder`` or
        ``owner``) and return it."""
        name = check_coder_name(name)
        if role not in ROLES:
            raise QualcodeError(f"role {role!r} is not one of {', '.join(ROLES)}")
        token = new_token()
        data = self.read()
        coders = dict(data.get("coders") or {})
        coders[name] = token_hash(token)
        roles = dict(data.get("roles") or {})
        roles[name] = role
        self.update(coders=coders, roles=roles)
        return token

    def role_of(self, name: str) -> str:
        """The role of a coder's link: ``owner`` or ``coder`` (the default)."""
        role = (self.read().get("roles") or {}).get(name)
        return role if role in ROLES else "coder"

    def team(self) -> set[str]:
        """Everyone who codes here: the local user (when named) and every coder with a link."""
        data = self.read()
        names = set((data.get("coders") or {}).keys())
        if data.get("local_coder"):
            names.add(data["local_coder"])
        return names

    def coder_for(self, token: str) -> str | None:
        """The coder whose token this is, or None."""
        digest = token_hash(token)
        for name, stored in (self.read().get("coders") or {}).items():
            if hmac.compare_digest(str(stored), digest):
                return name
        return None


def allowed_host(host_header: str | None, extra: set[str]) -> bool:
    """Whether a ``Host`` header names this server and not a rebinding attacker's domain."""
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        name = host[1:host.find("]")] if "]" in host else host[1:]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name in ("localhost",) or name in extra:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False
