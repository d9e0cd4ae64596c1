"""Saving and loading a trained :class:`ClassifierCoder` without pickle.

A model file (``.qcm``) is a zip archive with two members:

* ``model.json``: format version, the coder's parameters, ``classes_``, ``thresholds_``,
  ``skipped_``, the featurizer's settings and vocabularies, the codebook (as data) and its
  fingerprint, the training data hash, and the qualcode / scikit-learn / numpy versions;
* ``arrays.npz``: the idf vectors, ``coef_`` and ``intercept_``, read with
  ``np.load(allow_pickle=False)``.

Loading runs no code from the file: JSON and plain numeric arrays only, with size limits, so a
model someone sends you is as safe to open as a CSV. Only the built-in TF-IDF featurizer can be
saved this way; a model with a custom featurizer raises :class:`ModelError` on ``save``.

Loading with a codebook whose fingerprint differs from the training codebook warns; if the model
has codes that the codebook lacks, it raises :class:`ModelError`.
"""
from __future__ import annotations

import io
import json
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..codebook import Codebook
from ..errors import ModelError, QualcodeError
from ..fileio import atomic_path, require_regular_file
from ..version import __version__
from ..ziplimits import check_zip_directory, check_zip_file

FORMAT = "qualcode-classifier"
FORMAT_VERSION = 1
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # refuse archives that unpack to more (zip bombs)
_PARAMS = ("threshold", "min_examples", "C", "combine_keywords", "random_state", "label_rule",
           "class_weight", "inner_folds", "tol", "max_negatives")


def save_model(coder, path, *, force: bool = False) -> Path:
    """Write a fitted coder to ``path`` atomically (refuses to replace a file unless ``force``)."""
    from sklearn.utils.validation import check_is_fitted  # lazy: scikit-learn

    from .features import TfidfFeatures, features_state  # lazy: scikit-learn

    check_is_fitted(coder, "classes_")
    if not isinstance(coder.featurizer_, TfidfFeatures):
        raise ModelError("only models with the built-in 'tfidf' features can be saved without "
                         "pickle; retrain with features='tfidf'", file=path)
    import sklearn  # lazy: scikit-learn

    feat_state, arrays = features_state(coder.featurizer_)
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "qualcode_version": __version__, "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "params": {k: getattr(coder, k) for k in _PARAMS},
        "classes": [str(c) for c in coder.classes_],
        "thresholds": [float(t) for t in coder.thresholds_],
        "support": [int(s) for s in coder.support_],
        "skipped": {str(k): int(v) for k, v in coder.skipped_.items()},
        "n_segments": int(coder.n_segments_), "n_documents": int(coder.n_documents_),
        "training_hash": coder.training_hash_,
        "codebook_fingerprint": coder.codebook_fingerprint_,
        "codebook": coder.codebook.to_dict(),
        "features": feat_state,
    }
    arrays = {**arrays, "coef": np.asarray(coder.coef_, dtype=np.float64),
              "intercept": np.asarray(coder.intercept_, dtype=np.float64),
              "thresholds": np.asarray(coder.thresholds_, dtype=np.float64)}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with atomic_path(path, force=force) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("model.json", json.dumps(meta, ensure_ascii=False, sort_keys=True))
            zf.writestr("arrays.npz", buf.getvalue())
    return Path(path)


_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and arrays of a model file, checked for format and size."""
    path = Path(path)
    require_regular_file(path, error=ModelError, missing="no such model file")
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ModelError("no such model file", file=path) from None
    except (zipfile.BadZipFile, IsADirectoryError, OSError):
        raise ModelError("not a qualcode model file (expected a .qcm zip archive); "
                         "train one with 'qualcode train'", file=path) from None
    with zf:
        check_zip_directory(zf.infolist(), file=path, error=ModelError)
        members = {i.filename: i for i in zf.infolist()}
        for name in ("model.json", "arrays.npz"):
            if name not in members:
                raise ModelError(f"model file lacks {name}; train it again with 'qualcode train'",
                                 file=path)
            if members[name].file_size > MAX_MEMBER_BYTES:
                raise ModelError(f"{name} unpacks to {members[name].file_size} bytes, more than the "
                                 f"{MAX_MEMBER_BYTES} allowed", file=path)
        try:
            meta = json.loads(zf.read("model.json").decode("utf-8"))
            npz_bytes = zf.read("arrays.npz")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"model.json is not valid JSON ({exc})", file=path) from None
        except _DAMAGE as exc:
            raise ModelError(f"the model file is damaged ({type(exc).__name__}: {exc}); copy it "
                             "again or retrain it with 'qualcode train'", file=path) from None
        # arrays.npz is a zip too: a small member can hold arrays that inflate to gigabytes
        check_zip_file(io.BytesIO(npz_bytes), file=f"{path}#arrays.npz", what="a NumPy .npz archive",
                       error=ModelError)
        try:
            with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise ModelError(f"arrays.npz cannot be read without pickle ({exc})", file=path) from None
        except _DAMAGE as exc:
            raise ModelError(f"the model file is damaged ({type(exc).__name__}: {exc}); copy it "
                             "again or retrain it with 'qualcode train'", file=path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError("not a qualcode classifier model", file=path)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"model format version {meta.get('format_version')!r} is not supported "
                         f"(this qualcode reads version {FORMAT_VERSION}); retrain the model", file=path)
    return meta, arrays


#: model.json's fields and the JSON type each must have (what :func:`save_model` writes)
_FIELDS = {"params": dict, "classes": list, "support": list, "skipped": dict, "n_segments": int,
           "n_documents": int, "training_hash": str, "codebook_fingerprint": str, "codebook": dict,
           "features": dict}
_FEATURE_FIELDS = {"kind": str, "params": dict, "vectorizers": list}
_JSON_NAMES = {dict: "an object", list: "a list", int: "a whole number", str: "a string"}


def _json_type(value) -> str:
    for kind, name in _JSON_NAMES.items():
        if isinstance(value, kind) and not isinstance(value, bool):
            return name
    return {type(None): "null", bool: "true/false", float: "a number"}.get(type(value), "a value")


def check_fields(meta: dict, path) -> None:
    """Refuse a model.json whose fields are missing or of the wrong JSON type, naming the field
    (a hand-edited or foreign file would otherwise fail deep inside with an AttributeError)."""
    def check(mapping, fields, prefix):
        for name, kind in fields.items():
            if name not in mapping:
                raise ModelError(f"model.json lacks the field '{prefix}{name}'; the model file is "
                                 "damaged: retrain it with 'qualcode train'", file=path)
            value = mapping[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ModelError(f"model.json field '{prefix}{name}' is {_json_type(value)}, not "
                                 f"{_JSON_NAMES[kind]}; the model file is damaged: retrain it with "
                                 "'qualcode train'", file=path)

    check(meta, _FIELDS, "")
    check(meta["features"], _FEATURE_FIELDS, "features.")
    for i, vec in enumerate(meta["features"]["vectorizers"]):
        if not isinstance(vec, dict):
            raise ModelError(f"model.json field 'features.vectorizers[{i}]' is {_json_type(vec)}, "
                             "not an object; the model file is damaged: retrain it with "
                             "'qualcode train'", file=path)


def load_model(path, coder_class, *, codebook=None):
    """Rebuild a fitted coder of ``coder_class`` (:class:`ClassifierCoder`, which passes itself:
    this module does not import it) from a model file."""
    from .features import features_from_state  # lazy: scikit-learn

    meta, arrays = read_model_file(path)
    check_fields(meta, path)
    try:
        saved_cb = Codebook.from_dict(meta["codebook"])
        classes = list(meta["classes"])
        if codebook is None:
            codebook = saved_cb
        else:
            missing = [c for c in classes if c not in codebook]
            if missing:
                raise ModelError(f"the model codes {missing[0]!r}"
                                 f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''} "
                                 "which the codebook lacks; use the codebook the model was trained "
                                 "with or retrain", file=path)
            if codebook.fingerprint() != meta["codebook_fingerprint"]:
                warnings.warn(f"{path}: the codebook differs from the one the model was trained with "
                              f"(fingerprint {codebook.fingerprint()} vs "
                              f"{meta['codebook_fingerprint']}); its suggestions follow the old "
                              "definitions", UserWarning, stacklevel=3)
        coder = coder_class(codebook, features="tfidf", **meta["params"])
        coder.classes_ = np.array(classes, dtype=object)
        coder.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        coder.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        coder.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        coder.support_ = np.asarray(meta["support"], dtype=int)
        coder.skipped_ = {str(k): int(v) for k, v in meta["skipped"].items()}
        coder.n_segments_ = int(meta["n_segments"])
        coder.n_documents_ = int(meta["n_documents"])
        coder.training_hash_ = str(meta["training_hash"])
        coder.codebook_fingerprint_ = str(meta["codebook_fingerprint"])
        coder.featurizer_ = features_from_state(meta["features"], arrays)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, QualcodeError) as exc:
        raise ModelError(f"the model file is damaged ({type(exc).__name__}: {exc})", file=path) from None
    n_features = sum(len(v.vocabulary_) for _, v in coder.featurizer_.vectorizers_)
    if coder.coef_.shape != (len(classes), n_features) or coder.intercept_.shape != (len(classes),) \
            or coder.thresholds_.shape != (len(classes),):
        raise ModelError("the model's arrays do not fit its classes and vocabulary", file=path)
    return coder
