"""qa: extractive question answering over Chinese documents, with checkable citations.

One folder per pipeline stage::

    files -> ingest/    decode, loaders (PDF, HTML, DOCX), layout repair, articles and paragraphs, chunks
          -> index/     encoders, the local FAISS + bm25s folder or Milvus, the build
          -> retrieve/  BM25 and dense rankings, fused
          -> read/      the question, the answering sentence, the learned reader's span, the citation
          -> present/   terminal text, HTML, the source viewer, the web app, the CLI

``text/`` holds what every stage shares (normalisation, jieba tokens); ``evaluation/`` scores
answers against question sets. ``records``, ``answer``, ``settings`` and ``errors`` are the
records, settings and errors the stages pass between them.

The public face, imported on first use so that ``import qa.errors`` stays light::

    from qa import Assistant, build_index
    build_index(Path("seeds"), Path("embeddings"))
    answer = Assistant.load(Path("embeddings")).ask("石柱摸排发现突出问题多少个？")
    answer.citations[0].quote
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "Assistant": "qa.read.assistant",
    "Answer": "qa.answer",
    "Citation": "qa.answer",
    "Source": "qa.answer",
    "Settings": "qa.settings",
    "build_index": "qa.index.build",
    "QAError": "qa.errors",
    "QuestionEmpty": "qa.errors",
    "QuestionTooLong": "qa.errors",
    "IndexMissingError": "qa.errors",
    "IndexCorruptError": "qa.errors",
    "IndexMismatchError": "qa.errors",
    "NothingToIndexError": "qa.errors",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
