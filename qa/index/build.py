"""Build or update an index from a corpus folder, re-embedding only what changed.

Vectors are reused by the content hash of the text they embed, from the previous build when
it was made with the same encoder and chunking; deleted documents simply drop out. With
nothing changed (same files, same settings) the build returns at once without loading the
encoder.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa import __version__
from qa.errors import NothingToIndexError, QAError
from qa.index.corpus import IndexRows, SpanRecord, flatten
from qa.index.encoders import Encoder, encoder_name, get_encoder
from qa.index.local.folder import remove_stale_builds, sha256_file, write_build, writing
from qa.index.local.index import Index
from qa.index.local.manifest import read_manifest, verify_artefacts, write_manifest
from qa.ingest.chunk import CHUNKER
from qa.ingest.decode import display_name
from qa.ingest.documents import Skipped, ingest_walked, walk
from qa.records import Document
from qa.settings import FORMAT_VERSION, Settings
from qa.text.normalize import NORMALISER
from qa.text.tokenize import TOKENIZER, userdict_hash

if TYPE_CHECKING:
    from qa.evaluation.questions import GoldQuestion

log = logging.getLogger(__name__)
USERDICT = "userdict.txt"


@dataclass
class BuildReport:
    documents: int = 0
    articles: int = 0
    paragraphs: int = 0
    passages: int = 0
    sentences: int = 0
    embedded_passages: int = 0
    embedded_sentences: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        state = "up to date" if self.up_to_date else "built"
        return (
            f"{state}: {self.documents} documents, {self.articles} articles, {self.paragraphs} paragraphs, "
            f"{self.passages} passages, {self.sentences} sentences; embedded {self.embedded_passages} "
            f"passages and {self.embedded_sentences} sentences in {self.seconds:.1f} s"
        )


def corpus_fingerprint(corpus: Path, follow_links: bool = False) -> dict[str, str]:
    """File name -> sha256 for every document file (and the user dictionary)."""
    return _fingerprint(corpus, walk(corpus, follow_links)[0])


def _fingerprint(corpus: Path, paths: list[Path]) -> dict[str, str]:
    base = corpus if corpus.is_dir() else corpus.parent
    files = {}
    for p in paths:
        try:
            digest = sha256_file(p)
        except OSError as exc:  # ingest skips it with the reason; a later read may succeed
            digest = f"unreadable ({exc.strerror})"
        files[display_name(p.relative_to(base).as_posix())] = digest
    userdict = base / USERDICT
    if userdict.is_file():
        files[USERDICT] = userdict_hash(userdict)
    return files


def is_current(index_dir: Path, corpus: Path, settings: Settings, verify: bool = True) -> bool:
    """True when the manifest says the index was built from these files with these settings.
    ``verify=False`` skips the artefacts' checksums, for a caller that loads the index next (the
    load checks them: each is read once)."""
    return is_current_files(index_dir, corpus_fingerprint(corpus), settings, verify=verify)


def is_current_files(
    index_dir: Path,
    files: dict[str, str],
    settings: Settings,
    encoder: str | None = None,
    verify: bool = True,
) -> bool:
    """Same as :func:`is_current` for a given fingerprint (``encoder``: its name, if not the settings').

    The artefacts are verified too (unless ``verify`` is false): a damaged index is never "current"."""
    try:
        manifest = read_manifest(index_dir)
        if verify:
            verify_artefacts(index_dir, manifest)
    except QAError:
        return False
    return bool(
        manifest["encoder"]["name"] == (encoder or encoder_name(settings.encoder))
        and manifest["settings"] == settings.index_fields()
        and manifest["normaliser"] == NORMALISER
        and manifest["tokenizer"]["name"] == TOKENIZER
        and manifest["corpus"]["files"] == files
        and manifest.get("chunker") == CHUNKER
    )


def _previous(index_dir: Path, settings: Settings, name: str) -> Index | None:
    """The previous build, if it is sound and its vectors (from encoder ``name``) can be reused."""
    try:
        old = Index.load(index_dir)
    except QAError as exc:
        if index_dir.joinpath("manifest.json").exists():
            log.warning("previous index not reused: %s", exc)
        return None
    if old.encoder_name != name or old.manifest["settings"] != settings.index_fields():
        return None
    return old


class VectorCache:
    """Vectors kept as they are computed, one file per batch under ``index/.cache/<encoder>``,
    so a build that dies (killed, out of memory, a crash after embedding) loses none of its
    embedding: the next build reads them back by content hash. Removed once a build is in place.
    A damaged or half-written batch file is ignored (it is written under a temporary name
    and renamed when complete)."""

    def __init__(self, index_dir: Path, encoder: str):
        import hashlib

        self.folder = index_dir / ".cache" / hashlib.sha256(encoder.encode()).hexdigest()[:16]

    def load(self) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for path in sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []:
            try:
                with np.load(path, allow_pickle=False) as batch:
                    found.update(zip(batch["hashes"].tolist(), batch["vectors"], strict=True))
            except (OSError, ValueError, KeyError) as exc:
                log.warning("cached vectors %s not used: %s", path.name, exc)
        return found

    def put(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        import uuid

        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = self.folder / f".{name}.npz"
        np.savez(tmp, hashes=np.array(list(hashes)), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(tmp, self.folder / f"{name}.npz")

    def clear(self) -> None:
        shutil.rmtree(self.folder.parent, ignore_errors=True)


def _reuse_and_embed(
    records: list[SpanRecord],
    texts: Sequence[str],
    old: dict[str, np.ndarray],
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: Callable[[], int],
    batch: int,
    progress: Callable[[int], None],
    cache: VectorCache | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``records``: reused by hash where possible, encoded in batches otherwise
    (each batch kept in ``cache`` as soon as it is encoded)."""
    missing: dict[str, str] = {}
    for r, text in zip(records, texts, strict=True):
        if r.hash not in old:
            missing.setdefault(r.hash, text)
    fresh: dict[str, np.ndarray] = {}
    # Texts of similar length batch together, so a batch wastes little on padding.
    todo = sorted(missing.items(), key=lambda item: len(item[1]))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = encode([text for _, text in chunk])
        if cache is not None:
            cache.put([h for h, _ in chunk], vectors)
        fresh.update({h: v for (h, _), v in zip(chunk, vectors, strict=True)})
        progress(len(chunk))
    if not records:
        return np.zeros((0, dim()), dtype=np.float32), 0
    rows = [fresh[r.hash] if r.hash in fresh else old[r.hash] for r in records]
    return np.vstack(rows).astype(np.float32), len(todo)


def build_index(
    corpus: Path,
    index_dir: Path,
    settings: Settings = Settings(),
    encoder: Encoder | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
    follow_links: bool = False,
) -> BuildReport:
    """Index every document under ``corpus`` into ``index_dir``; see the module docstring.
    Links that lead outside ``corpus`` are followed only with ``follow_links``."""
    started = time.perf_counter()
    if not corpus.exists():
        raise QAError(f"{corpus}: no such corpus folder")
    name = encoder.name if encoder is not None else encoder_name(settings.encoder)
    paths, passed_over = walk(corpus, follow_links)
    files = _fingerprint(corpus, paths)
    if not rebuild and is_current_files(index_dir, files, settings, name):
        counts = read_manifest(index_dir)["counts"]
        return BuildReport(
            **counts, seconds=time.perf_counter() - started, up_to_date=True, skipped=passed_over
        )
    documents, skipped = ingest_walked(corpus, paths, passed_over)
    if not documents:
        said = "".join(f"\n  skipped {s.path}: {s.reason}" for s in skipped)
        raise NothingToIndexError(
            f"{corpus}: no document with text to index" + (said or " (the folder is empty)"),
            tuple((s.path, s.reason) for s in skipped),
        )
    base = corpus if corpus.is_dir() else corpus.parent
    userdict = base / USERDICT
    report = build_from_documents(
        documents,
        index_dir,
        settings,
        root=str(corpus),
        files=files,
        userdict=userdict if userdict.is_file() else None,
        encoder=encoder,
        rebuild=rebuild,
        show_progress=show_progress,
    )
    report.skipped = skipped
    report.seconds = time.perf_counter() - started
    return report


def squad_index(
    path: Path, settings: Settings, index_dir: Path | None = None, show_progress: bool = False
) -> tuple[Path, list[GoldQuestion]]:
    """The local index of a SQuAD-style question file, as ``qa eval`` keeps it (in
    :func:`qa.evaluation.questions.squad_index_dir` unless ``index_dir``; built when missing, rebuilt when
    the file or the settings changed), and the file's questions."""
    from qa.evaluation.questions import read_squad, squad_index_dir

    digest = sha256_file(path)
    index_dir = index_dir or squad_index_dir(path, digest)
    documents, questions = read_squad(path)
    files = {path.name: digest}
    if not is_current_files(index_dir, files, settings):
        print(f"indexing {len(documents)} documents from {path.name} into {index_dir} …", file=sys.stderr)
        build_from_documents(documents, index_dir, settings, str(path), files, show_progress=show_progress)
    return index_dir, questions


def build_from_documents(
    documents: list[Document],
    index_dir: Path,
    settings: Settings,
    root: str,
    files: dict[str, str],
    userdict: Path | None = None,
    encoder: Encoder | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
) -> BuildReport:
    """Index ready documents; ``files`` (name -> sha256) is recorded to tell staleness later.
    One writer at a time: a second is refused (:class:`qa.errors.IndexBusyError`)."""
    with writing(index_dir):  # (which makes the folder)
        started = time.perf_counter()
        name = encoder.name if encoder is not None else encoder_name(settings.encoder)
        paragraphs, passages, sentences = flatten(
            documents, settings.passage_chars, settings.passage_overlap_chars
        )
        passage_texts = [paragraphs[p.para].text[p.start : p.end] for p in passages]
        sentence_texts = [paragraphs[s.para].text[s.start : s.end] for s in sentences]

        old = None if rebuild else _previous(index_dir, settings, name)
        old_vectors: dict[str, np.ndarray] = {}
        if old is not None:
            old_vectors.update({r.hash: v for r, v in zip(old.passages, old.passage_vectors, strict=True)})
            old_vectors.update(
                {r.hash: v for r, v in zip(old.sentence_table, old.sentence_vectors, strict=True)}
            )
        cache = VectorCache(index_dir, name)
        if rebuild:
            cache.clear()
        cached = cache.load()
        if cached:
            log.info("reusing %d vectors an interrupted build had computed", len(cached))
        old_vectors.update({h: v for h, v in cached.items() if h not in old_vectors})

        loaded: list[Encoder] = [encoder] if encoder is not None else []

        def the_encoder() -> Encoder:
            if not loaded:
                loaded.append(get_encoder(settings.encoder))
            return loaded[0]

        def dim() -> int:
            return int(old.manifest["encoder"]["dim"]) if old is not None else the_encoder().dim

        todo = len({r.hash for r in passages + sentences if r.hash not in old_vectors})
        bar = _progress_bar(todo, show_progress)
        embedded = []
        for rows, texts in ((passages, passage_texts), (sentences, sentence_texts)):
            vectors, n = _reuse_and_embed(
                rows, texts, old_vectors, lambda t: the_encoder().encode_passages(t), dim, settings.batch_size, bar, cache
            )
            old_vectors.update({r.hash: v for r, v in zip(rows, vectors, strict=True)})  # sentences reuse passages'
            embedded.append((vectors, n))
        (passage_vectors, n_pass), (sentence_vectors, n_sent) = embedded
        bar(-1)

        report = BuildReport(
            documents=len(documents),
            articles=sum(len(d.articles) for d in documents),
            paragraphs=len(paragraphs),
            passages=len(passages),
            sentences=len(sentences),
            embedded_passages=n_pass,
            embedded_sentences=n_sent,
        )
        made = IndexRows(paragraphs, passages, sentences, passage_vectors, sentence_vectors)
        build_id, artefacts = write_build(index_dir, made, settings.index_fields(), userdict)
        manifest = {
            "format_version": FORMAT_VERSION,
            "qa_version": __version__,
            "build": build_id,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "encoder": {
                "name": name,
                "dim": int(passage_vectors.shape[1]) if len(passage_vectors) else dim(),
            },
            "settings": settings.index_fields(),
            "normaliser": NORMALISER,
            "chunker": CHUNKER,
            "tokenizer": {"name": TOKENIZER, "userdict_sha256": userdict_hash(userdict)},
            "corpus": {"root": root, "files": files},
            "counts": {
                "documents": report.documents,
                "articles": report.articles,
                "paragraphs": report.paragraphs,
                "passages": report.passages,
                "sentences": report.sentences,
            },
            "artefacts": artefacts,
        }
        write_manifest(index_dir, manifest)
        remove_stale_builds(index_dir, keep=build_id)
        cache.clear()
        report.seconds = time.perf_counter() - started
        return report


def _progress_bar(total: int, enabled: bool) -> Callable[[int], None]:
    """A tqdm bar on a terminal (not in CI logs); call with -1 to close."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr)

    def step(n: int) -> None:
        if n < 0:
            bar.close()
        else:
            bar.update(n)

    return step
