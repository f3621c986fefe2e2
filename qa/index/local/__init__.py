"""The local back-end: an index folder of FAISS, bm25s and JSONL files, checked against its
manifest on every load (:mod:`qa.index.local.index`, :mod:`qa.index.local.manifest`,
:mod:`qa.index.local.folder`)."""

from qa.index.local.folder import make_dense_index, sha256_file, writing
from qa.index.local.index import Index
from qa.index.local.manifest import read_manifest

__all__ = ["Index", "make_dense_index", "read_manifest", "sha256_file", "writing"]
