"""Question sets: our JSONL format, and SQuAD-style JSON (CMRC 2018, DRCD) with its corpus.

JSONL, one question per line::

    {"id", "question", "answers": [str, ...], "doc"?, "article"?, "paragraph"?, "type"?}

Empty ``answers`` means the documents do not answer it. A SQuAD-style file becomes a corpus
(each ``title`` an article, each ``context`` a paragraph) plus questions whose gold paragraph
is known.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import QAError
from qa.records import Article, Document, Field, Paragraph
from qa.settings import Settings


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    doc: str | None = None
    article: int | None = None
    paragraph: int | None = None
    type: str = "all"

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def gold_place(self) -> tuple[str, int, int] | None:
        if self.doc is None or self.article is None or self.paragraph is None:
            return None
        return (self.doc, self.article, self.paragraph)


def read_jsonl_questions(path: Path) -> list[GoldQuestion]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=str(row.get("id", n)),
                    question=row["question"],
                    answers=tuple(row.get("answers", [])),
                    doc=row.get("doc"),
                    article=row.get("article"),
                    paragraph=row.get("paragraph"),
                    type=row.get("type") or "all",
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise QAError(f"{path}:{n}: not a question object ({exc})") from exc
    return questions


def is_squad(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def squad_index_dir(path: Path, digest: str) -> Path:
    """Where ``qa eval`` keeps the local index of a SQuAD-style file (``digest``: its sha256)."""
    return Path("embeddings") / "eval" / f"{path.stem}-{digest[:12]}"


def read_squad(path: Path) -> tuple[list[Document], list[GoldQuestion]]:
    """SQuAD-style JSON -> (documents, questions). Each title is one document of one article."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        items = data["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise QAError(f"{path}: not a SQuAD-style JSON file ({exc})") from exc
    documents: list[Document] = []
    questions: list[GoldQuestion] = []
    for n, item in enumerate(items, start=1):
        title = str(item.get("title") or f"#{n}")
        name = f"{n:04d} {title}"
        paragraphs = []
        for i, para in enumerate(item["paragraphs"], start=1):
            paragraphs.append(Paragraph(i, para["context"]))
            for qa in para.get("qas", []):
                answers = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                questions.append(GoldQuestion(str(qa["id"]), qa["question"], answers, name, 1, i, "squad"))
        article = Article(index=1, paragraphs=tuple(paragraphs), title_field=Field(title, 0))
        documents.append(Document(path=str(path), sha256="", articles=(article,), name=name))
    return documents, questions


def squad_index(
    path: Path, settings: Settings, index_dir: Path | None = None, show_progress: bool = False
) -> tuple[Path, list[GoldQuestion]]:
    """The local index of a SQuAD-style question file, as ``qa eval`` keeps it (in
    :func:`squad_index_dir` unless ``index_dir``; built when missing, rebuilt when
    the file or the settings changed), and the file's questions."""
    from qa.index.build import build_from_documents
    from qa.index.freshness import is_current_files
    from qa.index.local import sha256_file

    digest = sha256_file(path)
    index_dir = index_dir or squad_index_dir(path, digest)
    documents, questions = read_squad(path)
    files = {path.name: digest}
    if not is_current_files(index_dir, files, settings):
        print(f"indexing {len(documents)} documents from {path.name} into {index_dir} …", file=sys.stderr)
        build_from_documents(documents, index_dir, settings, str(path), files, show_progress=show_progress)
    return index_dir, questions
