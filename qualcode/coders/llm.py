"""The LLM coder: a chat model codes each passage with the codebook, on this machine by default.

::

    from qualcode.coders.llm import LLMCoder
    coder = LLMCoder(cb, url="http://127.0.0.1:8080/v1")     # llama.cpp server, Ollama, vLLM, LM Studio
    machine = coder.code(corpus)                              # codings, method "llm"
    evaluate(coder, corpus, human, reference="ME")            # its kappa against your own coding

The server. Any server speaking the OpenAI-compatible chat API (``POST {url}/chat/completions``).
``url`` defaults to :data:`DEFAULT_URL` (a llama.cpp server on this machine). A URL whose host is
not this machine (127.0.0.1, ::1, localhost) is refused unless ``allow_remote=True``: the error
says what would be sent (every passage's text and the codebook's definitions, rules and examples)
and where. Nothing else leaves the machine; the standard library's ``urllib`` does the requests.

The prompt. The system message lists the candidate codes (``codes``; default: the codebook's
declared ``categories``, else all its codes) with their name, definition, inclusion and exclusion
rules and up to ``n_examples`` example quotes; the user message is one passage. The answer must be
JSON of the schema :meth:`LLMCoder.schema` (``{"codes": [{"code": <one of the ids>, "evidence":
<a span copied from the passage>}]}``, at most ``max_codes``), asked for through
``response_format`` (default ``"json_object"`` with a ``schema``, the form llama-cpp-python's
server accepts (it refuses ``json_schema`` with HTTP 500, measured); ``"json_schema"`` is the
OpenAI form other servers take).

Validation. An answer that is not JSON of that shape, a code id the codebook does not have, or an
evidence span that does not occur in the passage (compared case- and whitespace-insensitively)
is not suggested; ``stats_`` counts each (``answers``, ``invalid_json``, ``unknown_code``,
``evidence_not_found``, ``suggested``, ``cached``). A suggestion's ``memo`` is its evidence, and
its ``score`` is 1 (chat models give no usable probability).

The cache. Each answer is stored under the sha256 of the URL's model, the system prompt, the
passage and the schema, as one JSON file in ``{cache_dir}/llm/`` (``$QUALCODE_CACHE`` or the
platform cache folder; ``cache_dir=False`` turns it off), written atomically: re-coding or
re-evaluating never asks the server twice about the same passage.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from ..codings import empty_codings, machine_codings
from ..errors import QualcodeError

CODER_NAME = "qualcode-llm"
DEFAULT_URL = "http://127.0.0.1:8080/v1"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
RESPONSE_FORMATS = ("json_schema", "json_object")


def is_local(url: str) -> bool:
    """Whether ``url``'s host is this machine."""
    host = (urlparse(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.")


def what_is_sent(url: str) -> str:
    """One sentence: what coding with a server at ``url`` sends, and to whom."""
    host = urlparse(url).hostname or url
    return (f"every passage's text and the codebook's definitions, inclusion and exclusion rules "
            f"and examples are sent to {host}")


class LLMCoder:
    """Code passages by prompting a chat model with the codebook (see the module docstring).

    Parameters
    ----------
    codebook : Codebook
    url : str
        Base URL of an OpenAI-compatible API (``.../v1``).
    model_name : str
        The ``model`` field of the request (local servers mostly ignore it).
    allow_remote : bool
        Allow a server that is not on this machine.
    codes : list of str or None
        Candidate code ids (default: the declared categories, else every code).
    max_codes : int
        At most this many codes per passage.
    n_examples : int
        Example quotes per code in the prompt.
    response_format : "json_schema" | "json_object"
    temperature, max_tokens, timeout
        Request settings (seconds for ``timeout``).
    api_key : str or None
        Sent as a bearer token (remote services need one; default ``$QUALCODE_LLM_KEY``).
    cache_dir : path, None or False
    """

    method = "llm"

    def __init__(self, codebook, *, url: str = DEFAULT_URL, model_name: str = "local",
                 allow_remote: bool = False, codes=None, max_codes: int = 2, n_examples: int = 2,
                 response_format: str = "json_object", temperature: float = 0.0,
                 max_tokens: int = 300, timeout: float = 120.0, api_key: str | None = None,
                 cache_dir=None):
        if not str(url).startswith(("http://", "https://")):
            raise QualcodeError(f"--llm-url must start with http:// or https://, not {url!r}")
        if not allow_remote and not is_local(url):
            raise QualcodeError(f"the LLM server {url} is not on this machine: {what_is_sent(url)}; "
                                "pass --allow-remote (allow_remote=True) if that is what you want")
        if response_format not in RESPONSE_FORMATS:
            raise QualcodeError(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, "
                                f"not {response_format!r}")
        self.codebook = codebook
        self.url = str(url).rstrip("/")
        self.model_name = model_name
        self.allow_remote = allow_remote
        cands = list(codes) if codes is not None else (list(codebook.categories) or codebook.ids())
        unknown = [c for c in cands if c not in codebook]
        if unknown:
            raise QualcodeError(f"code {unknown[0]!r} is not in the codebook; use its ids")
        self.codes = cands
        self.max_codes = int(max_codes)
        self.n_examples = int(n_examples)
        self.response_format = response_format
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.timeout = float(timeout)
        self.api_key = api_key if api_key is not None else os.environ.get("QUALCODE_LLM_KEY")
        self.cache_dir = cache_dir
        self.stats_ = _fresh_stats()

    # -- prompt and schema ------------------------------------------------------------------------

    def system_prompt(self) -> str:
        lines = ["You code passages of research interviews with a codebook. Read the passage and "
                 "choose the codes from the codebook below that it is an instance of (none if no "
                 "code fits). For each code, copy as evidence a short span of the passage, word for "
                 "word. Answer only with JSON.", "", "Codebook:"]
        for cid in self.codes:
            c = self.codebook[cid]
            lines.append(f"- {cid}: {c.name}. {c.description or ''}".rstrip())
            if c.inclusion:
                lines.append(f"  Include: {c.inclusion}")
            if c.exclusion:
                lines.append(f"  Exclude: {c.exclusion}")
            for ex in c.examples[: self.n_examples]:
                quote = ex.get("quote", "") if isinstance(ex, dict) else str(ex)
                if quote.strip():
                    lines.append(f"  Example: \"{quote.strip()}\"")
        return "\n".join(lines)

    def schema(self) -> dict:
        return {"type": "object", "properties": {"codes": {
            "type": "array", "maxItems": self.max_codes, "items": {
                "type": "object", "properties": {"code": {"type": "string", "enum": list(self.codes)},
                                                 "evidence": {"type": "string"}},
                "required": ["code", "evidence"]}}}, "required": ["codes"]}

    def request_body(self, passage: str) -> dict:
        if self.response_format == "json_schema":
            fmt = {"type": "json_schema", "json_schema": {"name": "codes", "schema": self.schema()}}
        else:
            fmt = {"type": "json_object", "schema": self.schema()}
        return {"model": self.model_name, "temperature": self.temperature, "max_tokens": self.max_tokens,
                "response_format": fmt,
                "messages": [{"role": "system", "content": self.system_prompt()},
                             {"role": "user", "content": f"Passage:\n{passage}"}]}

    # -- asking -----------------------------------------------------------------------------------

    def _cache_folder(self) -> Path | None:
        if self.cache_dir is False:
            return None
        if self.cache_dir is None:
            from .embeddings import default_cache_dir  # lazy: scikit-learn

            return default_cache_dir() / "llm"
        return Path(self.cache_dir) / "llm"

    def answer(self, passage: str) -> str:
        """The model's raw answer (message content) for one passage, from the cache if there."""
        body = self.request_body(passage)
        key = hashlib.sha256(json.dumps([self.url, body], sort_keys=True).encode("utf-8")).hexdigest()
        folder = self._cache_folder()
        if folder is not None:
            hit = folder / f"{key}.json"
            try:
                self.stats_["cached"] += 1
                return json.loads(hit.read_text(encoding="utf-8"))["content"]
            except (OSError, ValueError, KeyError):
                self.stats_["cached"] -= 1
        content = self._post(body)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{key}.{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps({"content": content}), encoding="utf-8")
            os.replace(tmp, folder / f"{key}.json")
        return content

    def _post(self, body: dict) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(f"{self.url}/chat/completions", data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (http(s) only)
                data = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise QualcodeError(f"the LLM server at {self.url} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise QualcodeError(f"no LLM server answers at {self.url} ({getattr(exc, 'reason', exc)}); "
                                "start one, e.g. python -m llama_cpp.server --model MODEL.gguf "
                                "--port 8080, or pass --llm-url") from None
        except ValueError:
            raise QualcodeError(f"the LLM server at {self.url} did not answer with JSON") from None
        try:
            return data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise QualcodeError(f"the LLM server at {self.url} gave no chat completion "
                                "(is it an OpenAI-compatible /v1 endpoint?)") from None

    def parse(self, content: str, passage: str) -> list[tuple[str, str]]:
        """Validated ``(code, evidence)`` pairs from one answer (see the module docstring)."""
        self.stats_["answers"] += 1
        try:
            items = json.loads(content)["codes"]
            if not isinstance(items, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self.stats_["invalid_json"] += 1
            return []
        out, seen, hay = [], set(), _squash(passage)
        for item in items[: self.max_codes]:
            if not isinstance(item, dict):
                self.stats_["invalid_json"] += 1
                continue
            code, evidence = item.get("code"), str(item.get("evidence", ""))
            if code not in self.codes:
                self.stats_["unknown_code"] += 1
                continue
            if not _squash(evidence) or _squash(evidence) not in hay:
                self.stats_["evidence_not_found"] += 1
                continue
            if code not in seen:
                seen.add(code)
                out.append((code, evidence.strip()))
        self.stats_["suggested"] += len(out)
        return out

    # -- coding -----------------------------------------------------------------------------------

    def predict(self, texts) -> np.ndarray:
        """0/1, texts x codebook codes."""
        ids = self.codebook.ids()
        out = np.zeros((len(texts), len(ids)), dtype=np.int8)
        for i, text in enumerate(texts):
            for code, _ in self.parse(self.answer(text), text):
                out[i, ids.index(code)] = 1
        return out

    def code(self, corpus) -> pd.DataFrame:
        """Code the codable segments. Columns: ``document, start, end, code, coder``
        (``qualcode-llm``), ``segment``, ``method`` (``llm``), ``score`` (1), ``memo`` (evidence)."""
        return self.code_segments(corpus.codable_segments())

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for seg in segments.itertuples(index=False):
            for code, evidence in self.parse(self.answer(seg.text), seg.text):
                rows.append((seg.document, seg.start, seg.end, code, seg.segment, 1.0,
                             f"evidence: {evidence}"))
        if not rows:
            return empty_codings()
        df = pd.DataFrame(rows, columns=["document", "start", "end", "code", "segment", "score", "memo"])
        return machine_codings(df, coder=CODER_NAME, method=self.method)

    def __repr__(self) -> str:
        return f"LLMCoder(url={self.url!r}, model={self.model_name!r}, {len(self.codes)} codes)"


def _fresh_stats() -> dict:
    return dict.fromkeys(("answers", "invalid_json", "unknown_code", "evidence_not_found",
                          "suggested", "cached"), 0)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("’", "'").lower()).strip(" .,;:\"'")
