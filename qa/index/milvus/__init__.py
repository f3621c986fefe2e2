"""A Milvus back-end for the store interface: Milvus Lite (a local ``.db`` file) or, unchanged,
a Milvus server or cluster (``http://host:19530``).

Five collections share a name prefix (:mod:`qa.index.milvus.schema`)::

    NAME_passages    passage text (normalised; Milvus's BM25 function over its jieba analyser
                     fills a sparse field) and its dense vector (FLAT, HNSW or IVF_FLAT index)
    NAME_sentences   sentence offsets and vectors, keyed by (paragraph, sentence number)
    NAME_paragraphs  paragraph text and its citation fields
    NAME_stats       document frequencies and pinyin spellings of our own tokens, per shard, so
                     the answer features use the same IDF as the local back-end; and the list
                     of shards with their passage counts
    NAME_documents   one row per indexed file: its sha256, shard and state (for resuming)

Keys are 63-bit hashes of content positions (:func:`qa.index.store.key64`), so several machines can
fill one collection side by side (``--shard i/n``): each writes only its own documents and its
own statistics rows (:mod:`qa.index.milvus.stats`), and readers sum the statistics over shards.
The encoder's name and dimension, the index format and the chunking settings are stored as
collection properties and checked on open, as the local manifest is.

Each document's row counts in the three content collections are kept in ``NAME_stats`` and
checked against the collections at open (:mod:`qa.index.milvus.ledger`): rows lost or added
behind the store's back (a deleted segment file, a half-restored backup) make it refuse to
answer with :class:`qa.errors.IndexCorruptError` instead of abstaining on every question. A
writer keeps a lease row per shard, so a second ``qa index`` on the same shard is refused while
the first one runs (a lease silent for two minutes is taken over).

Milvus collections need a vector field; the three bookkeeping collections carry a 2-dimensional
zero vector for that reason only.
"""

from qa.index.milvus.schema import COMPLETE, COUNTED, STARTED, TEXT_BYTES
from qa.index.milvus.store import MilvusStore

__all__ = ["COMPLETE", "COUNTED", "STARTED", "TEXT_BYTES", "MilvusStore"]
